/* emit_ptx.c — the PTX emitter (phase 7b; runtime/RING.md section 5).
 *
 * One LLVM module holds, per `ring actor`, the persistent kernel
 * `ag_ring_<Actor>` (GPU) or `ag_ring_<Actor>_host` (emulate), one internal
 * function per handler and one per top-level `fn` they call.  Both variants
 * come from the same builder; `P->gpu` selects how the few target-specific
 * operations are spelled (px_ld_acquire, px_st_release, px_red_add,
 * px_fence_sys, px_sleep, px_grid_barrier):
 *   GPU      inline PTX (LLVM 19's NVPTX back end aborts on IR acquire/
 *            release atomics and fences, TOOLCHAIN.md 2.2), sreg intrinsics,
 *            nanosleep, bar.sync;
 *   emulate  native IR atomics, sched_yield(), no-op barriers, and the
 *            handler round run for every (block, thread) in block-major
 *            order by the one host thread.
 *
 * Values inside handlers and device fns, by the category of their type:
 *   scalar   bool (i1; i8 0/1 in memory), i8..u64, f32, f64, enums (i32
 *            tag), duration/time (i64 ns): an LLVM scalar;
 *   buf      buf<T>: {i64 dev, i64 len} (RING.md section 4);
 *   address  a record, tuple or optional read from the message: a pointer
 *            into the payload (read-only; the payload never changes while
 *            a handler runs).
 * Integer arithmetic wraps at the type's width (like emit_c_expr.c);
 * division follows ar_idiv/ar_imod/ar_udiv/ar_umod (runtime/val.c) with a
 * division by zero faulting with code 1; float -> int casts saturate with
 * NaN -> 0 (ar_f2i64 / ar_f2u64) through llvm.fpto[su]i.sat; no fast-math
 * flag is ever set (no FMA contraction: NVPTX then prints mul.rn/add.rn,
 * which ptxas does not fuse).
 *
 * A fault (RING.md section 2) does atomic CAS scratch.fault 0 -> code, sets
 * the thread's fault flag and returns; device fns return to their caller,
 * which checks the flag after every call and returns in turn, up to the
 * handler.  Anything outside the subset is E0602 at its span (one per
 * body), and no module is emitted.
 */
#include "emit_ptx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "builtins.h"
#include "ring_layout.h"

/* ================================================================ geometry */

static bool px_is_pow2(uint64_t v) { return v && !(v & (v - 1)); }

static uint32_t px_launch(const ast_decl *a, const char *name, uint32_t dflt) {
  for (uint32_t i = 0; i < a->u.actor.launch.len; i++) {
    ast_field_init *fi = AST_AT(a->u.actor.launch, i, ast_field_init);
    int64_t v;
    if (fi && fi->name.name && !strcmp(fi->name.name, name) &&
        types_const_int(fi->value, &v) && v > 0 && v <= 0x7fffffff)
      return (uint32_t)v;
  }
  return dflt;
}

static type *px_handler_msg(const ast_handler *h) {
  if (h->binding_sym && h->binding_sym->ty)
    return h->binding_sym->ty;
  if (h->msg_type && h->msg_type->ty)
    return h->msg_type->ty;
  if (h->msg_sym && h->msg_sym->decl && h->msg_sym->decl->sym)
    return h->msg_sym->decl->sym->ty;
  return NULL;
}

static type *px_handler_reply(const ast_handler *h) {
  return h->reply && h->reply->ty && h->reply->ty->kind == TY_MESSAGE
             ? h->reply->ty
             : NULL;
}

bool emit_ptx_ring_geometry(const ast_decl *a, ring_geometry *g) {
  memset(g, 0, sizeof *g);
  if (!a || a->kind != DECL_ACTOR || !a->u.actor.is_ring)
    return false;
  g->threads = px_launch(a, "threads", 256);
  g->blocks = px_launch(a, "blocks", 1);
  g->cap = px_launch(a, "ring", 64);
  uint32_t in = 16, out = 16;
  for (uint32_t i = 0; i < a->u.actor.handlers.len; i++) {
    ast_handler *h = AST_AT(a->u.actor.handlers, i, ast_handler);
    if (!h)
      continue;
    type *m = px_handler_msg(h), *r = px_handler_reply(h);
    uint32_t pm = m ? ring_layout_payload(m) : 0;
    uint32_t pr = r ? ring_layout_payload(r) : 0;
    if (pm > in)
      in = pm;
    if (pr > out)
      out = pr;
  }
  g->in_slot = 16 + in;
  g->out_slot = 16 + out;
  g->scratch_size = AG_SCRATCH_PAYLOAD + g->in_slot;
  g->nhandlers = a->u.actor.handlers.len;
  g->ring_bytes =
      AG_RING_HDR + (uint64_t)g->cap * ((uint64_t)g->in_slot + g->out_slot);
  return g->threads >= 1 && g->threads <= 1024 && g->blocks >= 1 &&
         px_is_pow2(g->cap);
}

int emit_ptx_handler_index(const ast_decl *a, const ast_handler *h) {
  if (!a || a->kind != DECL_ACTOR)
    return -1;
  for (uint32_t i = 0; i < a->u.actor.handlers.len; i++)
    if (AST_AT(a->u.actor.handlers, i, ast_handler) == h)
      return (int)i;
  return -1;
}

bool emit_ptx_has_ring(ac_ctx *cx) {
  if (!cx->prog)
    return false;
  for (uint32_t m = 0; m < cx->prog->modules.len; m++) {
    ast_module *mod = AST_AT(cx->prog->modules, m, ast_module);
    for (uint32_t i = 0; mod && i < mod->decls.len; i++) {
      ast_decl *d = AST_AT(mod->decls, i, ast_decl);
      if (d && d->kind == DECL_ACTOR && d->u.actor.is_ring)
        return true;
    }
  }
  return false;
}

bool emit_ptx_arch_ok(const char *arch) {
  static const char *ok[] = {"sm_75", "sm_80", "sm_86", "sm_87",
                             "sm_89", "sm_90", "sm_90a"};
  for (size_t i = 0; arch && i < sizeof ok / sizeof ok[0]; i++)
    if (!strcmp(arch, ok[i]))
      return true;
  return false;
}

/* ================================================================ state */

typedef enum { CAT_NONE, CAT_SCALAR, CAT_BUF, CAT_ADDR, CAT_UNIT } px_cat;

typedef struct px_local {
  const sym *s;
  LLVMValueRef slot;
  LLVMTypeRef ty;
} px_local;

typedef struct px_fn {
  const ast_decl *decl;
  LLVMValueRef fn;
  LLVMTypeRef fty;
  bool emitted;
} px_fn;

typedef struct px_loop {
  LLVMBasicBlockRef brk, cont;
} px_loop;

typedef struct px {
  ac_ctx *cx;
  bool gpu;
  LLVMContextRef C;
  LLVMModuleRef M;
  LLVMBuilderRef B;
  LLVMTypeRef i1, i8, i16, i32, i64, f32, f64, vd, gp, bufty;
  /* device fns, in order of first call */
  px_fn *fns;
  uint32_t nfns, capfns;
  /* current body */
  LLVMValueRef fn;
  LLVMBasicBlockRef entry; /* allocas only; branches to the body at the end */
  LLVMValueRef scratch, flag, tid, bid, payload, outp;
  const ast_handler *handler; /* NULL in a device fn */
  type *ret;                  /* device fn return type */
  LLVMBasicBlockRef fault_bb; /* faults end up here (after the CAS) */
  px_local *locals;
  uint32_t nlocals, caplocals;
  px_loop loops[64];
  int nloops;
  bool body_failed; /* an E0602 was reported in this body */
  bool failed;
  ring_geometry geo;
} px;

/* ================================================================ helpers */

static type *px_strip(type *t) {
  while (t && (t->kind == TY_VAL || t->kind == TY_BORROW))
    t = t->elem;
  return t;
}

static bool px_is_int(const type *t) {
  return t && ((t->kind >= TY_I8 && t->kind <= TY_U64) ||
               t->kind == TY_DURATION || t->kind == TY_TIME);
}
static bool px_is_unsigned(const type *t) {
  return t && t->kind >= TY_U8 && t->kind <= TY_U64;
}
static bool px_is_float(const type *t) {
  return t && (t->kind == TY_F32 || t->kind == TY_F64);
}
static bool px_is_scalar_elem(const type *t) {
  return t && t->kind >= TY_BOOL && t->kind <= TY_F64;
}

static px_cat px_cat_of(type *t) {
  t = px_strip(t);
  if (!t)
    return CAT_NONE;
  switch (t->kind) {
  case TY_UNIT: return CAT_UNIT;
  case TY_BOOL:
  case TY_I8: case TY_I16: case TY_I32: case TY_I64:
  case TY_U8: case TY_U16: case TY_U32: case TY_U64:
  case TY_F32: case TY_F64:
  case TY_DURATION: case TY_TIME: return CAT_SCALAR;
  case TY_ENUM: {
    /* payload-free enums only (RING.md section 4: the tag) */
    return CAT_SCALAR;
  }
  case TY_BUF: return px_is_scalar_elem(px_strip(t->elem)) ? CAT_BUF : CAT_NONE;
  case TY_MESSAGE:
  case TY_STRUCT:
  case TY_TUPLE:
  case TY_OPT: return ring_layout_of(t).size ? CAT_ADDR : CAT_NONE;
  default: return CAT_NONE;
  }
}

static unsigned px_bits(const type *t) {
  switch (t->kind) {
  case TY_BOOL: return 1;
  case TY_I8: case TY_U8: return 8;
  case TY_I16: case TY_U16: return 16;
  case TY_I32: case TY_U32: case TY_ENUM: case TY_F32: return 32;
  default: return 64;
  }
}

/* The LLVM type of a value of type t (by category). */
static LLVMTypeRef px_ty(px *P, type *t) {
  t = px_strip(t);
  switch (px_cat_of(t)) {
  case CAT_BUF: return P->bufty;
  case CAT_ADDR: return P->gp;
  case CAT_UNIT: return P->vd;
  case CAT_SCALAR:
    if (t->kind == TY_F32)
      return P->f32;
    if (t->kind == TY_F64)
      return P->f64;
    return LLVMIntTypeInContext(P->C, px_bits(t));
  default: return P->i64;
  }
}

/* The LLVM type of a scalar in memory (bool: i8). */
static LLVMTypeRef px_mem_ty(px *P, type *t) {
  t = px_strip(t);
  if (t->kind == TY_BOOL)
    return P->i8;
  return px_ty(P, t);
}

static LLVMValueRef px_i32c(px *P, uint64_t v) {
  return LLVMConstInt(P->i32, v, 0);
}
static LLVMValueRef px_i64c(px *P, uint64_t v) {
  return LLVMConstInt(P->i64, v, 0);
}

static bool px_terminated(px *P) {
  LLVMBasicBlockRef bb = LLVMGetInsertBlock(P->B);
  return bb && LLVMGetBasicBlockTerminator(bb) != NULL;
}

static LLVMBasicBlockRef px_block(px *P, const char *name) {
  return LLVMAppendBasicBlockInContext(P->C, P->fn, name);
}

/* Branch to bb unless the current block already ended. */
static void px_br(px *P, LLVMBasicBlockRef bb) {
  if (!px_terminated(P))
    LLVMBuildBr(P->B, bb);
}

static void px_at(px *P, LLVMBasicBlockRef bb) {
  LLVMPositionBuilderAtEnd(P->B, bb);
}

/* After a terminator: later statements go to a fresh unreachable block. */
static void px_dead(px *P) {
  if (px_terminated(P))
    px_at(P, px_block(P, "dead"));
}

/* byte address base + off */
static LLVMValueRef px_off(px *P, LLVMValueRef base, uint64_t off,
                           const char *name) {
  if (!off)
    return base;
  LLVMValueRef idx = px_i64c(P, off);
  return LLVMBuildGEP2(P->B, P->i8, base, &idx, 1, name);
}

static LLVMValueRef px_offv(px *P, LLVMValueRef base, LLVMValueRef off,
                            const char *name) {
  return LLVMBuildGEP2(P->B, P->i8, base, &off, 1, name);
}

static LLVMValueRef px_load(px *P, LLVMTypeRef t, LLVMValueRef p, unsigned al,
                            const char *name) {
  LLVMValueRef l = LLVMBuildLoad2(P->B, t, p, name);
  if (al)
    LLVMSetAlignment(l, al);
  return l;
}

static void px_store(px *P, LLVMValueRef v, LLVMValueRef p, unsigned al) {
  LLVMValueRef s = LLVMBuildStore(P->B, v, p);
  if (al)
    LLVMSetAlignment(s, al);
}

static LLVMValueRef px_vload(px *P, LLVMTypeRef t, LLVMValueRef p,
                             unsigned al, const char *name) {
  LLVMValueRef l = px_load(P, t, p, al, name);
  LLVMSetVolatile(l, 1);
  return l;
}

static void px_vstore(px *P, LLVMValueRef v, LLVMValueRef p, unsigned al) {
  LLVMValueRef s = LLVMBuildStore(P->B, v, p);
  LLVMSetAlignment(s, al);
  LLVMSetVolatile(s, 1);
}

static LLVMValueRef px_alloca(px *P, LLVMTypeRef t, const char *name) {
  LLVMBuilderRef b = LLVMCreateBuilderInContext(P->C);
  LLVMValueRef first = LLVMGetFirstInstruction(P->entry);
  if (first)
    LLVMPositionBuilderBefore(b, first);
  else
    LLVMPositionBuilderAtEnd(b, P->entry);
  LLVMValueRef a = LLVMBuildAlloca(b, t, name);
  LLVMDisposeBuilder(b);
  return a;
}

static LLVMValueRef px_intrinsic(px *P, const char *name, LLVMTypeRef *over,
                                 size_t nover, LLVMTypeRef *fty_out) {
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  if (!id)
    AC_ICE("LLVM intrinsic %s not found", name);
  LLVMValueRef f = LLVMGetIntrinsicDeclaration(P->M, id, over, nover);
  *fty_out = LLVMIntrinsicGetType(P->C, id, over, nover);
  return f;
}

static LLVMValueRef px_call_intrinsic(px *P, const char *name,
                                      LLVMTypeRef *over, size_t nover,
                                      LLVMValueRef *args, unsigned nargs,
                                      const char *vname) {
  LLVMTypeRef fty;
  LLVMValueRef f = px_intrinsic(P, name, over, nover, &fty);
  return LLVMBuildCall2(P->B, fty, f, args, nargs, vname);
}

/* Side-effecting inline PTX with a memory clobber. */
static LLVMValueRef px_asm(px *P, LLVMTypeRef ret, const char *text,
                           const char *cons, LLVMValueRef *args, unsigned n,
                           const char *name) {
  LLVMTypeRef at[4];
  for (unsigned i = 0; i < n; i++)
    at[i] = LLVMTypeOf(args[i]);
  LLVMTypeRef fty = LLVMFunctionType(ret, at, n, 0);
  LLVMValueRef a =
      LLVMGetInlineAsm(fty, text, strlen(text), cons, strlen(cons), 1, 0,
                       LLVMInlineAsmDialectATT, 0);
  return LLVMBuildCall2(P->B, fty, a, args, n, ret == P->vd ? "" : name);
}

/* ---- the target-specific operations (RING.md section 5) */

static LLVMValueRef px_ld_acquire(px *P, LLVMValueRef p, const char *name) {
  if (P->gpu)
    return px_asm(P, P->i32, "ld.acquire.sys.global.u32 $0, [$1];",
                  "=r,l,~{memory}", &p, 1, name);
  LLVMValueRef l = px_load(P, P->i32, p, 4, name);
  LLVMSetOrdering(l, LLVMAtomicOrderingAcquire);
  return l;
}

static void px_st_release(px *P, LLVMValueRef p, LLVMValueRef v) {
  if (P->gpu) {
    LLVMValueRef a[2] = {p, v};
    px_asm(P, P->vd, "st.release.sys.global.u32 [$0], $1;", "l,r,~{memory}",
           a, 2, "");
    return;
  }
  LLVMValueRef s = LLVMBuildStore(P->B, v, p);
  LLVMSetAlignment(s, 4);
  LLVMSetOrdering(s, LLVMAtomicOrderingRelease);
}

static void px_red_add(px *P, LLVMValueRef p, uint64_t v) {
  if (P->gpu) {
    LLVMValueRef a[2] = {p, px_i64c(P, v)};
    px_asm(P, P->vd, "red.relaxed.sys.global.add.u64 [$0], $1;",
           "l,l,~{memory}", a, 2, "");
    return;
  }
  LLVMBuildAtomicRMW(P->B, LLVMAtomicRMWBinOpAdd, p, px_i64c(P, v),
                     LLVMAtomicOrderingMonotonic, 0);
}

static void px_fence_sys(px *P) {
  if (P->gpu) {
    px_asm(P, P->vd, "fence.acq_rel.sys;", "~{memory}", NULL, 0, "");
    return;
  }
  LLVMBuildFence(P->B, LLVMAtomicOrderingAcquireRelease, 0, "");
}

static void px_sleep(px *P, LLVMValueRef ns) {
  if (P->gpu) {
    px_call_intrinsic(P, "llvm.nvvm.nanosleep", NULL, 0, &ns, 1, "");
    return;
  }
  LLVMValueRef f = LLVMGetNamedFunction(P->M, "sched_yield");
  LLVMTypeRef fty = LLVMFunctionType(P->i32, NULL, 0, 0);
  if (!f)
    f = LLVMAddFunction(P->M, "sched_yield", fty);
  LLVMBuildCall2(P->B, fty, f, NULL, 0, "");
}

/* `barrier.sync 0`: the non-.aligned form, because the leader reaches it
 * later than the rest of its warp (bar.sync is barrier.sync.aligned, which
 * PTX leaves undefined in divergent code); marked convergent. */
static void px_bar_sync(px *P) {
  LLVMValueRef c =
      px_asm(P, P->vd, "barrier.sync 0;", "~{memory}", NULL, 0, "");
  unsigned k = LLVMGetEnumAttributeKindForName("convergent", 10);
  LLVMAddCallSiteAttribute(c, LLVMAttributeFunctionIndex,
                           LLVMCreateEnumAttribute(P->C, k, 0));
}

/* grid_barrier() (RING.md section 5); `k` is the thread's barrier count. */
static void px_grid_barrier(px *P, LLVMValueRef k, LLVMValueRef tid32) {
  if (!P->gpu)
    return;
  px_bar_sync(P);
  LLVMBasicBlockRef arrive = px_block(P, "gb.arrive");
  LLVMBasicBlockRef spin = px_block(P, "gb.spin");
  LLVMBasicBlockRef nap = px_block(P, "gb.nap");
  LLVMBasicBlockRef done = px_block(P, "gb.done");
  LLVMValueRef t0 =
      LLVMBuildICmp(P->B, LLVMIntEQ, tid32, px_i32c(P, 0), "gb.t0");
  LLVMBuildCondBr(P->B, t0, arrive, done);
  px_at(P, arrive);
  LLVMValueRef kv = px_load(P, P->i64, k, 8, "gb.k");
  LLVMValueRef k1 = LLVMBuildAdd(P->B, kv, px_i64c(P, 1), "gb.k1");
  px_store(P, k1, k, 8);
  LLVMValueRef bar = px_off(P, P->scratch, AG_SCRATCH_BARRIER, "gb.ptr");
  LLVMValueRef aa[3] = {bar, px_i64c(P, 1)};
  px_asm(P, P->i64, "atom.add.release.gpu.global.u64 $0, [$1], $2;",
         "=l,l,l,~{memory}", aa, 2, "gb.old");
  LLVMValueRef target =
      LLVMBuildMul(P->B, k1, px_i64c(P, P->geo.blocks), "gb.target");
  LLVMBuildBr(P->B, spin);
  px_at(P, spin);
  LLVMValueRef now = px_asm(P, P->i64, "ld.acquire.gpu.global.u64 $0, [$1];",
                            "=l,l,~{memory}", &bar, 1, "gb.now");
  LLVMValueRef wait = LLVMBuildICmp(P->B, LLVMIntULT, now, target, "gb.wait");
  LLVMBuildCondBr(P->B, wait, nap, done);
  px_at(P, nap);
  px_sleep(P, px_i32c(P, 32));
  LLVMBuildBr(P->B, spin);
  px_at(P, done);
  px_bar_sync(P);
}

/* ================================================================ E0602 */

static void px_unsupported(px *P, span sp, const char *what) {
  P->failed = true;
  if (P->body_failed)
    return;
  P->body_failed = true;
  diag *d = diag_error(P->cx, sp, "E0602",
                       "not supported by the PTX emitter: %s", what);
  diag_label(d, "not supported in a ring kernel");
  diag_note_plain(d, "docs/backend.md (\"Ring kernels / PTX\") lists what a "
                     "ring actor's handlers may use");
  diag_end(d);
}

/* A placeholder value of the expression's type after an E0602. */
static LLVMValueRef px_undef(px *P, type *t) {
  px_cat c = px_cat_of(t);
  if (c == CAT_NONE || c == CAT_UNIT)
    return LLVMGetUndef(P->i64);
  return LLVMGetUndef(px_ty(P, t));
}

/* ================================================================ faults */

/* atom.cas scratch.fault 0 -> code; flag = 1; leave the body. */
static void px_fault(px *P, unsigned code) {
  LLVMValueRef fp = px_off(P, P->scratch, AG_SCRATCH_FAULT, "fault.ptr");
  LLVMValueRef x =
      LLVMBuildAtomicCmpXchg(P->B, fp, px_i32c(P, 0), px_i32c(P, code),
                             LLVMAtomicOrderingMonotonic,
                             LLVMAtomicOrderingMonotonic, 0);
  (void)x;
  px_store(P, LLVMConstInt(P->i8, 1, 0), P->flag, 1);
  LLVMBuildBr(P->B, P->fault_bb);
}

/* if (cond) fault(code) */
static void px_fault_if(px *P, LLVMValueRef cond, unsigned code,
                        const char *what) {
  char n1[64], n2[64];
  snprintf(n1, sizeof n1, "%s.fault", what);
  snprintf(n2, sizeof n2, "%s.ok", what);
  LLVMBasicBlockRef bad = px_block(P, n1), ok = px_block(P, n2);
  LLVMBuildCondBr(P->B, cond, bad, ok);
  px_at(P, bad);
  px_fault(P, code);
  px_at(P, ok);
}

/* ================================================================ locals */

static px_local *px_find(px *P, const sym *s) {
  for (uint32_t i = P->nlocals; i-- > 0;)
    if (P->locals[i].s == s)
      return &P->locals[i];
  return NULL;
}

static px_local *px_bind(px *P, const sym *s, LLVMTypeRef t,
                         const char *name) {
  if (P->nlocals == P->caplocals) {
    P->caplocals = P->caplocals ? P->caplocals * 2 : 16;
    P->locals = realloc(P->locals, P->caplocals * sizeof *P->locals);
    if (!P->locals)
      AC_ICE("out of memory");
  }
  px_local *l = &P->locals[P->nlocals++];
  l->s = s;
  l->ty = t;
  l->slot = px_alloca(P, t, name ? name : "local");
  return l;
}

/* ================================================================ values */

static LLVMValueRef px_expr(px *P, ast_expr *e);
static void px_stmt(px *P, ast_stmt *s);

/* The value of type t stored at address a (payload layout). */
static LLVMValueRef px_load_val(px *P, type *t, LLVMValueRef a,
                                const char *name) {
  t = px_strip(t);
  switch (px_cat_of(t)) {
  case CAT_SCALAR: {
    LLVMValueRef v = px_load(P, px_mem_ty(P, t), a, ring_layout_of(t).align,
                             name);
    if (t->kind == TY_BOOL)
      v = LLVMBuildICmp(P->B, LLVMIntNE, v, LLVMConstInt(P->i8, 0, 0), name);
    return v;
  }
  case CAT_BUF: {
    LLVMValueRef dev = px_load(P, P->i64, a, 8, "buf.dev");
    LLVMValueRef len = px_load(P, P->i64, px_off(P, a, 8, ""), 8, "buf.len");
    LLVMValueRef v = LLVMGetUndef(P->bufty);
    v = LLVMBuildInsertValue(P->B, v, dev, 0, "");
    return LLVMBuildInsertValue(P->B, v, len, 1, name);
  }
  case CAT_ADDR: return a;
  default: return LLVMGetUndef(P->i64);
  }
}

/* Store value v of type t at address a (payload layout). */
static void px_store_val(px *P, type *t, LLVMValueRef v, LLVMValueRef a) {
  t = px_strip(t);
  switch (px_cat_of(t)) {
  case CAT_SCALAR:
    if (t->kind == TY_BOOL)
      v = LLVMBuildZExt(P->B, v, P->i8, "");
    px_store(P, v, a, ring_layout_of(t).align);
    break;
  case CAT_BUF:
    px_store(P, LLVMBuildExtractValue(P->B, v, 0, "buf.dev"), a, 8);
    px_store(P, LLVMBuildExtractValue(P->B, v, 1, "buf.len"),
             px_off(P, a, 8, ""), 8);
    break;
  case CAT_ADDR: {
    ring_lay l = ring_layout_of(t);
    LLVMBuildMemCpy(P->B, a, l.align, v, l.align, px_i64c(P, l.size));
    break;
  }
  default: break;
  }
}

static LLVMValueRef px_zero(px *P, type *t) {
  switch (px_cat_of(t)) {
  case CAT_SCALAR:
  case CAT_BUF: return LLVMConstNull(px_ty(P, t));
  default: return LLVMGetUndef(px_ty(P, t));
  }
}

/* Integer value v of type `from` as `to` (C conversion rules). */
static LLVMValueRef px_int_conv(px *P, LLVMValueRef v, type *from, type *to) {
  LLVMTypeRef tt = px_ty(P, to);
  unsigned fb = px_bits(from), tb = px_bits(to);
  if (fb == tb)
    return v;
  if (fb > tb)
    return LLVMBuildTrunc(P->B, v, tt, "conv");
  if (from->kind == TY_BOOL || px_is_unsigned(from))
    return LLVMBuildZExt(P->B, v, tt, "conv");
  return LLVMBuildSExt(P->B, v, tt, "conv");
}

/* `v as to` (emit_c_expr.c EXPR_CAST). */
static LLVMValueRef px_cast(px *P, LLVMValueRef v, type *from, type *to) {
  from = px_strip(from);
  to = px_strip(to);
  if (from == to)
    return v;
  bool ff = px_is_float(from), tf = px_is_float(to);
  if (ff && tf)
    return px_bits(from) < px_bits(to)
               ? LLVMBuildFPExt(P->B, v, px_ty(P, to), "conv")
               : LLVMBuildFPTrunc(P->B, v, px_ty(P, to), "conv");
  if (ff) {
    /* saturating, NaN -> 0: ar_f2i64 / ar_f2u64, then the C truncation */
    if (from->kind == TY_F32)
      v = LLVMBuildFPExt(P->B, v, P->f64, "conv.d");
    LLVMTypeRef over[2] = {P->i64, P->f64};
    LLVMValueRef w = px_call_intrinsic(
        P, px_is_unsigned(to) ? "llvm.fptoui.sat" : "llvm.fptosi.sat", over,
        2, &v, 1, "conv.sat");
    if (px_bits(to) < 64)
      w = LLVMBuildTrunc(P->B, w, px_ty(P, to), "conv");
    return w;
  }
  if (tf) {
    if (from->kind == TY_BOOL || px_is_unsigned(from))
      return LLVMBuildUIToFP(P->B, v, px_ty(P, to), "conv");
    return LLVMBuildSIToFP(P->B, v, px_ty(P, to), "conv");
  }
  return px_int_conv(P, v, from, to);
}

/* An integer value v of type `from` as i64 (index arithmetic). */
static LLVMValueRef px_to_i64(px *P, LLVMValueRef v, type *from) {
  from = px_strip(from);
  unsigned b = px_bits(from);
  if (b == 64)
    return v;
  if (from->kind == TY_BOOL || px_is_unsigned(from))
    return LLVMBuildZExt(P->B, v, P->i64, "idx");
  return LLVMBuildSExt(P->B, v, P->i64, "idx");
}

/* ================================================================ buf elements */

/* Address of element `idx` (of integer type it) of buf value b, after the
 * bounds check (out of range: fault 2). */
static LLVMValueRef px_elem_addr(px *P, LLVMValueRef b, type *el,
                                 LLVMValueRef idx, type *it) {
  LLVMValueRef i = px_to_i64(P, idx, it);
  LLVMValueRef len = LLVMBuildExtractValue(P->B, b, 1, "buf.len");
  LLVMValueRef oob = LLVMBuildICmp(P->B, LLVMIntUGE, i, len, "oob");
  px_fault_if(P, oob, 2, "bounds");
  LLVMValueRef dev = LLVMBuildExtractValue(P->B, b, 0, "buf.dev");
  LLVMValueRef base = LLVMBuildIntToPtr(P->B, dev, P->gp, "buf.base");
  return LLVMBuildGEP2(P->B, px_mem_ty(P, el), base, &i, 1, "elem.ptr");
}

static LLVMValueRef px_load_elem(px *P, type *el, LLVMValueRef a) {
  el = px_strip(el);
  LLVMValueRef v = px_load(P, px_mem_ty(P, el), a, ring_layout_of(el).align,
                           "elem");
  if (el->kind == TY_BOOL)
    v = LLVMBuildICmp(P->B, LLVMIntNE, v, LLVMConstInt(P->i8, 0, 0), "elem");
  return v;
}

/* ================================================================ arithmetic */

/* a OP b for two values of type t (scalar); the shift count b has type bt. */
static LLVMValueRef px_arith(px *P, ast_op op, type *t, LLVMValueRef a,
                             LLVMValueRef b, type *bt, span sp) {
  t = px_strip(t);
  LLVMBuilderRef B = P->B;
  if (px_is_float(t)) {
    switch (op) {
    case OP_ADD: return LLVMBuildFAdd(B, a, b, "fadd");
    case OP_SUB: return LLVMBuildFSub(B, a, b, "fsub");
    case OP_MUL: return LLVMBuildFMul(B, a, b, "fmul");
    case OP_DIV: return LLVMBuildFDiv(B, a, b, "fdiv");
    case OP_MOD: return LLVMBuildFRem(B, a, b, "frem");
    default: break;
    }
    px_unsupported(P, sp, "this operator on floats");
    return LLVMGetUndef(px_ty(P, t));
  }
  bool u = px_is_unsigned(t) || t->kind == TY_BOOL;
  switch (op) {
  case OP_ADD: return LLVMBuildAdd(B, a, b, "add");
  case OP_SUB: return LLVMBuildSub(B, a, b, "sub");
  case OP_MUL: return LLVMBuildMul(B, a, b, "mul");
  case OP_BITAND: return LLVMBuildAnd(B, a, b, "and");
  case OP_BITOR: return LLVMBuildOr(B, a, b, "or");
  case OP_BITXOR: return LLVMBuildXor(B, a, b, "xor");
  case OP_DIV:
  case OP_MOD: {
    LLVMTypeRef ty = LLVMTypeOf(a);
    LLVMValueRef z = LLVMBuildICmp(B, LLVMIntEQ, b, LLVMConstNull(ty), "divz");
    px_fault_if(P, z, 1, "div");
    if (u)
      return op == OP_DIV ? LLVMBuildUDiv(B, a, b, "udiv")
                          : LLVMBuildURem(B, a, b, "urem");
    /* ar_idiv / ar_imod: x / -1 wraps (no overflow trap), x % -1 == 0 */
    LLVMValueRef m1 =
        LLVMBuildICmp(B, LLVMIntEQ, b, LLVMConstAllOnes(ty), "divm1");
    LLVMValueRef safe = LLVMBuildSelect(B, m1, LLVMConstInt(ty, 1, 0), b, "");
    if (op == OP_DIV)
      return LLVMBuildSelect(B, m1, LLVMBuildNeg(B, a, "neg"),
                             LLVMBuildSDiv(B, a, safe, "sdiv"), "div");
    return LLVMBuildSelect(B, m1, LLVMConstNull(ty),
                           LLVMBuildSRem(B, a, safe, "srem"), "rem");
  }
  case OP_SHL:
  case OP_SHR: {
    /* C: both operands promoted to (at least) int; the count masked to the
     * promoted width (an out-of-range count is undefined in C) */
    unsigned w = px_bits(t), pw = w < 32 ? 32 : w;
    LLVMTypeRef pt = LLVMIntTypeInContext(P->C, pw);
    LLVMValueRef pa = a;
    if (w < pw)
      pa = u ? LLVMBuildZExt(B, a, pt, "") : LLVMBuildSExt(B, a, pt, "");
    bt = px_strip(bt);
    unsigned bw = px_bits(bt);
    LLVMValueRef pb = b;
    if (bw < pw)
      pb = px_is_unsigned(bt) ? LLVMBuildZExt(B, b, pt, "")
                              : LLVMBuildSExt(B, b, pt, "");
    else if (bw > pw)
      pb = LLVMBuildTrunc(B, b, pt, "");
    pb = LLVMBuildAnd(B, pb, LLVMConstInt(pt, pw - 1, 0), "shamt");
    LLVMValueRef r = op == OP_SHL ? LLVMBuildShl(B, pa, pb, "shl")
                     : u          ? LLVMBuildLShr(B, pa, pb, "shr")
                                  : LLVMBuildAShr(B, pa, pb, "shr");
    if (w < pw)
      r = LLVMBuildTrunc(B, r, LLVMTypeOf(a), "sh");
    return r;
  }
  default: break;
  }
  px_unsupported(P, sp, "this operator");
  return LLVMGetUndef(LLVMTypeOf(a));
}

static LLVMValueRef px_compare(px *P, ast_op op, type *t, LLVMValueRef a,
                               LLVMValueRef b) {
  t = px_strip(t);
  if (px_is_float(t)) {
    LLVMRealPredicate p = op == OP_EQ   ? LLVMRealOEQ
                          : op == OP_NE ? LLVMRealUNE
                          : op == OP_LT ? LLVMRealOLT
                          : op == OP_LE ? LLVMRealOLE
                          : op == OP_GT ? LLVMRealOGT
                                        : LLVMRealOGE;
    return LLVMBuildFCmp(P->B, p, a, b, "cmp");
  }
  bool u = px_is_unsigned(t) || t->kind == TY_BOOL;
  LLVMIntPredicate p = op == OP_EQ   ? LLVMIntEQ
                       : op == OP_NE ? LLVMIntNE
                       : op == OP_LT ? (u ? LLVMIntULT : LLVMIntSLT)
                       : op == OP_LE ? (u ? LLVMIntULE : LLVMIntSLE)
                       : op == OP_GT ? (u ? LLVMIntUGT : LLVMIntSGT)
                                     : (u ? LLVMIntUGE : LLVMIntSGE);
  return LLVMBuildICmp(P->B, p, a, b, "cmp");
}

/* Converts v of type `have` to `want` when both are integers of different
 * widths (duration * i64 and the like). */
static LLVMValueRef px_fit(px *P, LLVMValueRef v, type *have, type *want) {
  have = px_strip(have);
  want = px_strip(want);
  if (have == want || !have || !want)
    return v;
  if (px_is_int(have) && px_is_int(want))
    return px_int_conv(P, v, have, want);
  return v;
}

/* The `present` byte of an optional at address o, as i1. */
static LLVMValueRef px_present(px *P, LLVMValueRef o) {
  LLVMValueRef b = px_load(P, P->i8, o, 1, "opt.present");
  return LLVMBuildICmp(P->B, LLVMIntNE, b, LLVMConstInt(P->i8, 0, 0),
                       "present");
}

static LLVMValueRef px_binary(px *P, ast_expr *e) {
  ast_op op = e->u.binary.op;
  ast_expr *l = e->u.binary.lhs, *r = e->u.binary.rhs;
  type *lt = px_strip(l->ty), *rt = px_strip(r->ty);
  if (op == OP_AND || op == OP_OR) {
    LLVMValueRef a = px_expr(P, l);
    LLVMBasicBlockRef from = LLVMGetInsertBlock(P->B);
    LLVMBasicBlockRef rhs = px_block(P, op == OP_AND ? "and.rhs" : "or.rhs");
    LLVMBasicBlockRef end = px_block(P, op == OP_AND ? "and.end" : "or.end");
    if (op == OP_AND)
      LLVMBuildCondBr(P->B, a, rhs, end);
    else
      LLVMBuildCondBr(P->B, a, end, rhs);
    px_at(P, rhs);
    LLVMValueRef b = px_expr(P, r);
    LLVMBasicBlockRef rhs_end = LLVMGetInsertBlock(P->B);
    LLVMBuildBr(P->B, end);
    px_at(P, end);
    LLVMValueRef phi = LLVMBuildPhi(P->B, P->i1, op == OP_AND ? "and" : "or");
    LLVMValueRef vals[2] = {LLVMConstInt(P->i1, op == OP_OR, 0), b};
    LLVMBasicBlockRef bbs[2] = {from, rhs_end};
    LLVMAddIncoming(phi, vals, bbs, 2);
    return phi;
  }
  if (op == OP_COALESCE) {
    if (!lt || lt->kind != TY_OPT || px_cat_of(e->ty) == CAT_NONE) {
      px_unsupported(P, e->sp, "this `??`");
      return px_undef(P, e->ty);
    }
    LLVMValueRef o = px_expr(P, l);
    LLVMValueRef has = px_present(P, o);
    LLVMBasicBlockRef some = px_block(P, "opt.some"),
                      none = px_block(P, "opt.none"),
                      end = px_block(P, "opt.end");
    LLVMBuildCondBr(P->B, has, some, none);
    px_at(P, some);
    type *et = px_strip(e->ty);
    LLVMValueRef a;
    if (et == lt) /* a ?? b ?? c: the result is itself optional */
      a = o;
    else
      a = px_load_val(P, lt->elem, px_off(P, o, ring_layout_offset(lt, 0), ""),
                      "opt.val");
    LLVMBasicBlockRef some_end = LLVMGetInsertBlock(P->B);
    LLVMBuildBr(P->B, end);
    px_at(P, none);
    LLVMValueRef b = px_expr(P, r);
    if (px_strip(r->ty) && px_strip(r->ty)->kind == TY_NIL) {
      px_unsupported(P, r->sp, "`nil` as a value");
      return px_undef(P, e->ty);
    }
    LLVMBasicBlockRef none_end = LLVMGetInsertBlock(P->B);
    LLVMBuildBr(P->B, end);
    px_at(P, end);
    LLVMValueRef phi = LLVMBuildPhi(P->B, px_ty(P, e->ty), "coalesce");
    LLVMValueRef vals[2] = {a, b};
    LLVMBasicBlockRef bbs[2] = {some_end, none_end};
    LLVMAddIncoming(phi, vals, bbs, 2);
    return phi;
  }
  if ((op == OP_EQ || op == OP_NE) &&
      ((lt && lt->kind == TY_NIL) || (rt && rt->kind == TY_NIL))) {
    ast_expr *o = lt && lt->kind == TY_NIL ? r : l;
    type *ot = px_strip(o->ty);
    if (!ot || ot->kind != TY_OPT || px_cat_of(ot) != CAT_ADDR) {
      px_unsupported(P, e->sp, "this comparison with `nil`");
      return LLVMGetUndef(P->i1);
    }
    LLVMValueRef has = px_present(P, px_expr(P, o));
    return op == OP_EQ ? LLVMBuildNot(P->B, has, "is.nil") : has;
  }
  if (op >= OP_EQ && op <= OP_GE) {
    if (px_cat_of(lt) != CAT_SCALAR || px_cat_of(rt) != CAT_SCALAR) {
      px_unsupported(P, e->sp, "comparing values of this type");
      return LLVMGetUndef(P->i1);
    }
    LLVMValueRef a = px_expr(P, l);
    LLVMValueRef b = px_fit(P, px_expr(P, r), rt, lt);
    return px_compare(P, op, lt, a, b);
  }
  type *t = px_strip(e->ty);
  if (lt && rt && lt->kind == TY_DURATION && rt->kind == TY_DURATION)
    t = lt; /* d / d -> i64, computed on the nanoseconds */
  if (px_cat_of(t) != CAT_SCALAR || px_cat_of(lt) != CAT_SCALAR ||
      px_cat_of(rt) != CAT_SCALAR) {
    px_unsupported(P, e->sp, "this operator on values of this type");
    return px_undef(P, e->ty);
  }
  LLVMValueRef a = px_fit(P, px_expr(P, l), lt, t);
  LLVMValueRef b = px_expr(P, r);
  if (op != OP_SHL && op != OP_SHR)
    b = px_fit(P, b, rt, t);
  return px_arith(P, op, t, a, b, rt, e->sp);
}

/* ================================================================ calls */

static px_fn *px_fn_get(px *P, const ast_decl *d) {
  for (uint32_t i = 0; i < P->nfns; i++)
    if (P->fns[i].decl == d)
      return &P->fns[i];
  if (P->nfns == P->capfns) {
    P->capfns = P->capfns ? P->capfns * 2 : 8;
    P->fns = realloc(P->fns, P->capfns * sizeof *P->fns);
    if (!P->fns)
      AC_ICE("out of memory");
  }
  px_fn *f = &P->fns[P->nfns++];
  memset(f, 0, sizeof *f);
  f->decl = d;
  uint32_t n = d->u.fn.params.len;
  LLVMTypeRef *pt = calloc(n + 4, sizeof *pt);
  pt[0] = P->gp;
  pt[1] = LLVMPointerTypeInContext(P->C, 0);
  pt[2] = P->i64;
  pt[3] = P->i64;
  for (uint32_t i = 0; i < n; i++) {
    ast_param *p = AST_AT(d->u.fn.params, i, ast_param);
    pt[4 + i] = px_ty(P, p && p->sym ? p->sym->ty : NULL);
  }
  type *ft = d->sym ? d->sym->ty : NULL;
  type *rt = ft && ft->kind == TY_FN ? ft->ret : NULL;
  f->fty = LLVMFunctionType(rt ? px_ty(P, rt) : P->vd, pt, n + 4, 0);
  char name[256];
  snprintf(name, sizeof name, "ag_fn_%s", d->name.name ? d->name.name : "anon");
  f->fn = LLVMAddFunction(P->M, name, f->fty);
  LLVMSetLinkage(f->fn, LLVMInternalLinkage);
  free(pt);
  return f;
}

/* Can `d` become a device fn (a top-level fn whose signature has only
 * kernel types)? */
static bool px_fn_ok(const ast_decl *d) {
  if (!d || d->kind != DECL_FN || !d->sym || d->sym->owner || !d->u.fn.body)
    return false;
  type *ft = d->sym->ty;
  if (!ft || ft->kind != TY_FN)
    return false;
  px_cat rc = px_cat_of(ft->ret);
  if (rc == CAT_NONE)
    return false;
  for (uint32_t i = 0; i < d->u.fn.params.len; i++) {
    ast_param *p = AST_AT(d->u.fn.params, i, ast_param);
    px_cat c = px_cat_of(p && p->sym ? p->sym->ty : NULL);
    if (c == CAT_NONE || c == CAT_UNIT)
      return false;
  }
  return true;
}

static LLVMValueRef px_call(px *P, ast_expr *e) {
  ast_expr *callee = e->u.call.callee;
  int bi = e->u.call.builtin;
  if (bi >= 0) {
    switch (bi) {
    case BI_THREAD_INDEX: return P->tid;
    case BI_BLOCK_INDEX: return P->bid;
    case BI_BLOCK_DIM: return px_i64c(P, P->geo.threads);
    case BI_GRID_DIM: return px_i64c(P, P->geo.blocks);
    case BI_BUF_LEN:
      if (callee->kind == EXPR_FIELD &&
          px_cat_of(callee->u.field.obj->ty) == CAT_BUF)
        return LLVMBuildExtractValue(
            P->B, px_expr(P, callee->u.field.obj), 1, "len");
      break;
    default: break;
    }
    px_unsupported(P, e->sp, "this builtin");
    return px_undef(P, e->ty);
  }
  sym *s = callee->kind == EXPR_NAME ? callee->u.name.sym : NULL;
  if (!s || s->kind != SYM_FN || !px_fn_ok(s->decl)) {
    px_unsupported(P, e->sp, "this call (only top-level `fn`s with kernel "
                             "types are device functions)");
    return px_undef(P, e->ty);
  }
  px_fn *f = px_fn_get(P, s->decl);
  LLVMValueRef fn = f->fn; /* evaluating the arguments may move P->fns */
  LLVMTypeRef fty = f->fty;
  uint32_t n = e->u.call.args.len;
  LLVMValueRef *args = calloc(n + 4, sizeof *args);
  args[0] = P->scratch;
  args[1] = P->flag;
  args[2] = P->tid;
  args[3] = P->bid;
  for (uint32_t i = 0; i < n; i++) {
    ast_expr *a = AST_AT(e->u.call.args, i, ast_expr);
    ast_param *p = AST_AT(s->decl->u.fn.params, i, ast_param);
    args[4 + i] = px_fit(P, px_expr(P, a), a->ty, p->sym->ty);
  }
  bool unit = LLVMGetReturnType(fty) == P->vd;
  LLVMValueRef r =
      LLVMBuildCall2(P->B, fty, fn, args, n + 4, unit ? "" : "call");
  free(args);
  if (P->body_failed)
    return r;
  LLVMValueRef fl = px_load(P, P->i8, P->flag, 1, "faulted");
  LLVMValueRef c =
      LLVMBuildICmp(P->B, LLVMIntNE, fl, LLVMConstInt(P->i8, 0, 0), "");
  LLVMBasicBlockRef ok = px_block(P, "call.ok");
  LLVMBuildCondBr(P->B, c, P->fault_bb, ok);
  px_at(P, ok);
  return r;
}

/* ================================================================ expressions */

static LLVMValueRef px_const_of(px *P, ast_expr *v, type *want) {
  LLVMValueRef r = px_expr(P, v);
  type *have = px_strip(v->ty);
  want = px_strip(want);
  if (have != want && px_cat_of(have) == CAT_SCALAR &&
      px_cat_of(want) == CAT_SCALAR)
    r = px_cast(P, r, have, want);
  return r;
}

static LLVMValueRef px_expr(px *P, ast_expr *e) {
  if (P->body_failed || !e)
    return px_undef(P, e ? e->ty : NULL);
  type *t = px_strip(e->ty);
  switch (e->kind) {
  case EXPR_INT:
    if (px_is_float(t))
      return LLVMConstReal(px_ty(P, t), (double)e->u.int_.value);
    if (px_cat_of(t) == CAT_SCALAR)
      return LLVMConstInt(px_ty(P, t), e->u.int_.value, 0);
    break;
  case EXPR_FLOAT:
    if (px_is_float(t))
      return LLVMConstReal(px_ty(P, t), e->u.float_.value);
    break;
  case EXPR_BOOL: return LLVMConstInt(P->i1, e->u.bool_.value, 0);
  case EXPR_DURATION: return px_i64c(P, (uint64_t)e->u.duration.ns);
  case EXPR_NAME:
  case EXPR_TYPE_NAME: {
    sym *s = e->u.name.sym;
    if (!s)
      break;
    if (s->kind == SYM_LOCAL || s->kind == SYM_PARAM) {
      px_local *l = px_find(P, s);
      if (!l)
        break;
      return px_load(P, l->ty, l->slot, 0, s->name ? s->name : "");
    }
    if (s->kind == SYM_CONST && s->decl && s->decl->u.const_.value &&
        px_cat_of(t) == CAT_SCALAR)
      return px_const_of(P, s->decl->u.const_.value, t);
    if (s->kind == SYM_VARIANT)
      return px_i32c(P, (uint64_t)s->index);
    break;
  }
  case EXPR_FIELD: {
    sym *fs = e->u.field.sym;
    if (fs && fs->kind == SYM_VARIANT)
      return px_i32c(P, (uint64_t)fs->index);
    ast_expr *o = e->u.field.obj;
    type *ot = px_strip(o->ty);
    if (o->kind == EXPR_SELF || !ot || px_cat_of(ot) != CAT_ADDR ||
        ot->kind == TY_OPT || px_cat_of(t) == CAT_NONE)
      break;
    int idx = e->u.field.tuple_index >= 0 ? e->u.field.tuple_index
                                          : e->u.field.index;
    if (idx < 0)
      break;
    LLVMValueRef base = px_expr(P, o);
    LLVMValueRef a = px_off(P, base, ring_layout_offset(ot, (uint32_t)idx),
                            e->u.field.field.name ? e->u.field.field.name
                                                  : "field");
    return px_load_val(P, t, a, e->u.field.field.name ? e->u.field.field.name
                                                      : "field");
  }
  case EXPR_INDEX: {
    type *ot = px_strip(e->u.index.obj->ty);
    if (px_cat_of(ot) != CAT_BUF)
      break;
    LLVMValueRef b = px_expr(P, e->u.index.obj);
    LLVMValueRef i = px_expr(P, e->u.index.index);
    LLVMValueRef a =
        px_elem_addr(P, b, ot->elem, i, e->u.index.index->ty);
    return px_load_elem(P, ot->elem, a);
  }
  case EXPR_CALL: return px_call(P, e);
  case EXPR_UNARY: {
    if (px_cat_of(t) != CAT_SCALAR)
      break;
    LLVMValueRef v = px_expr(P, e->u.unary.operand);
    switch (e->u.unary.op) {
    case OP_NEG:
      return px_is_float(t) ? LLVMBuildFNeg(P->B, v, "fneg")
                            : LLVMBuildNeg(P->B, v, "neg");
    case OP_NOT: return LLVMBuildNot(P->B, v, "not");
    case OP_BITNOT: return LLVMBuildNot(P->B, v, "bitnot");
    default: break;
    }
    break;
  }
  case EXPR_BINARY: return px_binary(P, e);
  case EXPR_CAST: {
    type *from = px_strip(e->u.cast.expr->ty);
    if (px_cat_of(t) != CAT_SCALAR || px_cat_of(from) != CAT_SCALAR)
      break;
    return px_cast(P, px_expr(P, e->u.cast.expr), from, t);
  }
  case EXPR_TAKE:
  case EXPR_BORROW: return px_expr(P, e->u.wrap.operand);
  case EXPR_COPY:
    if (px_cat_of(t) == CAT_SCALAR)
      return px_expr(P, e->u.wrap.operand);
    break;
  default: break;
  }
  char what[96];
  snprintf(what, sizeof what, "this %s expression", ast_expr_kind_name(e->kind));
  px_unsupported(P, e->sp, what);
  return px_undef(P, e->ty);
}

/* ================================================================ reply */

typedef struct px_put {
  uint32_t off;
  type *ty;         /* NULL: `raw` is an i8 constant (an optional's present) */
  LLVMValueRef val;
} px_put;

typedef struct px_puts {
  px_put *v;
  uint32_t n, cap;
} px_puts;

static void px_put_add(px_puts *ps, uint32_t off, type *t, LLVMValueRef v) {
  if (ps->n == ps->cap) {
    ps->cap = ps->cap ? ps->cap * 2 : 16;
    ps->v = realloc(ps->v, ps->cap * sizeof *ps->v);
    if (!ps->v)
      AC_ICE("out of memory");
  }
  ps->v[ps->n++] = (px_put){off, t, v};
}

/* Evaluates e (of layout type t, at offset off of the reply payload) into
 * a list of stores, so that every thread evaluates the reply and only the
 * leader writes it. */
static void px_collect(px *P, type *t, ast_expr *e, uint32_t off,
                       px_puts *ps) {
  t = px_strip(t);
  if (P->body_failed)
    return;
  if (!t) {
    px_unsupported(P, e->sp, "this reply field");
    return;
  }
  if (e->kind == EXPR_RECORD &&
      (t->kind == TY_MESSAGE || t->kind == TY_STRUCT)) {
    uint32_t n = ring_layout_nfields(t);
    for (uint32_t i = 0; i < n; i++) {
      ast_expr *v = NULL;
      for (uint32_t j = 0; j < e->u.record.fields.len; j++) {
        ast_field_init *fi = AST_AT(e->u.record.fields, j, ast_field_init);
        if (fi && fi->index == (int)i)
          v = fi->value;
      }
      if (!v) {
        ast_field *f = AST_AT(t->decl->u.record.fields, i, ast_field);
        v = f ? f->default_ : NULL;
      }
      type *ft = ring_layout_field_type(t, i);
      uint32_t fo = off + ring_layout_offset(t, i);
      if (v)
        px_collect(P, ft, v, fo, ps);
      else if (px_cat_of(ft) == CAT_SCALAR || px_cat_of(ft) == CAT_BUF)
        px_put_add(ps, fo, ft, px_zero(P, ft));
      else if (ft && px_strip(ft)->kind == TY_OPT)
        px_put_add(ps, fo, NULL, LLVMConstInt(P->i8, 0, 0));
    }
    return;
  }
  if (e->kind == EXPR_TUPLE && t->kind == TY_TUPLE) {
    for (uint32_t i = 0; i < e->u.list.items.len && i < t->nitems; i++)
      px_collect(P, t->items[i], AST_AT(e->u.list.items, i, ast_expr),
                 off + ring_layout_offset(t, i), ps);
    return;
  }
  if (t->kind == TY_OPT) {
    type *et = px_strip(e->ty);
    if (e->kind == EXPR_NIL || (et && et->kind == TY_NIL)) {
      px_put_add(ps, off, NULL, LLVMConstInt(P->i8, 0, 0));
      return;
    }
    if (et != t) { /* T coerced to T? */
      px_put_add(ps, off, NULL, LLVMConstInt(P->i8, 1, 0));
      px_collect(P, t->elem, e, off + ring_layout_offset(t, 0), ps);
      return;
    }
  }
  px_cat c = px_cat_of(t);
  if (c == CAT_NONE || c == CAT_UNIT) {
    px_unsupported(P, e->sp, "a reply field of this type");
    return;
  }
  LLVMValueRef v = px_expr(P, e);
  if (c == CAT_SCALAR)
    v = px_fit(P, v, e->ty, t);
  px_put_add(ps, off, t, v);
}

static void px_reply(px *P, ast_stmt *s) {
  ast_expr *v = s->u.reply.value;
  type *rt = P->handler ? px_handler_reply(P->handler) : NULL;
  if (!v || !rt || v->kind != EXPR_RECORD) {
    px_unsupported(P, s->sp, "this `reply` (write `reply R { field: ... }`)");
    return;
  }
  px_puts ps = {0};
  px_collect(P, rt, v, 0, &ps);
  if (!P->body_failed) {
    LLVMValueRef lead = LLVMBuildAnd(
        P->B, LLVMBuildICmp(P->B, LLVMIntEQ, P->tid, px_i64c(P, 0), ""),
        LLVMBuildICmp(P->B, LLVMIntEQ, P->bid, px_i64c(P, 0), ""), "leader");
    LLVMBasicBlockRef st = px_block(P, "reply.store"),
                      end = px_block(P, "reply.end");
    LLVMBuildCondBr(P->B, lead, st, end);
    px_at(P, st);
    for (uint32_t i = 0; i < ps.n; i++) {
      LLVMValueRef a = px_off(P, P->outp, ps.v[i].off, "reply.field");
      if (ps.v[i].ty)
        px_store_val(P, ps.v[i].ty, ps.v[i].val, a);
      else
        px_store(P, ps.v[i].val, a, 1);
    }
    LLVMBuildBr(P->B, end);
    px_at(P, end);
  }
  free(ps.v);
}

/* ================================================================ statements */

static void px_block_stmts(px *P, ast_stmt *s) {
  if (!s)
    return;
  if (s->kind != STMT_BLOCK) {
    px_stmt(P, s);
    return;
  }
  for (uint32_t i = 0; i < s->u.block.stmts.len && !P->body_failed; i++) {
    px_dead(P);
    px_stmt(P, AST_AT(s->u.block.stmts, i, ast_stmt));
  }
}

static void px_let(px *P, ast_stmt *s) {
  sym *sy = s->u.let.sym;
  type *t = sy && sy->ty ? sy->ty : s->u.let.init ? s->u.let.init->ty : NULL;
  px_cat c = px_cat_of(t);
  if (c == CAT_NONE || c == CAT_UNIT ||
      (c == CAT_ADDR && !s->u.let.init)) {
    px_unsupported(P, s->sp, "a local of this type");
    return;
  }
  LLVMValueRef v = s->u.let.init ? px_expr(P, s->u.let.init) : px_zero(P, t);
  if (P->body_failed)
    return;
  if (s->u.let.init && c == CAT_SCALAR)
    v = px_fit(P, v, s->u.let.init->ty, t);
  if (s->u.let.init && c == CAT_ADDR &&
      px_strip(s->u.let.init->ty) != px_strip(t)) {
    px_unsupported(P, s->sp, "a local initialised from a value of another "
                             "type");
    return;
  }
  px_local *l = px_bind(P, sy, px_ty(P, t), s->u.let.name.name);
  px_store(P, v, l->slot, 0);
}

static void px_assign(px *P, ast_stmt *s) {
  ast_expr *lhs = s->u.assign.lhs, *rhs = s->u.assign.rhs;
  ast_op op = s->u.assign.op;
  type *lt = px_strip(lhs->ty);
  if (lhs->kind == EXPR_NAME && lhs->u.name.sym &&
      (lhs->u.name.sym->kind == SYM_LOCAL ||
       lhs->u.name.sym->kind == SYM_PARAM)) {
    px_local *l = px_find(P, lhs->u.name.sym);
    if (!l || (op != OP_NONE && px_cat_of(lt) != CAT_SCALAR)) {
      px_unsupported(P, s->sp, "this assignment");
      return;
    }
    LLVMValueRef v = px_expr(P, rhs);
    if (op != OP_NONE) {
      LLVMValueRef old = px_load(P, l->ty, l->slot, 0, "old");
      if (op != OP_SHL && op != OP_SHR)
        v = px_fit(P, v, rhs->ty, lt);
      v = px_arith(P, op, lt, old, v, rhs->ty, s->sp);
    } else if (px_cat_of(lt) == CAT_SCALAR) {
      v = px_fit(P, v, rhs->ty, lt);
    }
    if (!P->body_failed)
      px_store(P, v, l->slot, 0);
    return;
  }
  if (lhs->kind == EXPR_INDEX &&
      px_cat_of(lhs->u.index.obj->ty) == CAT_BUF) {
    type *bt = px_strip(lhs->u.index.obj->ty);
    type *el = px_strip(bt->elem);
    LLVMValueRef b = px_expr(P, lhs->u.index.obj);
    LLVMValueRef i = px_expr(P, lhs->u.index.index);
    LLVMValueRef a = px_elem_addr(P, b, el, i, lhs->u.index.index->ty);
    LLVMValueRef v = px_expr(P, rhs);
    if (op != OP_NONE) {
      LLVMValueRef old = px_load_elem(P, el, a);
      if (op != OP_SHL && op != OP_SHR)
        v = px_fit(P, v, rhs->ty, el);
      v = px_arith(P, op, el, old, v, rhs->ty, s->sp);
    } else {
      v = px_fit(P, v, rhs->ty, el);
    }
    if (P->body_failed)
      return;
    if (el->kind == TY_BOOL)
      v = LLVMBuildZExt(P->B, v, P->i8, "");
    px_store(P, v, a, ring_layout_of(el).align);
    return;
  }
  px_unsupported(P, lhs->sp, "assigning to this place (only locals and "
                             "`buf` elements)");
}

static void px_loop_push(px *P, LLVMBasicBlockRef brk, LLVMBasicBlockRef cont,
                         span sp) {
  if (P->nloops == 64) {
    px_unsupported(P, sp, "loops nested this deep");
    return;
  }
  P->loops[P->nloops++] = (px_loop){brk, cont};
}

static void px_if(px *P, ast_stmt *s) {
  LLVMBasicBlockRef th = px_block(P, "if.then"), el = px_block(P, "if.else"),
                    end = px_block(P, "if.end");
  ast_expr *c = s->u.if_.cond;
  LLVMValueRef opt = NULL;
  type *ot = px_strip(c->ty);
  if (s->u.if_.let_name.name) {
    if (!ot || ot->kind != TY_OPT || px_cat_of(ot) != CAT_ADDR ||
        px_cat_of(ot->elem) == CAT_NONE) {
      px_unsupported(P, c->sp, "this `if let`");
      return;
    }
    opt = px_expr(P, c);
    LLVMBuildCondBr(P->B, px_present(P, opt), th, el);
  } else {
    LLVMValueRef v = px_expr(P, c);
    if (P->body_failed)
      return;
    LLVMBuildCondBr(P->B, v, th, el);
  }
  px_at(P, th);
  if (opt && s->u.if_.let_sym) {
    LLVMValueRef v = px_load_val(P, ot->elem,
                                 px_off(P, opt, ring_layout_offset(ot, 0), ""),
                                 s->u.if_.let_name.name);
    px_local *l =
        px_bind(P, s->u.if_.let_sym, px_ty(P, ot->elem), s->u.if_.let_name.name);
    px_store(P, v, l->slot, 0);
  }
  px_block_stmts(P, s->u.if_.then_);
  px_br(P, end);
  px_at(P, el);
  if (s->u.if_.else_)
    px_block_stmts(P, s->u.if_.else_);
  px_br(P, end);
  px_at(P, end);
}

static void px_while(px *P, ast_stmt *s) {
  LLVMBasicBlockRef cond = px_block(P, "while.cond"),
                    body = px_block(P, "while.body"),
                    end = px_block(P, "while.end");
  LLVMBuildBr(P->B, cond);
  px_at(P, cond);
  LLVMValueRef c = px_expr(P, s->u.while_.cond);
  if (P->body_failed)
    return;
  LLVMBuildCondBr(P->B, c, body, end);
  px_at(P, body);
  px_loop_push(P, end, cond, s->sp);
  px_block_stmts(P, s->u.while_.body);
  P->nloops--;
  px_br(P, cond);
  px_at(P, end);
}

static void px_for(px *P, ast_stmt *s) {
  ast_expr *it = s->u.for_.iter;
  if (!it || it->kind != EXPR_RANGE || s->u.for_.second_sym) {
    px_unsupported(P, it ? it->sp : s->sp,
                   "this `for` (only `for i in a..b` / `a..=b`)");
    return;
  }
  type *et = s->u.for_.first_sym && s->u.for_.first_sym->ty
                 ? px_strip(s->u.for_.first_sym->ty)
                 : px_strip(it->u.range.lo->ty);
  if (!px_is_int(et)) {
    px_unsupported(P, it->sp, "a range over this type");
    return;
  }
  LLVMValueRef lo = px_fit(P, px_expr(P, it->u.range.lo), it->u.range.lo->ty, et);
  LLVMValueRef hi = px_fit(P, px_expr(P, it->u.range.hi), it->u.range.hi->ty, et);
  if (P->body_failed)
    return;
  const char *vn = s->u.for_.first.name ? s->u.for_.first.name : "i";
  px_local *l = px_bind(P, s->u.for_.first_sym, px_ty(P, et), vn);
  px_store(P, lo, l->slot, 0);
  LLVMBasicBlockRef cond = px_block(P, "for.cond"),
                    body = px_block(P, "for.body"),
                    step = px_block(P, "for.step"),
                    end = px_block(P, "for.end");
  LLVMBuildBr(P->B, cond);
  px_at(P, cond);
  LLVMValueRef iv = px_load(P, l->ty, l->slot, 0, vn);
  LLVMValueRef c = px_compare(P, it->u.range.inclusive ? OP_LE : OP_LT, et,
                              iv, hi);
  LLVMBuildCondBr(P->B, c, body, end);
  px_at(P, body);
  px_loop_push(P, end, step, s->sp);
  px_block_stmts(P, s->u.for_.body);
  P->nloops--;
  px_br(P, step);
  px_at(P, step);
  LLVMValueRef cur = px_load(P, l->ty, l->slot, 0, vn);
  px_store(P, LLVMBuildAdd(P->B, cur, LLVMConstInt(l->ty, 1, 0), "next"),
           l->slot, 0);
  LLVMBuildBr(P->B, cond);
  px_at(P, end);
}

static void px_return(px *P, ast_stmt *s) {
  ast_expr *v = s->u.ret.value;
  if (P->handler) {
    if (v) {
      px_unsupported(P, s->sp, "returning a value from a handler");
      return;
    }
    LLVMBuildRetVoid(P->B);
    return;
  }
  if (!v || px_cat_of(P->ret) == CAT_UNIT) {
    if (v)
      px_expr(P, v);
    LLVMBuildRetVoid(P->B);
    return;
  }
  LLVMValueRef r = px_expr(P, v);
  if (P->body_failed)
    return;
  if (px_cat_of(P->ret) == CAT_SCALAR)
    r = px_fit(P, r, v->ty, P->ret);
  if (px_cat_of(P->ret) == CAT_ADDR && px_strip(v->ty) != px_strip(P->ret)) {
    px_unsupported(P, v->sp, "returning a value of another type");
    return;
  }
  LLVMBuildRet(P->B, r);
}

static void px_stmt(px *P, ast_stmt *s) {
  if (!s || P->body_failed)
    return;
  switch (s->kind) {
  case STMT_LET: px_let(P, s); return;
  case STMT_ASSIGN: px_assign(P, s); return;
  case STMT_EXPR:
    if (s->u.expr.expr)
      px_expr(P, s->u.expr.expr);
    return;
  case STMT_BLOCK: px_block_stmts(P, s); return;
  case STMT_IF: px_if(P, s); return;
  case STMT_WHILE: px_while(P, s); return;
  case STMT_FOR: px_for(P, s); return;
  case STMT_BREAK:
  case STMT_CONTINUE:
    if (!P->nloops) {
      px_unsupported(P, s->sp, "this jump");
      return;
    }
    LLVMBuildBr(P->B, s->kind == STMT_BREAK ? P->loops[P->nloops - 1].brk
                                            : P->loops[P->nloops - 1].cont);
    return;
  case STMT_RETURN: px_return(P, s); return;
  case STMT_REPLY: px_reply(P, s); return;
  default: break;
  }
  char what[96];
  snprintf(what, sizeof what, "a `%s` statement", ast_stmt_kind_name(s->kind));
  px_unsupported(P, s->sp, what);
}

/* ================================================================ bodies */

static void px_body_begin(px *P, LLVMValueRef fn) {
  P->fn = fn;
  P->entry = LLVMAppendBasicBlockInContext(P->C, fn, "entry");
  LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(P->C, fn, "body");
  px_at(P, body);
  P->nlocals = 0;
  P->nloops = 0;
  P->body_failed = false;
}

static void px_body_end(px *P, LLVMValueRef ret_zero) {
  if (!px_terminated(P)) {
    if (ret_zero)
      LLVMBuildRet(P->B, ret_zero);
    else
      LLVMBuildRetVoid(P->B);
  }
  LLVMBasicBlockRef body = LLVMGetNextBasicBlock(P->entry);
  px_at(P, P->entry);
  LLVMBuildBr(P->B, body);
}

static LLVMValueRef px_ret_zero(px *P, type *rt) {
  px_cat c = px_cat_of(rt);
  if (c == CAT_UNIT || c == CAT_NONE)
    return NULL;
  if (c == CAT_ADDR)
    return LLVMConstNull(P->gp);
  return LLVMConstNull(px_ty(P, rt));
}

static void px_fault_block(px *P, LLVMValueRef ret_zero) {
  LLVMBasicBlockRef cur = LLVMGetInsertBlock(P->B);
  P->fault_bb = px_block(P, "fault");
  px_at(P, P->fault_bb);
  if (ret_zero)
    LLVMBuildRet(P->B, ret_zero);
  else
    LLVMBuildRetVoid(P->B);
  px_at(P, cur);
}

static void px_emit_fn(px *P, px_fn *f) {
  const ast_decl *d = f->decl;
  type *ft = d->sym->ty;
  P->handler = NULL;
  P->ret = ft->ret;
  px_body_begin(P, f->fn);
  P->scratch = LLVMGetParam(f->fn, 0);
  P->flag = LLVMGetParam(f->fn, 1);
  P->tid = LLVMGetParam(f->fn, 2);
  P->bid = LLVMGetParam(f->fn, 3);
  LLVMSetValueName2(P->scratch, "scratch", 7);
  LLVMSetValueName2(P->flag, "faulted", 7);
  LLVMSetValueName2(P->tid, "tid", 3);
  LLVMSetValueName2(P->bid, "bid", 3);
  P->payload = P->outp = NULL;
  LLVMValueRef rz = px_ret_zero(P, P->ret);
  px_fault_block(P, rz);
  for (uint32_t i = 0; i < d->u.fn.params.len; i++) {
    ast_param *p = AST_AT(d->u.fn.params, i, ast_param);
    LLVMValueRef v = LLVMGetParam(f->fn, 4 + i);
    const char *n = p->name.name ? p->name.name : "arg";
    LLVMSetValueName2(v, n, strlen(n));
    px_local *l = px_bind(P, p->sym, px_ty(P, p->sym->ty), n);
    px_store(P, v, l->slot, 0);
  }
  px_block_stmts(P, d->u.fn.body);
  px_body_end(P, rz);
}

/* The internal function of one handler:
 *   void (scratch, i64 tid, i64 bid, payload, out payload) */
static LLVMValueRef px_emit_handler(px *P, ast_decl *a, ast_handler *h) {
  LLVMTypeRef pt[5] = {P->gp, P->i64, P->i64, P->gp, P->gp};
  LLVMTypeRef fty = LLVMFunctionType(P->vd, pt, 5, 0);
  char name[256];
  snprintf(name, sizeof name, "ag_ring_%s_on_%s", a->name.name,
           h->name.name ? h->name.name : "msg");
  LLVMValueRef fn = LLVMAddFunction(P->M, name, fty);
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  P->handler = h;
  P->ret = NULL;
  px_body_begin(P, fn);
  static const char *pn[5] = {"scratch", "tid", "bid", "payload", "out"};
  for (unsigned i = 0; i < 5; i++)
    LLVMSetValueName2(LLVMGetParam(fn, i), pn[i], strlen(pn[i]));
  P->scratch = LLVMGetParam(fn, 0);
  P->tid = LLVMGetParam(fn, 1);
  P->bid = LLVMGetParam(fn, 2);
  P->payload = LLVMGetParam(fn, 3);
  P->outp = LLVMGetParam(fn, 4);
  P->flag = px_alloca(P, P->i8, "faulted");
  px_store(P, LLVMConstInt(P->i8, 0, 0), P->flag, 1);
  px_fault_block(P, NULL);
  if (h->binding_sym) {
    px_local *l = px_bind(P, h->binding_sym, P->gp,
                          h->binding.name ? h->binding.name : "msg");
    px_store(P, P->payload, l->slot, 0);
  }
  px_block_stmts(P, h->body);
  px_body_end(P, NULL);
  P->handler = NULL;
  return fn;
}

/* ================================================================ the kernel */

static LLVMValueRef px_ring(px *P, LLVMValueRef ring, uint32_t off,
                            const char *name) {
  return px_off(P, ring, off, name);
}

static void px_kernel(px *P, ast_decl *a) {
  ring_geometry *g = &P->geo;
  uint32_t nh = a->u.actor.handlers.len;
  LLVMValueRef *hfn = calloc(nh ? nh : 1, sizeof *hfn);
  for (uint32_t i = 0; i < nh; i++) {
    ast_handler *h = AST_AT(a->u.actor.handlers, i, ast_handler);
    hfn[i] = h ? px_emit_handler(P, a, h) : NULL;
  }
  LLVMTypeRef pt[2] = {P->gp, P->gp};
  LLVMTypeRef fty = LLVMFunctionType(P->vd, pt, 2, 0);
  char name[256];
  snprintf(name, sizeof name, P->gpu ? "ag_ring_%s" : "ag_ring_%s_host",
           a->name.name);
  LLVMValueRef fn = LLVMAddFunction(P->M, name, fty);
  if (P->gpu)
    LLVMSetFunctionCallConv(fn, LLVMPTXKernelCallConv);
  px_body_begin(P, fn);
  LLVMValueRef ring = LLVMGetParam(fn, 0);
  P->scratch = LLVMGetParam(fn, 1);
  LLVMSetValueName2(ring, "ring", 4);
  LLVMSetValueName2(P->scratch, "scratch", 7);
  LLVMBuilderRef B = P->B;

  /* who am I */
  LLVMValueRef tid32 = NULL, tid = NULL, bid = NULL, leader;
  if (P->gpu) {
    tid32 = px_call_intrinsic(P, "llvm.nvvm.read.ptx.sreg.tid.x", NULL, 0,
                              NULL, 0, "tid32");
    LLVMValueRef bid32 = px_call_intrinsic(
        P, "llvm.nvvm.read.ptx.sreg.ctaid.x", NULL, 0, NULL, 0, "bid32");
    tid = LLVMBuildZExt(B, tid32, P->i64, "tid");
    bid = LLVMBuildZExt(B, bid32, P->i64, "bid");
    leader = LLVMBuildAnd(
        B, LLVMBuildICmp(B, LLVMIntEQ, tid32, px_i32c(P, 0), "t0"),
        LLVMBuildICmp(B, LLVMIntEQ, bid32, px_i32c(P, 0), "b0"), "leader");
  } else {
    leader = LLVMConstInt(P->i1, 1, 0);
  }
  LLVMValueRef k = px_alloca(P, P->i64, "barriers");
  LLVMValueRef tailp = px_alloca(P, P->i32, "in_tail");
  LLVMValueRef oheadp = px_alloca(P, P->i32, "out_head");
  LLVMValueRef backp = px_alloca(P, P->i32, "backoff");
  px_store(P, px_i64c(P, 0), k, 8);
  px_store(P, px_i32c(P, 0), tailp, 4);
  px_store(P, px_i32c(P, 0), oheadp, 4);
  px_store(P, px_i32c(P, 32), backp, 4);
  LLVMValueRef payload = px_off(P, P->scratch, AG_SCRATCH_PAYLOAD, "payload");
  LLVMValueRef dispatch =
      px_off(P, P->scratch, AG_SCRATCH_DISPATCH, "dispatch.ptr");
  uint64_t out_base = AG_RING_HDR + (uint64_t)g->cap * g->in_slot;

  LLVMBasicBlockRef act = px_block(P, "activate"), loop = px_block(P, "loop"),
                    poll = px_block(P, "poll"), pterm = px_block(P, "poll.term"),
                    phead = px_block(P, "poll.head"),
                    proom = px_block(P, "poll.room"),
                    psleep = px_block(P, "poll.sleep"),
                    ptake = px_block(P, "poll.take"), round = px_block(P, "round"),
                    run = px_block(P, "run"), after = px_block(P, "after"),
                    publish = px_block(P, "publish"), exitb = px_block(P, "exit"),
                    fin = px_block(P, "finish"), ret = px_block(P, "return");
  LLVMBuildCondBr(B, leader, act, loop);

  /* leader: st.release.sys active = 1 */
  px_at(P, act);
  px_store(P, px_vload(P, P->i32, px_ring(P, ring, AG_RING_IN_TAIL, ""), 4,
                       "tail0"),
           tailp, 4);
  px_store(P, px_vload(P, P->i32, px_ring(P, ring, AG_RING_OUT_HEAD, ""), 4,
                       "ohead0"),
           oheadp, 4);
  px_st_release(P, px_ring(P, ring, AG_RING_ACTIVE, "active.ptr"),
                px_i32c(P, 1));
  LLVMBuildBr(B, loop);

  /* loop: the leader polls, everyone else goes to the barrier */
  px_at(P, loop);
  LLVMBasicBlockRef pstart = px_block(P, "poll.start");
  LLVMBuildCondBr(B, leader, pstart, round);
  px_at(P, pstart);
  px_store(P, px_i32c(P, 32), backp, 4);
  LLVMBuildBr(B, poll);

  px_at(P, poll);
  LLVMValueRef term = px_ld_acquire(
      P, px_ring(P, ring, AG_RING_TERMINATE, "terminate.ptr"), "terminate");
  LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntNE, term, px_i32c(P, 0), "stop"),
                  pterm, phead);

  px_at(P, pterm);
  px_vstore(P, px_i32c(P, AG_RING_TERMINATE_CMD), dispatch, 4);
  LLVMBuildBr(B, round);

  px_at(P, phead);
  LLVMValueRef head = px_ld_acquire(
      P, px_ring(P, ring, AG_RING_IN_HEAD, "in_head.ptr"), "in_head");
  LLVMValueRef tail = px_load(P, P->i32, tailp, 4, "tail");
  LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntNE, head, tail, "nonempty"),
                  proom, psleep);

  px_at(P, proom);
  LLVMValueRef otail = px_ld_acquire(
      P, px_ring(P, ring, AG_RING_OUT_TAIL, "out_tail.ptr"), "out_tail");
  LLVMValueRef oh = px_load(P, P->i32, oheadp, 4, "ohead");
  LLVMValueRef used = LLVMBuildSub(B, oh, otail, "out_used");
  LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntULT, used, px_i32c(P, g->cap),
                                   "room"),
                  ptake, psleep);

  px_at(P, psleep);
  LLVMValueRef bo = px_load(P, P->i32, backp, 4, "backoff");
  px_sleep(P, bo);
  px_red_add(P, px_ring(P, ring, AG_RING_IDLE_POLLS, "idle.ptr"), 1);
  LLVMValueRef bo2 = LLVMBuildShl(B, bo, px_i32c(P, 1), "backoff2");
  LLVMValueRef big = LLVMBuildICmp(B, LLVMIntUGT, bo2, px_i32c(P, 4096), "");
  px_store(P, LLVMBuildSelect(B, big, px_i32c(P, 4096), bo2, "backoff.next"),
           backp, 4);
  LLVMBuildBr(B, poll);

  /* take the message: copy its payload, free the slot, dispatch */
  px_at(P, ptake);
  LLVMValueRef tail2 = px_load(P, P->i32, tailp, 4, "tail");
  LLVMValueRef si = LLVMBuildZExt(
      B, LLVMBuildAnd(B, tail2, px_i32c(P, g->cap - 1), "slot"), P->i64, "");
  LLVMValueRef slot = px_offv(
      P, px_ring(P, ring, AG_RING_HDR, "in_slots"),
      LLVMBuildMul(B, si, px_i64c(P, g->in_slot), ""), "in_slot");
  LLVMValueRef hidx = px_load(P, P->i32, slot, 16, "handler");
  LLVMValueRef seq = px_load(P, P->i32, px_off(P, slot, 4, ""), 4, "seq");
  LLVMBuildMemCpy(B, payload, 16, px_off(P, slot, 16, "in_payload"), 16,
                  px_i64c(P, g->in_slot - 16));
  px_vstore(P, seq, px_off(P, P->scratch, AG_SCRATCH_SEQ, "seq.ptr"), 4);
  LLVMValueRef tail3 = LLVMBuildAdd(B, tail2, px_i32c(P, 1), "tail.next");
  px_st_release(P, px_ring(P, ring, AG_RING_IN_TAIL, "in_tail.ptr"), tail3);
  px_store(P, tail3, tailp, 4);
  px_vstore(P, hidx, dispatch, 4);
  LLVMBuildBr(B, round);

  /* everyone: barrier, read the command */
  px_at(P, round);
  px_grid_barrier(P, k, tid32);
  LLVMValueRef cmd = px_vload(P, P->i32, dispatch, 4, "cmd");
  LLVMBuildCondBr(
      B, LLVMBuildICmp(B, LLVMIntEQ, cmd, px_i32c(P, AG_RING_TERMINATE_CMD),
                       "terminate.cmd"),
      exitb, run);

  /* run handler[cmd] (emulate: for every block, thread) */
  px_at(P, run);
  LLVMValueRef oh2 = px_load(P, P->i32, oheadp, 4, "ohead");
  LLVMValueRef osi = LLVMBuildZExt(
      B, LLVMBuildAnd(B, oh2, px_i32c(P, g->cap - 1), "oslot"), P->i64, "");
  LLVMValueRef oslot = px_offv(
      P, px_ring(P, ring, (uint32_t)out_base, "out_slots"),
      LLVMBuildMul(B, osi, px_i64c(P, g->out_slot), ""), "out_slot");
  LLVMValueRef outp = px_off(P, oslot, 16, "out_payload");
  LLVMValueRef bi = NULL, ti = NULL;
  LLVMBasicBlockRef inner = NULL, next_t = NULL, call = NULL;
  if (!P->gpu) {
    bi = px_alloca(P, P->i64, "block");
    ti = px_alloca(P, P->i64, "thread");
    px_store(P, px_i64c(P, 0), bi, 8);
    inner = px_block(P, "emu.thread0");
    LLVMBuildBr(B, inner);
    px_at(P, inner);
    px_store(P, px_i64c(P, 0), ti, 8);
    call = px_block(P, "emu.call");
    LLVMBuildBr(B, call);
    px_at(P, call);
    tid = px_load(P, P->i64, ti, 8, "tid");
    bid = px_load(P, P->i64, bi, 8, "bid");
    next_t = px_block(P, "emu.next");
  }
  LLVMBasicBlockRef done_call = P->gpu ? after : next_t;
  LLVMValueRef sw = LLVMBuildSwitch(B, cmd, done_call, nh);
  for (uint32_t i = 0; i < nh; i++) {
    if (!hfn[i])
      continue;
    char bn[64];
    snprintf(bn, sizeof bn, "on.%u", i);
    LLVMBasicBlockRef hb = px_block(P, bn);
    LLVMAddCase(sw, px_i32c(P, i), hb);
    px_at(P, hb);
    LLVMValueRef args[5] = {P->scratch, tid, bid, payload, outp};
    LLVMBuildCall2(B, LLVMGlobalGetValueType(hfn[i]), hfn[i], args, 5, "");
    LLVMBuildBr(B, done_call);
  }
  if (!P->gpu) {
    px_at(P, next_t);
    LLVMValueRef t1 = LLVMBuildAdd(B, px_load(P, P->i64, ti, 8, ""),
                                   px_i64c(P, 1), "tid.next");
    px_store(P, t1, ti, 8);
    LLVMBasicBlockRef next_b = px_block(P, "emu.next_block");
    LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntULT, t1,
                                     px_i64c(P, g->threads), ""),
                    call, next_b);
    px_at(P, next_b);
    LLVMValueRef b1 = LLVMBuildAdd(B, px_load(P, P->i64, bi, 8, ""),
                                   px_i64c(P, 1), "bid.next");
    px_store(P, b1, bi, 8);
    LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntULT, b1,
                                     px_i64c(P, g->blocks), ""),
                    inner, after);
  }

  /* everyone: barrier; the leader publishes the out slot */
  px_at(P, after);
  px_grid_barrier(P, k, tid32);
  LLVMBuildCondBr(B, leader, publish, loop);

  px_at(P, publish);
  LLVMValueRef faultp = px_off(P, P->scratch, AG_SCRATCH_FAULT, "fault.ptr");
  LLVMValueRef fault = px_vload(P, P->i32, faultp, 4, "fault");
  LLVMValueRef has_reply = LLVMConstInt(P->i1, 0, 0);
  for (uint32_t i = 0; i < nh; i++) {
    ast_handler *h = AST_AT(a->u.actor.handlers, i, ast_handler);
    if (h && px_handler_reply(h))
      has_reply = LLVMBuildOr(
          B, has_reply, LLVMBuildICmp(B, LLVMIntEQ, cmd, px_i32c(P, i), ""),
          "has_reply");
  }
  LLVMValueRef status = LLVMBuildSelect(
      B, LLVMBuildICmp(B, LLVMIntNE, fault, px_i32c(P, 0), "faulted"),
      px_i32c(P, 2),
      LLVMBuildSelect(B, has_reply, px_i32c(P, 0), px_i32c(P, 1), ""),
      "status");
  px_store(P, status, oslot, 16);
  px_store(P, px_vload(P, P->i32,
                       px_off(P, P->scratch, AG_SCRATCH_SEQ, "seq.ptr"), 4,
                       "seq"),
           px_off(P, oslot, 4, ""), 4);
  px_store(P, fault, px_off(P, oslot, 8, ""), 8);
  px_vstore(P, px_i32c(P, 0), faultp, 4);
  px_fence_sys(P);
  LLVMValueRef oh3 =
      LLVMBuildAdd(B, px_load(P, P->i32, oheadp, 4, ""), px_i32c(P, 1),
                   "out_head.next");
  px_st_release(P, px_ring(P, ring, AG_RING_OUT_HEAD, "out_head.ptr"), oh3);
  px_store(P, oh3, oheadp, 4);
  px_red_add(P, px_ring(P, ring, AG_RING_HANDLED, "handled.ptr"), 1);
  LLVMBuildBr(B, loop);

  /* terminate */
  px_at(P, exitb);
  LLVMBuildCondBr(B, leader, fin, ret);
  px_at(P, fin);
  px_st_release(P, px_ring(P, ring, AG_RING_TERMINATED, "terminated.ptr"),
                px_i32c(P, 1));
  LLVMBuildBr(B, ret);
  px_at(P, ret);
  LLVMBuildRetVoid(B);
  px_body_end(P, NULL);
  free(hfn);
}

/* ================================================================ module */

static void px_init_targets(void) {
  static bool done;
  if (done)
    return;
  done = true;
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTarget();
  LLVMInitializeNVPTXTargetMC();
  LLVMInitializeNVPTXAsmPrinter();
  LLVMInitializeX86TargetInfo();
  LLVMInitializeX86Target();
  LLVMInitializeX86TargetMC();
  LLVMInitializeX86AsmPrinter();
}

static bool px_copy_out(const char *p, size_t n, char **out, size_t *len) {
  char *b = malloc(n + 1);
  if (!b)
    return false;
  memcpy(b, p, n);
  b[n] = 0;
  *out = b;
  *len = n;
  return true;
}

bool emit_ptx_run(ac_ctx *cx, emit_ptx_kind kind, const char *gpu_arch,
                  char **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  if (!gpu_arch)
    gpu_arch = "sm_80";
  px_init_targets();
  px P;
  memset(&P, 0, sizeof P);
  P.cx = cx;
  P.gpu = kind == EMIT_PTX_ASM || kind == EMIT_PTX_LL;
  const char *triple = P.gpu ? "nvptx64-nvidia-cuda" : "x86_64-pc-linux-gnu";
  LLVMTargetRef T;
  char *err = NULL;
  if (LLVMGetTargetFromTriple(triple, &T, &err))
    AC_ICE("LLVM has no target for %s: %s", triple, err ? err : "?");
  LLVMTargetMachineRef TM = LLVMCreateTargetMachine(
      T, triple, P.gpu ? gpu_arch : "x86-64", "", LLVMCodeGenLevelDefault,
      P.gpu ? LLVMRelocDefault : LLVMRelocPIC, LLVMCodeModelDefault);
  P.C = LLVMContextCreate();
  P.M = LLVMModuleCreateWithNameInContext("actor_rings", P.C);
  LLVMSetTarget(P.M, triple);
  LLVMTargetDataRef TD = LLVMCreateTargetDataLayout(TM);
  LLVMSetModuleDataLayout(P.M, TD);
  P.B = LLVMCreateBuilderInContext(P.C);
  P.i1 = LLVMInt1TypeInContext(P.C);
  P.i8 = LLVMInt8TypeInContext(P.C);
  P.i16 = LLVMInt16TypeInContext(P.C);
  P.i32 = LLVMInt32TypeInContext(P.C);
  P.i64 = LLVMInt64TypeInContext(P.C);
  P.f32 = LLVMFloatTypeInContext(P.C);
  P.f64 = LLVMDoubleTypeInContext(P.C);
  P.vd = LLVMVoidTypeInContext(P.C);
  P.gp = LLVMPointerTypeInContext(P.C, P.gpu ? 1 : 0);
  LLVMTypeRef bf[2] = {P.i64, P.i64};
  P.bufty = LLVMStructTypeInContext(P.C, bf, 2, 0);

  bool ok = true;
  for (uint32_t m = 0; cx->prog && m < cx->prog->modules.len; m++) {
    ast_module *mod = AST_AT(cx->prog->modules, m, ast_module);
    for (uint32_t i = 0; mod && i < mod->decls.len; i++) {
      ast_decl *d = AST_AT(mod->decls, i, ast_decl);
      if (!d || d->kind != DECL_ACTOR || !d->u.actor.is_ring)
        continue;
      if (!emit_ptx_ring_geometry(d, &P.geo)) {
        diag *dg = diag_error(cx, d->name.sp, "E0602",
                              "not supported by the PTX emitter: the launch "
                              "parameters of `%s`",
                              d->name.name);
        diag_label(dg, "needs 1 <= threads <= 1024, blocks >= 1 and a "
                       "power-of-two `ring`");
        diag_end(dg);
        ok = false;
        continue;
      }
      px_kernel(&P, d);
    }
  }
  /* device fns, in order of first call (emitting one may add more) */
  for (uint32_t i = 0; i < P.nfns; i++) {
    if (P.fns[i].emitted)
      continue;
    P.fns[i].emitted = true;
    px_fn f = P.fns[i];
    px_emit_fn(&P, &f);
  }
  if (P.failed)
    ok = false;
  if (ok) {
    char *msg = NULL;
    if (LLVMVerifyModule(P.M, LLVMReturnStatusAction, &msg)) {
      fprintf(stderr, "%s\n", msg ? msg : "");
      AC_ICE("the PTX emitter built an invalid LLVM module");
    }
    LLVMDisposeMessage(msg);
    if (kind == EMIT_PTX_LL || kind == EMIT_PTX_HOST_LL) {
      char *s = LLVMPrintModuleToString(P.M);
      ok = px_copy_out(s, strlen(s), out, out_len);
      LLVMDisposeMessage(s);
    } else {
      LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
      LLVMErrorRef e = LLVMRunPasses(P.M, "default<O2>", TM, po);
      LLVMDisposePassBuilderOptions(po);
      if (e) {
        char *em = LLVMGetErrorMessage(e);
        AC_ICE("LLVM O2 pipeline failed: %s", em);
      }
      LLVMMemoryBufferRef mb = NULL;
      if (LLVMTargetMachineEmitToMemoryBuffer(
              TM, P.M, kind == EMIT_PTX_ASM ? LLVMAssemblyFile : LLVMObjectFile,
              &err, &mb))
        AC_ICE("LLVM code generation failed: %s", err ? err : "?");
      ok = px_copy_out(LLVMGetBufferStart(mb), LLVMGetBufferSize(mb), out,
                       out_len);
      LLVMDisposeMemoryBuffer(mb);
    }
  }
  free(P.fns);
  free(P.locals);
  LLVMDisposeBuilder(P.B);
  LLVMDisposeModule(P.M);
  LLVMDisposeTargetData(TD);
  LLVMContextDispose(P.C);
  LLVMDisposeTargetMachine(TM);
  return ok;
}
