/* types_impl.h — private to the types phase (types.c, types_expr.c,
 * types_stmt.c): the hash-consing table, constructors and the checker state.
 * Nothing outside types*.c includes this; the public surface is ac.h.
 */
#ifndef AC_TYPES_IMPL_H
#define AC_TYPES_IMPL_H

#include "ac.h"
#include "builtins.h"

/* Same bound as resolve.c RS_MAX_NESTING, which reports E0218 first. */
enum { TYPES_MAX_NESTING = 4000 };

/* Checker state for one compilation (cx->phase_data[PASS_TYPES]). */
typedef struct types_state {
  ac_ctx *cx;
  type **table; /* open-addressing hash set of every type */
  uint32_t cap;
  uint32_t count;
  type *prim[TY__COUNT]; /* leaf types, created once */
  /* current function / handler context */
  ast_decl *actor;      /* enclosing actor, or NULL */
  ast_handler *handler; /* enclosing handler, or NULL */
  type *ret;            /* return type of the current fn (TY_UNIT) */
  int loop_depth;
  ast_expr *stmt_expr; /* the match being checked as a statement */
  int depth;           /* expression + statement nesting */
} types_state;

types_state *types_state_get(ac_ctx *cx);

/* Constructors: every call returns the canonical (hash-consed) pointer. */
type *types_prim(types_state *ts, type_kind k);
type *types_wrap(types_state *ts, type_kind k, type *elem); /* LIST OPT ... */
type *types_map(types_state *ts, type *key, type *val);
type *types_tuple(types_state *ts, type **items, uint32_t n);
type *types_decl(types_state *ts, type_kind k, ast_decl *d);
type *types_fn(types_state *ts, type **params, uint32_t n, type *ret);

/* Type of a declared type expression (fills te->ty). */
type *types_of_tyexpr(types_state *ts, ast_tyexpr *te);
/* Same, allowing a top-level `&T` (fn parameters). */
type *types_of_param_tyexpr(types_state *ts, ast_tyexpr *te);

bool types_is_int(const type *t);
bool types_is_float(const type *t);
bool types_is_numeric(const type *t);
bool types_is_error(const type *t); /* NULL counts as error */
/* Can values of `t` key a map (hashable, with a total equality)? */
bool types_is_map_key(const type *t);
/* E0335 at `sp` unless `k` is a valid map key type; false when reported. */
bool types_check_map_key(types_state *ts, type *k, span sp);
/* Strip `val` and `&` wrappers: the type a value is read as. */
type *types_strip(type *t);

/* types_expr.c */
/* Check `e`; `want` is the expected type from context, or NULL. */
type *types_expr(types_state *ts, ast_expr *e, type *want);
/* Check `e` against `want`, reporting E0301 on mismatch; returns e->ty. */
type *types_expect(types_state *ts, ast_expr *e, type *want, const char *what);
/* Can a value of type `have` be used where `want` is expected? */
bool types_assignable(const type *want, const type *have);
/* Arguments of spawn / supervisor child against the actor's parameters;
 * `what` names the callee in an arity error (NULL: "actor `Name`"). */
void types_actor_args(types_state *ts, span sp, ast_list *args, ast_decl *actor,
                      const char *what);
/* `send target, msg` statement. */
void types_send(types_state *ts, ast_stmt *s);
/* The actor (DECL_ACTOR) handler for message `msg` or NULL. */
ast_handler *types_find_handler(ast_decl *actor, ast_decl *msg);

/* types_stmt.c */
void types_block(types_state *ts, ast_stmt *s);
void types_stmt(types_state *ts, ast_stmt *s);
/* Does execution never fall off the end of `s`? (return/fail/exit) */
bool types_stmt_diverges(const ast_stmt *s);
type *types_match(types_state *ts, ast_expr *e, type *want);

/* types_wire.c — the wire-format builtins (encode, decode, read_msg, ...) */
type *types_wire_call(types_state *ts, ast_expr *e, sym *s);
/* A decode / read_msg result: its match needs no `timeout` arm. */
bool types_wire_never_times_out(const ast_expr *scr);

#endif
