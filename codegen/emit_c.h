/* emit_c.h — private to the C emitter, phase 7a (codes E06xx):
 *   emit_c_check.c  E0601 for unsupported constructs, before any output
 *   emit_c.c        program skeleton, type representations and helpers,
 *                   messages, actor types, supervisors
 *   emit_c_expr.c   expressions (ownership: place vs fresh), temps
 *   emit_c_stmt.c   statements, hoisting of suspension points, bodies
 *   emit_c_codec.c  msgpack encoders/decoders on demand (docs/wire.md)
 * Names here are `ec_*` (context and helpers), `ex*` (expressions) and
 * `st*` (statements) rather than one prefix per file: they are one
 * emitter split by construct.  Mechanism only: every decision
 * (reachability, frames, suspension points) comes from lower's tables
 * (compiler/ir.h).
 */
#ifndef AC_EMIT_C_H
#define AC_EMIT_C_H

#include "ir.h"

typedef struct ec_buf {
  char *p;
  size_t n;
  FILE *f;
} ec_buf;

/* A temporary slot added to the current frame. */
typedef struct ec_temp {
  const char *name;
  type *ty;         /* NULL: ctype given */
  const char *ctype;
  const char *suffix; /* "[n]" for arrays, else "" */
  ir_body *child;   /* frame pointer of a suspending callee, or NULL */
  bool owned;       /* dropped at frame exit / before reuse */
} ec_temp;

/* A hoisted expression (match, ask, sleep) and the temp holding its value. */
typedef struct ec_hoist {
  ast_expr *e;
  const char *temp;
} ec_hoist;

typedef struct ec {
  ac_ctx *cx;
  const emit_c_opts *opts;
  ir_program *ir;
  ec_buf types;     /* typedefs and struct definitions, dependency order */
  ec_buf protos;    /* prototypes of every generated function */
  ec_buf defs;      /* helper definitions (drop/copy/fmt, constructors) */
  ec_buf frames;    /* frame structs of every body */
  ec_buf code;      /* bodies, actor types */
  uint8_t *seen;    /* per type id: helpers emitted */
  uint32_t nseen;
  /* current body */
  ir_body *body;
  FILE *b;          /* where statements go (a body buffer) */
  int ind;
  ast_list temps;   /* ec_temp* */
  ast_list hoists;  /* ec_hoist* */
  int ntemp;
  bool used_done;   /* `goto ag_done` emitted */
  uint32_t susp;    /* next suspension point number */
  type *match_want; /* result type of the match being emitted */
  int bind_mode;      /* ec_bind of an owning binding: 0 drop + take; 1 drop
                         + view (a guard is still to decide), recorded in
                         bind_clear; 2 take without drop (the guard held) */
  ast_list bind_clear; /* const char*: places bound in mode 1 */
  int nstr;         /* string literals emitted */
  ast_list chandrops; /* type*: ag_chandrop_<M> emitted */
  ast_list boxes;     /* type*: ag_box_<M> / ag_unbox_<M> emitted */
  bool failed;
  ast_list codecs;    /* wire codecs emitted (emit_c_codec.c) */
} ec;

/* emit_c.c */
const char *ec_ctype(ec *E, type *t);
const char *ec_mangle(ec *E, type *t);
void ec_need(ec *E, type *t);        /* helpers + typedefs for t */
bool ec_needs_drop(type *t);
bool ec_is_ptr(type *t);             /* pointer representation (NULL = nil) */
type *ec_strip(type *t);             /* without val/& wrappers */
const char *ec_drop(ec *E, type *t, const char *place);  /* void expr */
const char *ec_share(ec *E, type *t, const char *val);   /* +1 copy */
const char *ec_deep(ec *E, type *t, const char *val);    /* copy(x) */
const char *ec_vt(ec *E, type *t);                       /* &ar_vt_... */
const char *ec_fmt(ec *E, type *t, const char *val);     /* void expr */
const char *ec_zero(ec *E, type *t);                     /* empty value */
const char *ec_msg_name(ast_decl *m);                    /* ag_msg_X */
/* The C name of a source value name (field, param, state): lower_cident. */
const char *ec_id(ec *E, const char *name);
void ec_unsupported(ec *E, span sp, const char *what);
void ec_line(ec *E, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *ec_printf(ec *E, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *ec_loc(ec *E, span sp);                      /* file:line */

/* emit_c_check.c — pre-pass: reports E0601 for constructs not supported
 * yet (before anything is written). */
void emit_c_check_body(ec *E, ir_body *b);
/* Does e contain a suspension point or a match (hoisted to statements)? */
bool ec_has_hoist(ec *E, ast_expr *e);

/* emit_c_expr.c — expressions.  EX_OWN: the result is an owned (+1) value
 * the consumer must store or drop; EX_BORROW: valid until the end of the
 * statement.  `want` (may be NULL) coerces T to T?. */
typedef enum { EX_BORROW, EX_OWN } ex_mode;
const char *ex(ec *E, ast_expr *e, ex_mode m, type *want);
/* The expression as C plus what it is: fresh (owned) or a place; movable
 * when the ownership checker marked the place OWN_MOVE (or it is a hoisted
 * temp). */
const char *ex_raw(ec *E, ast_expr *e, bool *fresh, bool *movable);
const char *emit_c_cstr_lit(ec *E, const char *s, size_t n);
const char *ec_str_lit(ec *E, const char *s, size_t n);
/* A new frame temp (F->ag_tN); owned temps are dropped before reuse and at
 * exit.  t may be NULL when ctype is given. */
const char *ec_temp_new(ec *E, type *t, const char *ctype, bool owned);
const char *ec_hoisted(ec *E, ast_expr *e);
const char *ec_coerce(ec *E, const char *v, type *have, type *want);
const char *ec_sym_place(ec *E, sym *s);
bool ec_is_take(ast_expr *e);
const char *ec_take(ec *E, type *t, const char *place);
bool ec_is_unsigned(type *t);
bool ec_is_intk(type *t);
const char *ex_arith(ec *E, ast_op op, type *t, const char *a, const char *b);
const char *ex_eq(ec *E, type *t, const char *a, const char *b);
const char *ex_is_nil(ec *E, type *t, const char *v);
const char *ex_unwrap(ec *E, type *t, const char *v);
/* Channel slots (64 bits, ar.h): encode / decode a value of type t. */
const char *ec_enc(ec *E, type *t, const char *v);
bool ec_is_boxed(type *t);
const char *ec_dec(ec *E, type *t, const char *s);
const char *ec_chan_drop(ec *E, type *el);
const char *ec_recv_value(ec *E, type *el, type *opt);

/* emit_c_stmt.c — statements, hoisting, match, bodies. */
void emit_c_body(ec *E, ir_body *b);
/* The running actor as `ar_actor *` in the current body. */
const char *ec_self_actor(ec *E);

/* emit_c_ring.c: ring actors (CPU fallback + the ar_ring_desc bridge) */
void ec_ring_fields(ec *E, ast_decl *d, FILE *ty);
bool ec_ring_reply(ec *E, const char *value);
const char *ec_ring_dispatch(ec *E, ir_actor *a, ir_body *b);
void ec_ring_on_stop(ec *E, ast_decl *d, FILE *cd);
void ec_ring_actor(ec *E, ir_actor *a);
void ec_ring_embed(ec *E, FILE *out);

/* emit_c_codec.c: msgpack codecs for encode / decode / read_msg /
 * write_msg and the descriptor builtins (issue 6, docs/wire.md). */
const char *emit_c_codec_call(ec *E, ast_expr *e);
void emit_c_codec_check(ec *E, ast_expr *e); /* E0601 pre-pass */

#endif
