/* emit_ptx.h — the PTX emitter, phase 7b (runtime/RING.md section 5; codes
 * E0602).  From the checked AST (after `actorc check`'s phases) it builds,
 * with the LLVM 19 C API, one module holding one persistent kernel
 * `ag_ring_<Actor>` per `ring actor` of the program, and lowers it either
 * to PTX (triple nvptx64-nvidia-cuda) or, for `--gpu=emulate`, to an
 * x86-64 object defining `void ag_ring_<Actor>_host(void *ring, void
 * *scratch)` from the very same builder code.
 *
 * This header carries no LLVM type: the driver (compiler/driver.c) and the
 * C emitter (codegen/emit_c_ring.c) include it; only emit_ptx.c sees LLVM.
 */
#ifndef AC_EMIT_PTX_H
#define AC_EMIT_PTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ac.h"
#include "ar.h"

/* RING.md section 2/3: fixed offsets of the shared ring memory and the
 * scratch block (bytes), from the runtime ABI header (runtime/ar.h). */
#define AG_RING_TERMINATE AR_RING_OFF_TERMINATE
#define AG_RING_ACTIVE AR_RING_OFF_ACTIVE
#define AG_RING_TERMINATED AR_RING_OFF_TERMINATED
#define AG_RING_HANDLED AR_RING_OFF_HANDLED
#define AG_RING_IDLE_POLLS AR_RING_OFF_IDLE_POLLS
#define AG_RING_IN_HEAD AR_RING_OFF_IN_HEAD
#define AG_RING_IN_TAIL AR_RING_OFF_IN_TAIL
#define AG_RING_OUT_HEAD AR_RING_OFF_OUT_HEAD
#define AG_RING_OUT_TAIL AR_RING_OFF_OUT_TAIL
#define AG_RING_HDR AR_RING_HDR
#define AG_SCRATCH_BARRIER AR_RING_SCR_BARRIER
#define AG_SCRATCH_DISPATCH AR_RING_SCR_DISPATCH
#define AG_SCRATCH_FAULT AR_RING_SCR_FAULT
#define AG_SCRATCH_SEQ AR_RING_SCR_SEQ
#define AG_SCRATCH_PAYLOAD AR_RING_SCRATCH_MSG
#define AG_RING_TERMINATE_CMD AR_RING_TERMINATE

/* The constants baked into the kernel of one ring actor. */
typedef struct ring_geometry {
  uint32_t threads;      /* launch parameter `threads:` (default 256) */
  uint32_t blocks;       /* `blocks:` (default 1) */
  uint32_t cap;          /* `ring:` slots per ring, a power of two (default 64) */
  uint32_t in_slot;      /* 16 + max over handlers of the message payload (>= 16) */
  uint32_t out_slot;     /* 16 + max over handlers of the reply payload (>= 16) */
  uint32_t scratch_size; /* 256 + in_slot */
  uint32_t nhandlers;    /* `on` clauses; handler index = position among them */
  uint64_t ring_bytes;   /* AG_RING_HDR + cap * (in_slot + out_slot) */
} ring_geometry;

/* Geometry of a `ring actor` declaration (DECL_ACTOR with is_ring).  False
 * when `actor` is not a checked ring actor or a launch parameter is out of
 * range (the front end reports those; nothing is reported here). */
bool emit_ptx_ring_geometry(const ast_decl *actor, ring_geometry *out);

/* Index of handler `h` among `actor`'s `on` clauses (the value of the in
 * slot's `handler` word and of scratch.dispatch), or -1. */
int emit_ptx_handler_index(const ast_decl *actor, const ast_handler *h);

/* Does the program hold at least one `ring actor`? */
bool emit_ptx_has_ring(ac_ctx *cx);

/* Is `arch` a GPU architecture the emitter accepts (sm_75 .. sm_90a)? */
bool emit_ptx_arch_ok(const char *arch);

typedef enum {
  EMIT_PTX_ASM,      /* PTX text for `gpu_arch` */
  EMIT_PTX_LL,       /* the GPU module's LLVM IR as built (before O2) */
  EMIT_PTX_HOST_OBJ, /* --gpu=emulate: x86-64 ELF object (PIC) */
  EMIT_PTX_HOST_LL   /* the emulate module's LLVM IR (tests, debugging) */
} emit_ptx_kind;

/* Builds every ring actor of the checked program (cx after own_run) into
 * one module, verifies it (LLVMVerifyModule; a failure is an internal
 * error), runs the O2 pipeline and emits `kind`.  On success *out is a
 * malloc'd buffer of *out_len bytes plus a terminating NUL (the caller
 * frees it).  Constructs outside the kernel subset are reported as E0602 at
 * their span and false is returned.  `gpu_arch` NULL means "sm_80". */
bool emit_ptx_run(ac_ctx *cx, emit_ptx_kind kind, const char *gpu_arch,
                  char **out, size_t *out_len);

/* driver.c: the front end (parse .. own) on `path`, then emit_ptx_run.
 * *no_ring is set (and false returned, nothing reported) when the program
 * has no ring actor. */
bool ac_emit_ptx_file(ac_ctx *cx, const char *path, emit_ptx_kind kind,
                      char **out, size_t *out_len, bool *no_ring);

#endif
