/* types_stmt.c — type check phase, part 3: statements, `for` iteration,
 * `select`, and `match` (pattern typing, exhaustiveness over enums,
 * optionals, ask results and bool; unreachable arms; arm type agreement).
 */
#include <string.h>

#include "types_impl.h"

static type *ty_err(types_state *ts) {
  return types_prim(ts, TY_ERROR);
}

static const char *tn(types_state *ts, const type *t) {
  return types_name(ts->cx, t);
}

static void set_sym_ty(sym *s, type *t) {
  if (s)
    s->ty = t;
}

/* ======================================== divergence */

static bool expr_diverges(const ast_expr *e) {
  if (!e)
    return false;
  if (e->kind == EXPR_CALL && e->u.call.builtin == BI_EXIT)
    return true;
  if (e->kind == EXPR_MATCH) {
    if (e->u.match.arms.len == 0)
      return false;
    for (uint32_t i = 0; i < e->u.match.arms.len; i++) {
      const ast_match_arm *a = AST_AT(e->u.match.arms, i, ast_match_arm);
      if (!a)
        return false;
      if (a->block ? !types_stmt_diverges(a->block) : !expr_diverges(a->expr))
        return false;
    }
    return true;
  }
  return false;
}

static bool has_break(const ast_stmt *s, int depth) {
  if (!s || depth > 200)
    return false;
  switch (s->kind) {
  case STMT_BREAK: return true;
  case STMT_BLOCK:
    for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
      if (has_break(AST_AT(s->u.block.stmts, i, ast_stmt), depth + 1))
        return true;
    return false;
  case STMT_IF:
    return has_break(s->u.if_.then_, depth + 1) ||
           has_break(s->u.if_.else_, depth + 1);
  case STMT_SELECT:
    for (uint32_t i = 0; i < s->u.select.arms.len; i++) {
      const ast_select_arm *a = AST_AT(s->u.select.arms, i, ast_select_arm);
      if (a && has_break(a->body, depth + 1))
        return true;
    }
    return false;
  case STMT_SEND: return has_break(s->u.send.else_, depth + 1);
  default: /* nested loops own their breaks */ return false;
  }
}

bool types_stmt_diverges(const ast_stmt *s) {
  if (!s)
    return false;
  switch (s->kind) {
  case STMT_RETURN:
  case STMT_FAIL: return true;
  case STMT_EXPR: return expr_diverges(s->u.expr.expr);
  case STMT_BLOCK:
    for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
      if (types_stmt_diverges(AST_AT(s->u.block.stmts, i, ast_stmt)))
        return true;
    return false;
  case STMT_IF:
    return s->u.if_.else_ && types_stmt_diverges(s->u.if_.then_) &&
           types_stmt_diverges(s->u.if_.else_);
  case STMT_WHILE: /* `while true` without `break` never ends */
    return s->u.while_.cond && s->u.while_.cond->kind == EXPR_BOOL &&
           s->u.while_.cond->u.bool_.value && !has_break(s->u.while_.body, 0);
  case STMT_SELECT:
    if (s->u.select.arms.len == 0)
      return false;
    for (uint32_t i = 0; i < s->u.select.arms.len; i++) {
      const ast_select_arm *a = AST_AT(s->u.select.arms, i, ast_select_arm);
      if (!a || !types_stmt_diverges(a->body))
        return false;
    }
    return true;
  default: return false;
  }
}

/* ======================================== match */

typedef enum { SC_OTHER, SC_ENUM, SC_OPT, SC_ASK, SC_BOOL } scrut_class;

/* A unreachable-arm diagnostic (E0323). */
static void unreachable_arm(types_state *ts, const ast_match_arm *a,
                            const char *why, span first, bool has_first) {
  diag *d = diag_error(ts->cx, a->pat ? a->pat->sp : a->sp, "E0323",
                       "unreachable match arm");
  diag_label(d, "%s", why);
  if (has_first)
    diag_note(d, first, "already matched here");
  diag_end(d);
}

static sym *variant_sym(types_state *ts, ast_decl *en, const char *name) {
  for (uint32_t i = 0; en && i < en->u.enum_.variants.len; i++) {
    ast_ident *v = AST_AT(en->u.enum_.variants, i, ast_ident);
    if (v && v->name == name) {
      sym *s = ARENA_NEW(ts->cx->perm, sym);
      s->kind = SYM_VARIANT;
      s->name = name;
      s->sp = v->sp;
      s->decl = en;
      s->index = (int)i;
      return s;
    }
  }
  return NULL;
}

/* Type a pattern against the scrutinee type `t` (already stripped). */
static bool pat_check(types_state *ts, ast_pat *p, type *t, scrut_class sc) {
  if (!p)
    return false;
  p->ty = t;
  switch (p->kind) {
  case PAT_WILD: return true;
  case PAT_BIND: set_sym_ty(p->sym, t); return true;
  case PAT_NIL:
    if (sc == SC_OPT || types_is_error(t))
      return true;
    break;
  case PAT_LIT: {
    if (types_is_error(t)) {
      types_expr(ts, p->lit, NULL);
      return true;
    }
    type *lt = types_expr(ts, p->lit, t);
    if (types_is_error(lt))
      return true;
    if (lt == t)
      return true;
    break;
  }
  case PAT_VARIANT: {
    if (types_is_error(t))
      return true;
    if (sc != SC_ENUM)
      break;
    if (p->sym && p->sym->decl != t->decl) {
      if (p->qual.name)
        break; /* Other.Red against Color */
      p->sym = variant_sym(ts, t->decl, p->name.name);
      if (!p->sym) {
        diag *d =
            diag_error(ts->cx, p->sp, "E0321", "enum `%s` has no variant `%s`",
                       tn(ts, t), p->name.name);
        diag_label(d, "not a variant of `%s`", tn(ts, t));
        diag_note(d, t->decl->name.sp, "`%s` declared here", tn(ts, t));
        diag_end(d);
        return false;
      }
    }
    return p->sym != NULL;
  }
  case PAT_CTOR: {
    const char *n = p->name.name ? p->name.name : "";
    if (types_is_error(t)) {
      if (p->sub)
        pat_check(ts, p->sub, t, SC_OTHER);
      return true;
    }
    if (sc == SC_OPT && !strcmp(n, "some")) {
      if (p->sub)
        pat_check(ts, p->sub, t->elem, SC_OTHER);
      return true;
    }
    if (sc == SC_ASK && !strcmp(n, "ok")) {
      if (p->sub)
        pat_check(ts, p->sub, t->elem, SC_OTHER);
      return true;
    }
    if (sc == SC_ASK && !strcmp(n, "failed")) {
      if (p->sub)
        pat_check(ts, p->sub, types_prim(ts, TY_STR), SC_OTHER);
      return true;
    }
    if (sc == SC_ASK && !strcmp(n, "timeout")) {
      if (p->sub) {
        diag *d = diag_error(ts->cx, p->sub->sp, "E0321",
                             "`timeout` carries no value");
        diag_label(d, "remove this pattern");
        diag_end(d);
        return false;
      }
      return true;
    }
    break;
  }
  default: break;
  }
  diag *d =
      diag_error(ts->cx, p->sp, "E0321",
                 "this pattern cannot match a value of type `%s`", tn(ts, t));
  diag_label(d, "pattern does not fit `%s`", tn(ts, t));
  if (sc == SC_OPT)
    diag_help(d, "optionals match `some(x)` and `nil`");
  else if (sc == SC_ASK)
    diag_help(d, "ask results match `ok(r)`, `failed(e)` and `timeout`");
  diag_end(d);
  if (p->sub)
    pat_check(ts, p->sub, ty_err(ts), SC_OTHER);
  return false;
}

/* Is `p` a catch-all (binds or ignores every value)? */
static bool pat_all(const ast_pat *p) {
  return p && (p->kind == PAT_WILD || p->kind == PAT_BIND);
}

/* Coverage key of a pattern: which "constructor" it covers fully. */
static int pat_key(const ast_pat *p, scrut_class sc) {
  if (!p)
    return -1;
  if (sc == SC_ENUM && p->kind == PAT_VARIANT && p->sym)
    return p->sym->index;
  if (sc == SC_OPT) {
    if (p->kind == PAT_NIL)
      return 0;
    if (p->kind == PAT_CTOR && (!p->sub || pat_all(p->sub)))
      return 1;
  }
  if (sc == SC_ASK && p->kind == PAT_CTOR && p->name.name) {
    bool full = !p->sub || pat_all(p->sub);
    if (!strcmp(p->name.name, "ok") && full)
      return 0;
    if (!strcmp(p->name.name, "failed") && full)
      return 1;
    if (!strcmp(p->name.name, "timeout"))
      return 2;
  }
  if (sc == SC_BOOL && p->kind == PAT_LIT && p->lit &&
      p->lit->kind == EXPR_BOOL)
    return p->lit->u.bool_.value ? 1 : 0;
  return -1;
}

/* Are two literal patterns the same value (ints, bools, plain strings)? */
static bool same_literal(const ast_expr *a, const ast_expr *b) {
  if (!a || !b || a->kind != b->kind)
    return false;
  switch (a->kind) {
  case EXPR_INT: return a->u.int_.value == b->u.int_.value;
  case EXPR_BOOL: return a->u.bool_.value == b->u.bool_.value;
  case EXPR_UNARY:
    return a->u.unary.op == b->u.unary.op &&
           same_literal(a->u.unary.operand, b->u.unary.operand);
  case EXPR_STR: {
    if (a->u.str.parts.len != 1 || b->u.str.parts.len != 1)
      return false;
    const ast_str_part *pa = AST_AT(a->u.str.parts, 0, ast_str_part);
    const ast_str_part *pb = AST_AT(b->u.str.parts, 0, ast_str_part);
    return pa && pb && pa->text && pb->text && pa->len == pb->len &&
           memcmp(pa->text, pb->text, pa->len) == 0;
  }
  default: return false;
  }
}

/* An earlier unguarded arm of `m` with the same literal as arm `i`. */
static const ast_pat *same_literal_arm(const ast_expr *m, uint32_t i) {
  const ast_match_arm *a = AST_AT(m->u.match.arms, i, ast_match_arm);
  for (uint32_t j = 0; j < i; j++) {
    const ast_match_arm *b = AST_AT(m->u.match.arms, j, ast_match_arm);
    if (b && b->pat && !b->guard && b->pat->kind == PAT_LIT &&
        same_literal(a->pat->lit, b->pat->lit))
      return b->pat;
  }
  return NULL;
}

/* The `ask` a match scrutinee comes from: the expression itself or the
 * initialiser of a `let` local; NULL when unknown (a timeout is assumed). */
static const ast_expr *ask_origin(const ast_expr *scr) {
  if (!scr)
    return NULL;
  if (scr->kind == EXPR_ASK)
    return scr;
  const sym *s = scr->kind == EXPR_NAME ? scr->u.name.sym : NULL;
  if (s && s->kind == SYM_LOCAL && !s->is_mutable && s->let &&
      s->let->kind == STMT_LET && s->let->u.let.init &&
      s->let->u.let.init->kind == EXPR_ASK)
    return s->let->u.let.init;
  return NULL;
}

type *types_match(types_state *ts, ast_expr *e, type *want) {
  ast_expr *scr = e->u.match.scrutinee;
  type *st0 = types_expr(ts, scr, NULL);
  type *st = types_strip(st0);
  bool err = types_is_error(st);
  scrut_class sc = SC_OTHER;
  uint32_t ncases = 0;
  if (!err) {
    if (st->kind == TY_ENUM) {
      sc = SC_ENUM;
      ncases = st->decl ? st->decl->u.enum_.variants.len : 0;
    } else if (st->kind == TY_OPT) {
      sc = SC_OPT;
      ncases = 2;
    } else if (st->kind == TY_ASK) {
      sc = SC_ASK;
      ncases = 3;
    } else if (st->kind == TY_BOOL) {
      sc = SC_BOOL;
      ncases = 2;
    } else if (st->kind == TY_UNIT) {
      diag *d = diag_error(ts->cx, scr->sp, "E0313",
                           "cannot match on an expression with no value");
      diag_label(d, "this has type `()`");
      diag_end(d);
      err = true;
    }
  }
  /* an ask without `timeout` waits forever: no timeout arm needed */
  const ast_expr *origin = ask_origin(scr);
  bool ask_timeout = (!origin || origin->u.ask.timeout) &&
                     !types_wire_never_times_out(scr);
  bool stmt_ctx = ts->stmt_expr == e;
  ts->stmt_expr = NULL;
  enum { MAXC = 256 };
  bool covered[MAXC];
  span cov_sp[MAXC];
  memset(covered, 0, sizeof covered);
  bool all = false;
  span all_sp = e->sp;
  type *result = want && !stmt_ctx ? want : NULL;
  span first_sp = e->sp;
  bool first_from_want = result != NULL;
  bool bad_arms = false;
  bool pat_failed = false; /* no exhaustiveness report after a bad pattern */
  for (uint32_t i = 0; i < e->u.match.arms.len; i++) {
    ast_match_arm *a = AST_AT(e->u.match.arms, i, ast_match_arm);
    if (!a)
      continue;
    bool ok = pat_check(ts, a->pat, err ? ty_err(ts) : st, sc);
    if (!ok && a->pat)
      pat_failed = true;
    if (a->guard)
      types_expect(ts, a->guard, types_prim(ts, TY_BOOL), "guards are `bool`");
    if (!err && ok && a->pat) {
      int k = pat_key(a->pat, sc);
      if (all) {
        unreachable_arm(ts, a, "a previous arm matches every value", all_sp,
                        true);
      } else if (k >= 0 && (uint32_t)k < MAXC && k < (int)ncases &&
                 covered[k]) {
        unreachable_arm(ts, a, "this case is already covered", cov_sp[k], true);
      } else if (sc == SC_OTHER && a->pat->kind == PAT_LIT) {
        const ast_pat *prev = same_literal_arm(e, i);
        if (prev)
          unreachable_arm(ts, a, "this value is already matched", prev->sp,
                          true);
      }
      if (!a->guard) {
        if (pat_all(a->pat) && !all) {
          all = true;
          all_sp = a->pat->sp;
        } else if (k >= 0 && (uint32_t)k < MAXC && !covered[k]) {
          covered[k] = true;
          cov_sp[k] = a->pat->sp;
        }
      }
    }
    /* arm body */
    if (a->block) {
      types_block(ts, a->block);
      if (!stmt_ctx && result && result->kind != TY_UNIT &&
          !types_is_error(result) && !types_stmt_diverges(a->block)) {
        diag *d = diag_error(ts->cx, a->block->sp, "E0324",
                             "match arm has no value, but the match is used "
                             "as `%s`",
                             tn(ts, result));
        diag_label(d, "this block produces no value");
        diag_help(d, "use an expression arm: `pattern => value,`");
        diag_end(d);
        bad_arms = true;
      }
      continue;
    }
    if (!a->expr)
      continue;
    if (stmt_ctx) {
      types_expr(ts, a->expr, NULL);
      continue;
    }
    if (!result) {
      result = types_expr(ts, a->expr, NULL);
      first_sp = a->expr->sp;
      if (result && result->kind == TY_NIL)
        result = NULL;
      continue;
    }
    type *t = types_expr(ts, a->expr, result);
    if (types_is_error(t) || types_is_error(result))
      continue;
    if (!types_assignable(result, t) && !expr_diverges(a->expr)) {
      diag *d = diag_error(ts->cx, a->expr->sp, "E0324",
                           "match arms have different types: expected `%s`, "
                           "found `%s`",
                           tn(ts, result), tn(ts, t));
      diag_label(d, "this arm is `%s`", tn(ts, t));
      if (!first_from_want)
        diag_note(d, first_sp, "the first arm is `%s`", tn(ts, result));
      diag_end(d);
      bad_arms = true;
    }
  }
  /* exhaustiveness */
  if (!err && !all && !pat_failed) {
    char buf[300];
    size_t n = 0;
    int nmiss = 0;
    buf[0] = 0;
    const char *first_missing = NULL;
    if (sc == SC_OTHER) {
      diag *d = diag_error(ts->cx, scr ? scr->sp : e->sp, "E0322",
                           "non-exhaustive match on `%s`", tn(ts, st));
      diag_label(d, "values of `%s` are not all covered", tn(ts, st));
      diag_help(d, "add a catch-all arm: `_ => ...`");
      diag_end(d);
    } else {
      for (uint32_t k = 0; k < ncases && k < MAXC; k++) {
        if (covered[k])
          continue;
        const char *nm = "?";
        if (sc == SC_ENUM) {
          ast_ident *v = AST_AT(st->decl->u.enum_.variants, k, ast_ident);
          nm = v && v->name ? v->name : "?";
        } else if (sc == SC_OPT) {
          nm = k == 0 ? "nil" : "some(_)";
        } else if (sc == SC_ASK) {
          if (k == 2 && !ask_timeout)
            continue;
          nm = k == 0 ? "ok(_)" : k == 1 ? "failed(_)" : "timeout";
        } else {
          nm = k ? "true" : "false";
        }
        if (!first_missing)
          first_missing = nm;
        nmiss++;
        if (n + strlen(nm) + 8 < sizeof buf)
          n += (size_t)snprintf(buf + n, sizeof buf - n, "%s`%s`",
                                n ? ", " : "", nm);
      }
      if (nmiss) {
        diag *d = diag_error(ts->cx, scr ? scr->sp : e->sp, "E0322",
                             "non-exhaustive match on `%s`: %s not covered",
                             tn(ts, st), buf);
        diag_label(d, "missing %s", nmiss == 1 ? "case" : "cases");
        if (sc == SC_ENUM && st->decl)
          diag_note(d, st->decl->name.sp, "enum `%s` declared here",
                    tn(ts, st));
        diag_help(d, "add %s for %s, or a catch-all `_ => ...`",
                  nmiss == 1 ? "an arm" : "arms", buf);
        diag_end(d);
      }
    }
  }
  if (stmt_ctx) {
    e->ty = types_prim(ts, TY_UNIT);
    return e->ty;
  }
  if (bad_arms || (result && types_is_error(result))) {
    e->ty = ty_err(ts);
    return e->ty;
  }
  e->ty = result ? result : types_prim(ts, TY_UNIT);
  return e->ty;
}

/* ======================================== statements */

void types_block(types_state *ts, ast_stmt *s) {
  if (!s)
    return;
  if (s->kind != STMT_BLOCK) {
    types_stmt(ts, s);
    return;
  }
  for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
    types_stmt(ts, AST_AT(s->u.block.stmts, i, ast_stmt));
}

static void let_stmt(types_state *ts, ast_stmt *s) {
  type *decl_t = s->u.let.type ? types_of_tyexpr(ts, s->u.let.type) : NULL;
  if (decl_t && decl_t->kind == TY_BORROW) {
    diag *d = diag_error(ts->cx, s->u.let.type->sp, "E0320",
                         "borrow types `&T` are only allowed on function "
                         "parameters");
    diag_label(d, "not a parameter");
    diag_end(d);
    decl_t = ty_err(ts);
  }
  type *t = decl_t;
  if (s->u.let.init) {
    if (decl_t) {
      types_expect(ts, s->u.let.init, decl_t, NULL);
    } else {
      t = types_expr(ts, s->u.let.init, NULL);
      if (t && t->kind == TY_NIL) {
        diag *d = diag_error(ts->cx, s->u.let.init->sp, "E0305",
                             "cannot infer the type of `nil`");
        diag_label(d, "type unknown");
        diag_help(d,
                  "give the variable an optional type: `let %s: T? = "
                  "nil;`",
                  s->u.let.name.name ? s->u.let.name.name : "x");
        diag_end(d);
        t = ty_err(ts);
      } else if (t && t->kind == TY_UNIT) {
        diag *d = diag_error(ts->cx, s->u.let.init->sp, "E0313",
                             "this expression has no value");
        diag_label(d, "has type `()`");
        diag_end(d);
        t = ty_err(ts);
      }
    }
  } else if (!decl_t) {
    t = ty_err(ts); /* the parser reports a let with neither */
  }
  set_sym_ty(s->u.let.sym, t ? t : ty_err(ts));
}

/* The type of an assignable place (also checks it is a place). */
static void assign_stmt(types_state *ts, ast_stmt *s) {
  type *lt = types_expr(ts, s->u.assign.lhs, NULL);
  ast_op op = s->u.assign.op;
  if (types_is_error(lt)) {
    types_expr(ts, s->u.assign.rhs, NULL);
    return;
  }
  ast_expr *l = s->u.assign.lhs;
  if (l && l->kind != EXPR_NAME && l->kind != EXPR_FIELD &&
      l->kind != EXPR_INDEX) {
    types_expr(ts, s->u.assign.rhs, NULL);
    diag *d =
        diag_error(ts->cx, l->sp, "E0301", "cannot assign to this expression");
    diag_label(d, "not a variable, field or element");
    diag_end(d);
    return;
  }
  if (op == OP_NONE) {
    types_expect(ts, s->u.assign.rhs, lt, NULL);
    return;
  }
  type *want = lt;
  if (lt->kind == TY_DURATION && (op == OP_MUL || op == OP_DIV))
    want = types_prim(ts, TY_I64);
  type *rt = types_expr(ts, s->u.assign.rhs, want);
  if (types_is_error(rt))
    return;
  bool ok = false;
  if (types_is_numeric(lt) && rt == lt)
    ok = true;
  if (lt->kind == TY_STR && rt == lt && op == OP_ADD)
    ok = true;
  if (lt->kind == TY_DURATION &&
      (((op == OP_ADD || op == OP_SUB) && rt == lt) ||
       ((op == OP_MUL || op == OP_DIV) && types_is_int(rt))))
    ok = true;
  if (lt->kind == TY_TIME && (op == OP_ADD || op == OP_SUB) &&
      rt->kind == TY_DURATION)
    ok = true;
  if (!ok) {
    static const char *const ops[] = {
        "=", "", "", "", "+=", "-=", "*=", "/=", "%="};
    diag *d =
        diag_error(ts->cx, s->sp, "E0329", "cannot apply `%s` to `%s` and `%s`",
                   op <= OP_MOD ? ops[op] : "?", tn(ts, lt), tn(ts, rt));
    diag_label(d, "unsupported operand types");
    if (types_is_numeric(lt) && types_is_numeric(rt))
      diag_help(d, "convert explicitly: `... as %s`", tn(ts, lt));
    diag_end(d);
  }
}

static void if_stmt(types_state *ts, ast_stmt *s) {
  if (s->u.if_.let_name.name) {
    type *t = types_strip(types_expr(ts, s->u.if_.cond, NULL));
    type *bt = ty_err(ts);
    if (!types_is_error(t)) {
      if (t->kind == TY_OPT) {
        bt = t->elem;
      } else {
        diag *d =
            diag_error(ts->cx, s->u.if_.cond->sp, "E0304",
                       "`if let` needs an optional, found `%s`", tn(ts, t));
        diag_label(d, "not an optional");
        diag_help(d, "use `let %s = ...;` and a plain `if`",
                  s->u.if_.let_name.name);
        diag_end(d);
      }
    }
    set_sym_ty(s->u.if_.let_sym, bt);
  } else {
    types_expect(ts, s->u.if_.cond, types_prim(ts, TY_BOOL),
                 "conditions are `bool`");
  }
  types_block(ts, s->u.if_.then_);
  types_block(ts, s->u.if_.else_);
}

static void for_stmt(types_state *ts, ast_stmt *s) {
  type *it0 = types_expr(ts, s->u.for_.iter, NULL);
  type *it = types_strip(it0);
  type *first = ty_err(ts), *second = NULL;
  bool two = s->u.for_.second.name != NULL;
  if (!types_is_error(it)) {
    bool ok = true;
    switch (it->kind) {
    case TY_RANGE:
      first = it->elem;
      ok = !two;
      break;
    case TY_LIST:
    case TY_BUF:
      if (two) {
        first = types_prim(ts, TY_I64);
        second = it->elem;
      } else {
        first = it->elem;
      }
      break;
    case TY_MAP:
      first = it->key;
      second = it->elem;
      break;
    case TY_CHAN:
      first = it->elem;
      ok = !two;
      break;
    default: ok = false; break;
    }
    if (it0->kind == TY_VAL) {
      first = types_wrap(ts, TY_VAL, first);
      if (second)
        second = types_wrap(ts, TY_VAL, second);
    }
    if (!ok) {
      diag *d;
      if (two && (it->kind == TY_RANGE || it->kind == TY_CHAN)) {
        d = diag_error(ts->cx, s->u.for_.second.sp, "E0316",
                       "iterating over `%s` gives one value per step",
                       tn(ts, it0));
        diag_label(d, "remove this second variable");
      } else {
        d = diag_error(ts->cx, s->u.for_.iter->sp, "E0316",
                       "cannot iterate over a value of type `%s`", tn(ts, it0));
        diag_label(d, "not a range, list, map, buffer or channel");
      }
      diag_end(d);
      first = ty_err(ts);
      second = NULL;
    }
  }
  set_sym_ty(s->u.for_.first_sym, first);
  set_sym_ty(s->u.for_.second_sym, second ? second : ty_err(ts));
  ts->loop_depth++;
  types_block(ts, s->u.for_.body);
  ts->loop_depth--;
}

static void return_stmt(types_state *ts, ast_stmt *s) {
  type *rt = ts->ret ? ts->ret : types_prim(ts, TY_UNIT);
  ast_expr *v = s->u.ret.value;
  if (rt->kind == TY_UNIT) {
    if (v) {
      type *t = types_expr(ts, v, NULL);
      if (!types_is_error(t)) {
        diag *d = diag_error(ts->cx, v->sp, "E0317",
                             "cannot return a value here: %s returns "
                             "nothing",
                             ts->handler ? "a handler" : "this function");
        diag_label(d, "unexpected value");
        if (ts->handler && ts->handler->reply)
          diag_help(d, "send the answer with `reply ...;`");
        diag_end(d);
      }
    }
    return;
  }
  if (!v) {
    diag *d = diag_error(ts->cx, s->sp, "E0317",
                         "`return` needs a value of type `%s`", tn(ts, rt));
    diag_label(d, "missing value");
    diag_end(d);
    return;
  }
  types_expect(ts, v, rt, "return type of the function");
}

static void select_stmt(types_state *ts, ast_stmt *s) {
  for (uint32_t i = 0; i < s->u.select.arms.len; i++) {
    ast_select_arm *a = AST_AT(s->u.select.arms, i, ast_select_arm);
    if (!a)
      continue;
    switch (a->kind) {
    case SEL_RECV:
    case SEL_SEND: {
      type *ct = types_strip(types_expr(ts, a->chan, NULL));
      type *elem = ty_err(ts);
      if (!types_is_error(ct)) {
        if (ct->kind == TY_CHAN) {
          elem = ct->elem;
        } else {
          diag *d =
              diag_error(ts->cx, a->chan->sp, "E0332",
                         "select arm needs a channel, found `%s`", tn(ts, ct));
          diag_label(d, "not a channel");
          diag_end(d);
        }
      }
      if (a->kind == SEL_SEND)
        types_expect(ts, a->value, elem, "channel element type");
      else
        set_sym_ty(a->sym, types_wrap(ts, TY_OPT, elem));
      break;
    }
    case SEL_AFTER:
      types_expect(ts, a->value, types_prim(ts, TY_DURATION),
                   "`after` takes a duration");
      break;
    case SEL_DEFAULT: break;
    }
    types_block(ts, a->body);
  }
}

static void types_stmt_inner(types_state *ts, ast_stmt *s) {
  if (!s)
    return;
  switch (s->kind) {
  case STMT_LET: let_stmt(ts, s); return;
  case STMT_ASSIGN: assign_stmt(ts, s); return;
  case STMT_EXPR:
    if (s->u.expr.expr && s->u.expr.expr->kind == EXPR_MATCH)
      ts->stmt_expr = s->u.expr.expr;
    types_expr(ts, s->u.expr.expr, NULL);
    ts->stmt_expr = NULL;
    return;
  case STMT_BLOCK: types_block(ts, s); return;
  case STMT_IF: if_stmt(ts, s); return;
  case STMT_WHILE:
    types_expect(ts, s->u.while_.cond, types_prim(ts, TY_BOOL),
                 "conditions are `bool`");
    ts->loop_depth++;
    types_block(ts, s->u.while_.body);
    ts->loop_depth--;
    return;
  case STMT_FOR: for_stmt(ts, s); return;
  case STMT_RETURN: return_stmt(ts, s); return;
  case STMT_SEND:
    types_send(ts, s);
    types_block(ts, s->u.send.else_);
    return;
  case STMT_CHAN_SEND: {
    type *ct = types_strip(types_expr(ts, s->u.chan_send.chan, NULL));
    if (types_is_error(ct)) {
      types_expr(ts, s->u.chan_send.value, NULL);
      return;
    }
    if (ct->kind != TY_CHAN) {
      types_expr(ts, s->u.chan_send.value, NULL);
      diag *d = diag_error(ts->cx, s->u.chan_send.chan->sp, "E0332",
                           "cannot send on `%s`: not a channel", tn(ts, ct));
      diag_label(d, "expected `chan<T>`");
      if (ct->kind == TY_ACTOR)
        diag_help(d, "send a message to an actor with `send target, msg;`");
      diag_end(d);
      return;
    }
    types_expect(ts, s->u.chan_send.value, ct->elem, "channel element type");
    return;
  }
  case STMT_REPLY: {
    ast_handler *h = ts->handler;
    type *rt = h && h->reply ? h->reply->ty : NULL;
    if (!rt) {
      types_expr(ts, s->u.reply.value, NULL);
      return;
    }
    type *t = types_expr(ts, s->u.reply.value, rt);
    if (!types_is_error(t) && !types_assignable(rt, t)) {
      diag *d = diag_error(ts->cx, s->u.reply.value->sp, "E0314",
                           "mismatched reply type: expected `%s`, found `%s`",
                           tn(ts, rt), tn(ts, t));
      diag_label(d, "this handler replies with `%s`", tn(ts, rt));
      diag_note(d, h->reply->sp, "reply type declared here");
      diag_end(d);
    }
    return;
  }
  case STMT_SELECT: select_stmt(ts, s); return;
  case STMT_FAIL:
    types_expect(ts, s->u.fail.message, types_prim(ts, TY_STR),
                 "`fail` takes a reason string");
    return;
  default: /* break, continue */ return;
  }
}

void types_stmt(types_state *ts, ast_stmt *s) {
  if (!s || ts->depth >= TYPES_MAX_NESTING)
    return;
  ts->depth++;
  types_stmt_inner(ts, s);
  ts->depth--;
}
