/* ir.h — the lowering tables (phase 6, lower.c) that the C emitter
 * (codegen/emit_c*.c) consumes together with the typed AST.
 *
 * The backend does not build a second tree: bodies are read from the AST
 * (docs/backend.md explains why).  What lower decides, once, and the
 * emitter only follows:
 *  - reachability: which fns and actors are needed from `main`;
 *  - message type ids (dense, from 1) and the C names of every declaration;
 *  - for every body (fn, handler, run, on stop, main, state initialiser):
 *    its locals hoisted into a frame struct (unique C names), which of them
 *    are views (borrowed, never dropped), whether it can suspend, and its
 *    suspension points numbered in source order.
 * Everything lives in cx->perm.
 */
#ifndef AC_IR_H
#define AC_IR_H

#include "ac.h"

typedef enum {
  IR_FN,       /* top-level fn */
  IR_AFN,      /* actor-local fn (has self) */
  IR_HANDLER,  /* on Msg */
  IR_RUN,      /* run { } */
  IR_STOP,     /* on stop { } */
  IR_MAIN,     /* fn main: the on_start of ag_main */
  IR_INIT      /* state initialisers of an actor, run at spawn */
} ir_body_kind;

/* A local slot of a frame. */
typedef struct ir_local {
  sym *s;
  const char *cname;   /* field name in the frame struct */
  type *ty;
  bool is_view;        /* borrowed (for-loop element, pattern view): not dropped */
  bool is_param;
} ir_local;

typedef struct ir_body {
  ir_body_kind kind;
  const char *cname;        /* C function name (ag_...) */
  const char *frame;        /* frame struct name */
  struct ir_actor *actor;   /* NULL for IR_FN */
  ast_decl *fn;             /* IR_FN / IR_AFN / IR_MAIN */
  ast_handler *handler;     /* IR_HANDLER */
  ast_stmt *block;          /* the body */
  ast_list locals;          /* ir_local*, params first */
  bool can_suspend;
  bool may_exit;            /* calls exit(), directly or through fns */
  uint32_t nsusp;           /* suspension points */
  uint32_t index;           /* position in its actor's bodies (resume) */
  ast_list callees;         /* ast_decl*: fns called (suspension is transitive) */
  span sp;
  /* IR_INIT of a supervisor child's arguments (`child w = A(args)`): not in
   * its actor's bodies; `actor` is the child's type (self), `sup` the
   * supervisor.  Evaluated by the child's spawn function at every start. */
  struct ast_child *child;
  ast_decl *sup;
} ir_body;

typedef struct ir_actor {
  ast_decl *decl;           /* NULL for main */
  const char *name;         /* "Calculator" / "main" */
  const char *cname;        /* ag_Calculator */
  ast_list bodies;          /* ir_body*: handlers, run, stop, afns, init */
  ir_body *init, *run, *stop, *main;
  bool any_suspend;
} ir_actor;

typedef struct ir_program {
  ast_list msgs;            /* ast_decl* DECL_MESSAGE, type id = index + 1 */
  ast_list structs;         /* ast_decl* DECL_STRUCT */
  ast_list enums;           /* ast_decl* DECL_ENUM */
  ast_list consts;          /* ast_decl* DECL_CONST */
  ast_list actors;          /* ir_actor* (reachable) */
  ast_list sups;            /* ast_decl* DECL_SUPERVISOR (reachable) */
  ast_list child_bodies;    /* ir_body*: supervisor children's arguments */
  ast_list fns;             /* ir_body* IR_FN (reachable) */
  ast_list all_bodies;      /* every ir_body, in creation order */
  ir_actor *main;           /* the actor type running `fn main` */
  ast_decl *main_fn;
  /* sym* -> ir_local* (open addressing) */
  sym **lk_keys;
  ir_local **lk_vals;
  uint32_t lk_cap;
  uint32_t lk_count;
  /* actor spawn parameters (SYM_PARAM living in actor state) */
  ast_list actor_params;    /* sym* */
} ir_program;

/* ================================================================ lower.c */

/* Lower phase: builds the tables above into cx->phase_data[PASS_LOWER].
 * Codes E05xx.  Returns false when it reported an error. */
bool lower_run(ac_ctx *cx);
ir_program *lower_program(ac_ctx *cx);
/* --dump-after=lower: messages, bodies, frames, suspension (text). */
void lower_dump(ac_ctx *cx, FILE *out);
/* The frame slot of a local/param symbol, or NULL (state, consts, ...). */
ir_local *lower_local(ir_program *ir, const sym *s);
/* The C identifier of a source value name (field, parameter, state, local):
 * the name, or `ag_u_<name>` when C or the emitted code reserves it. */
const char *lower_cident(ac_ctx *cx, const char *name);
/* The IR_INIT body evaluating the arguments of supervisor child `c`, or
 * NULL (no arguments, or not an actor child). */
ir_body *lower_child_body(ir_program *ir, const struct ast_child *c);
/* Is this SYM_PARAM an actor spawn parameter (stored in actor state)? */
bool lower_is_actor_param(ir_program *ir, const sym *s);
/* Message type id (1-based) of a DECL_MESSAGE. */
uint32_t lower_msg_id(ir_program *ir, const ast_decl *msg);
/* Is this expression a suspension point (ask, sleep, <-ch)?  Calls of
 * suspending fns are suspension points too: lower_call_suspends. */
bool lower_is_susp(const ast_expr *e);
/* Is this `send` to an actor whose mailbox is bounded with policy `block`
 * (a suspension point: the sender waits for room)? */
bool lower_send_blocks(const ast_stmt *s);
/* The body of a fn declaration (top-level or actor-local), or NULL. */
ir_body *lower_fn_body(ir_program *ir, const ast_decl *fn);
/* Is e a call of a fn whose body can suspend? */
bool lower_call_suspends(ir_program *ir, const ast_expr *e);
/* Is e a call of a fn that may call exit() (the caller must stop too)? */
bool lower_call_exits(ir_program *ir, const ast_expr *e);

/* ================================================================ emit_c.c */

typedef struct emit_c_opts {
  const char *source_name;  /* for the header comment */
  int gpu_mode;             /* AR_GPU_* (runtime/ar.h): --gpu= */
  const char *ptx;          /* the ring kernels' PTX to embed, or NULL */
} emit_c_opts;

/* Emit C phase: the whole program as one C translation unit on `out`.
 * Reports E06xx for constructs the C backend does not support yet (before
 * writing anything).  Returns false when it reported an error. */
bool emit_c_run(ac_ctx *cx, FILE *out, const emit_c_opts *opts);

/* ================================================================ driver.c */

/* parse .. own, lower, emit C on `out` (driver.c).  False on any error. */
bool ac_emit_c_file(ac_ctx *cx, const char *path, FILE *out);

#endif
