/* types.c — type check phase, part 1: the hash-consed type table, type
 * names, ownership/GPU classes used by own.c, type expressions and the
 * declaration-level checks (fields, defaults, actors, supervisors, fns).
 * Expressions live in types_expr.c, statements and match in types_stmt.c.
 * Only annotates (`ty`, indices); never changes the AST's shape.  Codes
 * E0301–E0399; typing decisions are listed in compiler/TYPES.md.
 */
#include <string.h>

#include "types_impl.h"

/* ======================================== table */

static uint32_t types_hash(type_kind k, const type *elem, const type *key,
                           type *const *items, uint32_t n, const type *ret,
                           const ast_decl *d) {
  uint64_t h = 1469598103934665603ull ^ (uint64_t)k;
  h = (h ^ (elem ? elem->id + 1 : 0)) * 1099511628211ull;
  h = (h ^ (key ? key->id + 1 : 0)) * 1099511628211ull;
  h = (h ^ (ret ? ret->id + 1 : 0)) * 1099511628211ull;
  h = (h ^ (uint64_t)(uintptr_t)d) * 1099511628211ull;
  for (uint32_t i = 0; i < n; i++)
    h = (h ^ (items[i] ? items[i]->id + 1 : 0)) * 1099511628211ull;
  return (uint32_t)(h ^ (h >> 32));
}

static bool types_same_key(const type *t, type_kind k, const type *elem,
                           const type *key, type *const *items, uint32_t n,
                           const type *ret, const ast_decl *d) {
  if (t->kind != k || t->elem != elem || t->key != key || t->ret != ret ||
      t->decl != d || t->nitems != n)
    return false;
  for (uint32_t i = 0; i < n; i++)
    if (t->items[i] != items[i])
      return false;
  return true;
}

static void types_grow(types_state *ts) {
  uint32_t ncap = ts->cap ? ts->cap * 2 : 256;
  type **nt = arena_alloc(ts->cx->perm, sizeof(type *) * ncap);
  for (uint32_t i = 0; i < ts->cap; i++) {
    type *t = ts->table[i];
    if (!t)
      continue;
    uint32_t h = types_hash(t->kind, t->elem, t->key, t->items, t->nitems,
                            t->ret, t->decl);
    uint32_t j = h & (ncap - 1);
    while (nt[j])
      j = (j + 1) & (ncap - 1);
    nt[j] = t;
  }
  ts->table = nt;
  ts->cap = ncap;
}

static type *types_intern(types_state *ts, type_kind k, type *elem, type *key,
                          type **items, uint32_t n, type *ret, ast_decl *d) {
  if ((ts->count + 1) * 2 > ts->cap)
    types_grow(ts);
  uint32_t h = types_hash(k, elem, key, items, n, ret, d);
  uint32_t j = h & (ts->cap - 1);
  while (ts->table[j]) {
    if (types_same_key(ts->table[j], k, elem, key, items, n, ret, d))
      return ts->table[j];
    j = (j + 1) & (ts->cap - 1);
  }
  type *t = ARENA_NEW(ts->cx->perm, type);
  t->kind = k;
  t->elem = elem;
  t->key = key;
  t->ret = ret;
  t->decl = d;
  t->nitems = n;
  if (n) {
    t->items = arena_alloc(ts->cx->perm, sizeof(type *) * n);
    memcpy(t->items, items, sizeof(type *) * n);
  }
  t->id = ts->count++;
  ts->table[j] = t;
  return t;
}

types_state *types_state_get(ac_ctx *cx) {
  types_state *ts = cx->phase_data[PASS_TYPES];
  if (ts)
    return ts;
  ts = ARENA_NEW(cx->perm, types_state);
  ts->cx = cx;
  cx->phase_data[PASS_TYPES] = ts;
  for (int k = TY_ERROR; k <= TY_NIL; k++)
    ts->prim[k] =
        types_intern(ts, (type_kind)k, NULL, NULL, NULL, 0, NULL, NULL);
  return ts;
}

type *types_prim(types_state *ts, type_kind k) {
  if (k <= TY_NIL)
    return ts->prim[k];
  return ts->prim[TY_ERROR];
}

type *types_wrap(types_state *ts, type_kind k, type *elem) {
  if (types_is_error(elem))
    return ts->prim[TY_ERROR];
  /* `val T` of a copy type is just T; `val val T` is `val T` */
  if (k == TY_VAL && (elem->kind == TY_VAL || !types_is_owned(elem)))
    return elem;
  return types_intern(ts, k, elem, NULL, NULL, 0, NULL, NULL);
}

type *types_map(types_state *ts, type *key, type *val) {
  if (types_is_error(key) || types_is_error(val))
    return ts->prim[TY_ERROR];
  return types_intern(ts, TY_MAP, val, key, NULL, 0, NULL, NULL);
}

type *types_tuple(types_state *ts, type **items, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (types_is_error(items[i]))
      return ts->prim[TY_ERROR];
  return types_intern(ts, TY_TUPLE, NULL, NULL, items, n, NULL, NULL);
}

type *types_decl(types_state *ts, type_kind k, ast_decl *d) {
  if (!d)
    return ts->prim[TY_ERROR];
  return types_intern(ts, k, NULL, NULL, NULL, 0, NULL, d);
}

type *types_fn(types_state *ts, type **params, uint32_t n, type *ret) {
  return types_intern(ts, TY_FN, NULL, NULL, params, n, ret, NULL);
}

/* ======================================== predicates */

bool types_is_error(const type *t) {
  return !t || t->kind == TY_ERROR;
}

bool types_is_int(const type *t) {
  return t && t->kind >= TY_I8 && t->kind <= TY_U64;
}

bool types_is_float(const type *t) {
  return t && (t->kind == TY_F32 || t->kind == TY_F64);
}

bool types_is_numeric(const type *t) {
  return types_is_int(t) || types_is_float(t);
}

type *types_strip(type *t) {
  for (int i = 0; t && i < 8 && (t->kind == TY_VAL || t->kind == TY_BORROW);
       i++)
    t = t->elem;
  return t;
}

bool types_is_map_key(const type *t) {
  if (!t)
    return false;
  switch (t->kind) {
  case TY_ERROR:
  case TY_BOOL:
  case TY_I8:
  case TY_I16:
  case TY_I32:
  case TY_I64:
  case TY_U8:
  case TY_U16:
  case TY_U32:
  case TY_U64:
  case TY_STR:
  case TY_BYTES:
  case TY_UUID:
  case TY_TIME:
  case TY_DURATION:
  case TY_ENUM: return true;
  default: /* floats (NaN), collections, records, references */ return false;
  }
}

bool types_check_map_key(types_state *ts, type *k, span sp) {
  if (types_is_map_key(k))
    return true;
  diag *d = diag_error(ts->cx, sp, "E0335", "`%s` cannot be a map key",
                       types_name(ts->cx, k));
  diag_label(d, "not a valid key type");
  diag_note_plain(d, "map keys are integers, `bool`, `str`, `bytes`, "
                     "`uuid`, `time`, `duration` or enums");
  diag_end(d);
  return false;
}

/* ======================================== names */

typedef struct name_buf {
  char text[512];
  size_t len;
} name_buf;

static void name_put(name_buf *b, const char *s) {
  size_t n = strlen(s);
  if (b->len + n >= sizeof b->text - 4) {
    if (b->len < sizeof b->text - 4) {
      memcpy(b->text + b->len, "...", 3);
      b->len += 3;
    }
    return;
  }
  memcpy(b->text + b->len, s, n);
  b->len += n;
}

static const char *const types_prim_names[] = {
    "{error}", "()",   "bool", "i8",       "i16", "i32", "i64",
    "u8",      "u16",  "u32",  "u64",      "f32", "f64", "str",
    "bytes",   "uuid", "time", "duration", "nil"};

static void name_of(name_buf *b, const type *t, int depth) {
  if (!t) {
    name_put(b, "{error}");
    return;
  }
  if (depth > 16) {
    name_put(b, "...");
    return;
  }
  switch (t->kind) {
  case TY_LIST:
    name_put(b, "[");
    name_of(b, t->elem, depth + 1);
    name_put(b, "]");
    return;
  case TY_MAP:
    name_put(b, "{");
    name_of(b, t->key, depth + 1);
    name_put(b, ": ");
    name_of(b, t->elem, depth + 1);
    name_put(b, "}");
    return;
  case TY_TUPLE:
    name_put(b, "(");
    for (uint32_t i = 0; i < t->nitems; i++) {
      if (i)
        name_put(b, ", ");
      name_of(b, t->items[i], depth + 1);
    }
    name_put(b, ")");
    return;
  case TY_OPT:
    name_of(b, t->elem, depth + 1);
    name_put(b, "?");
    return;
  case TY_BUF:
    name_put(b, "buf<");
    name_of(b, t->elem, depth + 1);
    name_put(b, ">");
    return;
  case TY_CHAN:
    name_put(b, "chan<");
    name_of(b, t->elem, depth + 1);
    name_put(b, ">");
    return;
  case TY_ASK:
    name_put(b, "ask<");
    name_of(b, t->elem, depth + 1);
    name_put(b, ">");
    return;
  case TY_RANGE:
    name_put(b, "range<");
    name_of(b, t->elem, depth + 1);
    name_put(b, ">");
    return;
  case TY_BORROW:
    name_put(b, "&");
    name_of(b, t->elem, depth + 1);
    return;
  case TY_VAL:
    name_put(b, "val ");
    name_of(b, t->elem, depth + 1);
    return;
  case TY_MESSAGE:
  case TY_STRUCT:
  case TY_ENUM:
  case TY_ACTOR:
  case TY_SUPERVISOR:
    name_put(b, t->decl && t->decl->name.name ? t->decl->name.name : "?");
    return;
  case TY_FN:
    name_put(b, "fn(");
    for (uint32_t i = 0; i < t->nitems; i++) {
      if (i)
        name_put(b, ", ");
      name_of(b, t->items[i], depth + 1);
    }
    name_put(b, ")");
    if (t->ret && t->ret->kind != TY_UNIT) {
      name_put(b, " -> ");
      name_of(b, t->ret, depth + 1);
    }
    return;
  default:
    if ((size_t)t->kind < sizeof types_prim_names / sizeof types_prim_names[0])
      name_put(b, types_prim_names[t->kind]);
    else
      name_put(b, "?");
    return;
  }
}

const char *types_name(ac_ctx *cx, const type *t) {
  name_buf b;
  b.len = 0;
  name_of(&b, t, 0);
  return arena_strndup(cx->perm, b.text, b.len);
}

/* ======================================== classes */

static type *field_type(const ast_field *f) {
  return f && f->type ? f->type->ty : NULL;
}

/* Depth-bounded: recursive records (rejected by E0318) cannot loop here. */
static bool owned_rec(const type *t, int depth) {
  if (!t || depth > 32)
    return false;
  switch (t->kind) {
  case TY_LIST:
  case TY_MAP:
  case TY_BUF: return true;
  case TY_OPT:
  case TY_ASK: return owned_rec(t->elem, depth + 1);
  case TY_TUPLE:
    for (uint32_t i = 0; i < t->nitems; i++)
      if (owned_rec(t->items[i], depth + 1))
        return true;
    return false;
  case TY_MESSAGE:
  case TY_STRUCT:
    if (!t->decl)
      return false;
    for (uint32_t i = 0; i < t->decl->u.record.fields.len; i++)
      if (owned_rec(field_type(AST_AT(t->decl->u.record.fields, i, ast_field)),
                    depth + 1))
        return true;
    return false;
  default: /* scalars, str, bytes, enums, actors, chan, val, borrow, fn */
    return false;
  }
}

bool types_is_owned(const type *t) {
  return owned_rec(t, 0);
}

static bool gpu_scalar(const type *t) {
  return t &&
         ((t->kind >= TY_BOOL && t->kind <= TY_F64) || t->kind == TY_DURATION ||
          t->kind == TY_TIME || t->kind == TY_UUID || t->kind == TY_ENUM);
}

static bool gpu_rec(const type *t, int depth) {
  if (!t || depth > 32)
    return false;
  if (t->kind == TY_ERROR)
    return true; /* already reported elsewhere */
  if (gpu_scalar(t))
    return true;
  switch (t->kind) {
  case TY_BUF: return gpu_scalar(t->elem);
  case TY_OPT: return gpu_rec(t->elem, depth + 1) && !owned_rec(t->elem, 0);
  case TY_TUPLE:
    for (uint32_t i = 0; i < t->nitems; i++)
      if (!gpu_rec(t->items[i], depth + 1))
        return false;
    return true;
  case TY_MESSAGE:
  case TY_STRUCT:
    if (!t->decl)
      return false;
    for (uint32_t i = 0; i < t->decl->u.record.fields.len; i++)
      if (!gpu_rec(field_type(AST_AT(t->decl->u.record.fields, i, ast_field)),
                   depth + 1))
        return false;
    return true;
  default: /* str bytes list map chan actor refs val borrow fn */ return false;
  }
}

/* *out_field is the field of `t` itself (outermost) whose type fails. */
bool types_is_gpu_sendable(const type *t, const ast_field **out_field) {
  if (out_field)
    *out_field = NULL;
  if (!t)
    return false;
  if ((t->kind == TY_MESSAGE || t->kind == TY_STRUCT) && t->decl) {
    for (uint32_t i = 0; i < t->decl->u.record.fields.len; i++) {
      const ast_field *f = AST_AT(t->decl->u.record.fields, i, ast_field);
      if (!gpu_rec(field_type(f), 1)) {
        if (out_field)
          *out_field = f;
        return false;
      }
    }
    return true;
  }
  return gpu_rec(t, 0);
}

/* ======================================== type syntax */

static type *tyexpr_rec(types_state *ts, ast_tyexpr *te, bool borrow_ok) {
  if (!te)
    return types_prim(ts, TY_ERROR);
  if (te->ty)
    return te->ty;
  type *t = types_prim(ts, TY_ERROR);
  switch (te->kind) {
  case TE_NAME: {
    sym *s = te->sym;
    if (!s)
      break;
    switch (s->kind) {
    case SYM_PRIM: t = types_prim(ts, (type_kind)s->index); break;
    case SYM_MESSAGE: t = types_decl(ts, TY_MESSAGE, s->decl); break;
    case SYM_STRUCT: t = types_decl(ts, TY_STRUCT, s->decl); break;
    case SYM_ENUM: t = types_decl(ts, TY_ENUM, s->decl); break;
    case SYM_ACTOR: t = types_decl(ts, TY_ACTOR, s->decl); break;
    case SYM_SUPERVISOR: t = types_decl(ts, TY_SUPERVISOR, s->decl); break;
    default: break;
    }
    break;
  }
  case TE_LIST:
    t = types_wrap(ts, TY_LIST, tyexpr_rec(ts, te->elem, false));
    break;
  case TE_OPT:
    t = types_wrap(ts, TY_OPT, tyexpr_rec(ts, te->elem, false));
    break;
  case TE_BUF:
    t = types_wrap(ts, TY_BUF, tyexpr_rec(ts, te->elem, false));
    break;
  case TE_CHAN:
    t = types_wrap(ts, TY_CHAN, tyexpr_rec(ts, te->elem, false));
    break;
  case TE_VAL:
    t = types_wrap(ts, TY_VAL, tyexpr_rec(ts, te->elem, false));
    break;
  case TE_MAP: {
    type *k = tyexpr_rec(ts, te->key, false);
    type *v = tyexpr_rec(ts, te->elem, false);
    if (te->key && !types_check_map_key(ts, k, te->key->sp))
      break;
    t = types_map(ts, k, v);
    break;
  }
  case TE_TUPLE: {
    type *items[64];
    uint32_t n = te->items.len > 64 ? 64 : te->items.len;
    for (uint32_t i = 0; i < n; i++)
      items[i] = tyexpr_rec(ts, AST_AT(te->items, i, ast_tyexpr), false);
    t = types_tuple(ts, items, n);
    break;
  }
  case TE_BORROW: {
    type *in = tyexpr_rec(ts, te->elem, false);
    if (!borrow_ok) {
      diag *d = diag_error(ts->cx, te->sp, "E0320",
                           "borrow types `&T` are only allowed on function "
                           "parameters");
      diag_label(d, "not a parameter type");
      diag_help(d, "use the owned type `%s`", types_name(ts->cx, in));
      diag_end(d);
      break;
    }
    t = types_wrap(ts, TY_BORROW, in);
    break;
  }
  default: break;
  }
  te->ty = t;
  return t;
}

type *types_of_tyexpr(types_state *ts, ast_tyexpr *te) {
  return tyexpr_rec(ts, te, false);
}

type *types_of_param_tyexpr(types_state *ts, ast_tyexpr *te) {
  return tyexpr_rec(ts, te, true);
}

/* ======================================== declarations */

/* Does a value of type `t` contain a `target` record inline (not behind a
 * list, map, buf, channel or reference)? */
static bool contains_inline(const type *t, const ast_decl *target, int depth) {
  if (!t || depth > 32)
    return false;
  switch (t->kind) {
  case TY_OPT:
  case TY_VAL: return contains_inline(t->elem, target, depth + 1);
  case TY_TUPLE:
    for (uint32_t i = 0; i < t->nitems; i++)
      if (contains_inline(t->items[i], target, depth + 1))
        return true;
    return false;
  case TY_MESSAGE:
  case TY_STRUCT:
    if (t->decl == target)
      return true;
    for (uint32_t i = 0; t->decl && i < t->decl->u.record.fields.len; i++) {
      ast_field *f = AST_AT(t->decl->u.record.fields, i, ast_field);
      if (f && f->type && contains_inline(f->type->ty, target, depth + 1))
        return true;
    }
    return false;
  default: return false;
  }
}

static void check_recursive(types_state *ts, ast_decl *d) {
  for (uint32_t i = 0; i < d->u.record.fields.len; i++) {
    ast_field *f = AST_AT(d->u.record.fields, i, ast_field);
    if (!f || !f->type || !contains_inline(f->type->ty, d, 0))
      continue;
    diag *dg =
        diag_error(ts->cx, f->type->sp, "E0318",
                   "recursive type `%s` has infinite size", d->name.name);
    diag_label(dg, "`%s` contains itself here", d->name.name);
    diag_note(dg, d->name.sp, "`%s` declared here", d->name.name);
    diag_help(dg, "put the recursive value in a list: `[%s]`", d->name.name);
    diag_end(dg);
    f->type->ty = types_prim(ts, TY_ERROR);
    return;
  }
}

static type *fn_signature(types_state *ts, ast_decl *f) {
  type *ps[64];
  uint32_t n = f->u.fn.params.len > 64 ? 64 : f->u.fn.params.len;
  for (uint32_t i = 0; i < n; i++) {
    ast_param *p = AST_AT(f->u.fn.params, i, ast_param);
    ps[i] = p ? types_of_param_tyexpr(ts, p->type) : types_prim(ts, TY_ERROR);
    if (p && p->sym)
      p->sym->ty = ps[i];
  }
  type *ret =
      f->u.fn.ret ? types_of_tyexpr(ts, f->u.fn.ret) : types_prim(ts, TY_UNIT);
  type *t = types_fn(ts, ps, n, ret);
  if (f->sym)
    f->sym->ty = t;
  return t;
}

/* The value of an integer constant expression: a literal, the name of a
 * `const` whose value is one, unary minus, and + - * / % << >> & | ^ with
 * no overflow and no zero divisor.  Depth-bounded: a cycle of constants is
 * reported by resolve, never folded here. */
static bool const_int_at(const ast_expr *e, int64_t *out, int depth) {
  if (!e || depth > 64)
    return false;
  switch (e->kind) {
  case EXPR_INT:
    if (e->u.int_.overflow || e->u.int_.value > (uint64_t)INT64_MAX)
      return false;
    *out = (int64_t)e->u.int_.value;
    return true;
  case EXPR_NAME: {
    const sym *s = e->u.name.sym;
    if (!s || !s->decl || s->decl->kind != DECL_CONST)
      return false;
    return const_int_at(s->decl->u.const_.value, out, depth + 1);
  }
  case EXPR_UNARY: {
    int64_t v;
    if (e->u.unary.op != OP_NEG ||
        !const_int_at(e->u.unary.operand, &v, depth + 1) || v == INT64_MIN)
      return false;
    *out = -v;
    return true;
  }
  case EXPR_BINARY: {
    int64_t a, b;
    if (!const_int_at(e->u.binary.lhs, &a, depth + 1) ||
        !const_int_at(e->u.binary.rhs, &b, depth + 1))
      return false;
    switch (e->u.binary.op) {
    case OP_ADD: return !__builtin_add_overflow(a, b, out);
    case OP_SUB: return !__builtin_sub_overflow(a, b, out);
    case OP_MUL: return !__builtin_mul_overflow(a, b, out);
    case OP_DIV:
    case OP_MOD:
      if (b == 0 || (a == INT64_MIN && b == -1))
        return false;
      *out = e->u.binary.op == OP_DIV ? a / b : a % b;
      return true;
    case OP_SHL:
      if (a < 0 || b < 0 || b > 62 || a > (INT64_MAX >> b))
        return false;
      *out = a << b;
      return true;
    case OP_SHR:
      if (b < 0 || b > 63)
        return false;
      *out = a >> b;
      return true;
    case OP_BITAND: *out = a & b; return true;
    case OP_BITOR: *out = a | b; return true;
    case OP_BITXOR: *out = a ^ b; return true;
    default: return false;
    }
  }
  default: return false;
  }
}

bool types_const_int(const ast_expr *e, int64_t *out) {
  return const_int_at(e, out, 0);
}

/* A positive integer constant (mailbox capacity, ring launch parameters):
 * a literal or a constant expression of literals and `const` names. */
static void positive_literal(types_state *ts, ast_expr *e, const char *what) {
  if (!e)
    return;
  if (e->kind == EXPR_INT && e->u.int_.overflow) {
    types_expr(ts, e, types_prim(ts, TY_I64)); /* reports the overflow */
    return;
  }
  type *t = types_expr(ts, e, types_prim(ts, TY_I64));
  int64_t v;
  if (types_is_error(t) ||
      (types_is_int(t) && types_const_int(e, &v) && v > 0 && v <= 0x7fffffff))
    return;
  diag *d = diag_error(ts->cx, e->sp, "E0327",
                       "%s must be a positive integer constant", what);
  diag_label(d, "expected a literal such as `256` or a `const` name");
  diag_end(d);
}

static void signatures(types_state *ts, ast_decl *d) {
  switch (d->kind) {
  case DECL_CONST:
    if (d->u.const_.type && d->sym)
      d->sym->ty = types_of_tyexpr(ts, d->u.const_.type);
    break;
  case DECL_FN: fn_signature(ts, d); break;
  case DECL_ACTOR: {
    for (uint32_t i = 0; i < d->u.actor.params.len; i++) {
      ast_param *p = AST_AT(d->u.actor.params, i, ast_param);
      if (!p)
        continue;
      type *t = types_of_tyexpr(ts, p->type);
      if (p->sym)
        p->sym->ty = t;
    }
    for (uint32_t i = 0; i < d->u.actor.state.len; i++) {
      ast_stmt *st = AST_AT(d->u.actor.state, i, ast_stmt);
      if (st && st->kind == STMT_LET && st->u.let.type && st->u.let.sym)
        st->u.let.sym->ty = types_of_tyexpr(ts, st->u.let.type);
    }
    for (uint32_t i = 0; i < d->u.actor.handlers.len; i++) {
      ast_handler *h = AST_AT(d->u.actor.handlers, i, ast_handler);
      if (!h)
        continue;
      if (h->msg_type)
        types_of_tyexpr(ts, h->msg_type);
      if (h->reply) {
        type *rt = types_of_tyexpr(ts, h->reply);
        /* A reply travels back to the asker as a message: it carries the
         * correlation header and obeys the wire rules (DESIGN.md). */
        if (rt && rt->kind != TY_ERROR && rt->kind != TY_MESSAGE) {
          diag *dg = diag_error(ts->cx, h->reply->sp, "E0336",
                               "reply type `%s` of `on %s` is not a message",
                               types_name(ts->cx, rt), h->name.name);
          diag_label(dg, "expected a message type");
          diag_help(dg, "declare `message %sReply { value: %s; }` and reply "
                        "with it",
                    h->name.name, types_name(ts->cx, rt));
          diag_end(dg);
        }
      }
      if (h->binding_sym)
        h->binding_sym->ty = h->msg_sym
                                 ? types_decl(ts, TY_MESSAGE, h->msg_sym->decl)
                                 : types_prim(ts, TY_ERROR);
    }
    for (uint32_t i = 0; i < d->u.actor.fns.len; i++) {
      ast_decl *f = AST_AT(d->u.actor.fns, i, ast_decl);
      if (f && f->kind == DECL_FN)
        fn_signature(ts, f);
    }
    break;
  }
  default: break;
  }
}

static void fn_body(types_state *ts, ast_decl *f, ast_decl *actor) {
  type *ft = f->sym ? f->sym->ty : NULL;
  ts->actor = actor;
  ts->handler = NULL;
  ts->ret = ft && ft->kind == TY_FN ? ft->ret : types_prim(ts, TY_UNIT);
  ts->loop_depth = 0;
  types_block(ts, f->u.fn.body);
  if (f->u.fn.body && f->u.fn.ret && !types_is_error(ts->ret) &&
      ts->ret->kind != TY_UNIT && !types_stmt_diverges(f->u.fn.body)) {
    diag *d = diag_error(ts->cx, f->name.sp, "E0319",
                         "function `%s` does not return `%s` on every path",
                         f->name.name ? f->name.name : "?",
                         types_name(ts->cx, ts->ret));
    diag_label(d, "declared to return `%s`", types_name(ts->cx, ts->ret));
    span end = f->u.fn.body->sp;
    if (end.len) {
      end.off += end.len - 1; /* the closing `}` */
      end.len = 1;
    }
    diag_note(d, end,
              "execution can reach the end of the body without a "
              "`return`");
    diag_help(d, "add `return <value>;` (or `fail \"...\";`) on that path");
    diag_end(d);
  }
  ts->actor = NULL;
  ts->ret = NULL;
}

static void check_main(types_state *ts, ast_decl *f) {
  type *ft = f->sym ? f->sym->ty : NULL;
  if (!ft || ft->kind != TY_FN)
    return;
  bool ok = ft->ret->kind == TY_UNIT || types_is_error(ft->ret);
  if (ft->nitems > 1)
    ok = false;
  if (ft->nitems == 1 && !types_is_error(ft->items[0]) &&
      ft->items[0] != types_wrap(ts, TY_LIST, types_prim(ts, TY_STR)))
    ok = false;
  if (ok)
    return;
  diag *d =
      diag_error(ts->cx, f->name.sp, "E0333",
                 "`main` has the wrong signature `%s`", types_name(ts->cx, ft));
  diag_label(d, "expected `fn main()` or `fn main(args: [str])`");
  diag_help(d, "end the program with a code through `exit(code)`");
  diag_end(d);
}

static void actor_bodies(types_state *ts, ast_decl *a) {
  ts->actor = a;
  ts->handler = NULL;
  ts->ret = types_prim(ts, TY_UNIT);
  for (uint32_t i = 0; i < a->u.actor.launch.len; i++) {
    ast_field_init *fi = AST_AT(a->u.actor.launch, i, ast_field_init);
    if (fi)
      positive_literal(ts, fi->value,
                       arena_sprintf(ts->cx->perm,
                                     "ring launch parameter "
                                     "`%s`",
                                     fi->name.name ? fi->name.name : "?"));
    /* `ring:` slots per ring: a power of two (runtime/RING.md) */
    ast_expr *v = fi ? fi->value : NULL;
    int64_t slots;
    if (v && fi->name.name && !strcmp(fi->name.name, "ring") &&
        types_const_int(v, &slots) && slots > 0 && (slots & (slots - 1))) {
      diag *d = diag_error(ts->cx, v->sp, "E0327",
                           "ring launch parameter `ring` must be a power of "
                           "two");
      diag_label(d, "%lld slots", (long long)slots);
      diag_help(d, "use a power of two such as `64`");
      diag_end(d);
    }
  }
  if (a->u.actor.mailbox_cap)
    positive_literal(ts, a->u.actor.mailbox_cap, "mailbox capacity");
  for (uint32_t i = 0; i < a->u.actor.state.len; i++) {
    ast_stmt *st = AST_AT(a->u.actor.state, i, ast_stmt);
    if (!st || st->kind != STMT_LET)
      continue;
    if (st->u.let.type) {
      type *t = types_of_tyexpr(ts, st->u.let.type);
      if (st->u.let.init)
        types_expect(ts, st->u.let.init, t, NULL);
      continue;
    }
    types_stmt(ts, st); /* infers the type from the initializer */
  }
  for (uint32_t i = 0; i < a->u.actor.handlers.len; i++) {
    ast_handler *h = AST_AT(a->u.actor.handlers, i, ast_handler);
    if (!h)
      continue;
    ts->actor = a;
    ts->handler = h;
    ts->ret = types_prim(ts, TY_UNIT);
    types_block(ts, h->body);
  }
  ts->handler = NULL;
  for (uint32_t i = 0; i < a->u.actor.fns.len; i++) {
    ast_decl *f = AST_AT(a->u.actor.fns, i, ast_decl);
    if (f && f->kind == DECL_FN)
      fn_body(ts, f, a);
  }
  ts->actor = a;
  ts->ret = types_prim(ts, TY_UNIT);
  types_block(ts, a->u.actor.run);
  types_block(ts, a->u.actor.on_stop);
  ts->actor = NULL;
}

static void supervisor_options(types_state *ts, ast_decl *d) {
  for (uint32_t i = 0; i < d->u.sup.options.len; i++) {
    ast_field_init *fi = AST_AT(d->u.sup.options, i, ast_field_init);
    if (!fi || !fi->name.name || !fi->value)
      continue;
    if (!strcmp(fi->name.name, "intensity")) {
      type *t = types_expr(ts, fi->value, types_prim(ts, TY_I64));
      if (!types_is_error(t) && !types_is_int(t)) {
        diag *dg = diag_error(ts->cx, fi->value->sp, "E0326",
                              "supervisor `intensity` must be an integer, "
                              "found `%s`",
                              types_name(ts->cx, t));
        diag_label(dg, "restarts allowed per period");
        diag_end(dg);
      }
    } else if (!strcmp(fi->name.name, "period")) {
      type *t = types_expr(ts, fi->value, NULL);
      if (!types_is_error(t) && t->kind != TY_DURATION) {
        diag *dg = diag_error(ts->cx, fi->value->sp, "E0326",
                              "supervisor `period` must be a duration, "
                              "found `%s`",
                              types_name(ts->cx, t));
        diag_label(dg, "expected a duration such as `5s`");
        diag_end(dg);
      }
    } else if (!strcmp(fi->name.name, "strategy")) {
      fi->value->ty = types_prim(ts, TY_UNIT); /* a bare name (resolve) */
    } else {
      types_expr(ts, fi->value, NULL);
    }
  }
  for (uint32_t i = 0; i < d->u.sup.children.len; i++) {
    ast_child *c = AST_AT(d->u.sup.children, i, ast_child);
    if (!c)
      continue;
    if (!c->sym || !c->sym->decl) {
      for (uint32_t j = 0; j < c->args.len; j++)
        types_expr(ts, AST_AT(c->args, j, ast_expr), NULL);
      continue;
    }
    types_actor_args(ts, c->sp, &c->args, c->sym->decl, NULL);
  }
}

static void bodies(types_state *ts, ast_decl *d) {
  switch (d->kind) {
  case DECL_CONST: {
    type *t = d->sym ? d->sym->ty : NULL;
    if (t) {
      types_expect(ts, d->u.const_.value, t, NULL);
    } else if (d->u.const_.value && d->u.const_.value->ty) {
      break; /* inferred early, when used before its declaration */
    } else {
      t = types_expr(ts, d->u.const_.value, NULL);
      if (t && (t->kind == TY_NIL || t->kind == TY_UNIT)) {
        diag *dg =
            diag_error(ts->cx, d->name.sp, "E0310",
                       "cannot infer the type of constant `%s`", d->name.name);
        diag_label(dg, "add a type: `const %s: T = ...`", d->name.name);
        diag_end(dg);
        t = types_prim(ts, TY_ERROR);
      }
      if (d->sym)
        d->sym->ty = t;
    }
    break;
  }
  case DECL_MESSAGE:
  case DECL_STRUCT:
    for (uint32_t i = 0; i < d->u.record.fields.len; i++) {
      ast_field *f = AST_AT(d->u.record.fields, i, ast_field);
      if (f && f->default_)
        types_expect(ts, f->default_, f->type ? f->type->ty : NULL,
                     "default value of the field");
    }
    break;
  case DECL_ACTOR: actor_bodies(ts, d); break;
  case DECL_SUPERVISOR: supervisor_options(ts, d); break;
  case DECL_FN:
    fn_body(ts, d, NULL);
    if (d->name.name && !strcmp(d->name.name, "main") && d->module == 0)
      check_main(ts, d);
    break;
  default: break;
  }
}

/* ======================================== phase */

typedef void (*decl_fn)(types_state *ts, ast_decl *d);

static void each_decl(types_state *ts, decl_fn fn) {
  ast_program *p = ts->cx->prog;
  for (uint32_t m = 0; m < p->modules.len; m++) {
    ast_module *mod = AST_AT(p->modules, m, ast_module);
    for (uint32_t i = 0; mod && i < mod->decls.len; i++) {
      ast_decl *d = AST_AT(mod->decls, i, ast_decl);
      if (d)
        fn(ts, d);
    }
  }
}

static void record_fields(types_state *ts, ast_decl *d) {
  if (d->kind != DECL_MESSAGE && d->kind != DECL_STRUCT)
    return;
  for (uint32_t i = 0; i < d->u.record.fields.len; i++) {
    ast_field *f = AST_AT(d->u.record.fields, i, ast_field);
    if (f)
      types_of_tyexpr(ts, f->type);
  }
}

static void record_recursion(types_state *ts, ast_decl *d) {
  if (d->kind == DECL_MESSAGE || d->kind == DECL_STRUCT)
    check_recursive(ts, d);
}

bool types_run(ac_ctx *cx) {
  int before = diag_error_count(cx);
  types_state *ts = types_state_get(cx);
  if (!cx->prog)
    return before == 0;
  each_decl(ts, record_fields);
  each_decl(ts, record_recursion);
  each_decl(ts, signatures);
  each_decl(ts, bodies);
  diag_flush(cx);
  return diag_error_count(cx) == before;
}
