/* types_wire.c — phase 4 (types), the wire-format builtins of issue 6
 * (docs/wire.md, docs/language.md "Wire format"): encode, decode, read_msg,
 * write_msg and the descriptor builtins (open_read, open_write,
 * listen_socket, accept_socket, connect_socket, socket_port, os_error,
 * close_fd).  Called from builtin_call in
 * types_expr.c for those ids only; kept apart so the rest of the checker
 * does not grow.  Codes: E0360 (not a message), E0361 (a message that
 * cannot cross the wire), E0328 (arity, shared with every call).
 *
 * Result types: `decode(M, b)` is the ask result `ask<M>` (matched by
 * `ok(m)` / `failed(e)`; it never times out, so no `timeout` arm is
 * needed), `read_msg(M, fd)` is `ask<M?>` (`ok(nil)` at the end of input).
 */
#include <string.h>

#include "types_impl.h"

/* The first field (depth-first) whose type cannot be encoded, or NULL.
 * `stack` holds the records being walked (recursion through lists). */
enum { TW_MAX = 64 };

static bool tw_type_ok(const type *t, const ast_decl **stack, int depth);

static bool tw_record_ok(const ast_decl *d, const ast_decl **stack,
                         int depth, const ast_field **out_field) {
  for (int i = 0; i < depth; i++)
    if (stack[i] == d)
      return true; /* already being checked further up */
  if (depth >= TW_MAX)
    return true;
  stack[depth] = d;
  for (uint32_t i = 0; i < d->u.record.fields.len; i++) {
    const ast_field *f = AST_AT(d->u.record.fields, i, ast_field);
    const type *ft = f && f->type ? f->type->ty : NULL;
    if (!ft || types_is_error(ft))
      continue;
    if (!tw_type_ok(ft, stack, depth + 1)) {
      if (out_field)
        *out_field = f;
      return false;
    }
  }
  return true;
}

static bool tw_type_ok(const type *t, const ast_decl **stack, int depth) {
  if (!t || types_is_error(t))
    return true;
  switch (t->kind) {
  case TY_BOOL:
  case TY_I8:
  case TY_I16:
  case TY_I32:
  case TY_I64:
  case TY_U8:
  case TY_U16:
  case TY_U32:
  case TY_U64:
  case TY_F32:
  case TY_F64:
  case TY_STR:
  case TY_BYTES:
  case TY_UUID:
  case TY_TIME:
  case TY_DURATION:
  case TY_ENUM: return true;
  case TY_LIST:
  case TY_OPT:
  case TY_VAL: return tw_type_ok(t->elem, stack, depth);
  case TY_MAP:
    return tw_type_ok(t->key, stack, depth) && tw_type_ok(t->elem, stack, depth);
  case TY_TUPLE:
    for (uint32_t i = 0; i < t->nitems; i++)
      if (!tw_type_ok(t->items[i], stack, depth))
        return false;
    return true;
  case TY_MESSAGE:
  case TY_STRUCT: return tw_record_ok(t->decl, stack, depth, NULL);
  default: return false; /* actors, channels, buffers, borrows, ... */
  }
}

/* E0361 when message m (or a record it reaches) has a field the wire
 * format cannot carry. */
static bool tw_check_encodable(types_state *ts, span sp, const char *bi,
                               const type *m) {
  const ast_decl *stack[TW_MAX];
  const ast_field *bad = NULL;
  if (tw_record_ok(m->decl, stack, 0, &bad) || !bad)
    return true;
  diag *d = diag_error(ts->cx, sp, "E0361",
                       "`%s` cannot be used with `%s`: field `%s` has type "
                       "`%s`, which the wire format cannot carry",
                       m->decl->name.name, bi, bad->name.name,
                       types_name(ts->cx, bad->type->ty));
  diag_label(d, "`%s` is not encodable", m->decl->name.name);
  diag_note(d, bad->name.sp, "field `%s` declared here", bad->name.name);
  diag_help(d, "actor references, channels and `buf<T>` live in one process; "
               "send data instead (docs/wire.md)");
  diag_end(d);
  return false;
}

static type *tw_err(types_state *ts) { return types_prim(ts, TY_ERROR); }

/* The message type named by the first argument of decode / read_msg. */
static type *tw_msg_arg(types_state *ts, ast_expr *a, const char *bi) {
  sym *s = a->kind == EXPR_TYPE_NAME ? a->u.name.sym : NULL;
  if (s && s->kind == SYM_MESSAGE && s->decl) {
    type *t = types_decl(ts, TY_MESSAGE, s->decl);
    a->ty = t;
    return tw_check_encodable(ts, a->sp, bi, t) ? t : tw_err(ts);
  }
  if (a->kind == EXPR_TYPE_NAME && !s)
    return a->ty = tw_err(ts); /* unknown name: resolve reported it */
  diag *d = diag_error(ts->cx, a->sp, "E0360",
                       "the first argument of `%s` must name a message type",
                       bi);
  diag_label(d, "not a message type");
  diag_help(d, "write the message's name: `%s(Point, %s)`", bi,
            strcmp(bi, "decode") == 0 ? "data" : "fd");
  diag_end(d);
  if (a->kind != EXPR_TYPE_NAME)
    types_expr(ts, a, NULL);
  a->ty = tw_err(ts);
  return a->ty;
}

/* A message value for encode / write_msg. */
static type *tw_msg_value(types_state *ts, ast_expr *a, const char *bi) {
  type *t = types_strip(types_expr(ts, a, NULL));
  if (types_is_error(t))
    return tw_err(ts);
  if (t->kind != TY_MESSAGE) {
    diag *d = diag_error(ts->cx, a->sp, "E0360",
                         "`%s` needs a message, found `%s`", bi,
                         types_name(ts->cx, t));
    diag_label(d, "not a message");
    if (t->kind == TY_STRUCT)
      diag_help(d, "only messages cross the wire on their own; a struct "
                   "travels inside a message field");
    diag_end(d);
    return tw_err(ts);
  }
  return tw_check_encodable(ts, a->sp, bi, t) ? t : tw_err(ts);
}

type *types_wire_call(types_state *ts, ast_expr *e, sym *s) {
  ast_list *args = &e->u.call.args;
  uint32_t want = s->index == BI_DECODE || s->index == BI_READ_MSG ||
                          s->index == BI_WRITE_MSG
                      ? 2
                  : s->index == BI_OS_ERROR ? 0
                                            : 1;
  if (args->len != want) {
    diag *d = diag_error(ts->cx, e->sp, "E0328",
                         "%s takes %u argument%s but %u %s given", s->name,
                         want, want == 1 ? "" : "s", args->len,
                         args->len == 1 ? "was" : "were");
    diag_label(d, "expected %u argument%s", want, want == 1 ? "" : "s");
    diag_end(d);
    for (uint32_t i = 0; i < args->len; i++) {
      ast_expr *a = AST_AT(*args, i, ast_expr);
      if (a && a->kind != EXPR_TYPE_NAME)
        types_expr(ts, a, NULL);
    }
    return tw_err(ts);
  }
  ast_expr *a0 = want > 0 ? AST_AT(*args, 0, ast_expr) : NULL;
  ast_expr *a1 = want > 1 ? AST_AT(*args, 1, ast_expr) : NULL;
  type *i64 = types_prim(ts, TY_I64);
  switch (s->index) {
  case BI_ENCODE: {
    type *m = tw_msg_value(ts, a0, "encode");
    return types_is_error(m) ? m : types_prim(ts, TY_BYTES);
  }
  case BI_DECODE: {
    type *m = tw_msg_arg(ts, a0, "decode");
    type *b = types_expect(ts, a1, types_prim(ts, TY_BYTES), "`decode` reads "
                                                             "`bytes`");
    if (types_is_error(m) || types_is_error(b))
      return tw_err(ts);
    return types_wrap(ts, TY_ASK, m);
  }
  case BI_READ_MSG: {
    type *m = tw_msg_arg(ts, a0, "read_msg");
    type *fd = types_expect(ts, a1, i64, "descriptors are `i64`");
    if (types_is_error(m) || types_is_error(fd))
      return tw_err(ts);
    return types_wrap(ts, TY_ASK, types_wrap(ts, TY_OPT, m));
  }
  case BI_WRITE_MSG: {
    type *fd = types_expect(ts, a0, i64, "descriptors are `i64`");
    type *m = tw_msg_value(ts, a1, "write_msg");
    if (types_is_error(m) || types_is_error(fd))
      return tw_err(ts);
    return types_wrap(ts, TY_OPT, types_prim(ts, TY_STR));
  }
  case BI_OPEN_READ:
  case BI_OPEN_WRITE: {
    type *p = types_expect(ts, a0, types_prim(ts, TY_STR), "paths are `str`");
    return types_is_error(p) ? p : types_wrap(ts, TY_OPT, i64);
  }
  case BI_LISTEN_SOCKET:
  case BI_CONNECT_SOCKET: {
    type *p = types_expect(ts, a0, types_prim(ts, TY_STR),
                           "addresses are `str`: \"unix:PATH\" or "
                           "\"tcp:HOST:PORT\"");
    return types_is_error(p) ? p : types_wrap(ts, TY_OPT, i64);
  }
  case BI_ACCEPT_SOCKET:
  case BI_SOCKET_PORT: {
    type *fd = types_expect(ts, a0, i64, "descriptors are `i64`");
    return types_is_error(fd) ? fd : types_wrap(ts, TY_OPT, i64);
  }
  case BI_OS_ERROR: return types_prim(ts, TY_STR);
  case BI_CLOSE_FD:
    types_expect(ts, a0, i64, "descriptors are `i64`");
    return types_prim(ts, TY_UNIT);
  default: return tw_err(ts);
  }
}

/* Is the match scrutinee a decode / read_msg result (directly or through a
 * `let` local)?  Those never time out. */
bool types_wire_never_times_out(const ast_expr *scr) {
  const sym *s = scr && scr->kind == EXPR_NAME ? scr->u.name.sym : NULL;
  if (s && s->kind == SYM_LOCAL && !s->is_mutable && s->let &&
      s->let->kind == STMT_LET)
    scr = s->let->u.let.init;
  return scr && scr->kind == EXPR_CALL &&
         (scr->u.call.builtin == BI_DECODE ||
          scr->u.call.builtin == BI_READ_MSG);
}
