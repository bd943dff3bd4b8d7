/* emit_c_stmt.c — phase 7a: statements and bodies.  Every local is a
 * frame field (`F->x`), so no C local lives across a suspension point and a
 * suspending body is a `switch (F->ag_state)` with a `case N:` after each
 * suspension (docs/backend.md "Suspension").  Suspension points and `match`
 * expressions are hoisted to statement level before the statement that
 * uses them (ec_hoist_expr).  Mechanism only (decisions: lower.c).
 */
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "emit_c.h"

static void st(ec *E, ast_stmt *s);

/* `F->ag_st = start;` and, when it must wait, a suspension whose resume
 * finishes the op: afterwards F->ag_st / ag_idx / ag_slot hold the result. */
static void ec_chan_wait(ec *E, const char *start) {
  uint32_t n = ++E->susp;
  ec_line(E, "F->ag_st = %s;", start);
  ec_line(E, "if (F->ag_st == AR_AGAIN) {");
  ec_line(E, "  F->ag_state = %u;", n);
  ec_line(E, "  return false;");
  ec_line(E, "}");
  ec_line(E, "if (0) {");
  ec_line(E, "case %u:", n);
  ec_line(E, "  F->ag_st = ar_chan_op_end(F->ag_op, &F->ag_idx, &F->ag_slot);");
  ec_line(E, "  F->ag_op = NULL;");
  ec_line(E, "}");
}


/* ------------------------------------------------------------ suspension */

static bool ec_can_suspend_body(ec *E) { return E->body->can_suspend; }

const char *ec_self_actor(ec *E) {
  return E->body->kind == IR_FN ? "ag_self" : "&self->ag_base";
}

/* Emits `F->ag_state = N; <start>; return false; case N:;`. */
static void ec_suspend(ec *E, const char *start) {
  uint32_t n = ++E->susp;
  ec_line(E, "F->ag_state = %u;", n);
  ec_line(E, "%s;", start);
  ec_line(E, "return false;");
  E->ind--;
  ec_line(E, "case %u:;", n);
  E->ind++;
}

static void ec_hoist_expr(ec *E, ast_expr *e);

static void ec_hoist_list(ec *E, ast_list *l) {
  for (uint32_t i = 0; i < l->len; i++)
    ec_hoist_expr(E, l->items[i]);
}

static void ec_match(ec *E, ast_expr *e, const char *result);
static void ec_hoist_short(ec *E, ast_expr *e);

/* A call of a suspending fn: its frame is allocated here and the callee's
 * state machine is re-entered from this body's `case N` until it finishes
 * (the resume event is passed down). */
static void ec_hoist_call(ec *E, ast_expr *e) {
  ast_decl *fn = e->u.call.callee->u.name.sym->decl;
  ir_body *cb = lower_fn_body(E->ir, fn);
  const char *ct = ec_temp_new(E, NULL, ec_printf(E, "%s *", cb->frame), false);
  ((ec_temp *)E->temps.items[E->temps.len - 1])->child = cb;
  ec_line(E, "%s = calloc(1, sizeof *%s);", ct, ct);
  for (uint32_t i = 0; i < e->u.call.args.len && i < fn->u.fn.params.len; i++) {
    ast_param *p = fn->u.fn.params.items[i];
    ast_expr *a = e->u.call.args.items[i];
    ir_local *l = lower_local(E->ir, p->sym);
    bool borrow = (p->type && p->type->kind == TE_BORROW) ||
                  a->kind == EXPR_BORROW;
    const char *v = ex(E, a, borrow ? EX_BORROW : EX_OWN, p->sym->ty);
    if (l)
      ec_line(E, "%s->%s = %s;", ct, l->cname, v);
  }
  uint32_t n = ++E->susp;
  ec_line(E, "F->ag_state = %u;", n);
  ec_line(E, "if (0) {");
  ec_line(E, "case %u:", n);
  ec_line(E, "  %s->ag_ev_kind = F->ag_ev_kind;", ct);
  ec_line(E, "  %s->ag_ev_u = F->ag_ev_u;", ct);
  ec_line(E, "  %s->ag_ev_p = F->ag_ev_p;", ct);
  ec_line(E, "}");
  ec_line(E, "if (!%s__body(%s, %s)) return false;", cb->cname,
          cb->kind == IR_AFN ? "self" : ec_self_actor(E), ct);
  type *rt = fn->u.fn.ret ? fn->u.fn.ret->ty : NULL;
  const char *res = "(void)0";
  if (rt && ec_strip(rt)->kind != TY_UNIT) {
    res = ec_temp_new(E, rt, NULL, true);
    ec_line(E, "%s;", ec_drop(E, rt, res));
    ec_line(E, "%s = %s->ag_ret;", res, ct);
  }
  ec_line(E, "free(%s);", ct);
  ec_line(E, "%s = NULL;", ct);
  ec_hoist *h = ARENA_NEW(E->cx->perm, ec_hoist);
  h->e = e;
  h->temp = res;
  ast_list_push(E->cx->perm, &E->hoists, h);
}

/* `a && b`, `a || b`, `a ?? b` whose right operand must be hoisted (a
 * suspension point or a match): a conditional statement evaluates the right
 * operand only when the left one does not decide, into a temp that stands
 * for the whole expression.  The left operand is already hoisted. */
static void ec_hoist_short(ec *E, ast_expr *e) {
  ast_op op = e->u.binary.op;
  ast_expr *l = e->u.binary.lhs, *r = e->u.binary.rhs;
  type *t = e->ty;
  const char *res;
  if (op == OP_COALESCE) {
    type *lt = ec_strip(l->ty);
    res = ec_temp_new(E, t, NULL, true);
    ec_line(E, "%s;", ec_drop(E, t, res));
    const char *tl = ec_temp_new(E, lt, NULL, false);
    ec_line(E, "%s = %s;", tl, ex(E, l, EX_BORROW, NULL));
    ec_line(E, "if (!%s) {", ex_is_nil(E, lt, tl));
    ec_line(E, "  %s = %s;", res,
            ec_coerce(E, ec_share(E, lt->elem, ex_unwrap(E, lt, tl)), lt->elem,
                      t));
    ec_line(E, "} else {");
  } else {
    res = ec_temp_new(E, t, NULL, false);
    ec_line(E, "%s = %s;", res, ex(E, l, EX_BORROW, NULL));
    ec_line(E, "if (%s%s) {", op == OP_AND ? "" : "!", res);
  }
  E->ind++;
  ec_hoist_expr(E, r);
  ec_line(E, "%s = %s;", res,
          ex(E, r, op == OP_COALESCE ? EX_OWN : EX_BORROW, t));
  E->ind--;
  ec_line(E, "}");
  ec_hoist *h = ARENA_NEW(E->cx->perm, ec_hoist);
  h->e = e;
  h->temp = res;
  ast_list_push(E->cx->perm, &E->hoists, h);
}

/* Emit statements for every match / ask / sleep inside e (innermost first),
 * recording their temps so that ex() refers to them. */
static void ec_hoist_expr(ec *E, ast_expr *e) {
  if (!e)
    return;
  switch (e->kind) {
  case EXPR_STR:
    for (uint32_t i = 0; i < e->u.str.parts.len; i++)
      ec_hoist_expr(E, AST_AT(e->u.str.parts, i, ast_str_part)->expr);
    break;
  case EXPR_FIELD: ec_hoist_expr(E, e->u.field.obj); break;
  case EXPR_INDEX:
    ec_hoist_expr(E, e->u.index.obj);
    ec_hoist_expr(E, e->u.index.index);
    break;
  case EXPR_CALL:
    ec_hoist_expr(E, e->u.call.callee);
    ec_hoist_list(E, &e->u.call.args);
    if (lower_call_suspends(E->ir, e))
      ec_hoist_call(E, e);
    break;
  case EXPR_UNARY: ec_hoist_expr(E, e->u.unary.operand); break;
  case EXPR_BINARY:
    ec_hoist_expr(E, e->u.binary.lhs);
    if (e->u.binary.op != OP_AND && e->u.binary.op != OP_OR &&
        e->u.binary.op != OP_COALESCE)
      ec_hoist_expr(E, e->u.binary.rhs);
    else if (ec_has_hoist(E, e->u.binary.rhs))
      ec_hoist_short(E, e);
    break;
  case EXPR_RANGE:
    ec_hoist_expr(E, e->u.range.lo);
    ec_hoist_expr(E, e->u.range.hi);
    break;
  case EXPR_CAST: ec_hoist_expr(E, e->u.cast.expr); break;
  case EXPR_RECORD:
    for (uint32_t i = 0; i < e->u.record.fields.len; i++)
      ec_hoist_expr(E, AST_AT(e->u.record.fields, i, ast_field_init)->value);
    break;
  case EXPR_LIST:
  case EXPR_TUPLE: ec_hoist_list(E, &e->u.list.items); break;
  case EXPR_MAP:
    for (uint32_t i = 0; i < e->u.map.entries.len; i++) {
      ast_map_entry *me = e->u.map.entries.items[i];
      ec_hoist_expr(E, me->key);
      ec_hoist_expr(E, me->value);
    }
    break;
  case EXPR_SPAWN: ec_hoist_list(E, &e->u.spawn.args); break;
  case EXPR_FREEZE:
  case EXPR_COPY:
  case EXPR_TAKE:
  case EXPR_BORROW: ec_hoist_expr(E, e->u.wrap.operand); break;
  case EXPR_ASK: {
    ec_hoist_expr(E, e->u.ask.target);
    ec_hoist_expr(E, e->u.ask.msg);
    ec_hoist_expr(E, e->u.ask.timeout);
    const char *tgt = ex(E, e->u.ask.target, EX_BORROW, NULL);
    const char *msg = ex(E, e->u.ask.msg, EX_OWN, NULL);
    const char *to = e->u.ask.timeout ? ex(E, e->u.ask.timeout, EX_BORROW, NULL)
                                      : "-1";
    ec_suspend(E, ec_printf(E, "ar_ask(%s, %s, %s, %s)", ec_self_actor(E), tgt,
                            msg, to));
    const char *tmp = ec_temp_new(E, e->ty, NULL, true);
    ec_line(E, "%s;", ec_drop(E, e->ty, tmp));
    ec_line(E, "ar_askres_set(&%s, F->ag_ev_kind, F->ag_ev_p);", tmp);
    ec_hoist *h = ARENA_NEW(E->cx->perm, ec_hoist);
    h->e = e;
    h->temp = tmp;
    ast_list_push(E->cx->perm, &E->hoists, h);
    break;
  }
  case EXPR_RECV: {
    ec_hoist_expr(E, e->u.recv.chan);
    type *opt = e->ty, *el = ec_strip(e->u.recv.chan->ty)->elem;
    const char *ch = ex(E, e->u.recv.chan, EX_BORROW, NULL);
    const char *cht = ec_temp_new(E, NULL, "ar_chan *", false);
    ec_line(E, "%s = %s;", cht, ch);
    ec_chan_wait(E, ec_printf(E, "ar_chan_recv(%s, %s, &F->ag_slot, "
                                 "&F->ag_op)", ec_self_actor(E), cht));
    const char *tmp = ec_temp_new(E, opt, NULL, true);
    ec_line(E, "%s;", ec_drop(E, opt, tmp));
    ec_line(E, "%s = %s;", tmp, ec_recv_value(E, el, opt));
    ec_hoist *h = ARENA_NEW(E->cx->perm, ec_hoist);
    h->e = e;
    h->temp = tmp;
    ast_list_push(E->cx->perm, &E->hoists, h);
    break;
  }
  case EXPR_MATCH: {
    ec_hoist_expr(E, e->u.match.scrutinee);
    const char *tmp = NULL;
    if (e->ty && ec_strip(e->ty)->kind != TY_UNIT)
      tmp = ec_temp_new(E, e->ty, NULL, true);
    ec_match(E, e, tmp);
    ec_hoist *h = ARENA_NEW(E->cx->perm, ec_hoist);
    h->e = e;
    h->temp = tmp ? tmp : "0";
    ast_list_push(E->cx->perm, &E->hoists, h);
    break;
  }
  default: break;
  }
  if (e->kind == EXPR_CALL && e->u.call.builtin == BI_SLEEP) {
    ast_expr *d = e->u.call.args.len ? e->u.call.args.items[0] : NULL;
    ec_suspend(E, ec_printf(E, "ar_sleep(%s, %s)", ec_self_actor(E),
                            d ? ex(E, d, EX_BORROW, NULL) : "0"));
    ec_hoist *h = ARENA_NEW(E->cx->perm, ec_hoist);
    h->e = e;
    h->temp = "(void)0";
    ast_list_push(E->cx->perm, &E->hoists, h);
  }
}

/* ------------------------------------------------------------ match */

/* Bind pattern variable s to value v (of type t).  From a temp scrutinee the
 * value is moved out (the binding owns it); from a place it is a view. */
static const char *ec_bind(ec *E, sym *s, type *t, const char *v,
                           bool from_temp) {
  ir_local *l = lower_local(E->ir, s);
  if (!l)
    return "0";
  l->is_view = !from_temp;
  if (from_temp && ec_needs_drop(t)) {
    const char *place = ec_printf(E, "F->%s", l->cname);
    if (E->bind_mode == 1) {
      ast_list_push(E->cx->perm, &E->bind_clear, (void *)place);
      return ec_printf(E, "(%s, %s = %s, 1)", ec_drop(E, t, place), place, v);
    }
    if (E->bind_mode == 2)
      return ec_printf(E, "(%s = %s, 1)", place, ec_take(E, t, v));
    if (E->bind_mode == 3)
      /* taken now; a failed (suspending) guard gives the part back */
      ast_list_push(E->cx->perm, &E->bind_clear,
                    ec_printf(E, "memcpy(&(%s), &%s, sizeof %s); "
                                 "memset(&%s, 0, sizeof %s);",
                              v, place, place, place, place));
    return ec_printf(E, "(%s, %s = %s, 1)", ec_drop(E, t, place), place,
                     ec_take(E, t, v));
  }
  return ec_printf(E, "(F->%s = %s, 1)", l->cname, v);
}

/* C condition testing pattern p against value v of type t (binding as it
 * goes). */
static const char *ec_pat(ec *E, ast_pat *p, type *t, const char *v,
                          bool from_temp) {
  type *st = ec_strip(t);
  switch (p->kind) {
  case PAT_WILD: return "1";
  case PAT_BIND: return ec_bind(E, p->sym, t, v, from_temp);
  case PAT_NIL: return ex_is_nil(E, st, v);
  case PAT_LIT: {
    const char *lv = ex(E, p->lit, EX_BORROW, st);
    return ex_eq(E, st, v, lv);
  }
  case PAT_VARIANT: {
    sym *vs = p->sym;
    return ec_printf(E, "(%s == ag_%s_%s)", v,
                     vs && vs->decl ? vs->decl->name.name : "?",
                     vs ? vs->name : p->name.name);
  }
  case PAT_CTOR: {
    const char *n = p->name.name;
    if (strcmp(n, "some") == 0) {
      const char *in = ex_unwrap(E, st, v);
      const char *sub = p->sub ? ec_pat(E, p->sub, st->elem, in, from_temp) : "1";
      return ec_printf(E, "(!%s && %s)", ex_is_nil(E, st, v), sub);
    }
    if (strcmp(n, "ok") == 0) {
      const char *sub =
          p->sub ? ec_pat(E, p->sub, st->elem, ec_printf(E, "%s.reply", v),
                          from_temp)
                 : "1";
      return ec_printf(E, "(%s.kind == AR_EV_REPLY && %s)", v, sub);
    }
    if (strcmp(n, "failed") == 0) {
      type *strt = NULL;
      if (p->sub && p->sub->kind == PAT_BIND && p->sub->sym)
        strt = p->sub->sym->ty;
      const char *sub =
          p->sub && strt ? ec_pat(E, p->sub, strt, ec_printf(E, "%s.reason", v),
                                  from_temp)
                         : "1";
      return ec_printf(E, "(%s.kind == AR_EV_FAILED && %s)", v, sub);
    }
    if (strcmp(n, "timeout") == 0)
      return ec_printf(E, "(%s.kind == AR_EV_TIMEOUT)", v);
    return "0";
  }
  default: return "0";
  }
}

/* The C condition of arm a (pattern, bindings, a guard without
 * suspension points). */
static const char *ec_arm_cond(ec *E, ast_match_arm *a, type *t, const char *v,
                               bool from_temp) {
  const char *cond;
  if (a->guard && from_temp) {
    /* owning bindings are views while the guard decides: only an arm
     * that is taken moves its parts out of the scrutinee, so a later
     * arm still sees the whole value; a failed guard clears them */
    E->bind_mode = 1;
    E->bind_clear.len = 0;
    const char *view = ec_pat(E, a->pat, t, v, from_temp);
    E->bind_mode = 2;
    const char *own = ec_pat(E, a->pat, t, v, from_temp);
    E->bind_mode = 0;
    const char *clear = "";
    for (uint32_t k = 0; k < E->bind_clear.len; k++) {
      const char *pl = E->bind_clear.items[k];
      clear = ec_printf(E, "%smemset(&%s, 0, sizeof %s), ", clear, pl, pl);
    }
    E->bind_clear.len = 0;
    cond = ec_printf(E, "%s && ((%s) ? %s : (%s0))", view,
                     ex(E, a->guard, EX_BORROW, NULL), own, clear);
  } else {
    cond = ec_pat(E, a->pat, t, v, from_temp);
    if (a->guard)
      cond = ec_printf(E, "%s && (%s)", cond, ex(E, a->guard, EX_BORROW, NULL));
  }
  return cond;
}

/* The body of arm a (writing result, if any). */
static void ec_arm_body(ec *E, ast_expr *e, ast_match_arm *a,
                        const char *result) {
  if (a->block)
    st(E, a->block);
  else if (a->expr) {
    uint32_t mark = E->hoists.len;
    ec_hoist_expr(E, a->expr);
    if (result && a->expr->ty && ec_strip(a->expr->ty)->kind != TY_UNIT) {
      const char *val = ex(E, a->expr, EX_OWN, e->ty);
      ec_line(E, "{ %s ag_v = %s; %s; %s = ag_v; }", ec_ctype(E, e->ty), val,
              ec_drop(E, e->ty, result), result);
    } else {
      const char *val = ex(E, a->expr, EX_BORROW, NULL);
      if (a->expr->ty && ec_strip(a->expr->ty)->kind != TY_UNIT)
        ec_line(E, "(void)(%s);", val);
      else
        ec_line(E, "%s;", val);
    }
    E->hoists.len = mark;
  }
}

/* An arm whose guard must be hoisted: tried only while nothing matched;
 * the pattern binds, then the guard's suspension points run, then the
 * body when it holds.  Owning bindings (from a temp scrutinee) take their
 * part at once, so that a frame torn down while the guard waits drops
 * every part exactly once; a failed guard gives the parts back to the
 * scrutinee, so a later arm still sees the whole value. */
static void ec_match_hoisted_guard(ec *E, ast_expr *e, ast_match_arm *a,
                                   type *t, const char *v, bool from_temp,
                                   const char *matched, const char *result) {
  E->bind_mode = from_temp ? 3 : 0;
  E->bind_clear.len = 0;
  const char *cond = ec_pat(E, a->pat, t, v, from_temp);
  E->bind_mode = 0;
  const char **restore = NULL;
  uint32_t nrestore = E->bind_clear.len;
  if (nrestore) {
    restore = arena_alloc(E->cx->perm, sizeof(char *) * nrestore);
    for (uint32_t k = 0; k < nrestore; k++)
      restore[k] = E->bind_clear.items[k];
  }
  E->bind_clear.len = 0;
  ec_line(E, "if (!%s && %s) {", matched, cond);
  E->ind++;
  uint32_t mark = E->hoists.len;
  ec_hoist_expr(E, a->guard);
  ec_line(E, "if (%s) {", ex(E, a->guard, EX_BORROW, NULL));
  E->hoists.len = mark;
  E->ind++;
  ec_line(E, "%s = true;", matched);
  ec_arm_body(E, e, a, result);
  E->ind--;
  if (nrestore) {
    ec_line(E, "} else {");
    for (uint32_t k = 0; k < nrestore; k++)
      ec_line(E, "  %s", restore[k]);
  }
  ec_line(E, "}");
  E->ind--;
  ec_line(E, "}");
}

static void ec_match(ec *E, ast_expr *e, const char *result) {
  ast_expr *scr = e->u.match.scrutinee;
  type *t = scr->ty;
  bool fresh, movable;
  const char *v = ex_raw(E, scr, &fresh, &movable);
  bool from_temp = fresh || (movable && ec_hoisted(E, scr));
  if (!fresh && movable && !ec_hoisted(E, scr) && ec_needs_drop(t)) {
    /* the checker moved the place into the bindings: take it, so that
     * moving a binding on cannot leave the place owning it too */
    const char *tmp = ec_temp_new(E, t, NULL, true);
    ec_line(E, "%s;", ec_drop(E, t, tmp));
    ec_line(E, "%s = %s;", tmp, ec_take(E, t, v));
    v = tmp;
    from_temp = true;
  } else if (fresh) {
    const char *tmp = ec_temp_new(E, t, NULL, true);
    ec_line(E, "%s;", ec_drop(E, t, tmp));
    ec_line(E, "%s = %s;", tmp, v);
    v = tmp;
  } else if (!ec_hoisted(E, scr)) {
    /* a place: evaluate it once */
    const char *tmp = ec_temp_new(E, t, NULL, false);
    ec_line(E, "%s = %s;", tmp, v);
    v = tmp;
  }
  /* a guard holding a suspension point (or a match) must be hoisted, and
   * only for an arm that is tried: the arms become a chain of `if`s
   * guarded by a `matched` flag, the guard hoisted inside its arm */
  bool chain = false;
  for (uint32_t i = 0; i < e->u.match.arms.len; i++) {
    ast_match_arm *a = e->u.match.arms.items[i];
    if (a->guard && ec_has_hoist(E, a->guard))
      chain = true;
  }
  const char *matched = NULL;
  if (chain) {
    matched = ec_temp_new(E, NULL, "bool", false);
    ec_line(E, "%s = false;", matched);
  }
  for (uint32_t i = 0; i < e->u.match.arms.len; i++) {
    ast_match_arm *a = e->u.match.arms.items[i];
    if (chain && a->guard && ec_has_hoist(E, a->guard)) {
      ec_match_hoisted_guard(E, e, a, t, v, from_temp, matched, result);
      continue;
    }
    const char *cond = ec_arm_cond(E, a, t, v, from_temp);
    if (chain) {
      ec_line(E, "if (!%s && %s) {", matched, cond);
      E->ind++;
      ec_line(E, "%s = true;", matched);
    } else {
      ec_line(E, "%sif (%s) {", i ? "else " : "", cond);
      E->ind++;
    }
    ec_arm_body(E, e, a, result);
    E->ind--;
    ec_line(E, "}");
  }
}

/* ------------------------------------------------------------ statements */

static void ec_done(ec *E) {
  E->used_done = true;
  ec_line(E, "goto ag_done;");
}

static void ec_assign_place(ec *E, type *t, const char *place, const char *val) {
  if (ec_needs_drop(t))
    ec_line(E, "{ %s ag_v = %s; %s; %s = ag_v; }", ec_ctype(E, t), val,
            ec_drop(E, t, place), place);
  else
    ec_line(E, "%s = %s;", place, val);
}

static void st_assign(ec *E, ast_stmt *s) {
  ast_expr *l = s->u.assign.lhs, *r = s->u.assign.rhs;
  type *t = l->ty;
  ast_op op = s->u.assign.op;
  if (l->kind == EXPR_INDEX && ec_strip(l->u.index.obj->ty)->kind == TY_MAP &&
      op == OP_NONE) {
    type *mt = ec_strip(l->u.index.obj->ty);
    ec_line(E, "ar_map_insert(%s, (%s[]){%s}, (%s[]){%s});",
            ex(E, l->u.index.obj, EX_BORROW, NULL), ec_ctype(E, mt->key),
            ex(E, l->u.index.index, EX_OWN, mt->key), ec_ctype(E, mt->elem),
            ex(E, r, EX_OWN, mt->elem));
    return;
  }
  if (l->kind == EXPR_INDEX && ec_strip(l->u.index.obj->ty)->kind == TY_LIST)
    ec_line(E, "ar_list_check_mut(%s);", ex(E, l->u.index.obj, EX_BORROW, NULL));
  bool fresh, movable;
  const char *p = ex_raw(E, l, &fresh, &movable);
  if (op == OP_NONE) {
    ec_assign_place(E, t, p, ex(E, r, EX_OWN, t));
    return;
  }
  const char *rv = ex(E, r, EX_BORROW, t);
  if (ec_strip(t)->kind == TY_STR) {
    ec_assign_place(E, t, p, ec_printf(E, "ar_str_concat(%s, %s)", p, rv));
    return;
  }
  ec_line(E, "%s = %s;", p, ex_arith(E, op, t, p, rv));
}


static void st_chan_send(ec *E, ast_stmt *s) {
  type *el = ec_strip(s->u.chan_send.chan->ty)->elem;
  const char *cht = ec_temp_new(E, NULL, "ar_chan *", false);
  ec_line(E, "%s = %s;", cht, ex(E, s->u.chan_send.chan, EX_BORROW, NULL));
  const char *vt = ec_temp_new(E, el, NULL, true);
  ec_line(E, "%s;", ec_drop(E, el, vt));
  ec_line(E, "%s = %s;", vt, ex(E, s->u.chan_send.value, EX_OWN, el));
  ec_chan_wait(E, ec_printf(E, "ar_chan_send(%s, %s, %s, &F->ag_op)",
                            ec_self_actor(E), cht, ec_enc(E, el, vt)));
  ec_line(E, "if (F->ag_st == AR_CLOSED) ar_fault(\"send on a closed channel\");");
  ec_line(E, "memset(&%s, 0, sizeof %s); /* moved into the channel */", vt, vt);
}

static void st_select(ec *E, ast_stmt *s) {
  ast_list *arms = &s->u.select.arms;
  uint32_t ncases = 0;
  for (uint32_t i = 0; i < arms->len; i++) {
    ast_select_arm *a = arms->items[i];
    if (a->kind == SEL_RECV || a->kind == SEL_SEND)
      ncases++;
  }
  const char *cases = "NULL";
  if (ncases) {
    cases = ec_temp_new(E, NULL, "ar_select_case", false);
    ec_temp *tp = E->temps.items[E->temps.len - 1];
    tp->suffix = ec_printf(E, "[%u]", ncases);
  }
  const char **vals = arena_alloc(E->cx->perm, sizeof(char *) * (arms->len + 1));
  const char **chs = arena_alloc(E->cx->perm, sizeof(char *) * (arms->len + 1));
  const char **slots = arena_alloc(E->cx->perm, sizeof(char *) * (arms->len + 1));
  uint32_t flags = 0, k = 0;
  const char *after = "0";
  /* a head holding a suspension point (or a match): every head is
   * evaluated, in source order, into a temp before the select starts (as
   * Go does); a channel is retained meanwhile */
  bool pre = false;
  for (uint32_t i = 0; i < arms->len; i++) {
    ast_select_arm *a = arms->items[i];
    if ((a->chan && ec_has_hoist(E, a->chan)) ||
        (a->value && ec_has_hoist(E, a->value)))
      pre = true;
  }
  for (uint32_t i = 0; i < arms->len; i++) {
    ast_select_arm *a = arms->items[i];
    if (a->kind == SEL_DEFAULT)
      flags |= 1;
    if (a->kind == SEL_AFTER) {
      flags |= 2;
      if (pre) {
        ec_hoist_expr(E, a->value);
        after = ec_temp_new(E, NULL, "int64_t", false);
        ec_line(E, "%s = %s;", after, ex(E, a->value, EX_BORROW, NULL));
      } else
        after = ex(E, a->value, EX_BORROW, NULL);
    }
    if (a->kind != SEL_RECV && a->kind != SEL_SEND)
      continue;
    const char *ch;
    if (pre) {
      ec_hoist_expr(E, a->chan);
      ch = ec_temp_new(E, a->chan->ty, NULL, true);
      ec_line(E, "%s;", ec_drop(E, a->chan->ty, ch));
      ec_line(E, "%s = %s;", ch, ex(E, a->chan, EX_OWN, NULL));
      if (a->kind == SEL_SEND)
        ec_hoist_expr(E, a->value);
    } else
      ch = ex(E, a->chan, EX_BORROW, NULL);
    const char *slot = "0";
    if (a->kind == SEL_SEND) {
      type *el = ec_strip(a->chan->ty)->elem;
      bool fresh, movable;
      const char *pl = ex_raw(E, a->value, &fresh, &movable);
      if (!fresh && movable && ec_needs_drop(el) &&
          ec_strip(a->value->ty) == el) {
        /* a moved place is offered as is and emptied only when this case
         * fires: an arm that does not send still owns it */
        vals[i] = pl;
      } else {
        vals[i] = ec_temp_new(E, el, NULL, true);
        ec_line(E, "%s;", ec_drop(E, el, vals[i]));
        ec_line(E, "%s = %s;", vals[i], ex(E, a->value, EX_OWN, el));
      }
      slot = ec_enc(E, el, vals[i]);
    }
    if (pre) {
      /* the cases are filled once every head is evaluated */
      chs[i] = ch;
      slots[i] = slot;
      continue;
    }
    ec_line(E, "%s[%u] = (ar_select_case){%s, %s, %s};", cases, k++, ch, slot,
            a->kind == SEL_SEND ? "true" : "false");
  }
  for (uint32_t i = 0; pre && i < arms->len; i++) {
    ast_select_arm *a = arms->items[i];
    if (a->kind == SEL_RECV || a->kind == SEL_SEND)
      ec_line(E, "%s[%u] = (ar_select_case){%s, %s, %s};", cases, k++, chs[i],
              slots[i], a->kind == SEL_SEND ? "true" : "false");
  }
  ec_chan_wait(E, ec_printf(E, "ar_select(%s, %s, %u, %s%s, %s, "
                               "&F->ag_idx, &F->ag_slot, &F->ag_op)",
                            ec_self_actor(E), cases, ncases,
                            (flags & 1) ? "AR_SELECT_DEFAULT" : "0",
                            (flags & 2) ? " | AR_SELECT_AFTER" : "", after));
  const char *els = "";
  k = 0;
  for (uint32_t i = 0; i < arms->len; i++) {
    ast_select_arm *a = arms->items[i];
    switch (a->kind) {
    case SEL_AFTER:
      ec_line(E, "%sif (F->ag_idx == AR_SELECT_IDX_TIMEOUT) {", els);
      break;
    case SEL_DEFAULT:
      ec_line(E, "%sif (F->ag_idx == AR_SELECT_IDX_DEFAULT) {", els);
      break;
    default:
      ec_line(E, "%sif (F->ag_idx == %u) {", els, k++);
      break;
    }
    els = "} else ";
    E->ind++;
    if (a->kind == SEL_RECV && a->sym) {
      ir_local *l = lower_local(E->ir, a->sym);
      type *el = ec_strip(a->chan->ty)->elem;
      if (l)
        ec_assign_place(E, l->ty, ec_printf(E, "F->%s", l->cname),
                        ec_recv_value(E, el, l->ty));
    } else if (a->kind == SEL_RECV) {
      type *el = ec_strip(a->chan->ty)->elem;
      if (ec_needs_drop(el))
        ec_line(E, "if (F->ag_st == AR_OK) { %s v = %s; %s; }",
                ec_ctype(E, el), ec_dec(E, el, "F->ag_slot"), ec_drop(E, el, "v"));
    } else if (a->kind == SEL_SEND) {
      ec_line(E, "if (F->ag_st == AR_CLOSED) ar_fault(\"send on a closed channel\");");
      ec_line(E, "memset(&%s, 0, sizeof %s); /* moved into the channel */",
              vals[i], vals[i]);
    }
    st(E, a->body);
    E->ind--;
  }
  if (*els)
    ec_line(E, "}");
  /* a boxed value offered by a send case that did not fire: free the box
   * (its contents still belong to the value temp) */
  k = 0;
  for (uint32_t i = 0; i < arms->len; i++) {
    ast_select_arm *a = arms->items[i];
    if (a->kind != SEL_RECV && a->kind != SEL_SEND)
      continue;
    if (a->kind == SEL_SEND && ec_is_boxed(ec_strip(a->chan->ty)->elem))
      ec_line(E, "if (F->ag_idx != %u) free((void *)(uintptr_t)%s[%u].send_val);",
              k, cases, k);
    k++;
  }
}

static void st_for_chan(ec *E, ast_stmt *s) {
  ast_expr *it = s->u.for_.iter;
  type *el = ec_strip(it->ty)->elem;
  ir_local *a = lower_local(E->ir, s->u.for_.first_sym);
  const char *cht = ec_temp_new(E, NULL, "ar_chan *", false);
  ec_line(E, "%s = %s;", cht, ex(E, it, EX_BORROW, NULL));
  ec_line(E, "for (;;) {");
  E->ind++;
  ec_chan_wait(E, ec_printf(E, "ar_chan_recv(%s, %s, &F->ag_slot, "
                               "&F->ag_op)", ec_self_actor(E), cht));
  ec_line(E, "if (F->ag_st != AR_OK) break;");
  if (a)
    ec_assign_place(E, a->ty, ec_printf(E, "F->%s", a->cname),
                    ec_dec(E, el, "F->ag_slot"));
  else if (ec_needs_drop(el))
    ec_line(E, "{ %s v = %s; %s; }", ec_ctype(E, el),
            ec_dec(E, el, "F->ag_slot"), ec_drop(E, el, "v"));
  st(E, s->u.for_.body);
  E->ind--;
  ec_line(E, "}");
}

static void st_for(ec *E, ast_stmt *s) {
  ast_expr *it = s->u.for_.iter;
  type *t = ec_strip(it->ty);
  if (t->kind == TY_CHAN) {
    st_for_chan(E, s);
    return;
  }
  ir_local *a = lower_local(E->ir, s->u.for_.first_sym);
  ir_local *b = lower_local(E->ir, s->u.for_.second_sym);
  if (it->kind == EXPR_RANGE || t->kind == TY_RANGE) {
    const char *lo, *hi;
    bool incl;
    if (it->kind == EXPR_RANGE) {
      lo = ex(E, it->u.range.lo, EX_BORROW, NULL);
      hi = ex(E, it->u.range.hi, EX_BORROW, NULL);
      incl = it->u.range.inclusive;
    } else {
      ec_unsupported(E, it->sp, "a range value that is not written in the `for`");
      return;
    }
    type *et = t->kind == TY_RANGE ? t->elem : it->u.range.lo->ty;
    const char *ht = ec_temp_new(E, et, NULL, false);
    const char *iv = a ? ec_printf(E, "F->%s", a->cname)
                       : ec_temp_new(E, et, NULL, false);
    ec_line(E, "%s = %s;", ht, hi);
    ec_line(E, "for (%s = %s; %s %s %s; %s++) {", iv, lo, iv, incl ? "<=" : "<",
            ht, iv);
  } else if (t->kind == TY_LIST) {
    const char *lt = ec_temp_new(E, t, NULL, false);
    const char *it2 = ec_temp_new(E, NULL, "int64_t", false);
    bool fresh, mv;
    const char *lv = ex_raw(E, it, &fresh, &mv);
    if (fresh) {
      const char *own = ec_temp_new(E, t, NULL, true);
      ec_line(E, "%s; %s = %s;", ec_drop(E, t, own), own, lv);
      lv = own;
    }
    ec_line(E, "%s = %s;", lt, lv);
    ec_line(E, "for (%s = 0; %s < ar_list_len(%s); %s++) {", it2, it2, lt, it2);
    if (a) {
      a->is_view = true;
      E->ind++;
      ec_line(E, "F->%s = *(%s*)ar_list_at(%s, %s);", a->cname,
              ec_ctype(E, t->elem), lt, it2);
      E->ind--;
    }
  } else if (t->kind == TY_MAP) {
    const char *mt = ec_temp_new(E, t, NULL, false);
    const char *it2 = ec_temp_new(E, NULL, "int64_t", false);
    bool fresh, mv;
    const char *mv2 = ex_raw(E, it, &fresh, &mv);
    if (fresh) {
      const char *own = ec_temp_new(E, t, NULL, true);
      ec_line(E, "%s; %s = %s;", ec_drop(E, t, own), own, mv2);
      mv2 = own;
    }
    ec_line(E, "%s = %s;", mt, mv2);
    ec_line(E, "for (%s = 0; %s < ar_map_slots(%s); %s++) {", it2, it2, mt, it2);
    E->ind++;
    ec_line(E, "if (!ar_map_live(%s, %s)) continue;", mt, it2);
    if (a) {
      a->is_view = true;
      ec_line(E, "F->%s = *(%s*)ar_map_key_at(%s, %s);", a->cname,
              ec_ctype(E, t->key), mt, it2);
    }
    if (b) {
      b->is_view = true;
      ec_line(E, "F->%s = *(%s*)ar_map_val_at(%s, %s);", b->cname,
              ec_ctype(E, t->elem), mt, it2);
    }
    E->ind--;
  } else {
    ec_unsupported(E, it->sp, "`for` over this type");
    return;
  }
  E->ind++;
  st(E, s->u.for_.body);
  E->ind--;
  ec_line(E, "}");
}

/* Does some handler reply to this message type (`on M -> R`)?  A plain
 * send of it must then carry its sender (a reply to a send goes there);
 * otherwise it goes without one (ar_send_anon: no counted reference to the
 * sender, docs/backend.md "Sends"). */
static bool ec_msg_replied(ec *E, ast_decl *msg) {
  for (uint32_t i = 0; i < E->ir->all_bodies.len; i++) {
    ir_body *b = E->ir->all_bodies.items[i];
    if (b->kind == IR_HANDLER && b->handler->reply && b->handler->msg_sym &&
        b->handler->msg_sym->decl == msg)
      return true;
  }
  return false;
}

/* A send to a bounded `block` mailbox: while it is full the sender waits
 * (ar_send_wait, resumed by AR_EV_SEND_READY) and retries; it keeps the
 * message meanwhile (ar.h ar_send). */
static void st_send_block(ec *E, ast_stmt *s, const char *tgt,
                          const char *msg) {
  const char *tt = ec_temp_new(E, NULL, "ar_actor *", false);
  const char *mt = ec_temp_new(E, NULL, "ar_msg *", false);
  ec_line(E, "%s = %s;", tt, tgt);
  ec_line(E, "%s = %s;", mt, msg);
  if (!ec_can_suspend_body(E)) {
    /* cannot wait here (on stop): a full mailbox drops the message */
    ec_line(E, "F->ag_st = ar_send(%s, %s);", tt, mt);
    ec_line(E, "if (F->ag_st == AR_FULL) ag_msg_drop(%s);", mt);
  } else {
    uint32_t n = ++E->susp;
    ec_line(E, "for (;;) {");
    ec_line(E, "  F->ag_st = ar_send(%s, %s);", tt, mt);
    ec_line(E, "  if (F->ag_st != AR_FULL) break;");
    ec_line(E, "  ar_send_wait(%s, %s);", ec_self_actor(E), tt);
    ec_line(E, "  F->ag_state = %u;", n);
    ec_line(E, "  return false;");
    ec_line(E, "case %u:;", n);
    ec_line(E, "}");
  }
  ec_line(E, "%s = NULL;", mt);
  if (s->u.send.else_) {
    ec_line(E, "if (F->ag_st != AR_OK) {");
    E->ind++;
    st(E, s->u.send.else_);
    E->ind--;
    ec_line(E, "}");
  }
}

static void st_return(ec *E, ast_stmt *s) {
  ir_body *b = E->body;
  if (s->u.ret.value && b->fn && b->fn->u.fn.ret) {
    type *rt = b->fn->u.fn.ret->ty;
    ec_line(E, "F->ag_ret = %s;", ex(E, s->u.ret.value, EX_OWN, rt));
  } else if (s->u.ret.value) {
    ec_line(E, "(void)(%s);", ex(E, s->u.ret.value, EX_BORROW, NULL));
  }
  ec_done(E);
}

static bool ec_exits_expr(ec *E, ast_expr *e, int depth);

static bool ec_exits_list(ec *E, ast_list *l, int depth) {
  for (uint32_t i = 0; i < l->len; i++)
    if (ec_exits_expr(E, l->items[i], depth))
      return true;
  return false;
}

/* Does e (outside nested statement blocks) call a fn that may exit()? */
static bool ec_exits_expr(ec *E, ast_expr *e, int depth) {
  if (!e || depth > 200)
    return false;
  if (lower_call_exits(E->ir, e))
    return true;
  switch (e->kind) {
  case EXPR_STR:
    for (uint32_t i = 0; i < e->u.str.parts.len; i++)
      if (ec_exits_expr(E, AST_AT(e->u.str.parts, i, ast_str_part)->expr,
                        depth + 1))
        return true;
    return false;
  case EXPR_FIELD: return ec_exits_expr(E, e->u.field.obj, depth + 1);
  case EXPR_INDEX:
    return ec_exits_expr(E, e->u.index.obj, depth + 1) ||
           ec_exits_expr(E, e->u.index.index, depth + 1);
  case EXPR_CALL:
    return ec_exits_expr(E, e->u.call.callee, depth + 1) ||
           ec_exits_list(E, &e->u.call.args, depth + 1);
  case EXPR_UNARY: return ec_exits_expr(E, e->u.unary.operand, depth + 1);
  case EXPR_BINARY:
    return ec_exits_expr(E, e->u.binary.lhs, depth + 1) ||
           ec_exits_expr(E, e->u.binary.rhs, depth + 1);
  case EXPR_CAST: return ec_exits_expr(E, e->u.cast.expr, depth + 1);
  case EXPR_RECORD:
    for (uint32_t i = 0; i < e->u.record.fields.len; i++)
      if (ec_exits_expr(E, AST_AT(e->u.record.fields, i, ast_field_init)->value,
                        depth + 1))
        return true;
    return false;
  case EXPR_LIST:
  case EXPR_TUPLE: return ec_exits_list(E, &e->u.list.items, depth + 1);
  case EXPR_SPAWN: return ec_exits_list(E, &e->u.spawn.args, depth + 1);
  case EXPR_ASK:
    return ec_exits_expr(E, e->u.ask.target, depth + 1) ||
           ec_exits_expr(E, e->u.ask.msg, depth + 1);
  case EXPR_FREEZE:
  case EXPR_COPY:
  case EXPR_TAKE:
  case EXPR_BORROW: return ec_exits_expr(E, e->u.wrap.operand, depth + 1);
  case EXPR_MATCH:
    if (ec_exits_expr(E, e->u.match.scrutinee, depth + 1))
      return true;
    for (uint32_t i = 0; i < e->u.match.arms.len; i++) {
      ast_match_arm *a = e->u.match.arms.items[i];
      if (ec_exits_expr(E, a->guard, depth + 1) ||
          ec_exits_expr(E, a->expr, depth + 1))
        return true;
    }
    return false;
  default: return false;
  }
}

/* The expressions a statement evaluates itself (not its nested blocks). */
static bool ec_stmt_exits(ec *E, ast_stmt *s) {
  switch (s->kind) {
  case STMT_LET: return ec_exits_expr(E, s->u.let.init, 0);
  case STMT_ASSIGN:
    return ec_exits_expr(E, s->u.assign.lhs, 0) ||
           ec_exits_expr(E, s->u.assign.rhs, 0);
  case STMT_EXPR: return ec_exits_expr(E, s->u.expr.expr, 0);
  case STMT_IF: return ec_exits_expr(E, s->u.if_.cond, 0);
  case STMT_WHILE: return ec_exits_expr(E, s->u.while_.cond, 0);
  case STMT_FOR: return ec_exits_expr(E, s->u.for_.iter, 0);
  case STMT_RETURN: return ec_exits_expr(E, s->u.ret.value, 0);
  case STMT_SEND:
    return ec_exits_expr(E, s->u.send.target, 0) ||
           ec_exits_expr(E, s->u.send.msg, 0);
  case STMT_CHAN_SEND:
    return ec_exits_expr(E, s->u.chan_send.chan, 0) ||
           ec_exits_expr(E, s->u.chan_send.value, 0);
  case STMT_REPLY: return ec_exits_expr(E, s->u.reply.value, 0);
  case STMT_FAIL: return ec_exits_expr(E, s->u.fail.message, 0);
  default: return false;
  }
}

static void st_inner(ec *E, ast_stmt *s);

/* A statement; when it called a fn that exited the program, this body
 * stops too (and so on up to the handler). */
static void st(ec *E, ast_stmt *s) {
  if (!s)
    return;
  bool exits = E->body->may_exit && ec_stmt_exits(E, s);
  st_inner(E, s);
  if (exits) {
    E->used_done = true;
    ec_line(E, "if (ag_has_exited()) goto ag_done;");
  }
}

static void st_inner(ec *E, ast_stmt *s) {
  if (!s)
    return;
  uint32_t mark = E->hoists.len;
  switch (s->kind) {
  case STMT_LET: {
    ir_local *l = lower_local(E->ir, s->u.let.sym);
    type *t = s->u.let.sym ? s->u.let.sym->ty : NULL;
    if (!l || !t)
      break;
    ec_hoist_expr(E, s->u.let.init);
    const char *v = s->u.let.init ? ex(E, s->u.let.init, EX_OWN, t)
                                  : ec_zero(E, t);
    ec_assign_place(E, t, ec_printf(E, "F->%s", l->cname), v);
    break;
  }
  case STMT_ASSIGN:
    ec_hoist_expr(E, s->u.assign.lhs);
    ec_hoist_expr(E, s->u.assign.rhs);
    st_assign(E, s);
    break;
  case STMT_EXPR: {
    ast_expr *e = s->u.expr.expr;
    ec_hoist_expr(E, e);
    if (e->kind == EXPR_MATCH || lower_is_susp(e))
      break; /* fully emitted by the hoist */
    bool is_exit = e->kind == EXPR_CALL && e->u.call.builtin == BI_EXIT;
    const char *v = ex(E, e, EX_BORROW, NULL);
    if (e->ty && ec_strip(e->ty)->kind != TY_UNIT)
      ec_line(E, "(void)(%s);", v);
    else
      ec_line(E, "%s;", v);
    if (is_exit)
      ec_done(E);
    break;
  }
  case STMT_BLOCK:
    ec_line(E, "{");
    E->ind++;
    for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
      st(E, s->u.block.stmts.items[i]);
    E->ind--;
    ec_line(E, "}");
    break;
  case STMT_IF: {
    ec_hoist_expr(E, s->u.if_.cond);
    if (s->u.if_.let_sym) {
      ast_expr *c = s->u.if_.cond;
      type *ct = c->ty;
      bool fresh, mv;
      const char *v = ex_raw(E, c, &fresh, &mv);
      bool from_temp = fresh || (mv && ec_hoisted(E, c));
      /* a place the checker moved into the binding is taken (the binding
       * owns it; moving the binding on leaves nothing behind in the place) */
      bool take = !fresh && mv && !ec_hoisted(E, c) && ec_needs_drop(ct);
      const char *tmp = v;
      if (!(mv && ec_hoisted(E, c))) {
        /* a hoisted temp (`if let v = <-ch`) is bound from in place: the
         * binding takes the value out of it, so it is not freed twice */
        tmp = ec_temp_new(E, ct, NULL, fresh || take);
        if (fresh || take)
          ec_line(E, "%s;", ec_drop(E, ct, tmp));
        ec_line(E, "%s = %s;", tmp, take ? ec_take(E, ct, v) : v);
      }
      from_temp |= take;
      type *el = ec_strip(ct)->kind == TY_OPT ? ec_strip(ct)->elem : ct;
      ec_line(E, "if (!%s && %s) {", ex_is_nil(E, ct, tmp),
              ec_bind(E, s->u.if_.let_sym, el, ex_unwrap(E, ct, tmp), from_temp));
    } else {
      ec_line(E, "if (%s) {", ex(E, s->u.if_.cond, EX_BORROW, NULL));
    }
    E->ind++;
    st(E, s->u.if_.then_);
    E->ind--;
    if (s->u.if_.else_) {
      ec_line(E, "} else {");
      E->ind++;
      st(E, s->u.if_.else_);
      E->ind--;
    }
    ec_line(E, "}");
    break;
  }
  case STMT_WHILE:
    if (ec_has_hoist(E, s->u.while_.cond)) {
      /* `while c { b }` as `loop { hoisted c; if !c { break } b }`: the
       * condition's suspension points run on every iteration (and again
       * after a `continue`) */
      ec_line(E, "for (;;) {");
      E->ind++;
      ec_hoist_expr(E, s->u.while_.cond);
      ec_line(E, "if (!(%s)) break;", ex(E, s->u.while_.cond, EX_BORROW, NULL));
      if (E->body->may_exit && ec_exits_expr(E, s->u.while_.cond, 0)) {
        E->used_done = true;
        ec_line(E, "if (ag_has_exited()) goto ag_done;");
      }
      st(E, s->u.while_.body);
      E->ind--;
      ec_line(E, "}");
      break;
    }
    ec_line(E, "while (%s) {", ex(E, s->u.while_.cond, EX_BORROW, NULL));
    E->ind++;
    st(E, s->u.while_.body);
    E->ind--;
    ec_line(E, "}");
    break;
  case STMT_FOR:
    ec_hoist_expr(E, s->u.for_.iter);
    st_for(E, s);
    break;
  case STMT_BREAK: ec_line(E, "break;"); break;
  case STMT_CONTINUE: ec_line(E, "continue;"); break;
  case STMT_RETURN:
    ec_hoist_expr(E, s->u.ret.value);
    st_return(E, s);
    break;
  case STMT_SEND: {
    ec_hoist_expr(E, s->u.send.target);
    ec_hoist_expr(E, s->u.send.msg);
    const char *tgt = ex(E, s->u.send.target, EX_BORROW, NULL);
    const char *msg = ex(E, s->u.send.msg, EX_OWN, NULL);
    if (lower_send_blocks(s)) {
      st_send_block(E, s, tgt, msg);
      break;
    }
    type *mty = s->u.send.msg->ty;
    const char *fn = mty && mty->kind == TY_MESSAGE &&
                             !ec_msg_replied(E, mty->decl)
                         ? "ar_send_anon"
                         : "ar_send";
    if (s->u.send.else_) {
      ec_line(E, "if (%s(%s, %s) != AR_OK) {", fn, tgt, msg);
      E->ind++;
      st(E, s->u.send.else_);
      E->ind--;
      ec_line(E, "}");
    } else
      ec_line(E, "(void)%s(%s, %s);", fn, tgt, msg);
    break;
  }
  case STMT_REPLY: {
    ec_hoist_expr(E, s->u.reply.value);
    const char *v = ex(E, s->u.reply.value, EX_OWN, NULL);
    if (!ec_ring_reply(E, v))
      ec_line(E, "(void)ar_reply(F->ag_req, %s);", v);
    break;
  }
  case STMT_CHAN_SEND:
    ec_hoist_expr(E, s->u.chan_send.chan);
    ec_hoist_expr(E, s->u.chan_send.value);
    st_chan_send(E, s);
    break;
  case STMT_SELECT: st_select(E, s); break;
  case STMT_FAIL:
    ec_hoist_expr(E, s->u.fail.message);
    ec_line(E, "ar_fault_str(%s);", ex(E, s->u.fail.message, EX_OWN, NULL));
    break;
  default: ec_unsupported(E, s->sp, "this statement"); break;
  }
  E->hoists.len = mark;
}

/* ------------------------------------------------------------ bodies */

static const char *ec_self_type(ec *E, ir_body *b) {
  return b->actor ? ec_printf(E, "%s *", b->actor->cname) : NULL;
}

/* Does the body put its frame on the runtime's unwind chain
 * (ar_frame_push, SCHEDULER.md 7.1)?  A suspending handler, `run` or `main`
 * body does during its first segment (a fault would leak the heap frame);
 * a suspending function's frame belongs to its caller's.  A synchronous
 * body does when a fault would leave an owned value behind: an owned local
 * other than the handler's message binding (an undisposed request is freed
 * by the runtime itself), or an owned temporary.  Hot handlers that own
 * nothing else pay nothing. */
static bool ec_body_unwinds(ec *E, ir_body *b, bool is_fn) {
  if (b->can_suspend)
    return !is_fn;
  ir_local *bind = b->kind == IR_HANDLER
                       ? lower_local(E->ir, b->handler->binding_sym)
                       : NULL;
  for (uint32_t i = 0; i < b->locals.len; i++) {
    ir_local *l = b->locals.items[i];
    if (!l->is_view && l != bind && ec_needs_drop(l->ty))
      return true;
  }
  for (uint32_t i = 0; i < E->temps.len; i++)
    if (((ec_temp *)E->temps.items[i])->owned)
      return true;
  return false;
}

void emit_c_body(ec *E, ir_body *b) {
  E->body = b;
  E->temps.len = 0;
  E->hoists.len = 0;
  E->ntemp = 0;
  E->used_done = false;
  E->susp = 0;
  ec_buf body;
  body.p = NULL;
  body.n = 0;
  body.f = open_memstream(&body.p, &body.n);
  FILE *saved = E->b;
  E->b = body.f;
  E->ind = b->can_suspend ? 2 : 1;
  /* borrowed parameters (&T) are views: the caller keeps ownership */
  for (uint32_t i = 0; b->fn && b->kind != IR_MAIN && i < b->fn->u.fn.params.len;
       i++) {
    ast_param *p = b->fn->u.fn.params.items[i];
    ir_local *l = lower_local(E->ir, p->sym);
    if (l && ((p->sym->ty && p->sym->ty->kind == TY_BORROW) ||
              (p->type && p->type->kind == TE_BORROW)))
      l->is_view = true;
  }
  if (b->child) {
    /* a supervisor child's arguments, fresh owned values for each
     * incarnation (docs/backend.md "Supervisors") */
    ast_decl *d = b->actor->decl;
    for (uint32_t i = 0;
         i < b->child->args.len && i < d->u.actor.params.len; i++) {
      ast_param *p = d->u.actor.params.items[i];
      ast_expr *v = b->child->args.items[i];
      ec_hoist_expr(E, v);
      ec_line(E, "self->%s = %s;", ec_id(E, p->name.name),
              ex(E, v, EX_OWN, p->sym->ty));
    }
  } else if (b->kind == IR_INIT) {
    ast_decl *d = b->actor->decl;
    for (uint32_t i = 0; i < d->u.actor.state.len; i++) {
      ast_stmt *s = d->u.actor.state.items[i];
      type *t = s->u.let.sym ? s->u.let.sym->ty : NULL;
      if (!t)
        continue;
      ec_hoist_expr(E, s->u.let.init);
      ec_line(E, "self->%s = %s;", ec_id(E, s->u.let.name.name),
              s->u.let.init ? ex(E, s->u.let.init, EX_OWN, t) : ec_zero(E, t));
    }
  }
  if (b->block) {
    if (b->block->kind == STMT_BLOCK)
      for (uint32_t i = 0; i < b->block->u.block.stmts.len; i++)
        st(E, b->block->u.block.stmts.items[i]);
    else
      st(E, b->block);
  }
  fclose(body.f);
  E->b = saved;

  /* the frame */
  FILE *o = E->code.f;
  type *rt = b->fn && b->fn->u.fn.ret ? b->fn->u.fn.ret->ty : NULL;
  if (rt && ec_strip(rt)->kind == TY_UNIT)
    rt = NULL;
  const char *rct = rt ? ec_ctype(E, rt) : "void";
  FILE *fo = o;
  o = E->frames.f;
  bool is_fn = b->kind == IR_FN || b->kind == IR_AFN;
  bool unwind = ec_body_unwinds(E, b, is_fn);
  fprintf(E->protos.f, "typedef struct %s %s;\n", b->frame, b->frame);
  fprintf(o, "/* %s */\nstruct %s {\n", ec_loc(E, b->sp), b->frame);
  if (unwind)
    fprintf(o, "  ar_frame ag_fr;       /* unwind chain (first member) */\n");
  fprintf(o, "  uint32_t ag_state;\n");
  fprintf(o, "  ar_status ag_st;      /* send / channel operation result */\n");
  if (b->can_suspend)
    fprintf(o, "  int ag_ev_kind;\n  uint64_t ag_ev_u;\n  void *ag_ev_p;\n"

               "  uint64_t ag_slot;     /* channel slot received */\n"
               "  int32_t ag_idx;       /* select case */\n"
               "  ar_chan_op *ag_op;    /* pending channel op */\n");
  if (b->kind == IR_HANDLER)
    fprintf(o, "  ar_msg *ag_req;\n");
  if (rt)
    fprintf(o, "  %s ag_ret;\n", rct);
  for (uint32_t i = 0; i < b->locals.len; i++) {
    ir_local *l = b->locals.items[i];
    fprintf(o, "  %s %s;%s\n", ec_ctype(E, l->ty), l->cname,
            l->is_view ? " /* view */" : "");
  }
  for (uint32_t i = 0; i < E->temps.len; i++) {
    ec_temp *t = E->temps.items[i];
    fprintf(o, "  %s %s%s;\n", t->ctype, t->name, t->suffix);
  }
  fprintf(o, "};\n\n");
  o = fo;

  /* the signature */
  const char *self_t = ec_self_type(E, b);
  const char *params = "";
  if (self_t)
    params = ec_printf(E, "%sself", self_t);
  if (b->kind == IR_HANDLER)
    params = ec_printf(E, "%s, ar_msg *ag_msg", params);
  if (b->fn && b->kind != IR_MAIN)
    for (uint32_t i = 0; i < b->fn->u.fn.params.len; i++) {
      ast_param *p = b->fn->u.fn.params.items[i];
      params = ec_printf(E, "%s%s%s p_%s", params, *params ? ", " : "",
                         ec_ctype(E, p->sym->ty), p->name.name);
    }
  if (!*params)
    params = "void";
  const char *body_self = b->kind == IR_FN ? "ar_actor *ag_self"
                                           : ec_printf(E, "%sself", self_t);
  if (b->can_suspend)
    fprintf(E->protos.f, "static bool %s__body(%s, %s *F);\n", b->cname,
            body_self, b->frame);
  if (!b->can_suspend || !is_fn)
    fprintf(E->protos.f, "static %s %s(%s);\n", rct, b->cname, params);

  /* drops at exit: every owned slot (moved-out ones are empty) */
  ec_buf ex_;
  ex_.p = NULL;
  ex_.n = 0;
  ex_.f = open_memstream(&ex_.p, &ex_.n);
  for (uint32_t i = 0; i < b->locals.len; i++) {
    ir_local *l = b->locals.items[i];
    if (!l->is_view && ec_needs_drop(l->ty))
      fprintf(ex_.f, "  %s;\n",
              ec_drop(E, l->ty, ec_printf(E, "F->%s", l->cname)));
  }
  for (uint32_t i = 0; i < E->temps.len; i++) {
    ec_temp *t = E->temps.items[i];
    if (t->owned)
      fprintf(ex_.f, "  %s;\n",
              ec_drop(E, t->ty, ec_printf(E, "F->%s", t->name)));
  }
  if (b->kind == IR_HANDLER && !b->handler->binding_sym)
    fprintf(ex_.f, "  if (F->ag_req) ar_msg_free(F->ag_req);\n");
  fclose(ex_.f);
  if (b->can_suspend) {
    /* a suspending body's frame can be torn down half-way (the actor
     * stopped while it waited): X__frame_drop cancels a pending channel
     * op, drops a callee's frame, then every owned slot; the normal exit
     * uses it too. */
    fprintf(E->protos.f, "static void %s__frame_drop(%s *F);\n", b->cname,
            b->frame);
    fprintf(o, "static void %s__frame_drop(%s *F) {\n"
               "  if (F->ag_op) {\n    (void)ar_chan_op_end(F->ag_op, NULL, NULL);\n"
               "    F->ag_op = NULL;\n  }\n",
            b->cname, b->frame);
    for (uint32_t i = 0; i < E->temps.len; i++) {
      ec_temp *t = E->temps.items[i];
      if (t->child)
        fprintf(o, "  if (F->%s) {\n    %s__frame_drop(F->%s);\n    free(F->%s);\n"
                   "    F->%s = NULL;\n  }\n",
                t->name, t->child->cname, t->name, t->name, t->name);
    }
    if (ex_.n)
      fwrite(ex_.p, 1, ex_.n, o);
    fprintf(o, "}\n\n");
    free(ex_.p);
    ex_.p = NULL;
    ex_.f = open_memstream(&ex_.p, &ex_.n);
    fprintf(ex_.f, "  %s__frame_drop(F);\n", b->cname);
    fclose(ex_.f);
  }
  if (unwind) {
    /* run by the runtime if the body faults while its frame is on the
     * unwind chain (ar_frame_push, SCHEDULER.md 7.1): drop what the frame
     * owns; a suspending body's heap frame is freed too */
    fprintf(E->protos.f, "static void %s__unwind(ar_frame *ag_f);\n",
            b->cname);
    fprintf(o, "static void %s__unwind(ar_frame *ag_f) {\n"
               "  %s *F = (%s *)(void *)ag_f;\n",
            b->cname, b->frame, b->frame);
    if (ex_.n)
      fwrite(ex_.p, 1, ex_.n, o);
    if (b->can_suspend)
      fprintf(o, "  free(F);\n");
    fprintf(o, "}\n\n");
  }

  const char *entry_init = "";
  if (b->kind == IR_HANDLER) {
    ir_local *bl = lower_local(E->ir, b->handler->binding_sym);
    entry_init = bl ? ec_printf(E, "  F->ag_req = ag_msg;\n  F->%s = ag_msg;\n",
                                bl->cname)
                    : "  F->ag_req = ag_msg;\n";
  }
  if (b->fn && b->kind != IR_MAIN)
    for (uint32_t i = 0; i < b->fn->u.fn.params.len; i++) {
      ast_param *p = b->fn->u.fn.params.items[i];
      ir_local *l = lower_local(E->ir, p->sym);
      if (l) {
        entry_init = ec_printf(E, "%s  F->%s = p_%s;\n", entry_init, l->cname,
                               p->name.name);
      }
    }
  if (b->kind == IR_MAIN && b->fn->u.fn.params.len) {
    ast_param *p = b->fn->u.fn.params.items[0];
    ir_local *l = lower_local(E->ir, p->sym);
    if (l)
      entry_init = ec_printf(
          E,
          "  F->%s = ar_list_new(&ar_vt_str, ar_argc());\n"
          "  for (int i = 0; i < ar_argc(); i++)\n"
          "    ar_list_push(F->%s, &(ar_str *){ar_str_new(ar_argv()[i], "
          "strlen(ar_argv()[i]))});\n",
          l->cname, l->cname);
  }

  if (!b->can_suspend) {
    fprintf(o, "/* %s */\nstatic %s %s(%s) {\n", ec_loc(E, b->sp), rct,
            b->cname, params);
    fprintf(o, "  %s F_;\n  %s *F = &F_;\n  memset(F, 0, sizeof F_);\n", b->frame,
            b->frame);
    if (self_t)
      fprintf(o, "  (void)self;\n");
    fputs(entry_init, o);
    if (unwind)
      fprintf(o, "  ar_frame_push(&F->ag_fr, %s__unwind);\n", b->cname);
    if (body.n)
      fwrite(body.p, 1, body.n, o);
    if (E->used_done)
      fputs("ag_done:;\n", o);
    if (unwind)
      fprintf(o, "  ar_frame_pop(&F->ag_fr);\n");
    if (ex_.n)
      fwrite(ex_.p, 1, ex_.n, o);
    fprintf(o, "%s}\n\n", rt ? "  return F->ag_ret;\n" : "");
  } else {
    /* the state machine body + an entry that allocates the frame */
    fprintf(o, "/* %s */\nstatic bool %s__body(%s, %s *F) {\n"
               "  switch (F->ag_state) {\n  case 0:;\n",
            ec_loc(E, b->sp), b->cname, body_self, b->frame);
    if (body.n)
      fwrite(body.p, 1, body.n, o);
    fprintf(o, "  }\n");
    if (E->used_done)
      fputs("ag_done:;\n", o);
    if (ex_.n)
      fwrite(ex_.p, 1, ex_.n, o);
    fprintf(o, "  return true;\n}\n\n");
    if (is_fn)
      goto done; /* callers allocate the frame (ec_hoist_call) */
    fprintf(o, "/* %s */\nstatic void %s(%s) {\n", ec_loc(E, b->sp), b->cname,
            params);
    fprintf(o, "  %s *F = calloc(1, sizeof *F);\n", b->frame);
    fputs(entry_init, o);
    /* the first segment runs with the heap frame on the unwind chain (a
     * fault drops and frees it); once suspended, the actor owns it
     * (self->ag_frame, dropped by on_stop) */
    fprintf(o, "  ar_frame_push(&F->ag_fr, %s__unwind);\n"
               "  bool done = %s__body(self, F);\n"
               "  ar_frame_pop(&F->ag_fr);\n"
               "  if (done) {\n    free(F);\n    return;\n  }\n"
               "  self->ag_frame = F;\n  self->ag_body = %u;\n}\n\n",
            b->cname, b->cname, b->index);
  }
done:
  free(body.p);
  free(ex_.p);
}

