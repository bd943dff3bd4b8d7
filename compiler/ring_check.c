/* ring_check.c — what a ring actor may do (phase 5, run by own_run at its
 * end; codes E0410–E0412).
 *
 * A ring actor's handlers run on a GPU (codegen/emit_ptx.c) and, with no
 * GPU, as the same code on the CPU (codegen/emit_c_ring.c).  Both run
 * exactly the subset accepted here, so anything outside it is this
 * diagnostic, never a back-end failure:
 *   E0410  a construct a GPU cannot run (spawn, ask, send, strings, lists,
 *          maps, channels, printing, optionals, ...) in a ring handler or in
 *          a function it calls;
 *   E0411  a ring actor member other than `on` handlers (state, `run`,
 *          `on stop`, local functions);
 *   E0412  recursion among functions called from a ring actor.
 * The subset (docs/language.md §3.6): scalars, enums, `buf<T>` elements
 * and `len()`, the message's fields, arithmetic, comparisons, casts,
 * `let`/`var`, assignment, `if`, `while`, `for` over ranges, `break`,
 * `continue`, `return` in functions, `reply Record { .. }`, `take(m.f)`,
 * thread builtins, and calls of top-level functions made of the same.
 */
#include "ac.h"
#include "ast.h"
#include "builtins.h"

#include <string.h>

typedef struct rc_cx {
  ac_ctx *cx;
  ast_decl *actor;   /* the ring actor being checked */
  ast_decl *fn;      /* the function being checked, or NULL (a handler) */
  span call_sp;      /* where the ring code calls fn */
  ast_handler *h;    /* the handler (reply is allowed only there) */
  /* functions on the current call path (recursion) and already checked */
  ast_decl *path[64];
  uint32_t npath;
  ast_decl **done;
  uint32_t ndone, capdone;
  bool failed;
  uint32_t reported; /* at most a few E0410 per body: one cause is enough */
} rc_cx;

static void check_stmt(rc_cx *rc, ast_stmt *s);
static void check_expr(rc_cx *rc, ast_expr *e, bool as_object);

static void refuse(rc_cx *rc, span sp, const char *what) {
  rc->failed = true;
  if (rc->reported++ >= 3)
    return;
  diag *d = diag_error(rc->cx, sp, "E0410", "%s cannot run in ring actor `%s`",
                       what, rc->actor->name.name);
  diag_label(d, "not available on a GPU");
  if (rc->fn)
    diag_note(d, rc->call_sp, "`%s` is called from ring actor `%s` here",
              rc->fn->name.name, rc->actor->name.name);
  diag_help(d, "a ring handler may use scalars, `buf<T>` elements, "
               "arithmetic, `if`/`while`/`for` over ranges, calls of such "
               "functions and `reply`; do the rest in a CPU actor that asks "
               "the ring actor");
  diag_end(d);
}

/* A value a kernel can hold in a register or address: scalars, enums,
 * bufs of scalars. */
static bool gpu_value(const type *t) {
  if (!t)
    return false;
  if (t->kind == TY_ERROR || t->kind == TY_UNIT)
    return true;
  if ((t->kind >= TY_BOOL && t->kind <= TY_F64) || t->kind == TY_ENUM)
    return true;
  return t->kind == TY_BUF && t->elem && t->elem->kind >= TY_BOOL &&
         t->elem->kind <= TY_F64;
}

/* The type a value is read as (without `val` and `&`). */
static type *strip(type *t) {
  while (t && (t->kind == TY_VAL || t->kind == TY_BORROW))
    t = t->elem;
  return t;
}

static const char *type_text(rc_cx *rc, const type *t) {
  return types_name(rc->cx, t);
}

static void check_list(rc_cx *rc, ast_list *l) {
  for (uint32_t i = 0; i < l->len; i++)
    check_expr(rc, AST_AT(*l, i, ast_expr), false);
}

static void check_fn(rc_cx *rc, ast_decl *fd, span call_sp);

static void check_call(rc_cx *rc, ast_expr *e) {
  ast_expr *callee = e->u.call.callee;
  if (!callee)
    return;
  if (callee->kind == EXPR_FIELD) { /* a method: only b.len() on a buf */
    type *rt = callee->u.field.obj ? callee->u.field.obj->ty : NULL;
    rt = rt ? strip(rt) : NULL;
    if (!rt || rt->kind != TY_BUF) {
      refuse(rc, e->sp, "this method call");
      return;
    }
    check_expr(rc, callee->u.field.obj, false);
    check_list(rc, &e->u.call.args);
    return;
  }
  if (callee->kind != EXPR_NAME || !callee->u.name.sym) {
    refuse(rc, e->sp, "this call");
    return;
  }
  sym *s = callee->u.name.sym;
  if (s->kind == SYM_BUILTIN) {
    switch (e->u.call.builtin) {
    case BI_THREAD_INDEX:
    case BI_BLOCK_INDEX:
    case BI_BLOCK_DIM:
    case BI_GRID_DIM: return;
    default: {
      char what[96];
      snprintf(what, sizeof what, "`%s()`", s->name);
      refuse(rc, e->sp, what);
      return;
    }
    }
  }
  if (s->kind != SYM_FN || !s->decl || s->decl->kind != DECL_FN) {
    refuse(rc, e->sp, "this call");
    return;
  }
  check_list(rc, &e->u.call.args);
  check_fn(rc, s->decl, e->sp);
}

static void check_expr(rc_cx *rc, ast_expr *e, bool as_object) {
  if (!e)
    return;
  type *t = e->ty ? strip(e->ty) : NULL;
  switch (e->kind) {
  case EXPR_INT:
  case EXPR_FLOAT:
  case EXPR_BOOL: return;
  case EXPR_NAME:
    /* the handler's message may be named (its fields are read) */
    if (rc->h && e->u.name.sym == rc->h->binding_sym)
      return;
    break;
  case EXPR_TYPE_NAME: return; /* `Color` in `Color.Red` */
  case EXPR_FIELD:
    check_expr(rc, e->u.field.obj, true);
    break;
  case EXPR_INDEX: {
    type *ot = e->u.index.obj && e->u.index.obj->ty
                   ? strip(e->u.index.obj->ty)
                   : NULL;
    if (ot && ot->kind != TY_BUF && ot->kind != TY_ERROR) {
      char what[160];
      snprintf(what, sizeof what, "indexing a `%s`", type_text(rc, ot));
      refuse(rc, e->sp, what);
      return;
    }
    check_expr(rc, e->u.index.obj, false);
    check_expr(rc, e->u.index.index, false);
    break;
  }
  case EXPR_CALL: check_call(rc, e); break;
  case EXPR_UNARY: check_expr(rc, e->u.unary.operand, false); break;
  case EXPR_BINARY:
    check_expr(rc, e->u.binary.lhs, false);
    check_expr(rc, e->u.binary.rhs, false);
    break;
  case EXPR_CAST: check_expr(rc, e->u.cast.expr, false); break;
  case EXPR_TAKE: check_expr(rc, e->u.wrap.operand, false); return;
  case EXPR_STR: refuse(rc, e->sp, "a string"); return;
  case EXPR_NIL: refuse(rc, e->sp, "`nil`"); return;
  case EXPR_DURATION: refuse(rc, e->sp, "a duration"); return;
  case EXPR_SELF: refuse(rc, e->sp, "`self`"); return;
  case EXPR_RECORD: refuse(rc, e->sp, "a record value outside `reply`"); return;
  case EXPR_LIST: refuse(rc, e->sp, "a list"); return;
  case EXPR_MAP: refuse(rc, e->sp, "a map"); return;
  case EXPR_TUPLE: refuse(rc, e->sp, "a tuple value"); return;
  case EXPR_SPAWN: refuse(rc, e->sp, "`spawn`"); return;
  case EXPR_ASK: refuse(rc, e->sp, "`ask`"); return;
  case EXPR_RECV: refuse(rc, e->sp, "a channel receive"); return;
  case EXPR_CHAN_NEW: refuse(rc, e->sp, "a channel"); return;
  case EXPR_FREEZE: refuse(rc, e->sp, "`freeze`"); return;
  case EXPR_COPY: refuse(rc, e->sp, "`copy`"); return;
  case EXPR_BORROW: /* `&b` for a `&buf<T>` parameter */
    check_expr(rc, e->u.wrap.operand, false);
    return;
  case EXPR_MATCH: refuse(rc, e->sp, "`match`"); return;
  case EXPR_RANGE: refuse(rc, e->sp, "a range outside `for`"); return;
  default: refuse(rc, e->sp, "this expression"); return;
  }
  /* records and tuples only on the way to a field: `m.point.x` */
  if (t && !gpu_value(t) &&
      !(as_object && (t->kind == TY_STRUCT || t->kind == TY_MESSAGE ||
                      t->kind == TY_TUPLE))) {
    char what[160];
    snprintf(what, sizeof what, "a value of type `%s`", type_text(rc, t));
    refuse(rc, e->sp, what);
  }
}

static void check_reply(rc_cx *rc, ast_stmt *s) {
  ast_expr *v = s->u.reply.value;
  if (!v)
    return;
  if (v->kind != EXPR_RECORD) {
    refuse(rc, v->sp, "a reply that is not a record literal");
    return;
  }
  for (uint32_t i = 0; i < v->u.record.fields.len; i++) {
    ast_field_init *fi = AST_AT(v->u.record.fields, i, ast_field_init);
    if (fi)
      check_expr(rc, fi->value, false);
  }
}

static void check_block(rc_cx *rc, ast_stmt *s) {
  if (!s)
    return;
  if (s->kind != STMT_BLOCK) {
    check_stmt(rc, s);
    return;
  }
  for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
    check_stmt(rc, AST_AT(s->u.block.stmts, i, ast_stmt));
}

static void check_stmt(rc_cx *rc, ast_stmt *s) {
  if (!s)
    return;
  switch (s->kind) {
  case STMT_LET: {
    type *t = s->u.let.sym && s->u.let.sym->ty ? strip(s->u.let.sym->ty)
                                                : NULL;
    if (t && !gpu_value(t)) {
      char what[160];
      snprintf(what, sizeof what, "a local of type `%s`", type_text(rc, t));
      refuse(rc, s->sp, what);
      return;
    }
    check_expr(rc, s->u.let.init, false);
    return;
  }
  case STMT_ASSIGN:
    check_expr(rc, s->u.assign.lhs, false);
    check_expr(rc, s->u.assign.rhs, false);
    return;
  case STMT_EXPR: check_expr(rc, s->u.expr.expr, false); return;
  case STMT_BLOCK: check_block(rc, s); return;
  case STMT_IF:
    if (s->u.if_.let_name.name) {
      refuse(rc, s->sp, "`if let`");
      return;
    }
    check_expr(rc, s->u.if_.cond, false);
    check_block(rc, s->u.if_.then_);
    check_block(rc, s->u.if_.else_);
    return;
  case STMT_WHILE:
    check_expr(rc, s->u.while_.cond, false);
    check_block(rc, s->u.while_.body);
    return;
  case STMT_FOR: {
    ast_expr *it = s->u.for_.iter;
    if (!it || it->kind != EXPR_RANGE || s->u.for_.second.name) {
      refuse(rc, it ? it->sp : s->sp, "`for` over anything but a range");
      return;
    }
    check_expr(rc, it->u.range.lo, false);
    check_expr(rc, it->u.range.hi, false);
    check_block(rc, s->u.for_.body);
    return;
  }
  case STMT_BREAK:
  case STMT_CONTINUE: return;
  case STMT_RETURN:
    if (!rc->fn) { /* every thread must reach the handler's end */
      refuse(rc, s->sp, "`return` in a ring handler");
      return;
    }
    check_expr(rc, s->u.ret.value, false);
    return;
  case STMT_REPLY: check_reply(rc, s); return;
  case STMT_SEND: refuse(rc, s->sp, "`send`"); return;
  case STMT_CHAN_SEND: refuse(rc, s->sp, "a channel send"); return;
  case STMT_SELECT: refuse(rc, s->sp, "`select`"); return;
  case STMT_FAIL: refuse(rc, s->sp, "`fail`"); return;
  default: refuse(rc, s->sp, "this statement"); return;
  }
}

static bool fn_done(rc_cx *rc, ast_decl *fd) {
  for (uint32_t i = 0; i < rc->ndone; i++)
    if (rc->done[i] == fd)
      return true;
  return false;
}

static void check_fn(rc_cx *rc, ast_decl *fd, span call_sp) {
  for (uint32_t i = 0; i < rc->npath; i++) {
    if (rc->path[i] != fd)
      continue;
    rc->failed = true;
    diag *d = diag_error(rc->cx, call_sp, "E0412",
                         "`%s` is recursive, so ring actor `%s` cannot call "
                         "it",
                         fd->name.name, rc->actor->name.name);
    diag_label(d, "this call closes a cycle");
    diag_note(d, fd->name.sp, "`%s` declared here", fd->name.name);
    diag_help(d, "write the recursion as a loop");
    diag_end(d);
    return;
  }
  if (fn_done(rc, fd) || rc->npath >= 64)
    return;
  if (rc->ndone == rc->capdone) {
    uint32_t nc = rc->capdone ? rc->capdone * 2 : 16;
    ast_decl **nd = arena_alloc(rc->cx->scratch, nc * sizeof *nd);
    if (rc->ndone)
      memcpy(nd, rc->done, rc->ndone * sizeof *nd);
    rc->done = nd;
    rc->capdone = nc;
  }
  rc->done[rc->ndone++] = fd;
  ast_decl *saved_fn = rc->fn;
  ast_handler *saved_h = rc->h;
  span saved_sp = rc->call_sp;
  if (!rc->fn)
    rc->call_sp = call_sp; /* notes point at the ring code's call */
  rc->fn = fd;
  rc->h = NULL;
  rc->path[rc->npath++] = fd;
  for (uint32_t i = 0; i < fd->u.fn.params.len; i++) {
    ast_param *p = AST_AT(fd->u.fn.params, i, ast_param);
    type *t = p && p->sym && p->sym->ty ? strip(p->sym->ty) : NULL;
    if (t && !gpu_value(t)) {
      char what[160];
      snprintf(what, sizeof what, "a parameter of type `%s`",
               type_text(rc, t));
      refuse(rc, p->sp, what);
    }
  }
  if (fd->u.fn.ret && fd->u.fn.ret->ty && !gpu_value(fd->u.fn.ret->ty)) {
    char what[160];
    snprintf(what, sizeof what, "a result of type `%s`",
             type_text(rc, fd->u.fn.ret->ty));
    refuse(rc, fd->u.fn.ret->sp, what);
  }
  check_block(rc, fd->u.fn.body);
  rc->npath--;
  rc->fn = saved_fn;
  rc->h = saved_h;
  rc->call_sp = saved_sp;
}

static void refuse_member(rc_cx *rc, span sp, const char *what) {
  rc->failed = true;
  diag *d = diag_error(rc->cx, sp, "E0411",
                       "ring actor `%s` cannot have %s", rc->actor->name.name,
                       what);
  diag_label(d, "not allowed in a ring actor");
  diag_note(d, rc->actor->name.sp, "ring actor `%s` declared here",
            rc->actor->name.name);
  diag_help(d, "a ring actor has only `on` handlers; keep data in `buf<T>` "
               "fields of its messages and helpers in top-level functions");
  diag_end(d);
}

static void check_ring_actor(rc_cx *rc, ast_decl *d) {
  rc->actor = d;
  for (uint32_t i = 0; i < d->u.actor.state.len; i++) {
    ast_stmt *st = AST_AT(d->u.actor.state, i, ast_stmt);
    if (st)
      refuse_member(rc, st->sp, "state");
  }
  if (d->u.actor.run)
    refuse_member(rc, d->u.actor.run->sp, "a `run` block");
  if (d->u.actor.on_stop)
    refuse_member(rc, d->u.actor.on_stop->sp, "an `on stop` block");
  for (uint32_t i = 0; i < d->u.actor.fns.len; i++) {
    ast_decl *fd = AST_AT(d->u.actor.fns, i, ast_decl);
    if (fd)
      refuse_member(rc, fd->name.sp, "local functions");
  }
  for (uint32_t i = 0; i < d->u.actor.handlers.len; i++) {
    ast_handler *h = AST_AT(d->u.actor.handlers, i, ast_handler);
    if (!h)
      continue;
    rc->h = h;
    rc->fn = NULL;
    rc->reported = 0;
    check_block(rc, h->body);
  }
  rc->h = NULL;
}

bool ring_check_run(ac_ctx *cx) {
  rc_cx rc;
  memset(&rc, 0, sizeof rc);
  rc.cx = cx;
  ast_program *prog = cx->prog;
  for (uint32_t mi = 0; prog && mi < prog->modules.len; mi++) {
    ast_module *mod = AST_AT(prog->modules, mi, ast_module);
    for (uint32_t i = 0; mod && i < mod->decls.len; i++) {
      ast_decl *d = AST_AT(mod->decls, i, ast_decl);
      if (d && d->kind == DECL_ACTOR && d->u.actor.is_ring) {
        rc.ndone = 0; /* notes name the calling actor: re-check per actor */
        check_ring_actor(&rc, d);
      }
    }
  }
  return !rc.failed;
}
