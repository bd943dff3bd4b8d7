/* ast.c — AST builders (one ast_new_* per construct, called by the grammar
 * actions in grammar/parser.y) and the --dump-after tree printer.
 * Builders allocate in the perm arena, compute spans from their tokens and
 * make the few syntactic checks a grammar cannot express (contextual words
 * `run` / `stop` / `buf`, mailbox policies, pattern constructors: E0105–
 * E0111).  They never resolve names or types.  The printer shows the
 * annotations of the phase it is asked for (sym, type, ownership verdict). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "parser.h"

/* ------------------------------------------------------------ helpers */

static ast_ident ast_ident_of(const lex_token *t) {
  ast_ident id = {t->text, t->sp};
  return id;
}

/* span_join (source.c), inlined: every builder calls it. */
static inline span ast_join(span a, span b) {
  if (a.file != b.file) return a;
  uint32_t lo = a.off < b.off ? a.off : b.off;
  uint32_t ea = a.off + a.len, eb = b.off + b.len;
  uint32_t hi = ea > eb ? ea : eb;
  span s = {a.file, lo, hi - lo};
  return s;
}

static ast_decl *ast_decl_new(parse_ctx *pc, ast_decl_kind k, span sp,
                              const char *doc) {
  ast_decl *d = ARENA_NEW(pc->cx->perm, ast_decl);
  d->kind = k;
  d->sp = sp;
  d->doc = doc;
  d->module = pc->module_index;
  return d;
}

static ast_stmt *ast_stmt_new(parse_ctx *pc, ast_stmt_kind k, span sp) {
  ast_stmt *s = ARENA_NEW(pc->cx->perm, ast_stmt);
  s->kind = k;
  s->sp = sp;
  return s;
}

static ast_expr *ast_expr_new(parse_ctx *pc, ast_expr_kind k, span sp) {
  ast_expr *e = ARENA_NEW(pc->cx->perm, ast_expr);
  e->kind = k;
  e->sp = sp;
  return e;
}

static ast_tyexpr *ast_te_new(parse_ctx *pc, ast_te_kind k, span sp) {
  ast_tyexpr *t = ARENA_NEW(pc->cx->perm, ast_tyexpr);
  t->kind = k;
  t->sp = sp;
  return t;
}

static ast_pat *ast_pat_new(parse_ctx *pc, ast_pat_kind k, span sp) {
  ast_pat *p = ARENA_NEW(pc->cx->perm, ast_pat);
  p->kind = k;
  p->sp = sp;
  return p;
}

void ast_push(parse_ctx *pc, ast_list *l, void *item) {
  if (item) ast_list_push(pc->cx->perm, l, item);
}

void ast_push_ident(parse_ctx *pc, ast_list *l, const lex_token *tok) {
  ast_ident *id = ARENA_NEW(pc->cx->perm, ast_ident);
  *id = ast_ident_of(tok);
  ast_list_push(pc->cx->perm, l, id);
}

ast_list ast_list_one(parse_ctx *pc, void *item) {
  ast_list l = {0};
  ast_push(pc, &l, item);
  return l;
}

ast_list ast_list_ident(parse_ctx *pc, const lex_token *tok) {
  ast_list l = {0};
  ast_push_ident(pc, &l, tok);
  return l;
}

/* ------------------------------------------------------------ declarations */

ast_decl *ast_new_import_std(parse_ctx *pc, const lex_token *kw, ast_list path,
                             const lex_token *semi) {
  ast_decl *d = ast_decl_new(pc, DECL_IMPORT, ast_join(kw->sp, semi->sp), kw->doc);
  d->u.import.is_std = true;
  ast_ident *first = AST_AT(path, 0, ast_ident);
  if (path.len < 2 || strcmp(first->name, "std") != 0) {
    diag *g = diag_error(pc->cx, first->sp, "E0105",
                         path.len < 2 && strcmp(first->name, "std") == 0
                             ? "`import std` needs a module name"
                             : "module paths must start with `std.`");
    diag_help(g, "write `import std.NAME;` for the standard library, or "
                 "`import \"file.actor\";` for a file next to this one");
    diag_end(g);
    d->u.import.path = ast_list_empty();
    d->u.import.module = UINT32_MAX;
    return d;
  }
  for (uint32_t i = 1; i < path.len; i++)
    ast_list_push(pc->cx->perm, &d->u.import.path, path.items[i]);
  d->u.import.module = UINT32_MAX;
  return d;
}

ast_decl *ast_new_import_file(parse_ctx *pc, const lex_token *kw,
                              const lex_token *str, const lex_token *semi) {
  ast_decl *d = ast_decl_new(pc, DECL_IMPORT, ast_join(kw->sp, semi->sp), kw->doc);
  d->u.import.is_std = false;
  d->u.import.module = UINT32_MAX;
  ast_list parts = str->overflow ? ast_list_empty() : parse_string_parts(pc, str);
  size_t n = 0;
  for (uint32_t i = 0; i < parts.len; i++) {
    ast_str_part *p = AST_AT(parts, i, ast_str_part);
    if (p->expr) {
      diag *g = diag_error(pc->cx, str->sp, "E0105",
                           "an import path cannot contain `{...}` interpolation");
      diag_end(g);
      return d;
    }
    n += p->len;
  }
  char *s = arena_alloc(pc->cx->perm, n + 1);
  n = 0;
  for (uint32_t i = 0; i < parts.len; i++) {
    ast_str_part *p = AST_AT(parts, i, ast_str_part);
    memcpy(s + n, p->text, p->len);
    n += p->len;
  }
  if (n == 0 && !str->overflow) {
    diag *g = diag_error(pc->cx, str->sp, "E0105", "empty import path");
    diag_end(g);
    return d;
  }
  d->u.import.file = s;
  return d;
}

ast_decl *ast_new_const(parse_ctx *pc, const lex_token *kw, const lex_token *name,
                        ast_tyexpr *ty, ast_expr *value, const lex_token *semi) {
  ast_decl *d = ast_decl_new(pc, DECL_CONST, ast_join(kw->sp, semi->sp), kw->doc);
  d->name = ast_ident_of(name);
  d->u.const_.type = ty;
  d->u.const_.value = value;
  return d;
}

ast_decl *ast_new_record_decl(parse_ctx *pc, const lex_token *kw,
                              const lex_token *name, ast_list fields,
                              ast_field *last, const lex_token *rbrace) {
  ast_decl *d = ast_decl_new(pc, kw->code == TK_MESSAGE ? DECL_MESSAGE : DECL_STRUCT,
                             ast_join(kw->sp, rbrace->sp), kw->doc);
  d->name = ast_ident_of(name);
  d->u.record.fields = fields;
  ast_push(pc, &d->u.record.fields, last);
  return d;
}

ast_field *ast_new_field(parse_ctx *pc, const lex_token *name, ast_tyexpr *ty,
                         ast_expr *def) {
  ast_field *f = ARENA_NEW(pc->cx->perm, ast_field);
  f->name = ast_ident_of(name);
  f->type = ty;
  f->default_ = def;
  f->doc = name->doc;
  f->sp = ast_join(name->sp, def ? def->sp : ty->sp);
  return f;
}

ast_decl *ast_new_enum(parse_ctx *pc, const lex_token *kw, const lex_token *name,
                       ast_list variants, const lex_token *rbrace) {
  ast_decl *d = ast_decl_new(pc, DECL_ENUM, ast_join(kw->sp, rbrace->sp), kw->doc);
  d->name = ast_ident_of(name);
  d->u.enum_.variants = variants;
  return d;
}

ast_decl *ast_new_fn(parse_ctx *pc, const lex_token *kw, const lex_token *name,
                     ast_list params, ast_tyexpr *ret, ast_stmt *body) {
  ast_decl *d = ast_decl_new(pc, DECL_FN, ast_join(kw->sp, body->sp), kw->doc);
  d->name = ast_ident_of(name);
  d->u.fn.params = params;
  d->u.fn.ret = ret;
  d->u.fn.body = body;
  return d;
}

ast_param *ast_new_param(parse_ctx *pc, const lex_token *name, ast_tyexpr *ty) {
  ast_param *p = ARENA_NEW(pc->cx->perm, ast_param);
  p->name = ast_ident_of(name);
  p->type = ty;
  p->sp = ast_join(name->sp, ty->sp);
  return p;
}

ast_field_init *ast_new_field_init(parse_ctx *pc, const lex_token *name,
                                   ast_expr *value) {
  ast_field_init *f = ARENA_NEW(pc->cx->perm, ast_field_init);
  f->name = ast_ident_of(name);
  f->value = value;
  f->index = -1;
  return f;
}

/* ------------------------------------------------------------ actors */

ast_decl *ast_new_actor(parse_ctx *pc, const lex_token *kw, const lex_token *name,
                        ast_list params) {
  ast_decl *d = ast_decl_new(pc, DECL_ACTOR, ast_join(kw->sp, name->sp), kw->doc);
  d->name = ast_ident_of(name);
  d->u.actor.params = params;
  d->u.actor.mailbox_policy = MB_UNBOUNDED;
  return d;
}

ast_decl *ast_new_ring_actor(parse_ctx *pc, const lex_token *kw,
                             const lex_token *name, ast_list launch) {
  ast_decl *d = ast_new_actor(pc, kw, name, ast_list_empty());
  d->u.actor.is_ring = true;
  d->u.actor.launch = launch;
  return d;
}

void ast_actor_set_mailbox(parse_ctx *pc, ast_decl *a, const lex_token *kw,
                           ast_expr *cap, const lex_token *policy,
                           const lex_token *rparen) {
  a->u.actor.mailbox_cap = cap;
  a->u.actor.mailbox_sp = ast_join(kw->sp, rparen->sp);
  a->u.actor.mailbox_policy = MB_BLOCK;
  if (!policy) return;
  const char *p = policy->code == TK_FAIL ? "fail" : policy->text;
  if (strcmp(p, "block") == 0) a->u.actor.mailbox_policy = MB_BLOCK;
  else if (strcmp(p, "drop_newest") == 0) a->u.actor.mailbox_policy = MB_DROP_NEWEST;
  else if (strcmp(p, "drop_oldest") == 0) a->u.actor.mailbox_policy = MB_DROP_OLDEST;
  else if (strcmp(p, "fail") == 0) a->u.actor.mailbox_policy = MB_FAIL;
  else {
    diag *d = diag_error(pc->cx, policy->sp, "E0109", "unknown mailbox policy `%s`", p);
    diag_label(d, "not a policy");
    diag_help(d, "the policies are `block`, `drop_newest`, `drop_oldest` and `fail`");
    diag_end(d);
  }
}

void ast_actor_add_state(parse_ctx *pc, ast_decl *a, ast_stmt *let) {
  ast_push(pc, &a->u.actor.state, let);
}

void ast_actor_add_handler(parse_ctx *pc, ast_decl *a, ast_handler *h) {
  ast_push(pc, &a->u.actor.handlers, h);
}

void ast_actor_add_fn(parse_ctx *pc, ast_decl *a, ast_decl *fn) {
  ast_push(pc, &a->u.actor.fns, fn);
}

static void ast_duplicate_block(parse_ctx *pc, span sp, span first, const char *what) {
  diag *d = diag_error(pc->cx, sp, "E0110", "duplicate %s in actor", what);
  diag_label(d, "second %s", what);
  diag_note(d, first, "first %s here", what);
  diag_help(d, "an actor has at most one %s; merge the two", what);
  diag_end(d);
}

static void ast_bad_member(parse_ctx *pc, const lex_token *name, bool after_on) {
  diag *d;
  if (after_on)
    d = diag_error(pc->cx, name->sp, "E0108",
                   "expected a message type or `stop` after `on`, found `%s`", name->text);
  else
    d = diag_error(pc->cx, name->sp, "E0108", "unexpected `%s` in actor body", name->text);
  diag_label(d, after_on ? "handler names are message types" : "not an actor member");
  if (after_on)
    diag_help(d, "message types start with an upper-case letter: `on %c%s`",
              name->text[0] >= 'a' && name->text[0] <= 'z' ? name->text[0] - 'a' + 'A'
                                                           : name->text[0],
              name->text + 1);
  else
    diag_help(d, "actor members are `let`/`var` state, `on` handlers, `fn` helpers, "
                 "`run { }` and `on stop { }`");
  diag_end(d);
}

void ast_actor_add_run(parse_ctx *pc, ast_decl *a, const lex_token *name,
                       ast_stmt *body) {
  if (strcmp(name->text, "run") != 0) {
    ast_bad_member(pc, name, false);
    return;
  }
  if (a->u.actor.run) {
    ast_duplicate_block(pc, name->sp, a->u.actor.run->sp, "`run` block");
    return;
  }
  a->u.actor.run = body;
}

void ast_actor_add_stop(parse_ctx *pc, ast_decl *a, const lex_token *on,
                        const lex_token *name, ast_stmt *body) {
  if (strcmp(name->text, "stop") != 0) {
    ast_bad_member(pc, name, true);
    return;
  }
  if (a->u.actor.on_stop) {
    ast_duplicate_block(pc, ast_join(on->sp, name->sp), a->u.actor.on_stop->sp,
                        "`on stop` block");
    return;
  }
  a->u.actor.on_stop = body;
}

ast_decl *ast_actor_finish(parse_ctx *pc, ast_decl *a, const lex_token *rbrace) {
  (void)pc;
  a->sp = ast_join(a->sp, rbrace->sp);
  return a;
}

ast_handler *ast_new_handler(parse_ctx *pc, const lex_token *on,
                             const lex_token *name, const lex_token *binding,
                             ast_tyexpr *msg_type, ast_tyexpr *reply,
                             ast_stmt *body) {
  ast_handler *h = ARENA_NEW(pc->cx->perm, ast_handler);
  h->sp = ast_join(on->sp, body->sp);
  h->name = ast_ident_of(name);
  if (binding) h->binding = ast_ident_of(binding);
  h->msg_type = msg_type;
  h->reply = reply;
  h->body = body;
  return h;
}

ast_decl *ast_new_supervisor(parse_ctx *pc, const lex_token *kw,
                             const lex_token *name, ast_list options) {
  ast_decl *d = ast_decl_new(pc, DECL_SUPERVISOR, ast_join(kw->sp, name->sp), kw->doc);
  d->name = ast_ident_of(name);
  d->u.sup.options = options;
  return d;
}

void ast_sup_add_child(parse_ctx *pc, ast_decl *s, const lex_token *kw,
                       const lex_token *name, const lex_token *type_name,
                       ast_list args, const lex_token *semi) {
  ast_child *c = ARENA_NEW(pc->cx->perm, ast_child);
  c->sp = ast_join(kw->sp, semi->sp);
  if (name) c->name = ast_ident_of(name);
  c->type_name = ast_ident_of(type_name);
  c->args = args;
  ast_push(pc, &s->u.sup.children, c);
}

/* ------------------------------------------------------------ statements */

ast_stmt *ast_new_block(parse_ctx *pc, const lex_token *lb, ast_list stmts,
                        const lex_token *rb) {
  ast_stmt *s = ast_stmt_new(pc, STMT_BLOCK, ast_join(lb->sp, rb->sp));
  s->u.block.stmts = stmts;
  return s;
}

ast_stmt *ast_new_let(parse_ctx *pc, const lex_token *kw, const lex_token *name,
                      ast_tyexpr *ty, ast_expr *init, const lex_token *semi) {
  ast_stmt *s = ast_stmt_new(pc, STMT_LET, ast_join(kw->sp, semi->sp));
  s->u.let.is_var = kw->code == TK_VAR;
  s->u.let.name = ast_ident_of(name);
  s->u.let.type = ty;
  s->u.let.init = init;
  return s;
}

static ast_op ast_op_of(int code) {
  switch (code) {
  case TK_PLUS: case TK_PLUSEQ: return OP_ADD;
  case TK_MINUS: case TK_MINUSEQ: return OP_SUB;
  case TK_STAR: case TK_STAREQ: return OP_MUL;
  case TK_SLASH: case TK_SLASHEQ: return OP_DIV;
  case TK_PERCENT: case TK_PERCENTEQ: return OP_MOD;
  case TK_AMP: return OP_BITAND;
  case TK_PIPE: return OP_BITOR;
  case TK_CARET: return OP_BITXOR;
  case TK_SHL: return OP_SHL;
  case TK_SHR: return OP_SHR;
  case TK_EQEQ: return OP_EQ;
  case TK_NE: return OP_NE;
  case TK_LT: return OP_LT;
  case TK_LE: return OP_LE;
  case TK_GT: return OP_GT;
  case TK_GE: return OP_GE;
  case TK_ANDAND: return OP_AND;
  case TK_OROR: return OP_OR;
  case TK_QQ: return OP_COALESCE;
  default: return OP_NONE;
  }
}

ast_stmt *ast_new_assign(parse_ctx *pc, ast_expr *lhs, const lex_token *op,
                         ast_expr *rhs, const lex_token *semi) {
  ast_stmt *s = ast_stmt_new(pc, STMT_ASSIGN, ast_join(lhs->sp, semi->sp));
  s->u.assign.op = ast_op_of(op->code);
  s->u.assign.lhs = lhs;
  s->u.assign.rhs = rhs;
  return s;
}

ast_stmt *ast_new_expr_stmt(parse_ctx *pc, ast_expr *e, const lex_token *semi) {
  ast_stmt *s = ast_stmt_new(pc, STMT_EXPR, semi ? ast_join(e->sp, semi->sp) : e->sp);
  s->u.expr.expr = e;
  return s;
}

ast_stmt *ast_new_if(parse_ctx *pc, const lex_token *kw, const lex_token *let_name,
                     ast_expr *cond, ast_stmt *then_, ast_stmt *else_) {
  ast_stmt *s = ast_stmt_new(pc, STMT_IF, ast_join(kw->sp, (else_ ? else_ : then_)->sp));
  if (let_name) s->u.if_.let_name = ast_ident_of(let_name);
  s->u.if_.cond = cond;
  s->u.if_.then_ = then_;
  s->u.if_.else_ = else_;
  return s;
}

ast_stmt *ast_new_while(parse_ctx *pc, const lex_token *kw, ast_expr *cond,
                        ast_stmt *body) {
  ast_stmt *s = ast_stmt_new(pc, STMT_WHILE, ast_join(kw->sp, body->sp));
  s->u.while_.cond = cond;
  s->u.while_.body = body;
  return s;
}

ast_stmt *ast_new_for(parse_ctx *pc, const lex_token *kw, const lex_token *first,
                      const lex_token *second, ast_expr *iter, ast_stmt *body) {
  ast_stmt *s = ast_stmt_new(pc, STMT_FOR, ast_join(kw->sp, body->sp));
  s->u.for_.first = ast_ident_of(first);
  if (second) s->u.for_.second = ast_ident_of(second);
  s->u.for_.iter = iter;
  s->u.for_.body = body;
  return s;
}

ast_stmt *ast_new_jump(parse_ctx *pc, const lex_token *kw, const lex_token *semi) {
  return ast_stmt_new(pc, kw->code == TK_BREAK ? STMT_BREAK : STMT_CONTINUE,
                      ast_join(kw->sp, semi->sp));
}

ast_stmt *ast_new_return(parse_ctx *pc, const lex_token *kw, ast_expr *value,
                         const lex_token *semi) {
  ast_stmt *s = ast_stmt_new(pc, STMT_RETURN, ast_join(kw->sp, semi->sp));
  s->u.ret.value = value;
  return s;
}

ast_stmt *ast_new_send(parse_ctx *pc, const lex_token *kw, ast_expr *target,
                       ast_expr *msg, ast_stmt *else_, const lex_token *semi) {
  ast_stmt *s = ast_stmt_new(pc, STMT_SEND, ast_join(kw->sp, semi ? semi->sp : else_->sp));
  s->u.send.target = target;
  s->u.send.msg = msg;
  s->u.send.else_ = else_;
  return s;
}

ast_stmt *ast_new_chan_send(parse_ctx *pc, ast_expr *chan, ast_expr *value,
                            const lex_token *semi) {
  ast_stmt *s = ast_stmt_new(pc, STMT_CHAN_SEND, ast_join(chan->sp, semi->sp));
  s->u.chan_send.chan = chan;
  s->u.chan_send.value = value;
  return s;
}

ast_stmt *ast_new_reply(parse_ctx *pc, const lex_token *kw, ast_expr *value,
                        const lex_token *semi) {
  ast_stmt *s = ast_stmt_new(pc, STMT_REPLY, ast_join(kw->sp, semi->sp));
  s->u.reply.value = value;
  return s;
}

ast_stmt *ast_new_fail(parse_ctx *pc, const lex_token *kw, ast_expr *msg,
                       const lex_token *semi) {
  ast_stmt *s = ast_stmt_new(pc, STMT_FAIL, ast_join(kw->sp, semi->sp));
  s->u.fail.message = msg;
  return s;
}

ast_stmt *ast_new_select(parse_ctx *pc, const lex_token *kw, ast_list arms,
                         const lex_token *rb) {
  ast_stmt *s = ast_stmt_new(pc, STMT_SELECT, ast_join(kw->sp, rb->sp));
  s->u.select.arms = arms;
  return s;
}

static ast_select_arm *ast_sel_new(parse_ctx *pc, ast_select_kind k, span sp) {
  ast_select_arm *a = ARENA_NEW(pc->cx->perm, ast_select_arm);
  a->kind = k;
  a->sp = sp;
  return a;
}

ast_select_arm *ast_new_sel_recv(parse_ctx *pc, const lex_token *bind,
                                 const lex_token *arrow, ast_expr *chan,
                                 ast_stmt *body) {
  ast_select_arm *a = ast_sel_new(pc, SEL_RECV,
                                  ast_join(bind ? bind->sp : arrow->sp, body->sp));
  if (bind) a->bind = ast_ident_of(bind);
  a->chan = chan;
  a->body = body;
  return a;
}

ast_select_arm *ast_new_sel_send(parse_ctx *pc, ast_expr *chan, ast_expr *value,
                                 ast_stmt *body) {
  ast_select_arm *a = ast_sel_new(pc, SEL_SEND, ast_join(chan->sp, body->sp));
  a->chan = chan;
  a->value = value;
  a->body = body;
  return a;
}

ast_select_arm *ast_new_sel_after(parse_ctx *pc, const lex_token *kw,
                                  ast_expr *d, ast_stmt *body) {
  ast_select_arm *a = ast_sel_new(pc, SEL_AFTER, ast_join(kw->sp, body->sp));
  a->value = d;
  a->body = body;
  return a;
}

ast_select_arm *ast_new_sel_default(parse_ctx *pc, const lex_token *kw,
                                    ast_stmt *body) {
  ast_select_arm *a = ast_sel_new(pc, SEL_DEFAULT, ast_join(kw->sp, body->sp));
  a->body = body;
  return a;
}

/* ------------------------------------------------------------ expressions */

ast_expr *ast_new_int(parse_ctx *pc, const lex_token *t) {
  ast_expr *e = ast_expr_new(pc, EXPR_INT, t->sp);
  e->u.int_.value = t->ival;
  e->u.int_.overflow = t->overflow;
  return e;
}

ast_expr *ast_new_float(parse_ctx *pc, const lex_token *t) {
  ast_expr *e = ast_expr_new(pc, EXPR_FLOAT, t->sp);
  e->u.float_.value = t->fval;
  return e;
}

ast_expr *ast_new_duration(parse_ctx *pc, const lex_token *t) {
  ast_expr *e = ast_expr_new(pc, EXPR_DURATION, t->sp);
  e->u.duration.ns = (int64_t)t->ival;
  e->u.duration.overflow = t->overflow;
  return e;
}

ast_expr *ast_new_str(parse_ctx *pc, const lex_token *t) {
  ast_expr *e = ast_expr_new(pc, EXPR_STR, t->sp);
  if (!t->overflow) e->u.str.parts = parse_string_parts(pc, t);
  return e;
}

ast_expr *ast_new_bool(parse_ctx *pc, const lex_token *t) {
  ast_expr *e = ast_expr_new(pc, EXPR_BOOL, t->sp);
  e->u.bool_.value = t->code == TK_TRUE;
  return e;
}

ast_expr *ast_new_nil(parse_ctx *pc, const lex_token *t) {
  return ast_expr_new(pc, EXPR_NIL, t->sp);
}

ast_expr *ast_new_self(parse_ctx *pc, const lex_token *t) {
  return ast_expr_new(pc, EXPR_SELF, t->sp);
}

ast_expr *ast_new_name(parse_ctx *pc, const lex_token *t) {
  ast_expr *e = ast_expr_new(pc, EXPR_NAME, t->sp);
  e->u.name.id = ast_ident_of(t);
  return e;
}

ast_expr *ast_new_type_name(parse_ctx *pc, const lex_token *t) {
  ast_expr *e = ast_expr_new(pc, EXPR_TYPE_NAME, t->sp);
  e->u.name.id = ast_ident_of(t);
  return e;
}

ast_expr *ast_new_paren(parse_ctx *pc, const lex_token *lp, ast_expr *e,
                        const lex_token *rp) {
  (void)pc;
  (void)lp;
  (void)rp;
  return e;  /* parentheses leave no node; the span stays the operand's */
}

ast_expr *ast_new_tuple(parse_ctx *pc, const lex_token *lp, ast_expr *first,
                        ast_list rest, const lex_token *rp) {
  ast_expr *e = ast_expr_new(pc, EXPR_TUPLE, ast_join(lp->sp, rp->sp));
  ast_push(pc, &e->u.list.items, first);
  for (uint32_t i = 0; i < rest.len; i++) ast_push(pc, &e->u.list.items, rest.items[i]);
  return e;
}

ast_expr *ast_new_list(parse_ctx *pc, const lex_token *lb, ast_list items,
                       const lex_token *rb) {
  ast_expr *e = ast_expr_new(pc, EXPR_LIST, ast_join(lb->sp, rb->sp));
  e->u.list.items = items;
  return e;
}

ast_expr *ast_new_map(parse_ctx *pc, const lex_token *lb, ast_list entries,
                      const lex_token *rb) {
  ast_expr *e = ast_expr_new(pc, EXPR_MAP, ast_join(lb->sp, rb->sp));
  e->u.map.entries = entries;
  return e;
}

ast_map_entry *ast_new_map_entry(parse_ctx *pc, ast_expr *k, ast_expr *v) {
  ast_map_entry *m = ARENA_NEW(pc->cx->perm, ast_map_entry);
  m->key = k;
  m->value = v;
  return m;
}

ast_expr *ast_new_record(parse_ctx *pc, const lex_token *name, ast_list fields,
                         const lex_token *rb) {
  ast_expr *e = ast_expr_new(pc, EXPR_RECORD, ast_join(name->sp, rb->sp));
  e->u.record.type_name = ast_ident_of(name);
  e->u.record.fields = fields;
  return e;
}

ast_expr *ast_new_spawn(parse_ctx *pc, const lex_token *kw, const lex_token *name,
                        ast_list args, const lex_token *end) {
  ast_expr *e = ast_expr_new(pc, EXPR_SPAWN, ast_join(kw->sp, end->sp));
  e->u.spawn.type_name = ast_ident_of(name);
  e->u.spawn.args = args;
  return e;
}

ast_expr *ast_new_chan_new(parse_ctx *pc, const lex_token *kw, ast_tyexpr *elem,
                           ast_expr *cap, const lex_token *rp) {
  ast_expr *e = ast_expr_new(pc, EXPR_CHAN_NEW, ast_join(kw->sp, rp->sp));
  e->u.chan_new.elem = elem;
  e->u.chan_new.capacity = cap;
  return e;
}

ast_expr *ast_new_wrap(parse_ctx *pc, const lex_token *kw, ast_expr *operand,
                       const lex_token *rp) {
  ast_expr_kind k = kw->code == TK_FREEZE ? EXPR_FREEZE
                    : kw->code == TK_COPY ? EXPR_COPY : EXPR_TAKE;
  ast_expr *e = ast_expr_new(pc, k, ast_join(kw->sp, rp->sp));
  e->u.wrap.operand = operand;
  return e;
}

ast_expr *ast_new_unary(parse_ctx *pc, const lex_token *op, ast_expr *operand) {
  span sp = ast_join(op->sp, operand->sp);
  ast_expr *e;
  switch (op->code) {
  case TK_AMP:
    e = ast_expr_new(pc, EXPR_BORROW, sp);
    e->u.wrap.operand = operand;
    return e;
  case TK_LARROW:
    e = ast_expr_new(pc, EXPR_RECV, sp);
    e->u.recv.chan = operand;
    return e;
  default:
    e = ast_expr_new(pc, EXPR_UNARY, sp);
    e->u.unary.op = op->code == TK_MINUS ? OP_NEG : op->code == TK_BANG ? OP_NOT : OP_BITNOT;
    e->u.unary.operand = operand;
    return e;
  }
}

ast_expr *ast_new_binary(parse_ctx *pc, ast_expr *lhs, const lex_token *op,
                         ast_expr *rhs) {
  ast_expr *e = ast_expr_new(pc, EXPR_BINARY, ast_join(lhs->sp, rhs->sp));
  e->u.binary.op = ast_op_of(op->code);
  e->u.binary.lhs = lhs;
  e->u.binary.rhs = rhs;
  return e;
}

ast_expr *ast_new_range(parse_ctx *pc, ast_expr *lo, const lex_token *op,
                        ast_expr *hi) {
  ast_expr *e = ast_expr_new(pc, EXPR_RANGE, ast_join(lo->sp, hi->sp));
  e->u.range.lo = lo;
  e->u.range.hi = hi;
  e->u.range.inclusive = op->code == TK_DOTDOTEQ;
  return e;
}

ast_expr *ast_new_cast(parse_ctx *pc, ast_expr *ex, ast_tyexpr *to) {
  ast_expr *e = ast_expr_new(pc, EXPR_CAST, ast_join(ex->sp, to->sp));
  e->u.cast.expr = ex;
  e->u.cast.to = to;
  return e;
}

ast_expr *ast_new_field_expr(parse_ctx *pc, ast_expr *obj, const lex_token *name) {
  ast_expr *e = ast_expr_new(pc, EXPR_FIELD, ast_join(obj->sp, name->sp));
  e->u.field.obj = obj;
  e->u.field.field = ast_ident_of(name);
  e->u.field.tuple_index = -1;
  e->u.field.index = -1;
  return e;
}

static ast_expr *ast_tuple_index(parse_ctx *pc, ast_expr *obj, span sp,
                                 const char *digits, size_t n) {
  uint64_t v = 0;
  bool ok = n > 0;
  for (size_t i = 0; i < n; i++) {
    if (digits[i] < '0' || digits[i] > '9' || v > 100000) ok = false;
    else v = v * 10 + (uint64_t)(digits[i] - '0');
  }
  if (!ok) {
    diag *d = diag_error(pc->cx, sp, "E0101", "invalid tuple index `%.*s`", (int)n, digits);
    diag_help(d, "tuple fields are numbered `.0`, `.1`, ...");
    diag_end(d);
    v = 0;
  }
  ast_expr *e = ast_expr_new(pc, EXPR_FIELD, ast_join(obj->sp, sp));
  e->u.field.obj = obj;
  e->u.field.field.name = intern(pc->cx, digits, n);
  e->u.field.field.sp = sp;
  e->u.field.tuple_index = (int)v;
  e->u.field.index = -1;
  return e;
}

ast_expr *ast_new_tuple_field(parse_ctx *pc, ast_expr *obj, const lex_token *num) {
  const char *text = parse_token_text(pc, num);
  size_t n = strlen(text);
  const char *dot = memchr(text, '.', n);
  if (num->code == TK_FLOAT && dot) {  /* t.0.1 */
    size_t a = (size_t)(dot - text);
    span s1 = {num->sp.file, num->sp.off, (uint32_t)a};
    span s2 = {num->sp.file, num->sp.off + (uint32_t)a + 1, (uint32_t)(n - a - 1)};
    ast_expr *inner = ast_tuple_index(pc, obj, s1, text, a);
    return ast_tuple_index(pc, inner, s2, dot + 1, n - a - 1);
  }
  return ast_tuple_index(pc, obj, num->sp, text, n);
}

ast_expr *ast_new_index(parse_ctx *pc, ast_expr *obj, ast_expr *index,
                        const lex_token *rb) {
  ast_expr *e = ast_expr_new(pc, EXPR_INDEX, ast_join(obj->sp, rb->sp));
  e->u.index.obj = obj;
  e->u.index.index = index;
  return e;
}

ast_expr *ast_new_call(parse_ctx *pc, ast_expr *callee, ast_list args,
                       const lex_token *rp) {
  ast_expr *e = ast_expr_new(pc, EXPR_CALL, ast_join(callee->sp, rp->sp));
  e->u.call.callee = callee;
  e->u.call.args = args;
  e->u.call.builtin = -1;
  return e;
}

ast_expr *ast_new_ask(parse_ctx *pc, const lex_token *kw, ast_expr *target,
                      ast_expr *msg, ast_expr *timeout) {
  ast_expr *e = ast_expr_new(pc, EXPR_ASK, ast_join(kw->sp, (timeout ? timeout : msg)->sp));
  e->u.ask.target = target;
  e->u.ask.msg = msg;
  e->u.ask.timeout = timeout;
  return e;
}

ast_expr *ast_new_match(parse_ctx *pc, const lex_token *kw, ast_expr *scrutinee,
                        ast_list arms, ast_match_arm *last, const lex_token *rb) {
  ast_expr *e = ast_expr_new(pc, EXPR_MATCH, ast_join(kw->sp, rb->sp));
  e->u.match.scrutinee = scrutinee;
  e->u.match.arms = arms;
  ast_push(pc, &e->u.match.arms, last);
  return e;
}

ast_match_arm *ast_new_arm(parse_ctx *pc, ast_pat *pat, ast_expr *guard,
                           ast_expr *expr, ast_stmt *block) {
  ast_match_arm *a = ARENA_NEW(pc->cx->perm, ast_match_arm);
  a->sp = ast_join(pat->sp, expr ? expr->sp : block->sp);
  a->pat = pat;
  a->guard = guard;
  a->expr = expr;
  a->block = block;
  return a;
}

const lex_token *ast_end_of(const ast_expr *e) {
  /* the token after a statement arm is the arms' `,` or `}`: the statement's
   * span ends with its last expression (one scratch token per parse is
   * enough: the builders copy the span at once) */
  static _Thread_local lex_token t;
  memset(&t, 0, sizeof t);
  t.sp = e->sp;
  return &t;
}

ast_match_arm *ast_new_stmt_arm(parse_ctx *pc, ast_pat *pat, ast_expr *guard,
                                ast_stmt *stmt) {
  ast_stmt *b = ast_stmt_new(pc, STMT_BLOCK, stmt->sp);
  b->u.block.stmts = ast_list_one(pc, stmt);
  return ast_new_arm(pc, pat, guard, NULL, b);
}

/* ------------------------------------------------------------ types */

ast_tyexpr *ast_new_te_name(parse_ctx *pc, const lex_token *t) {
  ast_tyexpr *te = ast_te_new(pc, TE_NAME, t->sp);
  te->name = ast_ident_of(t);
  return te;
}

ast_tyexpr *ast_new_te_wrap(parse_ctx *pc, ast_te_kind kind, const lex_token *start,
                            ast_tyexpr *elem, const lex_token *end) {
  ast_tyexpr *te = ast_te_new(pc, kind, ast_join(start->sp, end ? end->sp : elem->sp));
  te->elem = elem;
  return te;
}

ast_tyexpr *ast_new_te_generic(parse_ctx *pc, const lex_token *name,
                               ast_tyexpr *elem, const lex_token *end) {
  ast_te_kind k = TE_CHAN;
  if (name->code != TK_CHAN) {
    k = TE_BUF;
    if (strcmp(name->text, "buf") != 0) {
      diag *d = diag_error(pc->cx, name->sp, "E0111", "unknown generic type `%s<...>`",
                           name->text);
      diag_label(d, "not a generic type");
      diag_help(d, "the generic types are `buf<T>` and `chan<T>`; lists are `[T]`, "
                   "maps `{K: V}`, optionals `T?`");
      diag_end(d);
    }
  }
  return ast_new_te_wrap(pc, k, name, elem, end);
}

ast_tyexpr *ast_new_te_map(parse_ctx *pc, const lex_token *lb, ast_tyexpr *key,
                           ast_tyexpr *val, const lex_token *rb) {
  ast_tyexpr *te = ast_te_new(pc, TE_MAP, ast_join(lb->sp, rb->sp));
  te->key = key;
  te->elem = val;
  return te;
}

ast_tyexpr *ast_new_te_tuple(parse_ctx *pc, const lex_token *lp, ast_tyexpr *first,
                             ast_list rest, const lex_token *rp) {
  ast_tyexpr *te = ast_te_new(pc, TE_TUPLE, ast_join(lp->sp, rp->sp));
  ast_push(pc, &te->items, first);
  for (uint32_t i = 0; i < rest.len; i++) ast_push(pc, &te->items, rest.items[i]);
  return te;
}

ast_tyexpr *ast_new_te_opt(parse_ctx *pc, ast_tyexpr *elem, const lex_token *q) {
  ast_tyexpr *te = ast_te_new(pc, TE_OPT, ast_join(elem->sp, q->sp));
  te->elem = elem;
  return te;
}

/* ------------------------------------------------------------ patterns */

ast_pat *ast_new_pat_name(parse_ctx *pc, const lex_token *t) {
  bool wild = strcmp(t->text, "_") == 0;
  ast_pat *p = ast_pat_new(pc, wild ? PAT_WILD : PAT_BIND, t->sp);
  p->name = ast_ident_of(t);
  return p;
}

ast_pat *ast_new_pat_ctor(parse_ctx *pc, const lex_token *name, ast_pat *sub,
                          const lex_token *rp) {
  ast_pat *p = ast_pat_new(pc, PAT_CTOR, rp ? ast_join(name->sp, rp->sp) : name->sp);
  p->name = ast_ident_of(name);
  if (name->code == TK_TIMEOUT) p->name.name = intern_cstr(pc->cx, "timeout");
  p->sub = sub;
  const char *n = p->name.name;
  if (name->code != TK_TIMEOUT && strcmp(n, "some") != 0 && strcmp(n, "ok") != 0 &&
      strcmp(n, "failed") != 0) {
    diag *d = diag_error(pc->cx, name->sp, "E0107", "unknown pattern constructor `%s`", n);
    diag_label(d, "not a constructor");
    diag_help(d, "patterns with a payload are `some(p)`, `ok(p)` and `failed(p)`; "
                 "enum variants are written `Red` or `Color.Red`");
    diag_end(d);
    p->kind = PAT_WILD;
  }
  return p;
}

ast_pat *ast_new_pat_variant(parse_ctx *pc, const lex_token *qual,
                             const lex_token *name) {
  ast_pat *p = ast_pat_new(pc, PAT_VARIANT, qual ? ast_join(qual->sp, name->sp) : name->sp);
  p->name = ast_ident_of(name);
  if (qual) p->qual = ast_ident_of(qual);
  return p;
}

ast_pat *ast_new_pat_nil(parse_ctx *pc, const lex_token *t) {
  return ast_pat_new(pc, PAT_NIL, t->sp);
}

ast_pat *ast_new_pat_lit(parse_ctx *pc, ast_expr *lit) {
  ast_pat *p = ast_pat_new(pc, PAT_LIT, lit->sp);
  p->lit = lit;
  return p;
}

/* ------------------------------------------------------------ kind names */

const char *ast_decl_kind_name(ast_decl_kind k) {
  static const char *names[] = {
#define AST_DECL_KIND(k, label) label,
#include "ast.def"
  };
  return (unsigned)k < DECL_KIND__COUNT ? names[k] : "?";
}

const char *ast_stmt_kind_name(ast_stmt_kind k) {
  static const char *names[] = {
#define AST_STMT_KIND(k, label) label,
#include "ast.def"
  };
  return (unsigned)k < STMT_KIND__COUNT ? names[k] : "?";
}

const char *ast_expr_kind_name(ast_expr_kind k) {
  static const char *names[] = {
#define AST_EXPR_KIND(k, label) label,
#include "ast.def"
  };
  return (unsigned)k < EXPR_KIND__COUNT ? names[k] : "?";
}

static const char *ast_te_kind_name(ast_te_kind k) {
  static const char *names[] = {
#define AST_TE_KIND(k, label) label,
#include "ast.def"
  };
  return (unsigned)k < TE_KIND__COUNT ? names[k] : "?";
}

static const char *ast_pat_kind_name(ast_pat_kind k) {
  static const char *names[] = {
#define AST_PAT_KIND(k, label) label,
#include "ast.def"
  };
  return (unsigned)k < PAT_KIND__COUNT ? names[k] : "?";
}

/* ------------------------------------------------------------ dump */

typedef struct dumper {
  ac_ctx *cx;
  FILE *out;
  int pass;
} dumper;

static const char *ast_sym_kind_name(sym_kind k) {
  static const char *names[] = {"local", "param", "state", "const", "fn", "builtin",
                                "prim", "message", "struct", "enum", "variant",
                                "actor", "supervisor"};
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static const char *ast_op_name(ast_op op) {
  static const char *names[] = {"=", "-", "!", "~", "+", "-", "*", "/", "%", "&",
                                "|", "^", "<<", ">>", "==", "!=", "<", "<=", ">",
                                ">=", "&&", "||", "??"};
  return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

static const char *ast_own_name(ast_own o) {
  static const char *names[] = {"", "copy", "move", "borrow", "shared"};
  return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "?";
}

static void dump_indent(dumper *dp, int depth) {
  for (int i = 0; i < depth && i < 200; i++) fputs("  ", dp->out);
}

static void dump_sym(dumper *dp, const sym *s) {
  if (dp->pass < PASS_RESOLVE) return;
  if (s) fprintf(dp->out, " -> %s", ast_sym_kind_name(s->kind));
  else fputs(" -> ?", dp->out);
}

static void dump_type(dumper *dp, const type *t) {
  if (dp->pass < PASS_TYPES) return;
  fprintf(dp->out, " : %s", t ? types_name(dp->cx, t) : "?");
}

static void dump_loc(dumper *dp, span sp) {
  uint32_t line, col;
  source_line_col(dp->cx, sp.file, sp.off, &line, &col);
  fprintf(dp->out, " @%u:%u", line, col);
}

static void dump_expr(dumper *dp, const ast_expr *e, int depth, const char *role);
static void dump_stmt(dumper *dp, const ast_stmt *s, int depth, const char *role);

static void dump_te(dumper *dp, const ast_tyexpr *t, int depth, const char *role) {
  if (!t) return;
  dump_indent(dp, depth);
  if (role) fprintf(dp->out, "%s: ", role);
  fputs(ast_te_kind_name(t->kind), dp->out);
  if (t->kind == TE_NAME) {
    fprintf(dp->out, " %s", t->name.name);
    dump_sym(dp, t->sym);
  }
  dump_type(dp, t->ty);
  fputc('\n', dp->out);
  dump_te(dp, t->key, depth + 1, "key");
  dump_te(dp, t->elem, depth + 1, NULL);
  for (uint32_t i = 0; i < t->items.len; i++)
    dump_te(dp, AST_AT(t->items, i, ast_tyexpr), depth + 1, NULL);
}

static void dump_pat(dumper *dp, const ast_pat *p, int depth) {
  if (!p) return;
  dump_indent(dp, depth);
  fprintf(dp->out, "pattern %s", ast_pat_kind_name(p->kind));
  if (p->qual.name) fprintf(dp->out, " %s.", p->qual.name);
  else if (p->name.name && p->kind != PAT_WILD) fputc(' ', dp->out);
  if (p->name.name && p->kind != PAT_WILD) fputs(p->name.name, dp->out);
  if (p->kind == PAT_BIND || p->kind == PAT_VARIANT) dump_sym(dp, p->sym);
  dump_type(dp, p->ty);
  fputc('\n', dp->out);
  dump_pat(dp, p->sub, depth + 1);
  if (p->lit) dump_expr(dp, p->lit, depth + 1, NULL);
}

static void dump_str(dumper *dp, const char *s, size_t n) {
  fputc('"', dp->out);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') fprintf(dp->out, "\\%c", c);
    else if (c == '\n') fputs("\\n", dp->out);
    else if (c == '\t') fputs("\\t", dp->out);
    else if (c < 0x20 || c == 0x7f) fprintf(dp->out, "\\x%02x", c);
    else fputc(c, dp->out);
  }
  fputc('"', dp->out);
}

static void dump_exprs(dumper *dp, ast_list l, int depth) {
  for (uint32_t i = 0; i < l.len; i++) dump_expr(dp, AST_AT(l, i, ast_expr), depth, NULL);
}

static void dump_inits(dumper *dp, ast_list l, int depth) {
  for (uint32_t i = 0; i < l.len; i++) {
    ast_field_init *f = AST_AT(l, i, ast_field_init);
    dump_expr(dp, f->value, depth, f->name.name);
  }
}

static void dump_expr(dumper *dp, const ast_expr *e, int depth, const char *role) {
  if (!e) return;
  FILE *o = dp->out;
  dump_indent(dp, depth);
  if (role) fprintf(o, "%s: ", role);
  fputs(ast_expr_kind_name(e->kind), o);
  switch (e->kind) {
  case EXPR_INT: fprintf(o, " %llu", (unsigned long long)e->u.int_.value); break;
  case EXPR_FLOAT: fprintf(o, " %.17g", e->u.float_.value); break;
  case EXPR_BOOL: fputs(e->u.bool_.value ? " true" : " false", o); break;
  case EXPR_DURATION: fprintf(o, " %lldns", (long long)e->u.duration.ns); break;
  case EXPR_NAME:
  case EXPR_TYPE_NAME:
    fprintf(o, " %s", e->u.name.id.name);
    dump_sym(dp, e->u.name.sym);
    break;
  case EXPR_FIELD: fprintf(o, " .%s", e->u.field.field.name); break;
  case EXPR_UNARY: fprintf(o, " %s", ast_op_name(e->u.unary.op)); break;
  case EXPR_BINARY: fprintf(o, " %s", ast_op_name(e->u.binary.op)); break;
  case EXPR_RANGE: fputs(e->u.range.inclusive ? " ..=" : " ..", o); break;
  case EXPR_RECORD:
    fprintf(o, " %s", e->u.record.type_name.name);
    dump_sym(dp, e->u.record.sym);
    break;
  case EXPR_SPAWN:
    fprintf(o, " %s", e->u.spawn.type_name.name);
    dump_sym(dp, e->u.spawn.sym);
    break;
  default: break;
  }
  dump_type(dp, e->ty);
  if (dp->pass >= PASS_OWN && e->own != OWN_NONE) fprintf(o, " [%s]", ast_own_name(e->own));
  fputc('\n', o);
  int d1 = depth + 1;
  switch (e->kind) {
  case EXPR_STR:
    for (uint32_t i = 0; i < e->u.str.parts.len; i++) {
      ast_str_part *p = AST_AT(e->u.str.parts, i, ast_str_part);
      if (p->expr) dump_expr(dp, p->expr, d1, "hole");
      else {
        dump_indent(dp, d1);
        fputs("text ", o);
        dump_str(dp, p->text, p->len);
        fputc('\n', o);
      }
    }
    break;
  case EXPR_FIELD: dump_expr(dp, e->u.field.obj, d1, NULL); break;
  case EXPR_INDEX:
    dump_expr(dp, e->u.index.obj, d1, NULL);
    dump_expr(dp, e->u.index.index, d1, "index");
    break;
  case EXPR_CALL:
    dump_expr(dp, e->u.call.callee, d1, "callee");
    dump_exprs(dp, e->u.call.args, d1);
    break;
  case EXPR_UNARY: dump_expr(dp, e->u.unary.operand, d1, NULL); break;
  case EXPR_BINARY:
    dump_expr(dp, e->u.binary.lhs, d1, NULL);
    dump_expr(dp, e->u.binary.rhs, d1, NULL);
    break;
  case EXPR_RANGE:
    dump_expr(dp, e->u.range.lo, d1, NULL);
    dump_expr(dp, e->u.range.hi, d1, NULL);
    break;
  case EXPR_CAST:
    dump_expr(dp, e->u.cast.expr, d1, NULL);
    dump_te(dp, e->u.cast.to, d1, "to");
    break;
  case EXPR_RECORD: dump_inits(dp, e->u.record.fields, d1); break;
  case EXPR_LIST:
  case EXPR_TUPLE: dump_exprs(dp, e->u.list.items, d1); break;
  case EXPR_MAP:
    for (uint32_t i = 0; i < e->u.map.entries.len; i++) {
      ast_map_entry *m = AST_AT(e->u.map.entries, i, ast_map_entry);
      dump_expr(dp, m->key, d1, "key");
      dump_expr(dp, m->value, d1, "value");
    }
    break;
  case EXPR_SPAWN: dump_exprs(dp, e->u.spawn.args, d1); break;
  case EXPR_ASK:
    dump_expr(dp, e->u.ask.target, d1, "target");
    dump_expr(dp, e->u.ask.msg, d1, "msg");
    dump_expr(dp, e->u.ask.timeout, d1, "timeout");
    break;
  case EXPR_RECV: dump_expr(dp, e->u.recv.chan, d1, NULL); break;
  case EXPR_CHAN_NEW:
    dump_te(dp, e->u.chan_new.elem, d1, "elem");
    dump_expr(dp, e->u.chan_new.capacity, d1, "capacity");
    break;
  case EXPR_FREEZE:
  case EXPR_COPY:
  case EXPR_TAKE:
  case EXPR_BORROW: dump_expr(dp, e->u.wrap.operand, d1, NULL); break;
  case EXPR_MATCH:
    dump_expr(dp, e->u.match.scrutinee, d1, "scrutinee");
    for (uint32_t i = 0; i < e->u.match.arms.len; i++) {
      ast_match_arm *a = AST_AT(e->u.match.arms, i, ast_match_arm);
      dump_indent(dp, d1);
      fputs("arm\n", o);
      dump_pat(dp, a->pat, d1 + 1);
      dump_expr(dp, a->guard, d1 + 1, "guard");
      dump_expr(dp, a->expr, d1 + 1, NULL);
      dump_stmt(dp, a->block, d1 + 1, NULL);
    }
    break;
  default: break;
  }
}

static void dump_stmts(dumper *dp, ast_list l, int depth) {
  for (uint32_t i = 0; i < l.len; i++) dump_stmt(dp, AST_AT(l, i, ast_stmt), depth, NULL);
}

static void dump_stmt(dumper *dp, const ast_stmt *s, int depth, const char *role) {
  if (!s) return;
  FILE *o = dp->out;
  int d1 = depth + 1;
  dump_indent(dp, depth);
  if (role) fprintf(o, "%s: ", role);
  fputs(ast_stmt_kind_name(s->kind), o);
  switch (s->kind) {
  case STMT_LET:
    fprintf(o, "%s %s", s->u.let.is_var ? " var" : "", s->u.let.name.name);
    dump_sym(dp, s->u.let.sym);
    fputc('\n', o);
    dump_te(dp, s->u.let.type, d1, "type");
    dump_expr(dp, s->u.let.init, d1, NULL);
    return;
  case STMT_ASSIGN:
    fprintf(o, " %s=\n", s->u.assign.op == OP_NONE ? "" : ast_op_name(s->u.assign.op));
    dump_expr(dp, s->u.assign.lhs, d1, NULL);
    dump_expr(dp, s->u.assign.rhs, d1, NULL);
    return;
  case STMT_EXPR:
    fputc('\n', o);
    dump_expr(dp, s->u.expr.expr, d1, NULL);
    return;
  case STMT_BLOCK:
    fputc('\n', o);
    dump_stmts(dp, s->u.block.stmts, d1);
    return;
  case STMT_IF:
    if (s->u.if_.let_name.name) {
      fprintf(o, " let %s", s->u.if_.let_name.name);
      dump_sym(dp, s->u.if_.let_sym);
    }
    fputc('\n', o);
    dump_expr(dp, s->u.if_.cond, d1, "cond");
    dump_stmt(dp, s->u.if_.then_, d1, "then");
    dump_stmt(dp, s->u.if_.else_, d1, "else");
    return;
  case STMT_WHILE:
    fputc('\n', o);
    dump_expr(dp, s->u.while_.cond, d1, "cond");
    dump_stmt(dp, s->u.while_.body, d1, NULL);
    return;
  case STMT_FOR:
    fprintf(o, " %s", s->u.for_.first.name);
    dump_sym(dp, s->u.for_.first_sym);
    if (s->u.for_.second.name) {
      fprintf(o, ", %s", s->u.for_.second.name);
      dump_sym(dp, s->u.for_.second_sym);
    }
    fputc('\n', o);
    dump_expr(dp, s->u.for_.iter, d1, "in");
    dump_stmt(dp, s->u.for_.body, d1, NULL);
    return;
  case STMT_RETURN:
    fputc('\n', o);
    dump_expr(dp, s->u.ret.value, d1, NULL);
    return;
  case STMT_SEND:
    fputc('\n', o);
    dump_expr(dp, s->u.send.target, d1, "target");
    dump_expr(dp, s->u.send.msg, d1, "msg");
    dump_stmt(dp, s->u.send.else_, d1, "else");
    return;
  case STMT_CHAN_SEND:
    fputc('\n', o);
    dump_expr(dp, s->u.chan_send.chan, d1, "chan");
    dump_expr(dp, s->u.chan_send.value, d1, "value");
    return;
  case STMT_REPLY:
    fputc('\n', o);
    dump_expr(dp, s->u.reply.value, d1, NULL);
    return;
  case STMT_FAIL:
    fputc('\n', o);
    dump_expr(dp, s->u.fail.message, d1, NULL);
    return;
  case STMT_SELECT:
    fputc('\n', o);
    for (uint32_t i = 0; i < s->u.select.arms.len; i++) {
      ast_select_arm *a = AST_AT(s->u.select.arms, i, ast_select_arm);
      static const char *kinds[] = {"recv", "send", "after", "default"};
      dump_indent(dp, d1);
      fprintf(o, "arm %s", kinds[a->kind]);
      if (a->bind.name) {
        fprintf(o, " %s", a->bind.name);
        dump_sym(dp, a->sym);
      }
      fputc('\n', o);
      dump_expr(dp, a->chan, d1 + 1, "chan");
      dump_expr(dp, a->value, d1 + 1, "value");
      dump_stmt(dp, a->body, d1 + 1, NULL);
    }
    return;
  default:
    fputc('\n', o);
    return;
  }
}

static void dump_params(dumper *dp, ast_list l, int depth) {
  for (uint32_t i = 0; i < l.len; i++) {
    ast_param *p = AST_AT(l, i, ast_param);
    dump_indent(dp, depth);
    fprintf(dp->out, "param %s", p->name.name);
    dump_sym(dp, p->sym);
    fputc('\n', dp->out);
    dump_te(dp, p->type, depth + 1, NULL);
  }
}

static void dump_decl(dumper *dp, const ast_decl *d, int depth) {
  FILE *o = dp->out;
  int d1 = depth + 1;
  dump_indent(dp, depth);
  fputs(ast_decl_kind_name(d->kind), o);
  if (d->kind == DECL_ACTOR && d->u.actor.is_ring) fputs(" (ring)", o);
  if (d->name.name) fprintf(o, " %s", d->name.name);
  if (d->kind == DECL_IMPORT) {
    if (d->u.import.is_std) {
      fputs(" std", o);
      for (uint32_t i = 0; i < d->u.import.path.len; i++)
        fprintf(o, ".%s", AST_AT(d->u.import.path, i, ast_ident)->name);
    } else if (d->u.import.file) {
      fprintf(o, " \"%s\"", d->u.import.file);
    }
    if (d->u.import.module != UINT32_MAX) fprintf(o, " (module %u)", d->u.import.module);
  }
  dump_loc(dp, d->sp);
  fputc('\n', o);
  if (d->doc) {
    dump_indent(dp, d1);
    fputs("doc ", o);
    dump_str(dp, d->doc, strlen(d->doc));
    fputc('\n', o);
  }
  switch (d->kind) {
  case DECL_CONST:
    dump_te(dp, d->u.const_.type, d1, "type");
    dump_expr(dp, d->u.const_.value, d1, NULL);
    break;
  case DECL_MESSAGE:
  case DECL_STRUCT:
    for (uint32_t i = 0; i < d->u.record.fields.len; i++) {
      ast_field *f = AST_AT(d->u.record.fields, i, ast_field);
      dump_indent(dp, d1);
      fprintf(o, "field %s", f->name.name);
      if (f->doc) {
        fputs(" doc ", o);
        dump_str(dp, f->doc, strlen(f->doc));
      }
      fputc('\n', o);
      dump_te(dp, f->type, d1 + 1, NULL);
      dump_expr(dp, f->default_, d1 + 1, "default");
    }
    break;
  case DECL_ENUM:
    for (uint32_t i = 0; i < d->u.enum_.variants.len; i++) {
      dump_indent(dp, d1);
      fprintf(o, "variant %s\n", AST_AT(d->u.enum_.variants, i, ast_ident)->name);
    }
    break;
  case DECL_ACTOR:
    dump_params(dp, d->u.actor.params, d1);
    for (uint32_t i = 0; i < d->u.actor.launch.len; i++) {
      ast_field_init *f = AST_AT(d->u.actor.launch, i, ast_field_init);
      dump_expr(dp, f->value, d1, f->name.name);
    }
    if (d->u.actor.mailbox_cap) {
      static const char *pol[] = {"unbounded", "block", "drop_newest", "drop_oldest", "fail"};
      dump_indent(dp, d1);
      fprintf(o, "mailbox %s\n", pol[d->u.actor.mailbox_policy]);
      dump_expr(dp, d->u.actor.mailbox_cap, d1 + 1, "capacity");
    }
    for (uint32_t i = 0; i < d->u.actor.state.len; i++)
      dump_stmt(dp, AST_AT(d->u.actor.state, i, ast_stmt), d1, "state");
    for (uint32_t i = 0; i < d->u.actor.handlers.len; i++) {
      ast_handler *h = AST_AT(d->u.actor.handlers, i, ast_handler);
      dump_indent(dp, d1);
      fprintf(o, "on %s", h->name.name);
      if (h->msg_sym) dump_sym(dp, h->msg_sym);
      if (h->binding.name) {
        fprintf(o, " (%s)", h->binding.name);
        dump_sym(dp, h->binding_sym);
      }
      fputc('\n', o);
      dump_te(dp, h->msg_type, d1 + 1, "msg");
      dump_te(dp, h->reply, d1 + 1, "reply");
      dump_stmt(dp, h->body, d1 + 1, NULL);
    }
    for (uint32_t i = 0; i < d->u.actor.fns.len; i++)
      dump_decl(dp, AST_AT(d->u.actor.fns, i, ast_decl), d1);
    dump_stmt(dp, d->u.actor.run, d1, "run");
    dump_stmt(dp, d->u.actor.on_stop, d1, "on stop");
    break;
  case DECL_SUPERVISOR:
    dump_inits(dp, d->u.sup.options, d1);
    for (uint32_t i = 0; i < d->u.sup.children.len; i++) {
      ast_child *c = AST_AT(d->u.sup.children, i, ast_child);
      dump_indent(dp, d1);
      fprintf(o, "child %s = %s", c->name.name ? c->name.name : "_", c->type_name.name);
      dump_sym(dp, c->sym);
      fputc('\n', o);
      dump_exprs(dp, c->args, d1 + 1);
    }
    break;
  case DECL_FN:
    dump_params(dp, d->u.fn.params, d1);
    dump_te(dp, d->u.fn.ret, d1, "returns");
    dump_stmt(dp, d->u.fn.body, d1, NULL);
    break;
  default:
    break;
  }
}

void ast_dump(ac_ctx *cx, FILE *out, int pass) {
  if (!cx->prog) return;
  dumper dp = {cx, out, pass};
  for (uint32_t m = 0; m < cx->prog->modules.len; m++) {
    ast_module *mod = AST_AT(cx->prog->modules, m, ast_module);
    fprintf(out, "module %u %s%s\n", m, mod->path, mod->is_std ? " (std)" : "");
    for (uint32_t i = 0; i < mod->decls.len; i++)
      dump_decl(&dp, AST_AT(mod->decls, i, ast_decl), 1);
  }
}
