/* types_expr.c — type check phase, part 2: expressions.  Literals take
 * their type from the expected type (`want`, default i64/f64), numeric
 * operators need equal types (no implicit widening: `as`), `nil` needs an
 * optional context, actor references are typed by the messages their
 * handlers take.  Every failure sets TY_ERROR and stays silent afterwards.
 */
#include <float.h>
#include <string.h>

#include "types_impl.h"

/* ======================================== helpers */

static type *ty_err(types_state *ts) {
  return types_prim(ts, TY_ERROR);
}

static const char *tn(types_state *ts, const type *t) {
  return types_name(ts->cx, t);
}

bool types_assignable(const type *want, const type *have) {
  if (types_is_error(want) || types_is_error(have))
    return true;
  if (want == have)
    return true;
  if (want->kind == TY_OPT) {
    if (have->kind == TY_NIL)
      return true;
    if (want->elem == have)
      return true;
  }
  /* a frozen value of a copy type is that type (types_wrap never builds it) */
  return false;
}

static void mismatch(types_state *ts, span sp, const type *want,
                     const type *have, const char *what) {
  diag *d = diag_error(ts->cx, sp, "E0301",
                       "mismatched types: expected `%s`, "
                       "found `%s`",
                       tn(ts, want), tn(ts, have));
  diag_label(d, "%s",
             what ? what
                  : arena_sprintf(ts->cx->perm,
                                  "expected "
                                  "`%s`",
                                  tn(ts, want)));
  if (want && have && want->kind == TY_VAL && want->elem == have)
    diag_help(d, "freeze it: `freeze(...)`");
  else if (want && have && types_is_numeric(want) && types_is_numeric(have))
    diag_help(d, "convert explicitly: `... as %s`", tn(ts, want));
  else if (want && want->kind == TY_BORROW && want->elem == have)
    diag_help(d, "lend it with `&`");
  diag_end(d);
}

type *types_expect(types_state *ts, ast_expr *e, type *want, const char *what) {
  if (!e)
    return ty_err(ts);
  type *have = types_expr(ts, e, want);
  if (!types_assignable(want, have)) {
    mismatch(ts, e->sp, want, have, what);
    return ty_err(ts);
  }
  return have;
}

static type *set_ty(ast_expr *e, type *t) {
  e->ty = t;
  return t;
}

/* The expected type a literal should take: `T?` contexts give `T`. */
static type *lit_want(type *want) {
  if (want && want->kind == TY_OPT)
    want = want->elem;
  if (want && want->kind == TY_VAL)
    want = want->elem;
  return want;
}

/* ======================================== literals */

static bool int_fits(type_kind k, uint64_t mag, bool neg) {
  uint64_t max;
  switch (k) {
  case TY_I8: max = neg ? 128u : 127u; break;
  case TY_I16: max = neg ? 32768u : 32767u; break;
  case TY_I32: max = neg ? 2147483648ull : 2147483647ull; break;
  case TY_I64:
    max = neg ? 9223372036854775808ull : 9223372036854775807ull;
    break;
  case TY_U8: max = neg ? 0 : 255u; break;
  case TY_U16: max = neg ? 0 : 65535u; break;
  case TY_U32: max = neg ? 0 : 4294967295ull; break;
  default: max = neg ? 0 : UINT64_MAX; break;
  }
  return mag <= max;
}

/* An integer literal, `neg` when it is the operand of unary minus. */
static type *int_lit(types_state *ts, ast_expr *e, type *want, bool neg) {
  type *w = lit_want(want);
  type *t = types_prim(ts, TY_I64);
  if (w && (types_is_int(w) || types_is_float(w)))
    t = w;
  if (e->u.int_.overflow)
    return set_ty(e, t); /* lexer reported it */
  if (types_is_int(t) && !int_fits(t->kind, e->u.int_.value, neg)) {
    diag *d = diag_error(
        ts->cx, e->sp, "E0303", "integer literal `%s%llu` does not fit in `%s`",
        neg ? "-" : "", (unsigned long long)e->u.int_.value, tn(ts, t));
    diag_label(d, "out of range for `%s`", tn(ts, t));
    if (t->kind != TY_I64 && int_fits(TY_I64, e->u.int_.value, neg))
      diag_help(d, "use a wider type such as `i64`");
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  return set_ty(e, t);
}

static type *float_lit(types_state *ts, ast_expr *e, type *want) {
  type *w = lit_want(want);
  type *t = w && types_is_float(w) ? w : types_prim(ts, TY_F64);
  double v = e->u.float_.value;
  if (t->kind == TY_F32 && (v > FLT_MAX || v < -FLT_MAX)) {
    diag *d = diag_error(ts->cx, e->sp, "E0303",
                         "float literal does not fit in `f32`");
    diag_label(d, "out of range for `f32`");
    diag_help(d, "use `f64`");
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  return set_ty(e, t);
}

/* E0334: fields without a default that a literal leaves out (optional
 * fields default to nil).  `given` may be NULL (`Msg` alone).  Returns false
 * when some are missing. */
static bool missing_fields(types_state *ts, ast_expr *e, ast_decl *d,
                           ast_list *given_list, const char *name) {
  char missing[256];
  size_t n = 0;
  int nmissing = 0;
  missing[0] = 0;
  for (uint32_t i = 0; d && i < d->u.record.fields.len; i++) {
    ast_field *f = AST_AT(d->u.record.fields, i, ast_field);
    if (!f || f->default_ || !f->name.name)
      continue;
    type *ft = f->type ? f->type->ty : NULL;
    if (!ft || types_is_error(ft) || ft->kind == TY_OPT)
      continue; /* optional: defaults to nil; error: already reported */
    bool given = false;
    for (uint32_t j = 0; given_list && j < given_list->len; j++) {
      ast_field_init *fi = AST_AT(*given_list, j, ast_field_init);
      if (fi && fi->name.name == f->name.name)
        given = true;
    }
    if (given)
      continue;
    nmissing++;
    if (n + strlen(f->name.name) + 8 < sizeof missing)
      n += (size_t)snprintf(missing + n, sizeof missing - n, "%s`%s`",
                            n ? ", " : "", f->name.name);
  }
  if (!nmissing)
    return true;
  diag *dg = diag_error(ts->cx, e->sp, "E0334", "missing %s %s in `%s` literal",
                        nmissing == 1 ? "field" : "fields", missing, name);
  diag_label(dg, "%s no default value", nmissing == 1 ? "has" : "have");
  diag_note(dg, d->name.sp, "`%s` declared here", name);
  diag_end(dg);
  return false;
}

static type *empty_record(types_state *ts, ast_expr *e, sym *s) {
  missing_fields(ts, e, s->decl, NULL, s->name);
  return types_decl(ts, s->kind == SYM_MESSAGE ? TY_MESSAGE : TY_STRUCT,
                    s->decl);
}

/* ======================================== names */

static type *name_expr(types_state *ts, ast_expr *e) {
  sym *s = e->u.name.sym;
  if (!s)
    return set_ty(e, ty_err(ts));
  switch (s->kind) {
  case SYM_BUILTIN: {
    diag *d = diag_error(ts->cx, e->sp, "E0302",
                         "the builtin `%s` can only be called", s->name);
    diag_label(d, "not a value");
    diag_help(d, "call it: `%s(...)`", s->name);
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  case SYM_VARIANT: return set_ty(e, types_decl(ts, TY_ENUM, s->decl));
  case SYM_FN: {
    diag *d = diag_error(ts->cx, e->sp, "E0302",
                         "the function `%s` can only be called", s->name);
    diag_label(d, "not a value");
    diag_help(d, "call it: `%s(...)`", s->name);
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  case SYM_CONST:
    /* an untyped constant used before its declaration: infer it now
       (s->ty is TY_ERROR while in progress, so a cycle stays silent) */
    if (!s->ty && s->decl && s->decl->kind == DECL_CONST &&
        s->decl->u.const_.value) {
      s->ty = ty_err(ts);
      type *t = types_expr(ts, s->decl->u.const_.value, NULL);
      s->ty = t && t->kind != TY_NIL && t->kind != TY_UNIT ? t : ty_err(ts);
    }
    return set_ty(e, s->ty ? s->ty : ty_err(ts));
  case SYM_MESSAGE:
  case SYM_STRUCT:
    /* `Flush` alone is the literal `Flush {}` (docs/language.md) */
    if (e->kind == EXPR_TYPE_NAME && s->decl)
      return set_ty(e, empty_record(ts, e, s));
    /* fall through */
  default:
    if (s->kind == SYM_MESSAGE || s->kind == SYM_STRUCT ||
        s->kind == SYM_ENUM || s->kind == SYM_ACTOR ||
        s->kind == SYM_SUPERVISOR || s->kind == SYM_PRIM) {
      diag *d = diag_error(ts->cx, e->sp, "E0302",
                           "expected a value, found the type `%s`", s->name);
      diag_label(d, "a type, not a value");
      if (s->kind == SYM_MESSAGE || s->kind == SYM_STRUCT)
        diag_help(d, "build a value with `%s { ... }`", s->name);
      else if (s->kind == SYM_ACTOR)
        diag_help(d, "start one with `spawn %s`", s->name);
      diag_end(d);
      return set_ty(e, ty_err(ts));
    }
    return set_ty(e, s->ty ? s->ty : ty_err(ts));
  }
}

/* ======================================== records */

/* Message header fields every message carries (DESIGN.md "Messages"). */
static type *header_field(types_state *ts, const char *name) {
  if (!strcmp(name, "id"))
    return types_prim(ts, TY_UUID);
  if (!strcmp(name, "priority"))
    return types_prim(ts, TY_U8);
  if (!strcmp(name, "correlation"))
    return types_wrap(ts, TY_OPT, types_prim(ts, TY_UUID));
  return NULL;
}

static ast_field *record_field(ast_decl *d, const char *name, int *out_index) {
  *out_index = -1;
  if (!d || !name)
    return NULL;
  for (uint32_t i = 0; i < d->u.record.fields.len; i++) {
    ast_field *f = AST_AT(d->u.record.fields, i, ast_field);
    if (f && f->name.name == name) {
      *out_index = (int)i;
      return f;
    }
  }
  return NULL;
}

static void help_fields(diag *d, ast_decl *rec) {
  char buf[256];
  size_t n = 0;
  buf[0] = 0;
  for (uint32_t i = 0; rec && i < rec->u.record.fields.len; i++) {
    ast_field *f = AST_AT(rec->u.record.fields, i, ast_field);
    if (!f || !f->name.name)
      continue;
    size_t l = strlen(f->name.name);
    if (n + l + 8 >= sizeof buf)
      break;
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s`%s`", n ? ", " : "",
                          f->name.name);
  }
  if (n)
    diag_note_plain(d, "available fields: %s", buf);
}

static type *record_expr(types_state *ts, ast_expr *e) {
  sym *s = e->u.record.sym;
  for (uint32_t i = 0; i < e->u.record.fields.len; i++) {
    ast_field_init *fi = AST_AT(e->u.record.fields, i, ast_field_init);
    if (fi)
      fi->index = -1;
  }
  if (!s) {
    for (uint32_t i = 0; i < e->u.record.fields.len; i++) {
      ast_field_init *fi = AST_AT(e->u.record.fields, i, ast_field_init);
      if (fi)
        types_expr(ts, fi->value, NULL);
    }
    return set_ty(e, ty_err(ts));
  }
  if (s->kind == SYM_VARIANT)
    return set_ty(e, types_decl(ts, TY_ENUM, s->decl));
  ast_decl *d = s->decl;
  bool is_msg = s->kind == SYM_MESSAGE;
  type *t = types_decl(ts, is_msg ? TY_MESSAGE : TY_STRUCT, d);
  /* a literal with a bad field still has its record type: no cascade */
  for (uint32_t i = 0; i < e->u.record.fields.len; i++) {
    ast_field_init *fi = AST_AT(e->u.record.fields, i, ast_field_init);
    if (!fi)
      continue;
    int idx;
    ast_field *f = record_field(d, fi->name.name, &idx);
    type *ft = NULL;
    if (f) {
      ft = f->type ? f->type->ty : NULL;
      fi->index = idx;
    } else if (is_msg && fi->name.name) {
      ft = header_field(ts, fi->name.name);
    }
    if (!f && !ft) {
      diag *dg =
          diag_error(ts->cx, fi->name.sp, "E0306", "%s `%s` has no field `%s`",
                     is_msg ? "message" : "struct", s->name,
                     fi->name.name ? fi->name.name : "?");
      diag_label(dg, "unknown field");
      help_fields(dg, d);
      diag_end(dg);
      types_expr(ts, fi->value, NULL);
      continue;
    }
    types_expect(ts, fi->value, ft, NULL);
  }
  missing_fields(ts, e, d, &e->u.record.fields, s->name);
  return set_ty(e, t);
}

/* ======================================== fields */

static type *field_expr(types_state *ts, ast_expr *e) {
  ast_expr *obj = e->u.field.obj;
  e->u.field.index = -1;
  if (!obj)
    return set_ty(e, ty_err(ts));
  if (obj->kind == EXPR_SELF) {
    obj->ty = ts->actor ? types_decl(ts, TY_ACTOR, ts->actor) : ty_err(ts);
    sym *s = e->u.field.sym;
    if (!s)
      return set_ty(e, ty_err(ts));
    if (s->kind == SYM_FN) {
      diag *d = diag_error(ts->cx, e->sp, "E0302",
                           "the function `%s` can only be called", s->name);
      diag_label(d, "not a value");
      diag_end(d);
      return set_ty(e, ty_err(ts));
    }
    e->u.field.index = s->index;
    return set_ty(e, s->ty ? s->ty : ty_err(ts));
  }
  if (obj->kind == EXPR_TYPE_NAME && obj->u.name.sym &&
      obj->u.name.sym->kind == SYM_ENUM) {
    obj->ty = types_decl(ts, TY_ENUM, obj->u.name.sym->decl);
    sym *v = e->u.field.sym;
    if (!v)
      return set_ty(e, ty_err(ts));
    e->u.field.index = v->index;
    return set_ty(e, types_decl(ts, TY_ENUM, v->decl));
  }
  type *ot0 = types_expr(ts, obj, NULL);
  if (types_is_error(ot0))
    return set_ty(e, ty_err(ts));
  bool frozen = ot0->kind == TY_VAL;
  type *ot = types_strip(ot0);
  if (e->u.field.tuple_index >= 0) {
    if (ot->kind != TY_TUPLE) {
      diag *d = diag_error(ts->cx, e->u.field.field.sp, "E0306",
                           "`.%d` needs a tuple, found `%s`",
                           e->u.field.tuple_index, tn(ts, ot0));
      diag_label(d, "not a tuple");
      diag_end(d);
      return set_ty(e, ty_err(ts));
    }
    if ((uint32_t)e->u.field.tuple_index >= ot->nitems) {
      diag *d = diag_error(ts->cx, e->u.field.field.sp, "E0306",
                           "tuple `%s` has no element `.%d`", tn(ts, ot),
                           e->u.field.tuple_index);
      diag_label(d, "the tuple has %u elements", ot->nitems);
      diag_end(d);
      return set_ty(e, ty_err(ts));
    }
    e->u.field.index = e->u.field.tuple_index;
    type *it = ot->items[e->u.field.tuple_index];
    if (frozen)
      it = types_wrap(ts, TY_VAL, it);
    return set_ty(e, it);
  }
  const char *name = e->u.field.field.name;
  if (!name)
    return set_ty(e, ty_err(ts));
  if (ot->kind == TY_MESSAGE || ot->kind == TY_STRUCT) {
    int idx;
    ast_field *f = record_field(ot->decl, name, &idx);
    type *ft = f ? (f->type ? f->type->ty : NULL)
                 : (ot->kind == TY_MESSAGE ? header_field(ts, name) : NULL);
    if (f || ft) {
      e->u.field.index = idx;
      if (!ft)
        return set_ty(e, ty_err(ts));
      if (frozen)
        ft = types_wrap(ts, TY_VAL, ft);
      return set_ty(e, ft);
    }
    diag *d = diag_error(ts->cx, e->u.field.field.sp, "E0306",
                         "`%s` has no field `%s`", tn(ts, ot), name);
    diag_label(d, "unknown field");
    help_fields(d, ot->decl);
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  diag *d = diag_error(ts->cx, e->u.field.field.sp, "E0306",
                       "`%s` has no field `%s`", tn(ts, ot0), name);
  diag_label(d, "unknown field");
  if (ot->kind == TY_OPT)
    diag_help(d, "unwrap the optional first: `if let v = ... { v.%s }`", name);
  diag_end(d);
  return set_ty(e, ty_err(ts));
}

static type *index_expr(types_state *ts, ast_expr *e) {
  type *ot0 = types_expr(ts, e->u.index.obj, NULL);
  type *ot = types_strip(ot0);
  if (types_is_error(ot)) {
    types_expr(ts, e->u.index.index, NULL);
    return set_ty(e, ty_err(ts));
  }
  type *elem;
  if (ot->kind == TY_MAP) {
    if (types_is_error(types_expect(ts, e->u.index.index, ot->key, "map key")))
      return set_ty(e, ty_err(ts));
    elem = ot->elem;
  } else if (ot->kind == TY_LIST || ot->kind == TY_BUF) {
    type *it = types_expr(ts, e->u.index.index, NULL);
    if (!types_is_error(it) && !types_is_int(it)) {
      diag *d = diag_error(ts->cx, e->u.index.index->sp, "E0307",
                           "index must be an integer, found `%s`", tn(ts, it));
      diag_label(d, "not an integer");
      diag_end(d);
      return set_ty(e, ty_err(ts));
    }
    elem = ot->elem;
  } else {
    types_expr(ts, e->u.index.index, NULL);
    diag *d =
        diag_error(ts->cx, e->u.index.obj ? e->u.index.obj->sp : e->sp, "E0307",
                   "cannot index into a value of type `%s`", tn(ts, ot0));
    diag_label(d, "not a list, map or buffer");
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  if (ot0->kind == TY_VAL)
    elem = types_wrap(ts, TY_VAL, elem);
  return set_ty(e, elem);
}

/* ======================================== calls */

static void arity(types_state *ts, span sp, const char *what, uint32_t want,
                  uint32_t have, span decl_sp, bool has_decl) {
  diag *d = diag_error(ts->cx, sp, "E0328",
                       "%s takes %u argument%s but %u %s given", what, want,
                       want == 1 ? "" : "s", have, have == 1 ? "was" : "were");
  diag_label(d, "expected %u argument%s", want, want == 1 ? "" : "s");
  if (has_decl)
    diag_note(d, decl_sp, "declared here");
  diag_end(d);
}

/* One argument against a parameter type; `&T` parameters take `&x`. */
static void check_arg(types_state *ts, ast_expr *a, type *pt) {
  if (!a)
    return;
  if (pt && pt->kind == TY_BORROW) {
    if (a->kind != EXPR_BORROW) {
      type *have = types_expr(ts, a, pt->elem);
      /* a borrow passed on (a `&T` parameter or binding): types are
       * interned, so the same `&T` is the same pointer */
      if (have == pt)
        return;
      if (!types_is_error(have) && !types_is_error(pt)) {
        diag *d = diag_error(ts->cx, a->sp, "E0320",
                             "this parameter borrows `%s`; pass `&` of a "
                             "value",
                             tn(ts, pt->elem));
        diag_label(d, "expected `%s`, found `%s`", tn(ts, pt), tn(ts, have));
        diag_help(d, "lend it: `&...`");
        diag_end(d);
      }
      return;
    }
    type *inner = types_expect(ts, a->u.wrap.operand, pt->elem, NULL);
    a->ty = types_is_error(inner) ? ty_err(ts) : pt;
    return;
  }
  types_expect(ts, a, pt, NULL);
}

static void check_args(types_state *ts, span call_sp, ast_list *args,
                       type **params, uint32_t np, const char *what,
                       const ast_decl *decl) {
  if (args->len != np) {
    arity(ts, call_sp, what, np, args->len, decl ? decl->name.sp : call_sp,
          decl != NULL);
    for (uint32_t i = 0; i < args->len; i++)
      types_expr(ts, AST_AT(*args, i, ast_expr), NULL);
    return;
  }
  for (uint32_t i = 0; i < np; i++)
    check_arg(ts, AST_AT(*args, i, ast_expr), params[i]);
}

static bool printable(const type *t) {
  return t && t->kind != TY_UNIT && t->kind != TY_FN;
}

static type *need_ring(types_state *ts, ast_expr *e, const char *name) {
  if (ts->actor && ts->actor->u.actor.is_ring)
    return types_prim(ts, TY_I64);
  diag *d = diag_error(ts->cx, e->sp, "E0325",
                       "`%s()` is only available inside a ring actor", name);
  diag_label(d, "not inside a `ring actor`");
  if (ts->actor)
    diag_note(d, ts->actor->name.sp, "`%s` is a CPU actor",
              ts->actor->name.name);
  diag_end(d);
  return ty_err(ts);
}

static type *buf_new(types_state *ts, ast_expr *e, type *want);

static type *builtin_call(types_state *ts, ast_expr *e, sym *s, type *want) {
  ast_list *args = &e->u.call.args;
  ast_expr *a0 = args->len ? AST_AT(*args, 0, ast_expr) : NULL;
  e->u.call.builtin = s->index;
  if (builtin_is_wire(s->index)) /* issue 6: types_wire.c */
    return types_wire_call(ts, e, s);
  type *unit = types_prim(ts, TY_UNIT);
  uint32_t want_n = 1;
  switch (s->index) {
  case BI_NOW:
  case BI_THREAD_INDEX:
  case BI_BLOCK_INDEX:
  case BI_BLOCK_DIM:
  case BI_GRID_DIM: want_n = 0; break;
  default: break;
  }
  if (s->index == BI_PRINTLN && args->len == 0)
    want_n = 0;
  if (s->index == BI_BUF && args->len == 2)
    want_n = 2;
  if (args->len != want_n) {
    arity(ts, e->sp, s->name, want_n, args->len, e->sp, false);
    for (uint32_t i = 0; i < args->len; i++)
      types_expr(ts, AST_AT(*args, i, ast_expr), NULL);
    return ty_err(ts);
  }
  switch (s->index) {
  case BI_PRINT:
  case BI_PRINTLN:
  case BI_EPRINTLN: {
    if (!a0)
      return unit;
    type *t = types_expr(ts, a0, NULL);
    if (!types_is_error(t) && !printable(t)) {
      diag *d = diag_error(ts->cx, a0->sp, "E0313",
                           "`%s` has no value to print", tn(ts, t));
      diag_label(d, "this expression has no value");
      diag_end(d);
    }
    return unit;
  }
  case BI_EXIT: {
    type *t = types_expr(ts, a0, types_prim(ts, TY_I32));
    if (types_is_error(t))
      return unit;
    if (t->kind != TY_I8 && t->kind != TY_I16 && t->kind != TY_I32 &&
        t->kind != TY_U8 && t->kind != TY_U16) {
      diag *d = diag_error(ts->cx, a0->sp, "E0301",
                           "mismatched types: expected an `i32` exit code, "
                           "found `%s`",
                           tn(ts, t));
      diag_label(d, "exit codes are `i32`");
      if (types_is_int(t))
        diag_help(d, "convert explicitly: `... as i32`");
      diag_end(d);
    }
    return unit;
  }
  case BI_CLOSE: {
    type *t = types_strip(types_expr(ts, a0, NULL));
    if (!types_is_error(t) && t->kind != TY_CHAN) {
      diag *d = diag_error(ts->cx, a0->sp, "E0332",
                           "`close` needs a channel, found `%s`", tn(ts, t));
      diag_label(d, "not a channel");
      diag_end(d);
    }
    return unit;
  }
  case BI_SLEEP:
    types_expect(ts, a0, types_prim(ts, TY_DURATION),
                 "`sleep` takes a "
                 "duration");
    return unit;
  case BI_NOW: return types_prim(ts, TY_TIME);
  case BI_MONITOR:
  case BI_LINK: {
    type *t = types_strip(types_expr(ts, a0, NULL));
    if (!types_is_error(t) && t->kind != TY_ACTOR) {
      diag *d = diag_error(ts->cx, a0->sp, "E0330",
                           "`%s` needs an actor reference, found `%s`", s->name,
                           tn(ts, t));
      diag_label(d, "not an actor reference");
      diag_end(d);
    }
    return unit;
  }
  case BI_THREAD_INDEX:
  case BI_BLOCK_INDEX:
  case BI_BLOCK_DIM:
  case BI_GRID_DIM: return need_ring(ts, e, s->name);
  case BI_BUF: return buf_new(ts, e, want);
  default: return ty_err(ts);
  }
}

/* `buf(n)` / `buf(n, fill)`: n elements, zero or `fill`.  The element type
 * comes from the expected type (`let b: buf<f32> = buf(n)`), else from the
 * fill value; it must be a scalar (E0337). */
static type *buf_new(types_state *ts, ast_expr *e, type *want) {
  ast_list *args = &e->u.call.args;
  ast_expr *n = AST_AT(*args, 0, ast_expr);
  ast_expr *fill = args->len > 1 ? AST_AT(*args, 1, ast_expr) : NULL;
  types_expect(ts, n, types_prim(ts, TY_I64), "a buffer length is an `i64`");
  type *w = want ? types_strip(want) : NULL;
  type *el = w && w->kind == TY_BUF ? w->elem : NULL;
  if (fill) {
    type *ft = el ? types_expect(ts, fill, el, "the fill value is an element")
                  : types_expr(ts, fill, NULL);
    if (types_is_error(ft))
      return ty_err(ts);
    if (!el)
      el = ft;
  }
  if (!el) {
    diag *d = diag_error(ts->cx, e->sp, "E0337",
                         "cannot tell the element type of this `buf`");
    diag_label(d, "element type unknown");
    diag_help(d, "annotate the binding (`let b: buf<f32> = buf(n);`) or "
                 "give a fill value (`buf(n, 0.0)`)");
    diag_end(d);
    return ty_err(ts);
  }
  if (types_is_error(el))
    return ty_err(ts);
  if (!((el->kind >= TY_BOOL && el->kind <= TY_F64))) {
    diag *d = diag_error(ts->cx, e->sp, "E0337",
                         "a `buf` holds scalars, not `%s`", tn(ts, el));
    diag_label(d, "not a `bool`, integer or float element");
    diag_help(d, "use a list `[%s]` for other elements", tn(ts, el));
    diag_end(d);
    return ty_err(ts);
  }
  return types_wrap(ts, TY_BUF, el);
}

/* Methods on builtin types (builtins.def BUILTIN_METHOD). */
static const struct {
  int id;
  type_kind recv;
  const char *name;
  uint32_t n;
} types_methods[] = {
#define BUILTIN_METHOD(id, recv, name, n) {id, recv, name, n},
#include "builtins.def"
};

static type *method_call(types_state *ts, ast_expr *e, ast_expr *callee) {
  ast_list *args = &e->u.call.args;
  type *rt0 = types_expr(ts, callee->u.field.obj, NULL);
  type *rt = types_strip(rt0);
  const char *name = callee->u.field.field.name;
  if (types_is_error(rt) || !name) {
    for (uint32_t i = 0; i < args->len; i++)
      types_expr(ts, AST_AT(*args, i, ast_expr), NULL);
    return ty_err(ts);
  }
  int id = -1;
  uint32_t n = 0;
  for (size_t i = 0; i < sizeof types_methods / sizeof types_methods[0]; i++)
    if (types_methods[i].recv == rt->kind &&
        !strcmp(types_methods[i].name, name)) {
      id = types_methods[i].id;
      n = types_methods[i].n;
    }
  if (id < 0) {
    diag *d = diag_error(ts->cx, callee->u.field.field.sp, "E0308",
                         "no method `%s` on type `%s`", name, tn(ts, rt0));
    diag_label(d, "unknown method");
    if (rt->kind == TY_OPT)
      diag_help(d, "unwrap the optional first with `if let`");
    diag_end(d);
    for (uint32_t i = 0; i < args->len; i++)
      types_expr(ts, AST_AT(*args, i, ast_expr), NULL);
    return ty_err(ts);
  }
  e->u.call.builtin = id;
  if (args->len != n) {
    arity(ts, e->sp, name, n, args->len, e->sp, false);
    for (uint32_t i = 0; i < args->len; i++)
      types_expr(ts, AST_AT(*args, i, ast_expr), NULL);
    return ty_err(ts);
  }
  ast_expr *a0 = n ? AST_AT(*args, 0, ast_expr) : NULL;
  ast_expr *a1 = n > 1 ? AST_AT(*args, 1, ast_expr) : NULL;
  type *i64 = types_prim(ts, TY_I64);
  switch (id) {
  case BI_LIST_LEN:
  case BI_MAP_LEN:
  case BI_STR_LEN:
  case BI_BYTES_LEN:
  case BI_BUF_LEN: return i64;
  case BI_LIST_PUSH:
    types_expect(ts, a0, rt->elem, "list element");
    return types_prim(ts, TY_UNIT);
  case BI_LIST_POP: return types_wrap(ts, TY_OPT, rt->elem);
  case BI_MAP_GET:
  case BI_MAP_REMOVE:
    types_expect(ts, a0, rt->key, "map key");
    return types_wrap(ts, TY_OPT, rt->elem);
  case BI_MAP_INSERT:
    types_expect(ts, a0, rt->key, "map key");
    types_expect(ts, a1, rt->elem, "map value");
    return types_prim(ts, TY_UNIT);
  case BI_MAP_CONTAINS:
    types_expect(ts, a0, rt->key, "map key");
    return types_prim(ts, TY_BOOL);
  case BI_MAP_KEYS: return types_wrap(ts, TY_LIST, rt->key);
  case BI_STR_CONTAINS:
  case BI_STR_STARTS:
  case BI_STR_ENDS:
    types_expect(ts, a0, types_prim(ts, TY_STR), "argument");
    return types_prim(ts, TY_BOOL);
  case BI_STR_INDEX_OF:
    types_expect(ts, a0, types_prim(ts, TY_STR), "argument");
    return types_wrap(ts, TY_OPT, i64);
  case BI_STR_SLICE:
    types_expect(ts, a0, i64, "start offset");
    types_expect(ts, a1, i64, "end offset");
    return types_prim(ts, TY_STR);
  case BI_STR_SPLIT:
    types_expect(ts, a0, types_prim(ts, TY_STR), "separator");
    return types_wrap(ts, TY_LIST, types_prim(ts, TY_STR));
  case BI_STR_TRIM: return types_prim(ts, TY_STR);
  case BI_STR_PARSE_I64: return types_wrap(ts, TY_OPT, i64);
  case BI_STR_PARSE_F64:
    return types_wrap(ts, TY_OPT, types_prim(ts, TY_F64));
  case BI_STR_BYTES: return types_prim(ts, TY_BYTES);
  default: return ty_err(ts);
  }
}

static type *fn_call(types_state *ts, ast_expr *e, sym *s) {
  ast_decl *d = s->decl;
  type *ft = s->ty;
  if (!d || !ft || ft->kind != TY_FN) {
    for (uint32_t i = 0; i < e->u.call.args.len; i++)
      types_expr(ts, AST_AT(e->u.call.args, i, ast_expr), NULL);
    return ty_err(ts);
  }
  const char *what =
      e->u.call.args.len == ft->nitems
          ? NULL /* only an arity error needs the text */
          : arena_sprintf(ts->cx->perm, "function `%s`", s->name);
  check_args(ts, e->sp, &e->u.call.args, ft->items, ft->nitems, what, d);
  return ft->ret;
}

/* The type given to the callee of a builtin function or method: a TY_FN of
 * the argument types as checked and the result (TY_ERROR on failure). */
static type *callee_type(types_state *ts, ast_expr *call, type *ret) {
  ast_list *args = &call->u.call.args;
  type *ps[64];
  uint32_t n = args->len > 64 ? 64 : args->len;
  if (types_is_error(ret))
    return ty_err(ts);
  for (uint32_t i = 0; i < n; i++) {
    ast_expr *a = AST_AT(*args, i, ast_expr);
    ps[i] = a && a->ty ? a->ty : ty_err(ts);
  }
  return types_fn(ts, ps, n, ret);
}

static type *call_expr(types_state *ts, ast_expr *e, type *want) {
  ast_expr *callee = e->u.call.callee;
  e->u.call.builtin = -1;
  if (!callee)
    return set_ty(e, ty_err(ts));
  if (callee->kind == EXPR_NAME) {
    sym *s = callee->u.name.sym;
    if (!s) {
      for (uint32_t i = 0; i < e->u.call.args.len; i++)
        types_expr(ts, AST_AT(e->u.call.args, i, ast_expr), NULL);
      return set_ty(e, ty_err(ts));
    }
    if (s->kind == SYM_BUILTIN) {
      type *rt = builtin_call(ts, e, s, want);
      callee->ty = callee_type(ts, e, rt);
      return set_ty(e, rt);
    }
    if (s->kind == SYM_FN) {
      callee->ty = s->ty;
      return set_ty(e, fn_call(ts, e, s));
    }
  } else if (callee->kind == EXPR_FIELD && callee->u.field.obj) {
    if (callee->u.field.obj->kind == EXPR_SELF) {
      sym *s = callee->u.field.sym;
      callee->u.field.obj->ty =
          ts->actor ? types_decl(ts, TY_ACTOR, ts->actor) : ty_err(ts);
      if (s && s->kind == SYM_FN) {
        callee->ty = s->ty;
        return set_ty(e, fn_call(ts, e, s));
      }
    } else if (callee->u.field.tuple_index < 0 &&
               !(callee->u.field.obj->kind == EXPR_TYPE_NAME)) {
      type *rt = method_call(ts, e, callee);
      callee->ty = callee_type(ts, e, rt);
      return set_ty(e, rt);
    }
  }
  type *ct = types_expr(ts, callee, NULL);
  for (uint32_t i = 0; i < e->u.call.args.len; i++)
    types_expr(ts, AST_AT(e->u.call.args, i, ast_expr), NULL);
  if (types_is_error(ct))
    return set_ty(e, ty_err(ts));
  diag *d = diag_error(ts->cx, callee->sp, "E0308",
                       "a value of type `%s` cannot be called", tn(ts, ct));
  diag_label(d, "not a function");
  diag_end(d);
  return set_ty(e, ty_err(ts));
}

/* ======================================== operators */

static bool is_lit(const ast_expr *e) {
  if (!e)
    return false;
  if (e->kind == EXPR_INT || e->kind == EXPR_FLOAT)
    return true;
  return e->kind == EXPR_UNARY && e->u.unary.op == OP_NEG &&
         is_lit(e->u.unary.operand);
}

static const char *op_text(ast_op op) {
  static const char *const t[] = {
      "=",  "-",  "!",  "~",  "+", "-",  "*", "/",  "%",  "&",  "|", "^",
      "<<", ">>", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "??"};
  return (size_t)op < sizeof t / sizeof t[0] ? t[op] : "?";
}

static type *op_error(types_state *ts, ast_expr *e, ast_op op, type *l,
                      type *r) {
  diag *d;
  if (r)
    d = diag_error(ts->cx, e->sp, "E0329", "cannot apply `%s` to `%s` and `%s`",
                   op_text(op), tn(ts, l), tn(ts, r));
  else
    d = diag_error(ts->cx, e->sp, "E0329", "cannot apply unary `%s` to `%s`",
                   op_text(op), tn(ts, l));
  diag_label(d, "unsupported operand types");
  if (r && types_is_numeric(l) && types_is_numeric(r))
    diag_help(d,
              "numeric operands must have the same type; convert one "
              "with `as %s`",
              tn(ts, l));
  diag_end(d);
  return set_ty(e, ty_err(ts));
}

static type *unary_expr(types_state *ts, ast_expr *e, type *want) {
  ast_expr *o = e->u.unary.operand;
  if (!o)
    return set_ty(e, ty_err(ts));
  if (e->u.unary.op == OP_NEG && o->kind == EXPR_INT) {
    type *t = int_lit(ts, o, want, true);
    if (!types_is_error(t) && types_is_int(t) && t->kind >= TY_U8) {
      diag *d =
          diag_error(ts->cx, e->sp, "E0303",
                     "negative literal for unsigned type `%s`", tn(ts, t));
      diag_label(d, "out of range for `%s`", tn(ts, t));
      diag_end(d);
      return set_ty(e, ty_err(ts));
    }
    return set_ty(e, t);
  }
  type *t = types_strip(types_expr(ts, o, lit_want(want)));
  if (types_is_error(t))
    return set_ty(e, ty_err(ts));
  switch (e->u.unary.op) {
  case OP_NEG:
    if ((types_is_numeric(t) && !(t->kind >= TY_U8 && t->kind <= TY_U64)) ||
        t->kind == TY_DURATION)
      return set_ty(e, t);
    break;
  case OP_NOT:
    if (t->kind == TY_BOOL)
      return set_ty(e, t);
    break;
  case OP_BITNOT:
    if (types_is_int(t))
      return set_ty(e, t);
    break;
  default: break;
  }
  return op_error(ts, e, e->u.unary.op, t, NULL);
}

static bool comparable_eq(const type *t) {
  if (!t)
    return false;
  switch (t->kind) {
  case TY_LIST:
  case TY_MAP:
  case TY_BUF:
  case TY_FN:
  case TY_ASK:
  case TY_UNIT:
  case TY_RANGE: return false;
  case TY_OPT:
  case TY_VAL: return comparable_eq(t->elem);
  case TY_TUPLE:
    for (uint32_t i = 0; i < t->nitems; i++)
      if (!comparable_eq(t->items[i]))
        return false;
    return true;
  case TY_MESSAGE: /* no `==` on records: compare their fields */
  case TY_STRUCT: return false;
  default: return true;
  }
}

static bool ordered(const type *t) {
  return types_is_numeric(t) || t->kind == TY_STR || t->kind == TY_DURATION ||
         t->kind == TY_TIME;
}

static type *binary_expr(types_state *ts, ast_expr *e, type *want) {
  ast_op op = e->u.binary.op;
  ast_expr *le = e->u.binary.lhs, *re = e->u.binary.rhs;
  if (!le || !re)
    return set_ty(e, ty_err(ts));
  type *b = types_prim(ts, TY_BOOL);
  if (op == OP_AND || op == OP_OR) {
    type *l = types_expect(ts, le, b, "operands of `&&`/`||` are `bool`");
    type *r = types_expect(ts, re, b, "operands of `&&`/`||` are `bool`");
    return set_ty(e, types_is_error(l) || types_is_error(r) ? ty_err(ts) : b);
  }
  if (op == OP_COALESCE) {
    type *l = types_expr(ts, le, want ? types_wrap(ts, TY_OPT, want) : NULL);
    if (types_is_error(l)) {
      types_expr(ts, re, NULL);
      return set_ty(e, ty_err(ts));
    }
    type *ls = types_strip(l);
    if (ls->kind != TY_OPT) {
      types_expr(ts, re, NULL);
      diag *d = diag_error(ts->cx, le->sp, "E0304",
                           "`??` needs an optional on the left, found `%s`",
                           tn(ts, l));
      diag_label(d, "not an optional");
      diag_help(d, "remove `?? ...`: the value is never nil");
      diag_end(d);
      return set_ty(e, ty_err(ts));
    }
    /* the default may itself be optional (`a ?? b ?? c`) */
    type *r = types_expr(ts, re, ls->elem);
    if (types_is_error(r))
      return set_ty(e, ty_err(ts));
    if (r == ls->elem)
      return set_ty(e, r);
    if (r == ls || r->kind == TY_NIL)
      return set_ty(e, ls);
    mismatch(ts, re->sp, ls->elem, r, "the default must match the optional");
    return set_ty(e, ty_err(ts));
  }
  /* literal operands take the other side's type */
  type *l, *r;
  bool cmp = op >= OP_EQ && op <= OP_GE;
  type *opw = cmp ? NULL : lit_want(want);
  if (opw && !types_is_numeric(opw))
    opw = NULL;
  if (is_lit(le) && !is_lit(re)) {
    r = types_expr(ts, re, opw);
    l = types_expr(ts, le,
                   types_is_numeric(types_strip(r)) ? types_strip(r) : opw);
  } else if (le->kind == EXPR_NIL) {
    r = types_expr(ts, re, NULL);
    l = types_expr(ts, le, r);
  } else {
    l = types_expr(ts, le, opw);
    type *ls = types_strip(l);
    r = types_expr(ts, re,
                   cmp && ls && (ls->kind == TY_OPT)
                       ? ls
                       : (types_is_numeric(ls) ? ls : opw));
  }
  if (types_is_error(l) || types_is_error(r))
    return set_ty(e, ty_err(ts));
  type *ls = types_strip(l), *rs = types_strip(r);
  switch (op) {
  case OP_ADD:
  case OP_SUB:
    if (ls == rs && (types_is_numeric(ls) || ls->kind == TY_DURATION))
      return set_ty(e, ls);
    if (op == OP_ADD && ls == rs && ls->kind == TY_STR)
      return set_ty(e, ls);
    if (ls->kind == TY_TIME && rs->kind == TY_DURATION)
      return set_ty(e, ls);
    if (op == OP_SUB && ls->kind == TY_TIME && rs->kind == TY_TIME)
      return set_ty(e, types_prim(ts, TY_DURATION));
    break;
  case OP_MUL:
    if (ls == rs && types_is_numeric(ls))
      return set_ty(e, ls);
    if (ls->kind == TY_DURATION && types_is_int(rs))
      return set_ty(e, ls);
    if (types_is_int(ls) && rs->kind == TY_DURATION)
      return set_ty(e, rs);
    break;
  case OP_DIV:
    if (ls == rs && types_is_numeric(ls))
      return set_ty(e, ls);
    if (ls->kind == TY_DURATION && types_is_int(rs))
      return set_ty(e, ls);
    if (ls->kind == TY_DURATION && rs->kind == TY_DURATION)
      return set_ty(e, types_prim(ts, TY_I64)); /* how many times */
    break;
  case OP_MOD:
    if (ls == rs && (types_is_numeric(ls) || ls->kind == TY_DURATION))
      return set_ty(e, ls);
    break;
  case OP_BITAND:
  case OP_BITOR:
  case OP_BITXOR:
    if (ls == rs && (types_is_int(ls) || ls->kind == TY_BOOL))
      return set_ty(e, ls);
    break;
  case OP_SHL:
  case OP_SHR:
    if (types_is_int(ls) && types_is_int(rs))
      return set_ty(e, ls);
    break;
  case OP_EQ:
  case OP_NE:
    if (ls == rs && comparable_eq(ls))
      return set_ty(e, b);
    if (ls->kind == TY_OPT && (rs == ls->elem || rs->kind == TY_NIL))
      return set_ty(e, b);
    if (rs->kind == TY_OPT && (ls == rs->elem || ls->kind == TY_NIL))
      return set_ty(e, b);
    break;
  case OP_LT:
  case OP_LE:
  case OP_GT:
  case OP_GE:
    if (ls == rs && ordered(ls))
      return set_ty(e, b);
    break;
  default: break;
  }
  return op_error(ts, e, op, l, r);
}

static type *cast_expr(types_state *ts, ast_expr *e) {
  type *to = types_of_tyexpr(ts, e->u.cast.to);
  type *from = types_strip(
      types_expr(ts, e->u.cast.expr, types_is_numeric(to) ? to : NULL));
  if (types_is_error(to) || types_is_error(from))
    return set_ty(e, ty_err(ts));
  bool ok = from == to || (types_is_numeric(from) && types_is_numeric(to)) ||
            (from->kind == TY_ENUM && types_is_int(to)) ||
            (from->kind == TY_BOOL && types_is_int(to)) ||
            /* durations as nanoseconds */
            (from->kind == TY_DURATION && types_is_numeric(to)) ||
            (types_is_int(from) && to->kind == TY_DURATION);
  if (!ok) {
    diag *d = diag_error(ts->cx, e->sp, "E0309", "cannot cast `%s` to `%s`",
                         tn(ts, from), tn(ts, to));
    diag_label(d, "invalid cast");
    diag_note_plain(d, "`as` converts between numeric types (and from "
                       "`bool` or an enum to an integer, from a `duration` "
                       "to a number of nanoseconds and back from an integer)");
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  return set_ty(e, to);
}

/* ======================================== collections */

static type *list_expr(types_state *ts, ast_expr *e, type *want) {
  type *w = lit_want(want);
  type *elem = w && w->kind == TY_LIST ? w->elem : NULL;
  ast_list *items = &e->u.list.items;
  if (items->len == 0) {
    if (elem)
      return set_ty(e, w);
    diag *d = diag_error(ts->cx, e->sp, "E0310",
                         "cannot infer the element type of an empty list");
    diag_label(d, "type unknown");
    diag_help(d, "give the variable a type: `let xs: [i64] = [];`");
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  bool bad = false;
  for (uint32_t i = 0; i < items->len; i++) {
    ast_expr *it = AST_AT(*items, i, ast_expr);
    if (!elem) {
      elem = types_expr(ts, it, NULL);
      if (types_is_error(elem))
        bad = true;
      else if (elem->kind == TY_NIL || elem->kind == TY_UNIT) {
        diag *d = diag_error(ts->cx, it->sp, "E0310",
                             "cannot infer the element type of this list");
        diag_label(d, "type unknown");
        diag_end(d);
        return set_ty(e, ty_err(ts));
      }
      continue;
    }
    if (types_is_error(types_expect(ts, it, elem,
                                    "list elements must have "
                                    "one type")))
      bad = true;
  }
  if (bad || types_is_error(elem))
    return set_ty(e, ty_err(ts));
  return set_ty(e, types_wrap(ts, TY_LIST, elem));
}

static type *map_expr(types_state *ts, ast_expr *e, type *want) {
  type *w = lit_want(want);
  type *k = w && w->kind == TY_MAP ? w->key : NULL;
  type *v = w && w->kind == TY_MAP ? w->elem : NULL;
  ast_list *es = &e->u.map.entries;
  if (es->len == 0) {
    if (k)
      return set_ty(e, w);
    diag *d = diag_error(ts->cx, e->sp, "E0310",
                         "cannot infer the key and value types of an empty "
                         "map");
    diag_label(d, "type unknown");
    diag_help(d, "give the variable a type: `let m: {str: i64} = [:];`");
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  bool bad = false;
  for (uint32_t i = 0; i < es->len; i++) {
    ast_map_entry *me = AST_AT(*es, i, ast_map_entry);
    if (!me)
      continue;
    if (!k) {
      k = types_expr(ts, me->key, NULL);
      v = types_expr(ts, me->value, NULL);
      if (types_is_error(k) || types_is_error(v))
        bad = true;
      continue;
    }
    if (types_is_error(types_expect(ts, me->key, k,
                                    "map keys must have one "
                                    "type")))
      bad = true;
    if (types_is_error(types_expect(ts, me->value, v,
                                    "map values must have "
                                    "one type")))
      bad = true;
  }
  if (bad)
    return set_ty(e, ty_err(ts));
  ast_map_entry *first = AST_AT(*es, 0, ast_map_entry);
  if (!types_check_map_key(ts, k, first && first->key ? first->key->sp : e->sp))
    return set_ty(e, ty_err(ts));
  return set_ty(e, types_map(ts, k, v));
}

static type *tuple_expr(types_state *ts, ast_expr *e, type *want) {
  type *w = lit_want(want);
  ast_list *items = &e->u.list.items;
  if (items->len > 64)
    return set_ty(e, ty_err(ts));
  type *ts_items[64];
  for (uint32_t i = 0; i < items->len; i++) {
    type *iw = w && w->kind == TY_TUPLE && i < w->nitems ? w->items[i] : NULL;
    ts_items[i] = types_expr(ts, AST_AT(*items, i, ast_expr), iw);
  }
  return set_ty(e, types_tuple(ts, ts_items, items->len));
}

/* ======================================== actors */

ast_handler *types_find_handler(ast_decl *actor, ast_decl *msg) {
  if (!actor || actor->kind != DECL_ACTOR || !msg)
    return NULL;
  for (uint32_t i = 0; i < actor->u.actor.handlers.len; i++) {
    ast_handler *h = AST_AT(actor->u.actor.handlers, i, ast_handler);
    if (h && h->msg_sym && h->msg_sym->decl == msg)
      return h;
  }
  return NULL;
}

/* Target of send/ask: an actor reference (E0330). */
static ast_decl *actor_target(types_state *ts, ast_expr *target,
                              const char *verb) {
  type *t = types_strip(types_expr(ts, target, NULL));
  if (types_is_error(t))
    return NULL;
  if (t->kind == TY_ACTOR)
    return t->decl;
  diag *d = diag_error(ts->cx, target->sp, "E0330",
                       "cannot %s to a value of type `%s`", verb, tn(ts, t));
  diag_label(d, "expected an actor reference");
  if (t->kind == TY_SUPERVISOR)
    diag_note_plain(d, "a supervisor only starts and restarts its children");
  else if (t->kind == TY_CHAN)
    diag_help(d, "send on a channel with `ch <- value`");
  diag_end(d);
  return NULL;
}

/* The message of send/ask, checked against the target actor's handlers. */
static ast_handler *message_for(types_state *ts, ast_decl *actor,
                                ast_expr *msg) {
  type *mt = types_strip(types_expr(ts, msg, NULL));
  if (types_is_error(mt))
    return NULL;
  if (mt->kind != TY_MESSAGE) {
    diag *d = diag_error(ts->cx, msg->sp, "E0331",
                         "only messages can be sent to actors, found `%s`",
                         tn(ts, mt));
    diag_label(d, "not a message");
    if (mt->kind == TY_STRUCT)
      diag_help(d, "declare `%s` with `message` instead of `struct`",
                tn(ts, mt));
    diag_end(d);
    return NULL;
  }
  if (!actor)
    return NULL;
  ast_handler *h = types_find_handler(actor, mt->decl);
  if (h)
    return h;
  diag *d = diag_error(ts->cx, msg->sp, "E0311",
                       "%s `%s` has no handler for message `%s`",
                       actor->u.actor.is_ring ? "ring actor" : "actor",
                       actor->name.name, tn(ts, mt));
  diag_label(d, "`%s` cannot receive this", actor->name.name);
  char buf[300];
  size_t n = 0;
  buf[0] = 0;
  for (uint32_t i = 0; i < actor->u.actor.handlers.len; i++) {
    ast_handler *hh = AST_AT(actor->u.actor.handlers, i, ast_handler);
    if (!hh || !hh->msg_sym)
      continue;
    if (n + strlen(hh->msg_sym->name) + 8 >= sizeof buf)
      break;
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s`%s`", n ? ", " : "",
                          hh->msg_sym->name);
  }
  diag_note(d, actor->name.sp, "%s `%s` declared here",
            actor->u.actor.is_ring ? "ring actor" : "actor", actor->name.name);
  if (n)
    diag_note_plain(d, "`%s` handles: %s", actor->name.name, buf);
  else
    diag_note_plain(d, "`%s` handles no messages", actor->name.name);
  diag_end(d);
  return NULL;
}

void types_send(types_state *ts, ast_stmt *s) {
  ast_decl *a =
      s->u.send.target ? actor_target(ts, s->u.send.target, "send") : NULL;
  if (s->u.send.msg)
    message_for(ts, a, s->u.send.msg);
}

static type *ask_expr(types_state *ts, ast_expr *e) {
  ast_decl *a =
      e->u.ask.target ? actor_target(ts, e->u.ask.target, "ask") : NULL;
  ast_handler *h = NULL;
  if (e->u.ask.msg)
    h = message_for(ts, a, e->u.ask.msg);
  if (e->u.ask.timeout)
    types_expect(ts, e->u.ask.timeout, types_prim(ts, TY_DURATION),
                 "`timeout` takes a duration");
  if (!h)
    return set_ty(e, ty_err(ts));
  if (!h->reply) {
    diag *d = diag_error(ts->cx, e->u.ask.msg->sp, "E0312",
                         "cannot `ask` `%s` for `%s`: its handler sends no "
                         "reply",
                         a->name.name, h->msg_sym->name);
    diag_label(d, "this message gets no reply");
    diag_note(d, h->sp, "handler declared here without `-> T`");
    diag_help(d, "use `send` instead, or declare a reply type on the "
                 "handler");
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  type *rt = h->reply->ty;
  if (types_is_error(rt))
    return set_ty(e, ty_err(ts));
  return set_ty(e, types_wrap(ts, TY_ASK, rt));
}

static type *spawn_expr(types_state *ts, ast_expr *e) {
  sym *s = e->u.spawn.sym;
  ast_list *args = &e->u.spawn.args;
  if (!s || !s->decl) {
    for (uint32_t i = 0; i < args->len; i++)
      types_expr(ts, AST_AT(*args, i, ast_expr), NULL);
    return set_ty(e, ty_err(ts));
  }
  ast_decl *d = s->decl;
  if (d->kind == DECL_SUPERVISOR) {
    if (args->len)
      arity(ts, e->sp, arena_sprintf(ts->cx->perm, "supervisor `%s`", s->name),
            0, args->len, d->name.sp, true);
    return set_ty(e, types_decl(ts, TY_SUPERVISOR, d));
  }
  types_actor_args(ts, e->sp, args, d, NULL);
  return set_ty(e, types_decl(ts, TY_ACTOR, d));
}

void types_actor_args(types_state *ts, span sp, ast_list *args, ast_decl *actor,
                      const char *what) {
  if (actor->kind == DECL_SUPERVISOR) { /* a nested supervisor child */
    for (uint32_t i = 0; i < args->len; i++)
      types_expr(ts, AST_AT(*args, i, ast_expr), NULL);
    if (args->len)
      arity(ts, sp, arena_sprintf(ts->cx->perm, "supervisor `%s`",
                                  actor->name.name ? actor->name.name : "?"),
            0, args->len, actor->name.sp, true);
    return;
  }
  ast_list *ps = &actor->u.actor.params;
  if (!what && args->len != ps->len)
    what = arena_sprintf(ts->cx->perm, "actor `%s`",
                         actor->name.name ? actor->name.name : "?");
  type *pts[64];
  uint32_t np = ps->len > 64 ? 64 : ps->len;
  for (uint32_t i = 0; i < np; i++) {
    ast_param *p = AST_AT(*ps, i, ast_param);
    pts[i] = p && p->sym ? p->sym->ty : ty_err(ts);
  }
  check_args(ts, sp, args, pts, np, what, actor);
}

/* ======================================== wrappers */

static type *take_expr(types_state *ts, ast_expr *e) {
  ast_expr *o = e->u.wrap.operand;
  if (!o)
    return set_ty(e, ty_err(ts));
  type *t = types_expr(ts, o, NULL);
  if (types_is_error(t))
    return set_ty(e, ty_err(ts));
  sym *s = o->kind == EXPR_FIELD && o->u.field.obj &&
                   o->u.field.obj->kind == EXPR_SELF
               ? o->u.field.sym
               : NULL;
  /* `take(x.f)`: a field of a record the code owns outright, a local
     (let, var or pattern binding) or a handler's message, leaving the
     empty value behind */
  ast_expr *root = o->kind == EXPR_FIELD ? o->u.field.obj : NULL;
  if (!s && root && root->kind == EXPR_NAME && root->u.name.sym) {
    sym *rs = root->u.name.sym;
    type *rt = rs->ty;
    bool owned_binding =
        rs->kind == SYM_LOCAL ||
        (rs->kind == SYM_PARAM && ts->handler &&
         ts->handler->binding_sym == rs);
    if (owned_binding && rt && rt->kind != TY_BORROW && rt->kind != TY_VAL)
      return set_ty(e, t);
  }
  if (!s || s->kind != SYM_STATE) {
    diag *d = diag_error(ts->cx, o->sp, "E0315",
                         "`take` needs an actor state field `self.field`, or "
                         "a field of a local or of the handler's message");
    diag_label(d, "not a state field");
    diag_help(d, "locals and parameters move without `take`: use the value "
                 "directly");
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  if (!s->is_mutable) {
    diag *d =
        diag_error(ts->cx, o->sp, "E0315",
                   "cannot `take` the immutable state field `%s`", s->name);
    diag_label(d, "declared with `let`");
    diag_note(d, s->sp, "`%s` declared here", s->name);
    diag_help(d, "declare it with `var`");
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  return set_ty(e, t);
}

/* ======================================== dispatch */

static type *types_expr_inner(types_state *ts, ast_expr *e, type *want) {
  if (!e)
    return ty_err(ts);
  switch (e->kind) {
  case EXPR_INT: return int_lit(ts, e, want, false);
  case EXPR_FLOAT: return float_lit(ts, e, want);
  case EXPR_STR:
    for (uint32_t i = 0; i < e->u.str.parts.len; i++) {
      ast_str_part *p = AST_AT(e->u.str.parts, i, ast_str_part);
      if (!p || !p->expr)
        continue;
      type *t = types_expr(ts, p->expr, NULL);
      if (!types_is_error(t) && !printable(t)) {
        diag *d =
            diag_error(ts->cx, p->expr->sp, "E0313",
                       "cannot interpolate `%s`: it has no value", tn(ts, t));
        diag_label(d, "no value");
        diag_end(d);
      }
    }
    return set_ty(e, types_prim(ts, TY_STR));
  case EXPR_BOOL: return set_ty(e, types_prim(ts, TY_BOOL));
  case EXPR_NIL:
    if (want && want->kind == TY_OPT)
      return set_ty(e, want);
    if (want && !types_is_error(want)) {
      diag *d = diag_error(ts->cx, e->sp, "E0305",
                           "`nil` is not a value of type `%s`", tn(ts, want));
      diag_label(d, "expected `%s`", tn(ts, want));
      diag_help(d, "only optionals can be nil: declare the type as `%s?`",
                tn(ts, want));
      diag_end(d);
      return set_ty(e, ty_err(ts));
    }
    if (want)
      return set_ty(e, ty_err(ts));
    return set_ty(e, types_prim(ts, TY_NIL));
  case EXPR_DURATION: return set_ty(e, types_prim(ts, TY_DURATION));
  case EXPR_NAME:
  case EXPR_TYPE_NAME: return name_expr(ts, e);
  case EXPR_SELF:
    if (!ts->actor)
      return set_ty(e, ty_err(ts));
    return set_ty(e, types_decl(ts, TY_ACTOR, ts->actor));
  case EXPR_FIELD: return field_expr(ts, e);
  case EXPR_INDEX: return index_expr(ts, e);
  case EXPR_CALL: return call_expr(ts, e, want);
  case EXPR_UNARY: return unary_expr(ts, e, want);
  case EXPR_BINARY: return binary_expr(ts, e, want);
  case EXPR_RANGE: {
    type *w = lit_want(want);
    type *ew = w && w->kind == TY_RANGE ? w->elem : NULL;
    type *l, *r;
    if (is_lit(e->u.range.lo) && e->u.range.hi && !is_lit(e->u.range.hi)) {
      r = types_expr(ts, e->u.range.hi, ew);
      l = types_expr(ts, e->u.range.lo, types_is_int(r) ? r : ew);
    } else {
      l = types_expr(ts, e->u.range.lo, ew);
      r = types_expr(ts, e->u.range.hi, types_is_int(l) ? l : ew);
    }
    if (types_is_error(l) || types_is_error(r))
      return set_ty(e, ty_err(ts));
    if (l != r || !types_is_int(l))
      return op_error(ts, e, OP_NONE, l, r);
    return set_ty(e, types_wrap(ts, TY_RANGE, l));
  }
  case EXPR_CAST: return cast_expr(ts, e);
  case EXPR_RECORD: return record_expr(ts, e);
  case EXPR_LIST: return list_expr(ts, e, want);
  case EXPR_MAP: return map_expr(ts, e, want);
  case EXPR_TUPLE: return tuple_expr(ts, e, want);
  case EXPR_SPAWN: return spawn_expr(ts, e);
  case EXPR_ASK: return ask_expr(ts, e);
  case EXPR_RECV: {
    type *t = types_strip(types_expr(ts, e->u.recv.chan, NULL));
    if (types_is_error(t))
      return set_ty(e, ty_err(ts));
    if (t->kind != TY_CHAN) {
      diag *d =
          diag_error(ts->cx, e->u.recv.chan->sp, "E0332",
                     "cannot receive from `%s`: not a channel", tn(ts, t));
      diag_label(d, "expected `chan<T>`");
      diag_end(d);
      return set_ty(e, ty_err(ts));
    }
    /* nil once the channel is closed and drained */
    return set_ty(e, types_wrap(ts, TY_OPT, t->elem));
  }
  case EXPR_CHAN_NEW: {
    type *el = types_of_tyexpr(ts, e->u.chan_new.elem);
    if (e->u.chan_new.capacity) {
      type *c = types_expr(ts, e->u.chan_new.capacity, NULL);
      if (!types_is_error(c) && !types_is_int(c)) {
        diag *d = diag_error(ts->cx, e->u.chan_new.capacity->sp, "E0301",
                             "mismatched types: expected an integer channel "
                             "capacity, found `%s`",
                             tn(ts, c));
        diag_label(d, "capacity must be an integer");
        diag_end(d);
      }
    }
    return set_ty(e, types_wrap(ts, TY_CHAN, el));
  }
  case EXPR_FREEZE: {
    /* the expected `val T` (or `T`) types the operand: `freeze([])` */
    type *w = want;
    for (int g = 0; g < 4 && w && (w->kind == TY_VAL || w->kind == TY_BORROW);
         g++)
      w = w->elem;
    type *t = types_expr(ts, e->u.wrap.operand, w);
    if (types_is_error(t))
      return set_ty(e, ty_err(ts));
    if (t->kind == TY_VAL || !types_is_owned(t))
      return set_ty(e, t);
    return set_ty(e, types_wrap(ts, TY_VAL, t));
  }
  case EXPR_COPY: {
    type *w = want;
    for (int g = 0; g < 4 && w && (w->kind == TY_VAL || w->kind == TY_BORROW);
         g++)
      w = w->elem;
    type *t = types_strip(types_expr(ts, e->u.wrap.operand, w));
    return set_ty(e, t ? t : ty_err(ts));
  }
  case EXPR_TAKE: return take_expr(ts, e);
  case EXPR_BORROW: {
    types_expr(ts, e->u.wrap.operand, NULL);
    diag *d = diag_error(ts->cx, e->sp, "E0320",
                         "`&` borrows are only allowed as arguments for `&T` "
                         "parameters");
    diag_label(d, "borrow outside a call argument");
    diag_help(d, "use the value itself, or `copy(...)` for a copy");
    diag_end(d);
    return set_ty(e, ty_err(ts));
  }
  case EXPR_MATCH: return types_match(ts, e, want);
  default: return set_ty(e, ty_err(ts));
  }
}

type *types_expr(types_state *ts, ast_expr *e, type *want) {
  if (!e)
    return ty_err(ts);
  if (ts->depth >= TYPES_MAX_NESTING)
    return set_ty(e, ty_err(ts));
  ts->depth++;
  type *t = types_expr_inner(ts, e, want);
  ts->depth--;
  return t;
}
