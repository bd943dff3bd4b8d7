/* emit_c_expr.c — phase 7a: expressions as C (emit_c.h "ownership of
 * values"): every expression is a place (borrowed) or fresh (owned); ex()
 * adapts it to what the consumer needs with a share, a take or a temp.
 * Also the per-frame temps, string literals, coercions (T -> T?) and the
 * 64-bit channel slot encoding.  Mechanism only (decisions: lower.c).
 */
#include <stdlib.h>
#include <string.h>

#include "emit_ptx.h"

#include "builtins.h"
#include "emit_c.h"

const char *ec_self_actor(ec *E);

/* ------------------------------------------------------------ temps */

const char *ec_temp_new(ec *E, type *t, const char *ctype, bool owned) {
  ec_temp *tp = ARENA_NEW(E->cx->perm, ec_temp);
  tp->name = ec_printf(E, "ag_t%d", E->ntemp++);
  tp->ty = t;
  tp->ctype = ctype ? ctype : ec_ctype(E, t);
  tp->owned = owned && t && ec_needs_drop(t);
  tp->suffix = "";
  tp->child = NULL;
  ast_list_push(E->cx->perm, &E->temps, tp);
  return ec_printf(E, "F->%s", tp->name);
}

const char *ec_hoisted(ec *E, ast_expr *e) {
  for (uint32_t i = 0; i < E->hoists.len; i++) {
    ec_hoist *h = E->hoists.items[i];
    if (h->e == e)
      return h->temp;
  }
  return NULL;
}

/* ------------------------------------------------------------ literals */

const char *emit_c_cstr_lit(ec *E, const char *s, size_t n) {
  size_t cap = n * 4 + 3;
  char *o = arena_alloc(E->cx->perm, cap);
  size_t k = 0;
  o[k++] = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      o[k++] = '\\';
      o[k++] = (char)c;
    } else if (c == '\n') {
      o[k++] = '\\';
      o[k++] = 'n';
    } else if (c < 32 || c == 127 || c == '?') {
      k += (size_t)snprintf(o + k, cap - k, "\\%03o", c);
    } else
      o[k++] = (char)c;
  }
  o[k++] = '"';
  o[k] = 0;
  return o;
}

const char *ec_str_lit(ec *E, const char *s, size_t n) {
  /* literals are static objects: never counted, never freed */
  const char *name = ec_printf(E, "ag_str_%d", E->nstr++);
  fprintf(E->types.f, "static ar_str %s = {AR_STR_STATIC, %zu, %s};\n", name,
          n, emit_c_cstr_lit(E, s, n));
  return ec_printf(E, "(&%s)", name);
}

/* ------------------------------------------------------------ coercion */

/* A value of type `have` used where `want` is expected (T -> T?, nil). */
const char *ec_coerce(ec *E, const char *v, type *have, type *want) {
  type *w = ec_strip(want), *h = ec_strip(have);
  if (!w || !h || w == h)
    return v;
  if (w->kind == TY_OPT && (h->kind != TY_OPT || h == ec_strip(w->elem))) {
    if (ec_is_ptr(w->elem))
      return h->kind == TY_NIL ? "NULL" : v;
    if (h->kind == TY_NIL)
      return ec_printf(E, "(%s){0}", ec_ctype(E, w));
    return ec_printf(E, "(%s){true, %s}", ec_ctype(E, w),
                     ec_coerce(E, v, h, w->elem));
  }
  if (w->kind >= TY_BOOL && w->kind <= TY_F64 && h->kind != w->kind)
    return ec_printf(E, "(%s)(%s)", ec_ctype(E, w), v);
  return v;
}

/* ------------------------------------------------------------ places */

/* The place a local or state symbol names, or NULL. */
const char *ec_sym_place(ec *E, sym *s) {
  if (!s)
    return NULL;
  ir_local *l = lower_local(E->ir, s);
  if (l)
    return ec_printf(E, "F->%s", l->cname);
  if (s->kind == SYM_STATE || (s->kind == SYM_PARAM &&
                               lower_is_actor_param(E->ir, s)))
    return ec_printf(E, "self->%s", ec_id(E, s->name));
  return NULL;
}

bool ec_is_take(ast_expr *e) { return e->own == OWN_MOVE; }

/* A move the ownership checker made out of a copy type (own.c cand_move:
 * the local is dead afterwards) is taken only when the local owns its
 * value: a pattern binding of a place is a view of the scrutinee (which
 * keeps the value), so the move stays a copy there. */
static bool ec_move_owned(ec *E, ast_expr *e) {
  if (!ec_is_take(e) || types_is_owned(ec_strip(e->ty)))
    return ec_is_take(e);
  ast_expr *root = e;
  while (root->kind == EXPR_FIELD)
    root = root->u.field.obj;
  ir_local *l = root->kind == EXPR_NAME ? lower_local(E->ir, root->u.name.sym)
                                        : NULL;
  return !(l && l->is_view);
}

/* Move a value out of a place: the place is left empty. */
const char *ec_take(ec *E, type *t, const char *place) {
  t = ec_strip(t);
  if (ec_is_ptr(t) || (t->kind == TY_OPT && ec_is_ptr(t->elem))) {
    const char *v =
        ec_printf(E, "((%s)ar_take((void **)&%s))", ec_ctype(E, t), place);
    /* the handler's own message moved elsewhere (state, a list, another
     * call): the runtime must not free it if the handler faults later
     * (ar_msg_keep, SCHEDULER.md 7.1) */
    ir_body *b = E->body;
    ir_local *bl = b && b->kind == IR_HANDLER
                       ? lower_local(E->ir, b->handler->binding_sym)
                       : NULL;
    if (bl && strcmp(place, ec_printf(E, "F->%s", bl->cname)) == 0)
      v = ec_printf(E, "((%s)ar_msg_keep(%s))", ec_ctype(E, t), v);
    return v;
  }
  if (!ec_needs_drop(t))
    return place;
  /* by-value composite: copy the bits, zero the source */
  const char *tmp = ec_temp_new(E, t, NULL, false);
  return ec_printf(E, "(%s = %s, memset(&%s, 0, sizeof %s), %s)", tmp, place,
                   place, place, tmp);
}

/* ------------------------------------------------------------ expressions */

const char *ex_raw(ec *E, ast_expr *e, bool *fresh, bool *movable);

static const char *ex_binop(ast_op op) {
  switch (op) {
  case OP_ADD: return "+";
  case OP_SUB: return "-";
  case OP_MUL: return "*";
  case OP_DIV: return "/";
  case OP_MOD: return "%";
  case OP_BITAND: return "&";
  case OP_BITOR: return "|";
  case OP_BITXOR: return "^";
  case OP_SHL: return "<<";
  case OP_SHR: return ">>";
  case OP_EQ: return "==";
  case OP_NE: return "!=";
  case OP_LT: return "<";
  case OP_LE: return "<=";
  case OP_GT: return ">";
  case OP_GE: return ">=";
  case OP_AND: return "&&";
  case OP_OR: return "||";
  default: return "?";
  }
}

bool ec_is_unsigned(type *t) {
  t = ec_strip(t);
  return t && t->kind >= TY_U8 && t->kind <= TY_U64;
}

bool ec_is_intk(type *t) {
  t = ec_strip(t);
  return t && ((t->kind >= TY_I8 && t->kind <= TY_U64) ||
               t->kind == TY_DURATION || t->kind == TY_TIME);
}

/* arithmetic a OP b in type t */
const char *ex_arith(ec *E, ast_op op, type *t, const char *a,
                            const char *b) {
  const char *ct = ec_ctype(E, t);
  if (ec_is_intk(t) && (op == OP_DIV || op == OP_MOD)) {
    bool u = ec_is_unsigned(t);
    return ec_printf(E, "((%s)ar_%s(%s, %s))", ct,
                     op == OP_DIV ? (u ? "udiv" : "idiv") : (u ? "umod" : "imod"),
                     a, b);
  }
  if (ec_strip(t)->kind == TY_STR && op == OP_ADD)
    return ec_printf(E, "ar_str_concat(%s, %s)", a, b);
  if (ec_is_intk(t) && !ec_is_unsigned(t) &&
      (op == OP_ADD || op == OP_SUB || op == OP_MUL))
    /* wrap-around in the unsigned domain: no signed-overflow UB */
    return ec_printf(E, "((%s)((uint64_t)(%s) %s (uint64_t)(%s)))", ct, a,
                     ex_binop(op), b);
  return ec_printf(E, "((%s)(%s %s %s))", ct, a, ex_binop(op), b);
}

const char *ex_eq(ec *E, type *t, const char *a, const char *b) {
  t = ec_strip(t);
  switch (t->kind) {
  case TY_STR: return ec_printf(E, "ar_str_eq(%s, %s)", a, b);
  case TY_UUID: return ec_printf(E, "ag_uuid_eq(%s, %s)", a, b);
  case TY_OPT:
  case TY_TUPLE:
    ec_need(E, t);
    if (t->kind == TY_OPT && ec_is_ptr(t->elem) &&
        ec_strip(t->elem)->kind != TY_STR)
      return ec_printf(E, "(%s == %s)", a, b);
    return ec_printf(E, "ag_eq_%s(%s, %s)", ec_mangle(E, t), a, b);
  default: return ec_printf(E, "(%s == %s)", a, b);
  }
}

/* nil test of an optional value v of type t */
const char *ex_is_nil(ec *E, type *t, const char *v) {
  t = ec_strip(t);
  if (t->kind == TY_OPT && !ec_is_ptr(t->elem))
    return ec_printf(E, "(!(%s).has)", v);
  return ec_printf(E, "(%s == NULL)", v);
}

const char *ex_unwrap(ec *E, type *t, const char *v) {
  t = ec_strip(t);
  if (t->kind == TY_OPT && !ec_is_ptr(t->elem))
    return ec_printf(E, "(%s).v", v);
  return v;
}

static const char *ex_binary(ec *E, ast_expr *e) {
  ast_op op = e->u.binary.op;
  ast_expr *l = e->u.binary.lhs, *r = e->u.binary.rhs;
  type *lt = ec_strip(l->ty), *rt = ec_strip(r->ty);
  if (op == OP_COALESCE) {
    type *t = e->ty;
    const char *a = ex(E, l, EX_BORROW, NULL);
    if (ec_needs_drop(t)) {
      /* result owned: share the present value, else the default */
      const char *tmp = ec_temp_new(E, lt, NULL, false);
      return ec_printf(E, "(%s = %s, %s ? %s : %s)", tmp, a,
                       ec_printf(E, "!%s", ex_is_nil(E, lt, tmp)),
                       ec_share(E, t, ex_unwrap(E, lt, tmp)),
                       ex(E, r, EX_OWN, t));
    }
    const char *tmp = ec_temp_new(E, lt, NULL, false);
    return ec_printf(E, "(%s = %s, !%s ? %s : %s)", tmp, a,
                     ex_is_nil(E, lt, tmp), ex_unwrap(E, lt, tmp),
                     ex(E, r, EX_BORROW, t));
  }
  if ((op == OP_EQ || op == OP_NE) &&
      (lt->kind == TY_NIL || rt->kind == TY_NIL)) {
    ast_expr *o = lt->kind == TY_NIL ? r : l;
    const char *t = ex_is_nil(E, o->ty, ex(E, o, EX_BORROW, NULL));
    return op == OP_EQ ? t : ec_printf(E, "(!%s)", t);
  }
  if (op == OP_EQ || op == OP_NE) {
    type *t = lt->kind == TY_OPT ? lt : rt;
    const char *a = ex(E, l, EX_BORROW, t);
    const char *b = ex(E, r, EX_BORROW, t);
    const char *q = ex_eq(E, t, a, b);
    return op == OP_EQ ? q : ec_printf(E, "(!%s)", q);
  }
  if (op >= OP_LT && op <= OP_GE) {
    const char *a = ex(E, l, EX_BORROW, NULL);
    const char *b = ex(E, r, EX_BORROW, NULL);
    if (lt->kind == TY_STR)
      return ec_printf(E, "(ar_str_cmp(%s, %s) %s 0)", a, b, ex_binop(op));
    return ec_printf(E, "(%s %s %s)", a, ex_binop(op), b);
  }
  if (op == OP_AND || op == OP_OR)
    return ec_printf(E, "(%s %s %s)", ex(E, l, EX_BORROW, NULL), ex_binop(op),
                     ex(E, r, EX_BORROW, NULL));
  if (lt->kind == TY_DURATION && rt->kind == TY_DURATION)
    /* d / d -> i64 (how many times), d % d -> duration: both int64_t ns */
    return ex_arith(E, op, lt, ex(E, l, EX_BORROW, lt), ex(E, r, EX_BORROW, lt));
  return ex_arith(E, op, e->ty, ex(E, l, EX_BORROW, e->ty),
                  ex(E, r, EX_BORROW, e->ty));
}

static const char *ex_str(ec *E, ast_expr *e, bool print, bool nl, bool err) {
  const char *s = "(ar_fmt_begin()";
  for (uint32_t i = 0; i < e->u.str.parts.len; i++) {
    ast_str_part *p = e->u.str.parts.items[i];
    if (p->expr)
      s = ec_printf(E, "%s, %s", s,
                    ec_fmt(E, p->expr->ty, ex(E, p->expr, EX_BORROW, NULL)));
    else if (p->len)
      s = ec_printf(E, "%s, ar_fmt_cstr(%s, %zu)", s,
                    emit_c_cstr_lit(E, p->text, p->len), p->len);
  }
  if (print)
    return ec_printf(E, "%s, ar_fmt_print(%s, %s))", s, nl ? "true" : "false",
                     err ? "true" : "false");
  return ec_printf(E, "%s, ar_fmt_end())", s);
}

static bool ex_is_plain_str(ast_expr *e) {
  if (e->kind != EXPR_STR)
    return false;
  for (uint32_t i = 0; i < e->u.str.parts.len; i++)
    if (AST_AT(e->u.str.parts, i, ast_str_part)->expr)
      return false;
  return true;
}

static const char *ex_plain_str(ec *E, ast_expr *e) {
  size_t n = 0;
  for (uint32_t i = 0; i < e->u.str.parts.len; i++)
    n += AST_AT(e->u.str.parts, i, ast_str_part)->len;
  char *buf = arena_alloc(E->cx->perm, n + 1);
  size_t k = 0;
  for (uint32_t i = 0; i < e->u.str.parts.len; i++) {
    ast_str_part *p = e->u.str.parts.items[i];
    memcpy(buf + k, p->text, p->len);
    k += p->len;
  }
  return ec_str_lit(E, buf, n);
}

static const char *ex_args(ec *E, ast_list *args, type *fnty, ast_decl *fn) {
  const char *s = "";
  for (uint32_t i = 0; i < args->len; i++) {
    ast_expr *a = args->items[i];
    type *pt = NULL;
    bool pborrow = false;
    if (fn && i < fn->u.fn.params.len) {
      ast_param *pp = AST_AT(fn->u.fn.params, i, ast_param);
      pt = pp->sym->ty;
      pborrow = pp->type && pp->type->kind == TE_BORROW;
    }
    else if (fnty && i < fnty->nitems)
      pt = fnty->items[i];
    bool borrow = pborrow || (pt && pt->kind == TY_BORROW) ||
                  a->kind == EXPR_BORROW;
    s = ec_printf(E, "%s%s%s", s, i ? ", " : "",
                  ex(E, a, borrow ? EX_BORROW : EX_OWN, pt));
  }
  return s;
}

static const char *ex_print(ec *E, ast_expr *arg, bool nl, bool err) {
  const char *nls = nl ? "true" : "false", *errs = err ? "true" : "false";
  if (!arg)
    return ec_printf(E, "(ar_fmt_begin(), ar_fmt_print(%s, %s))", nls, errs);
  if (arg->kind == EXPR_STR)
    return ex_str(E, arg, true, nl, err);
  return ec_printf(E, "(ar_fmt_begin(), %s, ar_fmt_print(%s, %s))",
                   ec_fmt(E, arg->ty, ex(E, arg, EX_BORROW, NULL)), nls, errs);
}

static const char *ex_call(ec *E, ast_expr *e, bool *fresh) {
  ast_expr *c = e->u.call.callee;
  ast_list *args = &e->u.call.args;
  ast_expr *a0 = args->len ? args->items[0] : NULL;
  ast_expr *recv = c->kind == EXPR_FIELD ? c->u.field.obj : NULL;
  *fresh = true;
  switch (e->u.call.builtin) {
  case BI_PRINT: return ex_print(E, a0, false, false);
  case BI_PRINTLN: return ex_print(E, a0, true, false);
  case BI_EPRINTLN: return ex_print(E, a0, true, true);
  case BI_EXIT:
    return ec_printf(E, "ag_exit((int)(%s))", ex(E, a0, EX_BORROW, NULL));
  case BI_NOW: return "ar_now_ns()";
  /* ring actors' CPU fallback (emit_c_ring.c): the loop sets these */
  case BI_THREAD_INDEX: return "self->ag_tid";
  case BI_BLOCK_INDEX: return "self->ag_bid";
  case BI_BLOCK_DIM:
  case BI_GRID_DIM: {
    ring_geometry g;
    ast_decl *ad = E->body && E->body->actor ? E->body->actor->decl : NULL;
    if (!ad || !emit_ptx_ring_geometry(ad, &g))
      return "((int64_t)1)";
    return ec_printf(E, "((int64_t)%u)",
                     e->u.call.builtin == BI_BLOCK_DIM ? g.threads : g.blocks);
  }
  case BI_MONITOR:
    return ec_printf(E, "ar_monitor(ar_self(), %s)", ex(E, a0, EX_BORROW, NULL));
  case BI_LINK:
    return ec_printf(E, "ar_link(ar_self(), %s)", ex(E, a0, EX_BORROW, NULL));
  case BI_CLOSE:
    return ec_printf(E, "(ar_chan_close(%s) == AR_CLOSED ? ar_fault(\"close of "
                        "a closed channel\") : (void)0)",
                     ex(E, a0, EX_BORROW, NULL));
  case BI_LIST_LEN:
  case BI_BYTES_LEN:
    return ec_printf(E, "ar_list_len(%s)", ex(E, recv, EX_BORROW, NULL));
  case BI_MAP_LEN:
    return ec_printf(E, "ar_map_len(%s)", ex(E, recv, EX_BORROW, NULL));
  case BI_BUF_LEN:
    return ec_printf(E, "ar_buf_len(%s)", ex(E, recv, EX_BORROW, NULL));
  case BI_BUF: {
    type *el = ec_strip(e->ty)->elem;
    const char *n = ex(E, a0, EX_BORROW, NULL);
    if (args->len < 2)
      return ec_printf(E, "ar_buf_new(sizeof(%s), %s)", ec_ctype(E, el), n);
    return ec_printf(E, "ag_buf_fill_%s(%s, %s)", ec_mangle(E, el), n,
                     ex(E, args->items[1], EX_BORROW, el));
  }
  case BI_STR_LEN:
    return ec_printf(E, "((int64_t)(%s)->len)", ex(E, recv, EX_BORROW, NULL));
  case BI_LIST_PUSH: {
    type *el = ec_strip(recv->ty)->elem;
    return ec_printf(E, "ar_list_push(%s, (%s[]){%s})",
                     ex(E, recv, EX_BORROW, NULL), ec_ctype(E, el),
                     ex(E, a0, EX_OWN, el));
  }
  case BI_LIST_POP: {
    type *el = ec_strip(recv->ty)->elem;
    type *ot = e->ty;
    const char *tmp = ec_temp_new(E, el, NULL, false);
    const char *none =
        ec_is_ptr(el) ? "NULL" : ec_printf(E, "(%s){0}", ec_ctype(E, ot));
    return ec_printf(E, "(ar_list_pop(%s, &%s) ? %s : %s)",
                     ex(E, recv, EX_BORROW, NULL), tmp,
                     ec_coerce(E, tmp, el, ot), none);
  }
  case BI_MAP_GET: {
    type *mt = ec_strip(recv->ty);
    const char *tmp = ec_temp_new(E, NULL,
                                  ec_printf(E, "%s*", ec_ctype(E, mt->elem)),
                                  false);
    const char *get = ec_printf(E, "(%s = ar_map_get(%s, (%s[]){%s}))", tmp,
                                ex(E, recv, EX_BORROW, NULL),
                                ec_ctype(E, mt->key), ex(E, a0, EX_BORROW, mt->key));
    const char *none = ec_is_ptr(mt->elem)
                           ? "NULL"
                           : ec_printf(E, "(%s){0}", ec_ctype(E, e->ty));
    /* the result is owned: share the stored value */
    return ec_printf(E, "(%s ? %s : %s)", get,
                     ec_coerce(E, ec_share(E, mt->elem, ec_printf(E, "(*%s)", tmp)),
                               mt->elem, e->ty),
                     none);
  }
  case BI_MAP_CONTAINS: {
    type *mt = ec_strip(recv->ty);
    *fresh = true;
    return ec_printf(E, "ar_map_contains(%s, (%s[]){%s})",
                     ex(E, recv, EX_BORROW, NULL), ec_ctype(E, mt->key),
                     ex(E, a0, EX_BORROW, mt->key));
  }
  case BI_MAP_INSERT: {
    type *mt = ec_strip(recv->ty);
    ast_expr *a1 = args->items[1];
    return ec_printf(E, "ar_map_insert(%s, (%s[]){%s}, (%s[]){%s})",
                     ex(E, recv, EX_BORROW, NULL), ec_ctype(E, mt->key),
                     ex(E, a0, EX_OWN, mt->key), ec_ctype(E, mt->elem),
                     ex(E, a1, EX_OWN, mt->elem));
  }
  case BI_MAP_REMOVE: {
    type *mt = ec_strip(recv->ty);
    const char *tmp = ec_temp_new(E, mt->elem, NULL, false);
    const char *none = ec_is_ptr(mt->elem)
                           ? "NULL"
                           : ec_printf(E, "(%s){0}", ec_ctype(E, e->ty));
    return ec_printf(E, "(ar_map_remove(%s, (%s[]){%s}, &%s) ? %s : %s)",
                     ex(E, recv, EX_BORROW, NULL), ec_ctype(E, mt->key),
                     ex(E, a0, EX_BORROW, mt->key), tmp,
                     ec_coerce(E, tmp, mt->elem, e->ty), none);
  }
  case BI_MAP_KEYS:
    return ec_printf(E, "ar_map_keys(%s)", ex(E, recv, EX_BORROW, NULL));
  case BI_STR_CONTAINS:
  case BI_STR_STARTS:
  case BI_STR_ENDS:
  case BI_STR_SPLIT: {
    int id = e->u.call.builtin;
    const char *fn = id == BI_STR_CONTAINS ? "contains"
                     : id == BI_STR_STARTS ? "starts_with"
                     : id == BI_STR_ENDS   ? "ends_with"
                                           : "split";
    return ec_printf(E, "ar_str_%s(%s, %s)", fn, ex(E, recv, EX_BORROW, NULL),
                     ex(E, a0, EX_BORROW, NULL));
  }
  case BI_STR_TRIM:
    return ec_printf(E, "ar_str_trim(%s)", ex(E, recv, EX_BORROW, NULL));
  case BI_STR_BYTES:
    return ec_printf(E, "ar_str_bytes(%s)", ex(E, recv, EX_BORROW, NULL));
  case BI_STR_SLICE:
    return ec_printf(E, "ar_str_slice(%s, (int64_t)(%s), (int64_t)(%s))",
                     ex(E, recv, EX_BORROW, NULL), ex(E, a0, EX_BORROW, NULL),
                     ex(E, args->items[1], EX_BORROW, NULL));
  case BI_STR_INDEX_OF:
  case BI_STR_PARSE_I64:
  case BI_STR_PARSE_F64: {
    /* bool ar_str_*(..., T *out): present when true */
    int id = e->u.call.builtin;
    type *el = ec_strip(e->ty)->elem;
    const char *tmp = ec_temp_new(E, el, NULL, false);
    const char *call =
        id == BI_STR_INDEX_OF
            ? ec_printf(E, "ar_str_index_of(%s, %s, &%s)",
                        ex(E, recv, EX_BORROW, NULL), ex(E, a0, EX_BORROW, NULL),
                        tmp)
            : ec_printf(E, "ar_str_parse_%s(%s, &%s)",
                        id == BI_STR_PARSE_I64 ? "i64" : "f64",
                        ex(E, recv, EX_BORROW, NULL), tmp);
    return ec_printf(E, "(%s ? %s : (%s){0})", call,
                     ec_coerce(E, tmp, el, e->ty), ec_ctype(E, e->ty));
  }
  default:
    if (builtin_is_wire(e->u.call.builtin)) /* issue 6 */
      return emit_c_codec_call(E, e);
    break;
  }
  /* user functions */
  sym *s = c->kind == EXPR_NAME ? c->u.name.sym : NULL;
  if (!s || s->kind != SYM_FN || !s->decl) {
    ec_unsupported(E, e->sp, "this kind of call");
    return "0";
  }
  ast_decl *fn = s->decl;
  const char *as = ex_args(E, args, NULL, fn);
  if (s->owner)
    return ec_printf(E, "ag_%s__fn_%s(self%s%s)", s->owner->name.name,
                     fn->name.name, *as ? ", " : "", as);
  return ec_printf(E, "ag_fn_%s(%s)", fn->name.name, as);
}

/* A record literal of d with the given field initialisers (fields may be
 * NULL: `Tick` / `Tick {}`, every field from its default). */
static const char *ex_record_of(ec *E, ast_expr *e, ast_decl *d,
                                ast_list *fields) {
  static ast_list none;
  if (!fields)
    fields = &none;
  if (!d) {
    ec_unsupported(E, e->sp, "this record literal");
    return "0";
  }
  const char *s = "";
  uint32_t nf = d->u.record.fields.len;
  for (uint32_t k = 0; k < nf; k++) {
    ast_field *f = d->u.record.fields.items[k];
    type *ft = f->sym && f->sym->ty ? f->sym->ty : f->type->ty;
    ast_expr *v = NULL;
    for (uint32_t i = 0; i < fields->len; i++) {
      ast_field_init *fi = fields->items[i];
      if (fi->name.name == f->name.name)
        v = fi->value;
    }
    const char *code;
    if (v)
      code = ex(E, v, EX_OWN, ft);
    else if (f->default_)
      code = ex(E, f->default_, EX_OWN, ft);
    else
      code = ec_zero(E, ft);
    s = ec_printf(E, "%s%s%s", s, k ? ", " : "", code);
  }
  const char *r;
  if (d->kind == DECL_MESSAGE)
    r = ec_printf(E, "ag_mk_%s(%s)", d->name.name, s);
  else
    r = ec_printf(E, "((%s){%s})", ec_ctype(E, e->ty), nf ? s : "0");
  /* header fields given in the literal */
  for (uint32_t i = 0; d->kind == DECL_MESSAGE && i < fields->len;
       i++) {
    ast_field_init *fi = fields->items[i];
    if (fi->name.name && strcmp(fi->name.name, "priority") == 0) {
      bool found = false;
      for (uint32_t k = 0; k < nf; k++)
        if (AST_AT(d->u.record.fields, k, ast_field)->name.name == fi->name.name)
          found = true;
      if (!found) {
        const char *tmp = ec_temp_new(E, NULL, "ar_msg *", false);
        r = ec_printf(E, "(%s = %s, %s->priority = (uint8_t)(%s), %s)", tmp, r,
                      tmp, ex(E, fi->value, EX_BORROW, NULL), tmp);
      }
    }
  }
  return r;
}

static const char *ex_record(ec *E, ast_expr *e) {
  return ex_record_of(E, e, e->u.record.sym ? e->u.record.sym->decl : NULL,
                      &e->u.record.fields);
}

static const char *ex_field(ec *E, ast_expr *e, bool *fresh, bool *movable) {
  sym *fs = e->u.field.sym;
  if (fs && fs->kind == SYM_VARIANT)
    return ec_printf(E, "ag_%s_%s", fs->decl ? fs->decl->name.name : "?",
                     fs->name);
  ast_expr *o = e->u.field.obj;
  if (o->kind == EXPR_SELF)
    return ec_printf(E, "self->%s", ec_id(E, e->u.field.field.name));
  type *ot = ec_strip(o->ty);
  const char *ov = ex_raw(E, o, fresh, movable);
  if (*fresh && ec_needs_drop(ot)) {
    /* keep the whole alive in a temp; the field is a view into it */
    const char *tmp = ec_temp_new(E, ot, NULL, true);
    ov = ec_printf(E, "(*(%s, %s = %s, &%s))", ec_drop(E, ot, tmp), tmp, ov,
                   tmp);
  }
  *fresh = false;
  *movable = false;
  if (e->u.field.tuple_index >= 0)
    return ec_printf(E, "(%s).f%d", ov, e->u.field.tuple_index);
  if (ot->kind == TY_MESSAGE) {
    /* header fields (DESIGN.md "Messages"): not in the payload (no
     * payload field has their names: E0220) */
    const char *fn = e->u.field.field.name;
    if (!strcmp(fn, "id"))
      return ec_printf(E, "(*ar_msg_id(%s))", ov);
    if (!strcmp(fn, "priority"))
      return ec_printf(E, "(%s)->priority", ov);
    if (!strcmp(fn, "correlation")) {
      /* the side block holds it only when set; ov is evaluated once */
      const char *m = ec_temp_new(E, NULL, "ar_msg *", false);
      return ec_printf(E,
                       "(%s = %s, (%s){ar_msg_has_correlation(%s), "
                       "ar_msg_has_correlation(%s) ? *ar_msg_correlation(%s) "
                       ": (ar_uuid){{0}}})",
                       m, ov, ec_ctype(E, e->ty), m, m, m);
    }
    return ec_printf(E, "AG_P_%s(%s)->%s", ot->decl->name.name, ov,
                     ec_id(E, fn));
  }
  return ec_printf(E, "(%s).%s", ov, ec_id(E, e->u.field.field.name));
}

/* A hoisted expression: its temp.  Suspension points and matches are
 * emitted as statements before the statement that uses them. */
const char *ex_raw(ec *E, ast_expr *e, bool *fresh, bool *movable) {
  *fresh = false;
  *movable = false;
  const char *h = ec_hoisted(E, e);
  if (h) {
    *movable = true;
    return h;
  }
  switch (e->kind) {
  case EXPR_INT:
    *fresh = true;
    if (ec_is_unsigned(e->ty))
      return ec_printf(E, "((%s)%lluu)", ec_ctype(E, e->ty),
                       (unsigned long long)e->u.int_.value);
    if (e->u.int_.value > INT64_MAX)
      return ec_printf(E, "((%s)%lluu)", ec_ctype(E, e->ty),
                       (unsigned long long)e->u.int_.value);
    if (ec_strip(e->ty)->kind == TY_F64 || ec_strip(e->ty)->kind == TY_F32)
      return ec_printf(E, "%llu.0", (unsigned long long)e->u.int_.value);
    return ec_printf(E, "((%s)%lld)", ec_ctype(E, e->ty),
                     (long long)e->u.int_.value);
  case EXPR_FLOAT:
    *fresh = true;
    /* an f32 literal is the float nearest the value (as in a kernel), and
       keeps f32 arithmetic in f32: `0.2 * x` must not compute in double */
    if (e->ty && ec_strip(e->ty)->kind == TY_F32)
      return ec_printf(E, "((float)%.17g)", e->u.float_.value);
    return ec_printf(E, "%.17g", e->u.float_.value);
  case EXPR_BOOL: *fresh = true; return e->u.bool_.value ? "true" : "false";
  case EXPR_NIL:
    *fresh = true;
    if (e->ty && ec_strip(e->ty)->kind == TY_OPT && !ec_is_ptr(ec_strip(e->ty)->elem))
      return ec_printf(E, "((%s){0})", ec_ctype(E, e->ty));
    return "NULL";
  case EXPR_DURATION:
    *fresh = true;
    return ec_printf(E, "((int64_t)%lld)", (long long)e->u.duration.ns);
  case EXPR_STR:
    *fresh = true;
    if (ex_is_plain_str(e)) {
      *fresh = false; /* a static literal: sharing it is free */
      return ex_plain_str(E, e);
    }
    return ex_str(E, e, false, false, false);
  case EXPR_NAME: {
    sym *s = e->u.name.sym;
    const char *p = ec_sym_place(E, s);
    if (p) {
      *movable = ec_move_owned(E, e);
      return p;
    }
    if (s && s->kind == SYM_CONST && s->decl) {
      ast_expr *v = s->decl->u.const_.value;
      const char *r = ex_raw(E, v, fresh, movable);
      *movable = false;
      return ec_coerce(E, r, v->ty, e->ty);
    }
    if (s && s->kind == SYM_VARIANT)
      return ec_printf(E, "ag_%s_%s", s->decl ? s->decl->name.name : "?",
                       s->name);
    ec_unsupported(E, e->sp, "this name");
    return "0";
  }
  case EXPR_SELF: return "(&self->ag_base)";
  case EXPR_TYPE_NAME: {
    sym *s = e->u.name.sym;
    if (s && s->kind == SYM_CONST && s->decl) { /* `const LIMIT = 2;` */
      ast_expr *v = s->decl->u.const_.value;
      const char *r = ex_raw(E, v, fresh, movable);
      *movable = false;
      return ec_coerce(E, r, v->ty, e->ty);
    }
    *fresh = true;
    if (s && (s->kind == SYM_MESSAGE || s->kind == SYM_STRUCT) && s->decl)
      return ex_record_of(E, e, s->decl, NULL);
    if (s && s->kind == SYM_VARIANT)
      return ec_printf(E, "ag_%s_%s", s->decl ? s->decl->name.name : "?",
                       s->name);
    ec_unsupported(E, e->sp, "this name");
    return "0";
  }
  case EXPR_FIELD: {
    const char *r = ex_field(E, e, fresh, movable);
    *movable = ec_move_owned(E, e);
    return r;
  }
  case EXPR_INDEX: {
    type *ot = ec_strip(e->u.index.obj->ty);
    const char *o = ex(E, e->u.index.obj, EX_BORROW, NULL);
    if (ot->kind == TY_LIST) {
      *movable = ec_is_take(e);
      return ec_printf(E, "(*(%s*)ar_list_at(%s, (int64_t)(%s)))",
                       ec_ctype(E, ot->elem), o,
                       ex(E, e->u.index.index, EX_BORROW, NULL));
    }
    if (ot->kind == TY_BUF)
      return ec_printf(E, "(*(%s*)ar_buf_at(%s, (int64_t)(%s)))",
                       ec_ctype(E, ot->elem), o,
                       ex(E, e->u.index.index, EX_BORROW, NULL));
    if (ot->kind == TY_MAP) {
      return ec_printf(E, "(*(%s*)ar_map_at(%s, (%s[]){%s}))",
                       ec_ctype(E, ot->elem), o, ec_ctype(E, ot->key),
                       ex(E, e->u.index.index, EX_BORROW, ot->key));
    }
    ec_unsupported(E, e->sp, "indexing this type");
    return "0";
  }
  case EXPR_CALL: return ex_call(E, e, fresh);
  case EXPR_UNARY: {
    *fresh = true;
    const char *v = ex(E, e->u.unary.operand, EX_BORROW, NULL);
    switch (e->u.unary.op) {
    case OP_NEG:
      if (ec_is_intk(e->ty))
        return ec_printf(E, "((%s)(0 - (uint64_t)(%s)))", ec_ctype(E, e->ty), v);
      return ec_printf(E, "(-%s)", v);
    case OP_NOT: return ec_printf(E, "(!%s)", v);
    default: return ec_printf(E, "((%s)~%s)", ec_ctype(E, e->ty), v);
    }
  }
  case EXPR_BINARY:
    *fresh = true;
    return ex_binary(E, e);
  case EXPR_CAST: {
    *fresh = true;
    type *to = ec_strip(e->ty)->kind == TY_OPT ? ec_strip(e->ty)->elem : e->ty;
    type *from = ec_strip(e->u.cast.expr->ty);
    const char *v = ex(E, e->u.cast.expr, EX_BORROW, NULL);
    bool from_float = from && (from->kind == TY_F32 || from->kind == TY_F64);
    if (from_float && ec_is_intk(to))
      /* float -> int saturates (NaN -> 0) instead of C's undefined behaviour */
      v = ec_printf(E, "((%s)%s((double)(%s)))", ec_ctype(E, to),
                    ec_is_unsigned(to) ? "ar_f2u64" : "ar_f2i64", v);
    else
      v = ec_printf(E, "((%s)(%s))", ec_ctype(E, to), v);
    return ec_coerce(E, v, to, e->ty);
  }
  case EXPR_RECORD: *fresh = true; return ex_record(E, e);
  case EXPR_LIST: {
    *fresh = true;
    type *el = ec_strip(e->ty)->elem;
    uint32_t n = e->u.list.items.len;
    if (!n)
      return ec_printf(E, "ar_list_new(%s, 0)", ec_vt(E, el));
    const char *s = "";
    for (uint32_t i = 0; i < n; i++)
      s = ec_printf(E, "%s%s%s", s, i ? ", " : "",
                    ex(E, e->u.list.items.items[i], EX_OWN, el));
    return ec_printf(E, "ar_list_of(%s, %u, (%s[]){%s})", ec_vt(E, el), n,
                     ec_ctype(E, el), s);
  }
  case EXPR_MAP: {
    *fresh = true;
    type *mt = ec_strip(e->ty);
    uint32_t n = e->u.map.entries.len;
    if (!n)
      return ec_printf(E, "ar_map_new(%s, %s)", ec_vt(E, mt->key),
                       ec_vt(E, mt->elem));
    const char *ks = "", *vs = "";
    for (uint32_t i = 0; i < n; i++) {
      ast_map_entry *me = e->u.map.entries.items[i];
      ks = ec_printf(E, "%s%s%s", ks, i ? ", " : "",
                     ex(E, me->key, EX_OWN, mt->key));
      vs = ec_printf(E, "%s%s%s", vs, i ? ", " : "",
                     ex(E, me->value, EX_OWN, mt->elem));
    }
    return ec_printf(E, "ar_map_of(%s, %s, %u, (%s[]){%s}, (%s[]){%s})",
                     ec_vt(E, mt->key), ec_vt(E, mt->elem), n,
                     ec_ctype(E, mt->key), ks, ec_ctype(E, mt->elem), vs);
  }
  case EXPR_TUPLE: {
    *fresh = true;
    type *tt = ec_strip(e->ty);
    const char *s = "";
    for (uint32_t i = 0; i < e->u.list.items.len; i++)
      s = ec_printf(E, "%s%s%s", s, i ? ", " : "",
                    ex(E, e->u.list.items.items[i], EX_OWN, tt->items[i]));
    return ec_printf(E, "((%s){%s})", ec_ctype(E, tt), s);
  }
  case EXPR_SPAWN: {
    *fresh = true;
    ast_decl *a = e->u.spawn.sym->decl;
    if (a->kind == DECL_SUPERVISOR)
      return ec_printf(E, "ag_spawn_sup_%s()", a->name.name);
    const char *s = "";
    for (uint32_t i = 0; i < e->u.spawn.args.len; i++) {
      ast_param *p = i < a->u.actor.params.len ? a->u.actor.params.items[i] : NULL;
      s = ec_printf(E, "%s%s%s", s, i ? ", " : "",
                    ex(E, e->u.spawn.args.items[i], EX_OWN,
                       p ? p->sym->ty : NULL));
    }
    return ec_printf(E, "ag_spawn_%s(%s)", a->name.name, s);
  }
  case EXPR_FREEZE: {
    *fresh = true;
    type *t = ec_strip(e->u.wrap.operand->ty);
    const char *v = ex(E, e->u.wrap.operand, EX_OWN, NULL);
    if (t->kind == TY_LIST)
      return ec_printf(E, "ar_list_freeze(%s)", v);
    if (t->kind == TY_MAP)
      return ec_printf(E, "ar_map_freeze(%s)", v);
    return v;
  }
  case EXPR_COPY: {
    *fresh = true;
    type *t = e->u.wrap.operand->ty;
    return ec_deep(E, t, ex(E, e->u.wrap.operand, EX_BORROW, NULL));
  }
  case EXPR_TAKE: {
    *fresh = true;
    ast_expr *o = e->u.wrap.operand;
    type *t = ec_strip(o->ty);
    bool f2, m2;
    const char *p = ex_raw(E, o, &f2, &m2);
    if (t->kind == TY_LIST)
      return ec_printf(E, "ar_list_take(&%s)", p);
    if (t->kind == TY_MAP)
      return ec_printf(E, "ar_map_take(&%s)", p);
    if (t->kind == TY_STR)
      return ec_printf(E, "((ar_str *)ar_take((void **)&%s))", p);
    return ec_take(E, t, p);
  }
  case EXPR_BORROW: return ex_raw(E, e->u.wrap.operand, fresh, movable);
  case EXPR_CHAN_NEW: {
    *fresh = true;
    type *el = ec_strip(e->ty)->elem;
    return ec_printf(E, "ar_chan_new((uint32_t)(%s), %s)",
                     e->u.chan_new.capacity
                         ? ex(E, e->u.chan_new.capacity, EX_BORROW, NULL)
                         : "0",
                     ec_chan_drop(E, el));
  }
  default:
    ec_unsupported(E, e->sp, "this expression");
    return "0";
  }
}

/* e as a value for a consumer: EX_OWN yields an owned (+1) value, EX_BORROW
 * a value valid until the end of the statement. */
const char *ex(ec *E, ast_expr *e, ex_mode m, type *want) {
  bool fresh, movable;
  const char *v = ex_raw(E, e, &fresh, &movable);
  type *t = e->ty;
  if (m == EX_OWN && !fresh && ec_needs_drop(t)) {
    if (movable)
      v = ec_take(E, t, v);
    else
      v = ec_share(E, t, v);
  } else if (m == EX_BORROW && fresh && ec_needs_drop(t)) {
    const char *tmp = ec_temp_new(E, t, NULL, true);
    v = ec_printf(E, "(%s, %s = %s)", ec_drop(E, t, tmp), tmp, v);
  }
  if (want && e->kind == EXPR_NIL) {
    type *w = ec_strip(want);
    if (w->kind == TY_OPT && !ec_is_ptr(w->elem))
      return ec_printf(E, "((%s){0})", ec_ctype(E, w));
    return "NULL";
  }
  return want ? ec_coerce(E, v, t, want) : v;
}


/* ------------------------------------------------------------ channels */

/* A value as a 64-bit channel slot (ar.h) and back. */
/* Values that do not fit a 64-bit slot (structs, tuples, scalar optionals,
 * uuid) travel boxed: a heap copy whose pointer is the slot; the receiver
 * unboxes (and frees the box) exactly once. */
bool ec_is_boxed(type *t) {
  t = ec_strip(t);
  if (!t || ec_is_ptr(t))
    return false;
  return t->kind == TY_STRUCT || t->kind == TY_TUPLE || t->kind == TY_OPT ||
         t->kind == TY_UUID;
}

static void ec_need_box(ec *E, type *t) {
  for (uint32_t i = 0; i < E->boxes.len; i++)
    if (E->boxes.items[i] == t)
      return;
  ast_list_push(E->cx->perm, &E->boxes, t);
  const char *m = ec_mangle(E, t), *ct = ec_ctype(E, t);
  fprintf(E->protos.f, "static uint64_t ag_box_%s(%s v);\n"
                       "static %s ag_unbox_%s(uint64_t s);\n",
          m, ct, ct, m);
  fprintf(E->defs.f,
          "static uint64_t ag_box_%s(%s v) {\n"
          "  %s *p = malloc(sizeof *p);\n"
          "  if (!p) abort();\n"
          "  *p = v;\n  return (uint64_t)(uintptr_t)p;\n}\n\n"
          "static %s ag_unbox_%s(uint64_t s) {\n"
          "  %s *p = (%s *)(uintptr_t)s;\n  %s v = *p;\n  free(p);\n"
          "  return v;\n}\n\n",
          m, ct, ct, ct, m, ct, ct, ct);
}

const char *ec_enc(ec *E, type *t, const char *v) {
  t = ec_strip(t);
  if (ec_is_boxed(t)) {
    ec_need_box(E, t);
    return ec_printf(E, "ag_box_%s(%s)", ec_mangle(E, t), v);
  }
  if (t->kind == TY_F64 || t->kind == TY_F32)
    return ec_printf(E, "ar_f64_bits((double)(%s))", v);
  if (ec_is_ptr(t))
    return ec_printf(E, "((uint64_t)(uintptr_t)(%s))", v);
  if (ec_is_unsigned(t) || t->kind == TY_BOOL)
    return ec_printf(E, "((uint64_t)(%s))", v);
  return ec_printf(E, "((uint64_t)(int64_t)(%s))", v);
}

const char *ec_dec(ec *E, type *t, const char *s) {
  t = ec_strip(t);
  if (ec_is_boxed(t)) {
    ec_need_box(E, t);
    return ec_printf(E, "ag_unbox_%s(%s)", ec_mangle(E, t), s);
  }
  if (t->kind == TY_F64)
    return ec_printf(E, "ar_bits_f64(%s)", s);
  if (t->kind == TY_F32)
    return ec_printf(E, "((float)ar_bits_f64(%s))", s);
  if (t->kind == TY_BOOL)
    return ec_printf(E, "((%s) != 0)", s);
  if (ec_is_ptr(t))
    return ec_printf(E, "((%s)(uintptr_t)(%s))", ec_ctype(E, t), s);
  return ec_printf(E, "((%s)(int64_t)(%s))", ec_ctype(E, t), s);
}

/* The drop function for slots still buffered when a channel dies. */
const char *ec_chan_drop(ec *E, type *el) {
  el = ec_strip(el);
  if (!ec_needs_drop(el) && !ec_is_boxed(el))
    return "NULL";
  const char *m = ec_mangle(E, el);
  const char *name = ec_printf(E, "ag_chandrop_%s", m);
  for (uint32_t i = 0; i < E->chandrops.len; i++)
    if (E->chandrops.items[i] == el)
      return name;
  ast_list_push(E->cx->perm, &E->chandrops, el);
  fprintf(E->protos.f, "static void %s(uint64_t s);\n", name);
  const char *v = ec_dec(E, el, "s");
  fprintf(E->defs.f, "static void %s(uint64_t s) {\n  %s v = %s;\n  %s;\n"
                     "  (void)v;\n}\n\n",
          name, ec_ctype(E, el), v, ec_drop(E, el, "v"));
  return name;
}

/* T? from the last receive (nil when the channel was closed). */
const char *ec_recv_value(ec *E, type *el, type *opt) {
  const char *some = ec_coerce(E, ec_dec(E, el, "F->ag_slot"), el, opt);
  const char *none = ec_is_ptr(el) ? "NULL"
                                    : ec_printf(E, "((%s){0})", ec_ctype(E, opt));
  return ec_printf(E, "(F->ag_st == AR_OK ? %s : %s)", some, none);
}

