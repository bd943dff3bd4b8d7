/* lower.c — phase 6 (passes.h): from the checked AST to the tables of ir.h
 * that the C emitter follows: reachability from `main`, message type ids,
 * C names, and per body the locals hoisted into its frame and its
 * suspension points.  Codes E05xx.  It never rewrites the AST and never
 * writes C; decisions made here are the ones codegen must not make.
 */
#include <string.h>

#include "builtins.h"
#include "ir.h"

typedef struct lower_cx {
  ac_ctx *cx;
  ir_program *ir;
  ast_list work;        /* ir_body* still to scan */
  ir_body *cur;
  ast_list seen_fns;    /* ast_decl* */
} lower_cx;

/* ------------------------------------------------------------ names */

/* C keywords (C11 and C23) and identifiers the headers of the emitted code
 * define as object-like macros or use as types (stdbool, stdint, errno,
 * stdio, gnu predefines), plus names of the generated code itself.  A value
 * name of the language starts with [a-z_], so only lower-case ones matter. */
static const char *const lower_c_reserved[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do",
    "double", "else", "enum", "extern", "float", "for", "goto", "if",
    "inline", "int", "long", "register", "restrict", "return", "short",
    "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
    "unsigned", "void", "volatile", "while", "bool", "true", "false",
    "alignas", "alignof", "constexpr", "nullptr", "static_assert",
    "thread_local", "typeof", "typeof_unqual", "noreturn", "asm",
    "complex", "imaginary", "errno", "stdin", "stdout", "stderr", "assert",
    "offsetof", "linux", "unix", "i386", "main", "self", "base", NULL};

/* The C identifier of a source value name (field, parameter, state, local):
 * the name itself, or `ag_u_<name>` when it is reserved in C (above) or
 * starts with a prefix the generated code or C reserves (`ag_`, `ar_`, `_`).
 * Every identifier the emitter generates starts with `ag_`/`ar_`, and every
 * mangled one with `ag_u_`, so the mapping is injective and never meets a
 * generated name (docs/backend.md "Names"). */
const char *lower_cident(ac_ctx *cx, const char *name) {
  bool mangle = strncmp(name, "ag_", 3) == 0 || strncmp(name, "ar_", 3) == 0 ||
                name[0] == '_';
  for (int i = 0; !mangle && lower_c_reserved[i]; i++)
    mangle = strcmp(lower_c_reserved[i], name) == 0;
  return mangle ? arena_sprintf(cx->perm, "ag_u_%s", name) : name;
}

/* ------------------------------------------------------------ locals */

static uint32_t lower_hash(const void *p, uint32_t cap) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 29;
  x *= 0x9e3779b97f4a7c15ull;
  return (uint32_t)(x >> 32) & (cap - 1);
}

static void lower_map_put(lower_cx *lc, sym *s, ir_local *l);

static void lower_map_grow(lower_cx *lc) {
  ir_program *ir = lc->ir;
  sym **ok = ir->lk_keys;
  ir_local **ov = ir->lk_vals;
  uint32_t oc = ir->lk_cap;
  ir->lk_cap = oc ? oc * 2 : 256;
  ir->lk_keys = arena_alloc(lc->cx->perm, sizeof(sym *) * ir->lk_cap);
  ir->lk_vals = arena_alloc(lc->cx->perm, sizeof(ir_local *) * ir->lk_cap);
  ir->lk_count = 0; /* recounted by the re-insertions */
  for (uint32_t i = 0; i < oc; i++)
    if (ok[i])
      lower_map_put(lc, ok[i], ov[i]);
}

static void lower_map_put(lower_cx *lc, sym *s, ir_local *l) {
  ir_program *ir = lc->ir;
  if (!ir->lk_cap || (lc->ir->lk_count + 1) * 2 > ir->lk_cap)
    lower_map_grow(lc);
  uint32_t i = lower_hash(s, ir->lk_cap);
  while (ir->lk_keys[i] && ir->lk_keys[i] != s)
    i = (i + 1) & (ir->lk_cap - 1);
  if (!ir->lk_keys[i])
    lc->ir->lk_count++;
  ir->lk_keys[i] = s;
  ir->lk_vals[i] = l;
}

ir_local *lower_local(ir_program *ir, const sym *s) {
  if (!s || !ir->lk_cap)
    return NULL;
  uint32_t i = lower_hash(s, ir->lk_cap);
  while (ir->lk_keys[i]) {
    if (ir->lk_keys[i] == s)
      return ir->lk_vals[i];
    i = (i + 1) & (ir->lk_cap - 1);
  }
  return NULL;
}

bool lower_is_actor_param(ir_program *ir, const sym *s) {
  for (uint32_t i = 0; i < ir->actor_params.len; i++)
    if (ir->actor_params.items[i] == s)
      return true;
  return false;
}

uint32_t lower_msg_id(ir_program *ir, const ast_decl *msg) {
  for (uint32_t i = 0; i < ir->msgs.len; i++)
    if (ir->msgs.items[i] == msg)
      return i + 1;
  return 0;
}

static void lower_add_local(lower_cx *lc, sym *s, bool is_param) {
  if (!s || lower_local(lc->ir, s))
    return;
  ir_body *b = lc->cur;
  ir_local *l = ARENA_NEW(lc->cx->perm, ir_local);
  l->s = s;
  l->ty = s->ty;
  l->is_param = is_param;
  const char *base = lower_cident(lc->cx, s->name ? s->name : "tmp");
  /* a second local of the same name gets `_N`; the candidate is checked
   * against every C name already used (a user's `x_1` included) */
  const char *cn = base;
  for (int dup = 1;; dup++) {
    bool used = false;
    for (uint32_t i = 0; i < b->locals.len && !used; i++)
      used = strcmp(AST_AT(b->locals, i, ir_local)->cname, cn) == 0;
    if (!used)
      break;
    cn = arena_sprintf(lc->cx->perm, "%s_%d", base, dup);
  }
  l->cname = cn;
  ast_list_push(lc->cx->perm, &b->locals, l);
  lower_map_put(lc, s, l);
}

/* ------------------------------------------------------------ bodies */

static ir_body *lower_new_body(lower_cx *lc, ir_body_kind k, ir_actor *a,
                               const char *cname, ast_stmt *block, span sp) {
  ir_body *b = ARENA_NEW(lc->cx->perm, ir_body);
  b->kind = k;
  b->actor = a;
  b->cname = cname;
  b->frame = arena_sprintf(lc->cx->perm, "%s__frame", cname);
  b->block = block;
  b->sp = sp;
  if (a) {
    b->index = a->bodies.len;
    ast_list_push(lc->cx->perm, &a->bodies, b);
  }
  ast_list_push(lc->cx->perm, &lc->work, b);
  ast_list_push(lc->cx->perm, &lc->ir->all_bodies, b);
  return b;
}

static ir_actor *lower_actor(lower_cx *lc, ast_decl *d) {
  for (uint32_t i = 0; i < lc->ir->actors.len; i++)
    if (AST_AT(lc->ir->actors, i, ir_actor)->decl == d)
      return lc->ir->actors.items[i];
  ac_ctx *cx = lc->cx;
  ir_actor *a = ARENA_NEW(cx->perm, ir_actor);
  a->decl = d;
  a->name = d->name.name;
  a->cname = arena_sprintf(cx->perm, "ag_%s", d->name.name);
  ast_list_push(cx->perm, &lc->ir->actors, a);
  for (uint32_t i = 0; i < d->u.actor.params.len; i++) {
    ast_param *p = AST_AT(d->u.actor.params, i, ast_param);
    if (p->sym)
      ast_list_push(cx->perm, &lc->ir->actor_params, p->sym);
  }
  a->init = lower_new_body(lc, IR_INIT, a,
                           arena_sprintf(cx->perm, "%s__init", a->cname), NULL,
                           d->sp);
  for (uint32_t i = 0; i < d->u.actor.handlers.len; i++) {
    ast_handler *h = AST_AT(d->u.actor.handlers, i, ast_handler);
    const char *mn = h->msg_sym ? h->msg_sym->name : h->name.name;
    ir_body *b = lower_new_body(
        lc, IR_HANDLER, a, arena_sprintf(cx->perm, "%s__on_%s", a->cname, mn),
        h->body, h->sp);
    b->handler = h;
  }
  if (d->u.actor.run)
    a->run = lower_new_body(lc, IR_RUN, a,
                            arena_sprintf(cx->perm, "%s__run", a->cname),
                            d->u.actor.run, d->u.actor.run->sp);
  if (d->u.actor.on_stop)
    a->stop = lower_new_body(lc, IR_STOP, a,
                             arena_sprintf(cx->perm, "%s__stop", a->cname),
                             d->u.actor.on_stop, d->u.actor.on_stop->sp);
  for (uint32_t i = 0; i < d->u.actor.fns.len; i++) {
    ast_decl *f = AST_AT(d->u.actor.fns, i, ast_decl);
    ir_body *b = lower_new_body(
        lc, IR_AFN, a,
        arena_sprintf(cx->perm, "%s__fn_%s", a->cname, f->name.name),
        f->u.fn.body, f->sp);
    b->fn = f;
  }
  return a;
}

/* A supervisor and every child's actor type. */
static void lower_supervisor(lower_cx *lc, ast_decl *d) {
  for (uint32_t i = 0; i < lc->ir->sups.len; i++)
    if (lc->ir->sups.items[i] == d)
      return;
  ast_list_push(lc->cx->perm, &lc->ir->sups, d);
  for (uint32_t i = 0; i < d->u.sup.children.len; i++) {
    ast_child *c = d->u.sup.children.items[i];
    if (c->sym && c->sym->decl && c->sym->decl->kind == DECL_ACTOR) {
      ir_actor *a = lower_actor(lc, c->sym->decl);
      if (c->args.len) {
        /* the arguments: an init-like body of the child's type, evaluated
         * at every (re)start by the child's spawn function */
        ir_body *b = lower_new_body(
            lc, IR_INIT, NULL,
            arena_sprintf(lc->cx->perm, "ag_%s__child%u__args", d->name.name,
                          i),
            NULL, c->sp);
        b->actor = a;
        b->child = c;
        b->sup = d;
        ast_list_push(lc->cx->perm, &lc->ir->child_bodies, b);
      }
    }
    if (c->sym && c->sym->decl && c->sym->decl->kind == DECL_SUPERVISOR)
      lower_supervisor(lc, c->sym->decl);
  }
}

static void lower_fn(lower_cx *lc, ast_decl *f) {
  for (uint32_t i = 0; i < lc->seen_fns.len; i++)
    if (lc->seen_fns.items[i] == f)
      return;
  ast_list_push(lc->cx->perm, &lc->seen_fns, f);
  ir_body *b = lower_new_body(
      lc, IR_FN, NULL, arena_sprintf(lc->cx->perm, "ag_fn_%s", f->name.name),
      f->u.fn.body, f->sp);
  b->fn = f;
  ast_list_push(lc->cx->perm, &lc->ir->fns, b);
}

/* ------------------------------------------------------------ scanning */

bool lower_is_susp(const ast_expr *e) {
  if (!e)
    return false;
  if (e->kind == EXPR_ASK || e->kind == EXPR_RECV)
    return true;
  if (e->kind == EXPR_CALL && e->u.call.builtin == BI_SLEEP)
    return true;
  return false;
}

static void lower_expr(lower_cx *lc, ast_expr *e);
static void lower_stmt(lower_cx *lc, ast_stmt *s);

static void lower_pat(lower_cx *lc, ast_pat *p) {
  for (int guard = 0; p && guard < 64; guard++) {
    if (p->kind == PAT_BIND)
      lower_add_local(lc, p->sym, false);
    p = p->sub;
  }
}

static void lower_exprs(lower_cx *lc, ast_list *l) {
  for (uint32_t i = 0; i < l->len; i++)
    lower_expr(lc, l->items[i]);
}

static void lower_expr(lower_cx *lc, ast_expr *e) {
  if (!e)
    return;
  if (lower_is_susp(e))
    lc->cur->nsusp++;
  if (e->kind == EXPR_CALL && e->u.call.builtin == BI_EXIT)
    lc->cur->may_exit = true;
  switch (e->kind) {
  case EXPR_STR:
    for (uint32_t i = 0; i < e->u.str.parts.len; i++)
      lower_expr(lc, AST_AT(e->u.str.parts, i, ast_str_part)->expr);
    break;
  case EXPR_FIELD: lower_expr(lc, e->u.field.obj); break;
  case EXPR_INDEX:
    lower_expr(lc, e->u.index.obj);
    lower_expr(lc, e->u.index.index);
    break;
  case EXPR_CALL: {
    ast_expr *c = e->u.call.callee;
    if (c->kind == EXPR_NAME && c->u.name.sym &&
        c->u.name.sym->kind == SYM_FN && c->u.name.sym->decl) {
      if (!c->u.name.sym->owner)
        lower_fn(lc, c->u.name.sym->decl);
      ast_list_push(lc->cx->perm, &lc->cur->callees, c->u.name.sym->decl);
    } else
      lower_expr(lc, c);
    lower_exprs(lc, &e->u.call.args);
    break;
  }
  case EXPR_UNARY: lower_expr(lc, e->u.unary.operand); break;
  case EXPR_BINARY:
    lower_expr(lc, e->u.binary.lhs);
    lower_expr(lc, e->u.binary.rhs);
    break;
  case EXPR_RANGE:
    lower_expr(lc, e->u.range.lo);
    lower_expr(lc, e->u.range.hi);
    break;
  case EXPR_CAST: lower_expr(lc, e->u.cast.expr); break;
  case EXPR_RECORD:
    for (uint32_t i = 0; i < e->u.record.fields.len; i++)
      lower_expr(lc, AST_AT(e->u.record.fields, i, ast_field_init)->value);
    break;
  case EXPR_LIST:
  case EXPR_TUPLE: lower_exprs(lc, &e->u.list.items); break;
  case EXPR_MAP:
    for (uint32_t i = 0; i < e->u.map.entries.len; i++) {
      ast_map_entry *me = e->u.map.entries.items[i];
      lower_expr(lc, me->key);
      lower_expr(lc, me->value);
    }
    break;
  case EXPR_SPAWN:
    if (e->u.spawn.sym && e->u.spawn.sym->decl &&
        e->u.spawn.sym->decl->kind == DECL_ACTOR)
      lower_actor(lc, e->u.spawn.sym->decl);
    if (e->u.spawn.sym && e->u.spawn.sym->decl &&
        e->u.spawn.sym->decl->kind == DECL_SUPERVISOR)
      lower_supervisor(lc, e->u.spawn.sym->decl);
    lower_exprs(lc, &e->u.spawn.args);
    break;
  case EXPR_ASK:
    lower_expr(lc, e->u.ask.target);
    lower_expr(lc, e->u.ask.msg);
    lower_expr(lc, e->u.ask.timeout);
    break;
  case EXPR_RECV: lower_expr(lc, e->u.recv.chan); break;
  case EXPR_CHAN_NEW: lower_expr(lc, e->u.chan_new.capacity); break;
  case EXPR_FREEZE:
  case EXPR_COPY:
  case EXPR_TAKE:
  case EXPR_BORROW: lower_expr(lc, e->u.wrap.operand); break;
  case EXPR_MATCH:
    lower_expr(lc, e->u.match.scrutinee);
    for (uint32_t i = 0; i < e->u.match.arms.len; i++) {
      ast_match_arm *a = e->u.match.arms.items[i];
      lower_pat(lc, a->pat);
      lower_expr(lc, a->guard);
      lower_expr(lc, a->expr);
      lower_stmt(lc, a->block);
    }
    break;
  case EXPR_NAME:
  case EXPR_TYPE_NAME: /* upper-case constants */
    if (e->u.name.sym && e->u.name.sym->kind == SYM_CONST &&
        e->u.name.sym->decl)
      lower_expr(lc, e->u.name.sym->decl->u.const_.value);
    break;
  default: break;
  }
}

static void lower_stmt(lower_cx *lc, ast_stmt *s) {
  if (!s)
    return;
  switch (s->kind) {
  case STMT_LET:
    lower_add_local(lc, s->u.let.sym, false);
    lower_expr(lc, s->u.let.init);
    break;
  case STMT_ASSIGN:
    lower_expr(lc, s->u.assign.lhs);
    lower_expr(lc, s->u.assign.rhs);
    break;
  case STMT_EXPR: lower_expr(lc, s->u.expr.expr); break;
  case STMT_BLOCK:
    for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
      lower_stmt(lc, s->u.block.stmts.items[i]);
    break;
  case STMT_IF:
    lower_add_local(lc, s->u.if_.let_sym, false);
    lower_expr(lc, s->u.if_.cond);
    lower_stmt(lc, s->u.if_.then_);
    lower_stmt(lc, s->u.if_.else_);
    break;
  case STMT_WHILE:
    lower_expr(lc, s->u.while_.cond);
    lower_stmt(lc, s->u.while_.body);
    break;
  case STMT_FOR:
    lower_add_local(lc, s->u.for_.first_sym, false);
    lower_add_local(lc, s->u.for_.second_sym, false);
    if (s->u.for_.iter && s->u.for_.iter->ty &&
        s->u.for_.iter->ty->kind == TY_CHAN)
      lc->cur->nsusp++;
    lower_expr(lc, s->u.for_.iter);
    lower_stmt(lc, s->u.for_.body);
    break;
  case STMT_RETURN: lower_expr(lc, s->u.ret.value); break;
  case STMT_SEND:
    if (lower_send_blocks(s))
      lc->cur->nsusp++;
    lower_expr(lc, s->u.send.target);
    lower_expr(lc, s->u.send.msg);
    lower_stmt(lc, s->u.send.else_);
    break;
  case STMT_CHAN_SEND:
    lc->cur->nsusp++;
    lower_expr(lc, s->u.chan_send.chan);
    lower_expr(lc, s->u.chan_send.value);
    break;
  case STMT_REPLY: lower_expr(lc, s->u.reply.value); break;
  case STMT_FAIL: lower_expr(lc, s->u.fail.message); break;
  case STMT_SELECT:
    lc->cur->nsusp++;
    for (uint32_t i = 0; i < s->u.select.arms.len; i++) {
      ast_select_arm *a = s->u.select.arms.items[i];
      lower_add_local(lc, a->sym, false);
      lower_expr(lc, a->chan);
      lower_expr(lc, a->value);
      lower_stmt(lc, a->body);
    }
    break;
  default: break;
  }
}

static void lower_scan(lower_cx *lc, ir_body *b) {
  lc->cur = b;
  if (b->fn)
    for (uint32_t i = 0; i < b->fn->u.fn.params.len; i++)
      lower_add_local(lc, AST_AT(b->fn->u.fn.params, i, ast_param)->sym, true);
  if (b->handler)
    lower_add_local(lc, b->handler->binding_sym, true);
  if (b->child) {
    for (uint32_t i = 0; i < b->child->args.len; i++)
      lower_expr(lc, b->child->args.items[i]);
  } else if (b->kind == IR_INIT) {
    ast_decl *d = b->actor->decl;
    for (uint32_t i = 0; i < d->u.actor.state.len; i++)
      lower_expr(lc, AST_AT(d->u.actor.state, i, ast_stmt)->u.let.init);
  }
  lower_stmt(lc, b->block);
  b->can_suspend = b->nsusp > 0;
}

bool lower_send_blocks(const ast_stmt *s) {
  const ast_expr *t = s->u.send.target;
  const type *ty = t ? t->ty : NULL;
  for (int g = 0; ty && g < 8 && (ty->kind == TY_VAL || ty->kind == TY_BORROW);
       g++)
    ty = ty->elem;
  if (!ty || ty->kind != TY_ACTOR || !ty->decl || ty->decl->kind != DECL_ACTOR)
    return false;
  return ty->decl->u.actor.mailbox_cap &&
         ty->decl->u.actor.mailbox_policy == MB_BLOCK;
}

ir_body *lower_child_body(ir_program *ir, const ast_child *c) {
  for (uint32_t i = 0; i < ir->child_bodies.len; i++) {
    ir_body *b = ir->child_bodies.items[i];
    if (b->child == c)
      return b;
  }
  return NULL;
}

ir_body *lower_fn_body(ir_program *ir, const ast_decl *fn) {
  for (uint32_t i = 0; i < ir->all_bodies.len; i++) {
    ir_body *b = ir->all_bodies.items[i];
    if (b->fn == fn && (b->kind == IR_FN || b->kind == IR_AFN))
      return b;
  }
  return NULL;
}

bool lower_call_suspends(ir_program *ir, const ast_expr *e) {
  if (!e || e->kind != EXPR_CALL || e->u.call.callee->kind != EXPR_NAME)
    return false;
  const sym *s = e->u.call.callee->u.name.sym;
  if (!s || s->kind != SYM_FN || !s->decl)
    return false;
  ir_body *b = lower_fn_body(ir, s->decl);
  return b && b->can_suspend;
}

bool lower_call_exits(ir_program *ir, const ast_expr *e) {
  if (!e || e->kind != EXPR_CALL || e->u.call.callee->kind != EXPR_NAME)
    return false;
  const sym *s = e->u.call.callee->u.name.sym;
  if (!s || s->kind != SYM_FN || !s->decl)
    return false;
  ir_body *b = lower_fn_body(ir, s->decl);
  return b && b->may_exit;
}

/* A body that calls a suspending fn suspends too, and one that calls a fn
 * that may exit may exit (fixpoint over the call graph; bounded by the
 * number of bodies). */
static void lower_propagate(lower_cx *lc) {
  ir_program *ir = lc->ir;
  for (uint32_t round = 0; round <= ir->all_bodies.len; round++) {
    bool changed = false;
    for (uint32_t i = 0; i < ir->all_bodies.len; i++) {
      ir_body *b = ir->all_bodies.items[i];
      for (uint32_t k = 0; k < b->callees.len; k++) {
        ir_body *cb = lower_fn_body(ir, b->callees.items[k]);
        if (cb && cb->can_suspend && !b->can_suspend) {
          b->can_suspend = true;
          changed = true;
        }
        if (cb && cb->may_exit && !b->may_exit) {
          b->may_exit = true;
          changed = true;
        }
      }
    }
    if (!changed)
      break;
  }
  for (uint32_t i = 0; i < ir->all_bodies.len; i++) {
    ir_body *b = ir->all_bodies.items[i];
    if (b->can_suspend && b->actor &&
        (b->kind == IR_HANDLER || b->kind == IR_RUN || b->kind == IR_MAIN))
      b->actor->any_suspend = true;
  }
}

/* ------------------------------------------------------------ entry */

ir_program *lower_program(ac_ctx *cx) { return cx->phase_data[PASS_LOWER]; }

bool lower_run(ac_ctx *cx) {
  lower_cx lc;
  memset(&lc, 0, sizeof lc);
  lc.cx = cx;
  lc.ir = ARENA_NEW(cx->perm, ir_program);
  cx->phase_data[PASS_LOWER] = lc.ir;
  ast_program *prog = cx->prog;
  for (uint32_t m = 0; m < prog->modules.len; m++) {
    ast_module *mod = prog->modules.items[m];
    for (uint32_t i = 0; i < mod->decls.len; i++) {
      ast_decl *d = mod->decls.items[i];
      switch (d->kind) {
      case DECL_MESSAGE: ast_list_push(cx->perm, &lc.ir->msgs, d); break;
      case DECL_STRUCT: ast_list_push(cx->perm, &lc.ir->structs, d); break;
      case DECL_ENUM: ast_list_push(cx->perm, &lc.ir->enums, d); break;
      case DECL_CONST: ast_list_push(cx->perm, &lc.ir->consts, d); break;
      case DECL_FN:
        if (m == 0 && strcmp(d->name.name, "main") == 0)
          lc.ir->main_fn = d;
        break;
      default: break;
      }
    }
  }
  ast_module *root = prog->modules.len ? prog->modules.items[0] : NULL;
  if (!lc.ir->main_fn) {
    span sp = {root ? root->file : 0, 0, 0};
    diag *d = diag_error(cx, sp, "E0501", "no `fn main` in `%s`",
                         root ? root->path : "?");
    diag_label(d, "a program starts at `fn main`");
    diag_help(d, "add `fn main() { ... }`");
    diag_end(d);
    return false;
  }
  ir_actor *ma = ARENA_NEW(cx->perm, ir_actor);
  ma->name = "main";
  ma->cname = "ag_main";
  lc.ir->main = ma;
  ast_list_push(cx->perm, &lc.ir->actors, ma);
  ma->main = lower_new_body(&lc, IR_MAIN, ma, "ag_main__main",
                            lc.ir->main_fn->u.fn.body, lc.ir->main_fn->sp);
  ma->main->fn = lc.ir->main_fn;
  for (uint32_t i = 0; i < lc.work.len; i++)
    lower_scan(&lc, lc.work.items[i]);
  lower_propagate(&lc);
  return true;
}

/* ------------------------------------------------------------ dump */

static const char *const lower_kind_names[] = {"fn", "actor fn", "handler",
                                               "run", "on stop", "main",
                                               "init"};

void lower_dump(ac_ctx *cx, FILE *out) {
  ir_program *ir = lower_program(cx);
  if (!ir)
    return;
  for (uint32_t i = 0; i < ir->msgs.len; i++)
    fprintf(out, "message %s = type %u\n",
            AST_AT(ir->msgs, i, ast_decl)->name.name, i + 1);
  for (uint32_t i = 0; i < ir->sups.len; i++)
    fprintf(out, "supervisor %s\n", AST_AT(ir->sups, i, ast_decl)->name.name);
  for (uint32_t i = 0; i < ir->all_bodies.len; i++) {
    ir_body *b = ir->all_bodies.items[i];
    fprintf(out, "%s %s%s", lower_kind_names[b->kind], b->cname,
            b->can_suspend ? " (suspends" : "");
    if (b->can_suspend)
      fprintf(out, ", %u direct point%s)", b->nsusp, b->nsusp == 1 ? "" : "s");
    fputc('\n', out);
    for (uint32_t k = 0; k < b->locals.len; k++) {
      ir_local *l = b->locals.items[k];
      fprintf(out, "  %s %s: %s\n", l->is_param ? "param" : "local", l->cname,
              types_name(cx, l->ty));
    }
  }
}
