/* emit_c_check.c — phase 7a, first step: walks every reachable body and
 * reports E0601 for constructs the C backend does not support yet, before
 * any C is written, so that an unsupported program never reaches the C
 * compiler (docs/backend.md lists what is supported).
 */
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "emit_c.h"

/* ------------------------------------------------------------ support check */

static void chk_expr(ec *E, ast_expr *e);
static void chk_stmt(ec *E, ast_stmt *s);

#define AR_SELECT_MAX_ARMS 64

/* Can the body being checked suspend (handler, run, main)? */
static bool ec_can_suspend_here(ec *E) {
  ir_body_kind k = E->body->kind;
  return k != IR_STOP && k != IR_INIT;
}

/* Where a suspension is not allowed, for the message. */
static const char *ec_nosusp_where(ec *E) {
  return E->body->child ? "a supervisor child argument"
                        : "`on stop` or a state initialiser";
}

/* Can a value of type t travel in a 64-bit channel slot? */
static bool ec_slot_ok(type *t) {
  t = ec_strip(t);
  if (!t)
    return false;
  if ((t->kind >= TY_BOOL && t->kind <= TY_F64) || t->kind == TY_DURATION ||
      t->kind == TY_TIME || t->kind == TY_ENUM)
    return true;
  return ec_is_ptr(t) || ec_is_boxed(t);
}

static void chk_list(ec *E, ast_list *l) {
  for (uint32_t i = 0; i < l->len; i++)
    chk_expr(E, l->items[i]);
}

/* Does e contain a suspension point or a match (which must be hoisted to
 * statement level)? */
static bool has_hoist(ec *E, ast_expr *e, int depth);

static bool has_hoist_list(ec *E, ast_list *l, int depth) {
  for (uint32_t i = 0; i < l->len; i++)
    if (has_hoist(E, l->items[i], depth))
      return true;
  return false;
}

bool ec_has_hoist(ec *E, ast_expr *e) { return has_hoist(E, e, 0); }

static bool has_hoist(ec *E, ast_expr *e, int depth) {
  if (!e || depth > 200)
    return false;
  if (lower_is_susp(e) || e->kind == EXPR_MATCH ||
      lower_call_suspends(E->ir, e))
    return true;
  switch (e->kind) {
  case EXPR_STR:
    for (uint32_t i = 0; i < e->u.str.parts.len; i++)
      if (has_hoist(E, AST_AT(e->u.str.parts, i, ast_str_part)->expr, depth + 1))
        return true;
    return false;
  case EXPR_FIELD: return has_hoist(E, e->u.field.obj, depth + 1);
  case EXPR_INDEX:
    return has_hoist(E, e->u.index.obj, depth + 1) ||
           has_hoist(E, e->u.index.index, depth + 1);
  case EXPR_CALL:
    return has_hoist(E, e->u.call.callee, depth + 1) ||
           has_hoist_list(E, &e->u.call.args, depth + 1);
  case EXPR_UNARY: return has_hoist(E, e->u.unary.operand, depth + 1);
  case EXPR_BINARY:
    return has_hoist(E, e->u.binary.lhs, depth + 1) ||
           has_hoist(E, e->u.binary.rhs, depth + 1);
  case EXPR_RANGE:
    return has_hoist(E, e->u.range.lo, depth + 1) ||
           has_hoist(E, e->u.range.hi, depth + 1);
  case EXPR_CAST: return has_hoist(E, e->u.cast.expr, depth + 1);
  case EXPR_RECORD:
    for (uint32_t i = 0; i < e->u.record.fields.len; i++)
      if (has_hoist(E, AST_AT(e->u.record.fields, i, ast_field_init)->value,
                    depth + 1))
        return true;
    return false;
  case EXPR_LIST:
  case EXPR_TUPLE: return has_hoist_list(E, &e->u.list.items, depth + 1);
  case EXPR_MAP:
    for (uint32_t i = 0; i < e->u.map.entries.len; i++) {
      ast_map_entry *me = e->u.map.entries.items[i];
      if (has_hoist(E, me->key, depth + 1) || has_hoist(E, me->value, depth + 1))
        return true;
    }
    return false;
  case EXPR_SPAWN: return has_hoist_list(E, &e->u.spawn.args, depth + 1);
  case EXPR_FREEZE:
  case EXPR_COPY:
  case EXPR_TAKE:
  case EXPR_BORROW: return has_hoist(E, e->u.wrap.operand, depth + 1);
  default: return false;
  }
}

static void chk_expr(ec *E, ast_expr *e) {
  if (!e)
    return;
  switch (e->kind) {
  case EXPR_RECV:
    if (!ec_can_suspend_here(E)) {
      ec_unsupported(E, e->sp, ec_printf(E, "`<-` in %s", ec_nosusp_where(E)));
      return;
    }
    break;
  case EXPR_ASK:
    if (!ec_can_suspend_here(E)) {
      ec_unsupported(E, e->sp, ec_printf(E, "`ask` in %s", ec_nosusp_where(E)));
      return;
    }
    break;
  case EXPR_CALL:
    if (lower_call_suspends(E->ir, e) && !ec_can_suspend_here(E)) {
      ec_unsupported(E, e->sp, ec_printf(E, "calling a suspending function from %s", ec_nosusp_where(E)));
      return;
    }
    emit_c_codec_check(E, e); /* issue 6: wire builtins */
    switch (e->u.call.builtin) {
    case BI_SLEEP:
      if (!ec_can_suspend_here(E))
        ec_unsupported(E, e->sp, ec_printf(E, "`sleep` in %s", ec_nosusp_where(E)));
      break;
    default: break; /* thread builtins: ring handlers only (E0309) */
    }
    break;
  case EXPR_FIELD: {
    type *ot = e->u.field.obj && e->u.field.obj->ty ? ec_strip(e->u.field.obj->ty) : NULL;
    if (ot && (ot->kind == TY_MESSAGE || ot->kind == TY_STRUCT) &&
        e->u.field.tuple_index < 0) {
      bool found = false;
      for (uint32_t i = 0; i < ot->decl->u.record.fields.len; i++)
        if (AST_AT(ot->decl->u.record.fields, i, ast_field)->name.name ==
            e->u.field.field.name)
          found = true;
      const char *fn = e->u.field.field.name;
      if (!found && ot->kind == TY_MESSAGE && ac_header_index(fn) >= 0)
        found = true;
      if (!found) {
        ec_unsupported(E, e->sp, "this field");
        return;
      }
    }
    break;
  }
  default: break;
  }
  if (e->ty) {
    type *t = ec_strip(e->ty);
    if (t->kind == TY_CHAN && !ec_slot_ok(t->elem)) {
      ec_unsupported(E, e->sp, "a channel of this element type");
      return;
    }
  }
  switch (e->kind) {
  case EXPR_STR:
    for (uint32_t i = 0; i < e->u.str.parts.len; i++)
      chk_expr(E, AST_AT(e->u.str.parts, i, ast_str_part)->expr);
    break;
  case EXPR_FIELD: chk_expr(E, e->u.field.obj); break;
  case EXPR_INDEX:
    chk_expr(E, e->u.index.obj);
    chk_expr(E, e->u.index.index);
    break;
  case EXPR_CALL:
    chk_expr(E, e->u.call.callee);
    chk_list(E, &e->u.call.args);
    break;
  case EXPR_UNARY: chk_expr(E, e->u.unary.operand); break;
  case EXPR_BINARY:
    chk_expr(E, e->u.binary.lhs);
    chk_expr(E, e->u.binary.rhs);
    break;
  case EXPR_RANGE:
    chk_expr(E, e->u.range.lo);
    chk_expr(E, e->u.range.hi);
    break;
  case EXPR_CAST: chk_expr(E, e->u.cast.expr); break;
  case EXPR_RECORD:
    for (uint32_t i = 0; i < e->u.record.fields.len; i++)
      chk_expr(E, AST_AT(e->u.record.fields, i, ast_field_init)->value);
    break;
  case EXPR_LIST:
  case EXPR_TUPLE: chk_list(E, &e->u.list.items); break;
  case EXPR_MAP:
    for (uint32_t i = 0; i < e->u.map.entries.len; i++) {
      ast_map_entry *me = e->u.map.entries.items[i];
      chk_expr(E, me->key);
      chk_expr(E, me->value);
    }
    break;
  case EXPR_SPAWN:
    if (!e->u.spawn.sym || !e->u.spawn.sym->decl) {
      ec_unsupported(E, e->sp, "this spawn");
      return;
    }
    chk_list(E, &e->u.spawn.args);
    break;
  case EXPR_ASK:
    chk_expr(E, e->u.ask.target);
    chk_expr(E, e->u.ask.msg);
    chk_expr(E, e->u.ask.timeout);
    break;
  case EXPR_FREEZE:
  case EXPR_COPY:
  case EXPR_TAKE:
  case EXPR_BORROW: chk_expr(E, e->u.wrap.operand); break;
  case EXPR_MATCH:
    chk_expr(E, e->u.match.scrutinee);
    for (uint32_t i = 0; i < e->u.match.arms.len; i++) {
      ast_match_arm *a = e->u.match.arms.items[i];
      chk_expr(E, a->guard); /* suspending guards: ec_match_hoisted_guard */
      chk_expr(E, a->expr);
      chk_stmt(E, a->block);
    }
    break;
  default: break;
  }
}

static void chk_stmt(ec *E, ast_stmt *s) {
  if (!s)
    return;
  switch (s->kind) {
  case STMT_LET: chk_expr(E, s->u.let.init); break;
  case STMT_ASSIGN:
    chk_expr(E, s->u.assign.lhs);
    chk_expr(E, s->u.assign.rhs);
    break;
  case STMT_EXPR: chk_expr(E, s->u.expr.expr); break;
  case STMT_BLOCK:
    for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
      chk_stmt(E, s->u.block.stmts.items[i]);
    break;
  case STMT_IF:
    chk_expr(E, s->u.if_.cond);
    chk_stmt(E, s->u.if_.then_);
    chk_stmt(E, s->u.if_.else_);
    break;
  case STMT_WHILE:
    chk_expr(E, s->u.while_.cond);
    chk_stmt(E, s->u.while_.body);
    break;
  case STMT_FOR: {
    type *it = s->u.for_.iter ? ec_strip(s->u.for_.iter->ty) : NULL;
    if (it && it->kind == TY_CHAN && !ec_can_suspend_here(E)) {
      ec_unsupported(E, s->sp, ec_printf(E, "`for` over a channel in %s", ec_nosusp_where(E)));
      return;
    }
    chk_expr(E, s->u.for_.iter);
    chk_stmt(E, s->u.for_.body);
    break;
  }
  case STMT_RETURN: chk_expr(E, s->u.ret.value); break;
  case STMT_SEND:
    chk_expr(E, s->u.send.target);
    chk_expr(E, s->u.send.msg);
    chk_stmt(E, s->u.send.else_);
    break;
  case STMT_CHAN_SEND:
    if (!ec_can_suspend_here(E))
      ec_unsupported(E, s->sp, "`ch <- v` in `on stop` or a state initialiser");
    chk_expr(E, s->u.chan_send.chan);
    chk_expr(E, s->u.chan_send.value);
    break;
  case STMT_SELECT:
    if (!ec_can_suspend_here(E))
      ec_unsupported(E, s->sp, "`select` in `on stop` or a state initialiser");
    if (s->u.select.arms.len > AR_SELECT_MAX_ARMS)
      ec_unsupported(E, s->sp, "a `select` with more than 64 arms");
    for (uint32_t i = 0; i < s->u.select.arms.len; i++) {
      ast_select_arm *a = s->u.select.arms.items[i];
      chk_expr(E, a->chan);
      chk_expr(E, a->value);
      chk_stmt(E, a->body);
    }
    break;
  case STMT_REPLY: chk_expr(E, s->u.reply.value); break;
  case STMT_FAIL: chk_expr(E, s->u.fail.message); break;
  default: break;
  }
}

void emit_c_check_body(ec *E, ir_body *b) {
  E->body = b;
  if (b->child) {
    chk_list(E, &b->child->args);
  } else if (b->kind == IR_INIT) {
    ast_decl *d = b->actor->decl;
    for (uint32_t i = 0; i < d->u.actor.state.len; i++)
      chk_expr(E, AST_AT(d->u.actor.state, i, ast_stmt)->u.let.init);
  }
  chk_stmt(E, b->block);
}

