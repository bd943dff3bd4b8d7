/* own_protocol.c — protocol checks of the ownership phase (codes
 * E0450–E0499), run by own_run at its end:
 * - a handler declared `-> T` replies exactly once on every path
 *   (E0450 missing, E0451 twice, E0452 reply inside a loop that can run
 *   again: a `reply` in a loop body must be followed by `return` or `break`);
 * - `ask` between actor types must not form a cycle (E0453), including an
 *   actor type asking itself (E0454): actors are not reentrant, so the
 *   cycle waits forever.  `main` is the pseudo-actor `main`.
 * Reads the typed AST only; writes nothing but diagnostics.
 */
#include <string.h>

#include "ac.h"
#include "builtins.h"

#define PROTO_MAX_DEPTH 2000

/* ==================================================== reply once */

enum { RP_NO, RP_YES, RP_MAYBE };

/* A construct that splits paths, used to name the path without a reply. */
typedef enum {
  PW_NONE,
  PW_IF_TRUE,
  PW_IF_FALSE,
  PW_ARM,
  PW_SELECT,
  PW_SEND_OK,
  PW_SEND_ELSE,
  PW_LOOP_EXIT
} path_why;

typedef struct rstate {
  bool reach;
  uint8_t st;
  uint8_t why;      /* RP_MAYBE, tagged RP_NO: a path with no reply */
  span why_sp;
  bool has_first;
  span first;       /* first reply on a path that replied */
  span last;        /* latest reply */
} rstate;

typedef struct ploop {
  struct ploop *up;
  rstate brk;
  rstate cont;
  bool any_brk;
  bool any_cont;
} ploop;

/* What one body does that the ask graph needs. */
typedef struct ask_site {
  ast_decl *target;   /* DECL_ACTOR asked */
  span sp;
} ask_site;

typedef struct sink {
  ask_site *asks;
  uint32_t nasks, asks_cap;
  ast_decl **calls;   /* top-level fns called */
  uint32_t ncalls, calls_cap;
} sink;

typedef struct pcx {
  ac_ctx *cx;
  bool failed;
  int depth;
  sink *out;          /* where asks and calls go */
  /* reply checking; h == NULL outside handlers with `-> T` */
  ast_handler *h;
  bool h_done;        /* a missing-reply error was given for h */
  int nreplies;
  ploop *loop;
} pcx;

static const char *ploc(pcx *pc, span sp) {
  uint32_t line = 0;
  uint32_t col = 0;
  source_line_col(pc->cx, sp.file, sp.off, &line, &col);
  return arena_sprintf(pc->cx->perm, "%u:%u", line, col);
}

static const char *pfileloc(pcx *pc, span sp) {
  uint32_t line = 0;
  uint32_t col = 0;
  source_line_col(pc->cx, sp.file, sp.off, &line, &col);
  const source_file *f = source_get(pc->cx, sp.file);
  return arena_sprintf(pc->cx->perm, "%s:%u:%u", f && f->path ? f->path : "?",
                       line, col);
}

static const char *path_text(pcx *pc, const rstate *r) {
  const char *at = ploc(pc, r->why_sp);
  switch ((path_why)r->why) {
  case PW_IF_TRUE:
    return arena_sprintf(pc->cx->perm, "when the `if` at %s is true", at);
  case PW_IF_FALSE:
    return arena_sprintf(pc->cx->perm, "when the `if` at %s is false", at);
  case PW_ARM:
    return arena_sprintf(pc->cx->perm, "when the `match` arm at %s is taken",
                         at);
  case PW_SELECT:
    return arena_sprintf(pc->cx->perm,
                         "when the `select` arm at %s is taken", at);
  case PW_SEND_OK:
    return arena_sprintf(pc->cx->perm, "when the `send` at %s succeeds", at);
  case PW_SEND_ELSE:
    return arena_sprintf(pc->cx->perm, "when the `send` at %s is refused",
                         at);
  case PW_LOOP_EXIT:
    return arena_sprintf(pc->cx->perm,
                         "when the loop at %s ends without returning", at);
  case PW_NONE:
    break;
  }
  return NULL;
}

static rstate rs_dead(void) {
  rstate r;
  memset(&r, 0, sizeof r);
  return r;
}

/* Tag a path that has no reply with the branch it took. */
static void rs_tag(rstate *r, path_why w, span sp) {
  if (r->reach && r->st == RP_NO && r->why == PW_NONE) {
    r->why = (uint8_t)w;
    r->why_sp = sp;
  }
}

/* a ⊔= b */
static void rs_join(rstate *a, const rstate *b) {
  if (!b->reach)
    return;
  if (!a->reach) {
    *a = *b;
    return;
  }
  if (!a->has_first && b->has_first) {
    a->has_first = true;
    a->first = b->first;
    a->last = b->last;
  }
  if (a->st == b->st && a->st != RP_MAYBE) {
    if (a->st == RP_NO && a->why == PW_NONE && b->why != PW_NONE) {
      a->why = b->why;
      a->why_sp = b->why_sp;
    }
    return;
  }
  /* mixed: keep the description of a path without a reply */
  const rstate *no = NULL;
  if (a->st != RP_YES && a->why != PW_NONE)
    no = a;
  else if (b->st != RP_YES && b->why != PW_NONE)
    no = b;
  a->st = RP_MAYBE;
  if (no && no != a) {
    a->why = no->why;
    a->why_sp = no->why_sp;
  }
}

static void sink_ask(pcx *pc, ast_decl *target, span sp) {
  sink *s = pc->out;
  if (!s)
    return;
  if (s->nasks == s->asks_cap) {
    uint32_t ncap = s->asks_cap ? s->asks_cap * 2 : 4;
    ask_site *na = arena_alloc(pc->cx->perm, ncap * sizeof *na);
    if (s->nasks)
      memcpy(na, s->asks, s->nasks * sizeof *na);
    s->asks = na;
    s->asks_cap = ncap;
  }
  s->asks[s->nasks].target = target;
  s->asks[s->nasks].sp = sp;
  s->nasks++;
}

static void sink_call(pcx *pc, ast_decl *fn) {
  sink *s = pc->out;
  if (!s)
    return;
  for (uint32_t i = 0; i < s->ncalls; i++)
    if (s->calls[i] == fn)
      return;
  if (s->ncalls == s->calls_cap) {
    uint32_t ncap = s->calls_cap ? s->calls_cap * 2 : 4;
    ast_decl **nc = arena_alloc(pc->cx->perm, ncap * sizeof *nc);
    if (s->ncalls)
      memcpy(nc, s->calls, s->ncalls * sizeof *nc);
    s->calls = nc;
    s->calls_cap = ncap;
  }
  s->calls[s->ncalls++] = fn;
}

static const char *handler_name(const ast_handler *h) {
  return h->name.name ? h->name.name : "?";
}

static const char *reply_type_text(pcx *pc) {
  ast_tyexpr *t = pc->h->reply;
  if (t && t->ty && t->ty->kind != TY_ERROR)
    return types_name(pc->cx, t->ty);
  if (t && t->kind == TE_NAME && t->name.name)
    return t->name.name;
  return "a value";
}

/* E0450: a path of the handler ends (at `ret`, or at the end when ret is
 * NULL) without a reply. */
static void missing_reply(pcx *pc, const rstate *r, const ast_stmt *ret) {
  if (!pc->h || pc->h_done || !r->reach || r->st == RP_YES)
    return;
  pc->h_done = true;
  pc->failed = true;
  const char *path = path_text(pc, r);
  const char *hn = handler_name(pc->h);
  diag *d;
  if (!path && pc->nreplies == 0 && !ret) {
    d = diag_error(pc->cx, pc->h->name.sp, "E0450",
                   "handler `on %s` never replies", hn);
    diag_label(d, "declared to reply with `%s`", reply_type_text(pc));
  } else {
    span at = ret ? ret->sp : pc->h->name.sp;
    if (path)
      d = diag_error(pc->cx, at, "E0450",
                     "handler `on %s` may finish without replying %s", hn,
                     path);
    else
      d = diag_error(pc->cx, at, "E0450",
                     "handler `on %s` may finish without replying", hn);
    if (ret) {
      diag_label(d, "this `return` is reached without a `reply`");
      diag_note(d, pc->h->name.sp, "handler declared here to reply with `%s`",
                reply_type_text(pc));
    } else {
      diag_label(d, "declared to reply with `%s`", reply_type_text(pc));
    }
    if (path)
      diag_note(d, r->why_sp, "no `reply` on the path %s", path);
  }
  diag_help(d, "every path through the handler must end with exactly one "
            "`reply` (or `fail`)");
  diag_end(d);
}

static void on_reply(pcx *pc, rstate *r, ast_stmt *s) {
  pc->nreplies++;
  if (!r->reach)
    return;
  if (pc->h && !pc->h_done && r->st != RP_NO && r->has_first) {
    pc->failed = true;
    const char *hn = handler_name(pc->h);
    diag *d;
    if (r->st == RP_YES) {
      d = diag_error(pc->cx, s->sp, "E0451", "handler `on %s` replies twice",
                     hn);
      diag_label(d, "second `reply`");
      diag_note(d, r->last, "first `reply` here");
    } else {
      d = diag_error(pc->cx, s->sp, "E0451",
                     "handler `on %s` may reply twice", hn);
      diag_label(d, "second `reply` on some paths");
      diag_note(d, r->last, "an earlier `reply` here may already have run");
    }
    diag_note_plain(d, "the asker receives exactly one reply; a second one "
                    "has no one to go to");
    diag_help(d, "add `return;` after the first `reply`, or reply once at the "
              "end");
    diag_end(d);
    pc->h_done = true;
  }
  if (!r->has_first) {
    r->has_first = true;
    r->first = s->sp;
  }
  r->last = s->sp;
  r->st = RP_YES;
  r->why = PW_NONE;
}

/* ==================================================== walkers */

static void pstmt(pcx *pc, rstate *r, ast_stmt *s);
static void pexpr(pcx *pc, rstate *r, ast_expr *e);

static void pexprs(pcx *pc, rstate *r, ast_list *l) {
  for (uint32_t i = 0; i < l->len; i++)
    pexpr(pc, r, AST_AT(*l, i, ast_expr));
}

static void pmatch(pcx *pc, rstate *r, ast_expr *e) {
  pexpr(pc, r, e->u.match.scrutinee);
  if (!e->u.match.arms.len)
    return;
  rstate out = rs_dead();
  for (uint32_t i = 0; i < e->u.match.arms.len; i++) {
    ast_match_arm *arm = AST_AT(e->u.match.arms, i, ast_match_arm);
    rstate a = *r;
    pexpr(pc, &a, arm->guard);
    pexpr(pc, &a, arm->expr);
    pstmt(pc, &a, arm->block);
    rs_tag(&a, PW_ARM, arm->sp);
    rs_join(&out, &a);
  }
  if (out.reach && out.st == RP_NO) {
    out.why = r->why; /* no arm replied: no arm to name */
    out.why_sp = r->why_sp;
  }
  *r = out;
}

static void pexpr(pcx *pc, rstate *r, ast_expr *e) {
  if (!e || pc->depth > PROTO_MAX_DEPTH)
    return;
  pc->depth++;
  switch (e->kind) {
  case EXPR_STR:
    for (uint32_t i = 0; i < e->u.str.parts.len; i++)
      pexpr(pc, r, AST_AT(e->u.str.parts, i, ast_str_part)->expr);
    break;
  case EXPR_FIELD:
    pexpr(pc, r, e->u.field.obj);
    break;
  case EXPR_INDEX:
    pexpr(pc, r, e->u.index.obj);
    pexpr(pc, r, e->u.index.index);
    break;
  case EXPR_CALL: {
    ast_expr *c = e->u.call.callee;
    if (c && c->kind == EXPR_NAME && c->u.name.sym &&
        c->u.name.sym->kind == SYM_FN && c->u.name.sym->decl)
      sink_call(pc, c->u.name.sym->decl);
    pexpr(pc, r, c);
    pexprs(pc, r, &e->u.call.args);
    break;
  }
  case EXPR_UNARY:
    pexpr(pc, r, e->u.unary.operand);
    break;
  case EXPR_BINARY:
    pexpr(pc, r, e->u.binary.lhs);
    pexpr(pc, r, e->u.binary.rhs);
    break;
  case EXPR_RANGE:
    pexpr(pc, r, e->u.range.lo);
    pexpr(pc, r, e->u.range.hi);
    break;
  case EXPR_CAST:
    pexpr(pc, r, e->u.cast.expr);
    break;
  case EXPR_RECORD:
    for (uint32_t i = 0; i < e->u.record.fields.len; i++)
      pexpr(pc, r, AST_AT(e->u.record.fields, i, ast_field_init)->value);
    break;
  case EXPR_LIST:
  case EXPR_TUPLE:
    pexprs(pc, r, &e->u.list.items);
    break;
  case EXPR_MAP:
    for (uint32_t i = 0; i < e->u.map.entries.len; i++) {
      ast_map_entry *me = AST_AT(e->u.map.entries, i, ast_map_entry);
      pexpr(pc, r, me->key);
      pexpr(pc, r, me->value);
    }
    break;
  case EXPR_SPAWN:
    pexprs(pc, r, &e->u.spawn.args);
    break;
  case EXPR_ASK: {
    pexpr(pc, r, e->u.ask.target);
    pexpr(pc, r, e->u.ask.msg);
    pexpr(pc, r, e->u.ask.timeout);
    type *t = e->u.ask.target ? e->u.ask.target->ty : NULL;
    if (t && t->kind == TY_ACTOR && t->decl && t->decl->kind == DECL_ACTOR)
      sink_ask(pc, t->decl, e->sp);
    break;
  }
  case EXPR_RECV:
    pexpr(pc, r, e->u.recv.chan);
    break;
  case EXPR_CHAN_NEW:
    pexpr(pc, r, e->u.chan_new.capacity);
    break;
  case EXPR_FREEZE:
  case EXPR_COPY:
  case EXPR_TAKE:
  case EXPR_BORROW:
    pexpr(pc, r, e->u.wrap.operand);
    break;
  case EXPR_MATCH:
    pmatch(pc, r, e);
    break;
  default:
    break;
  }
  pc->depth--;
}

static bool lit_true(const ast_expr *e) {
  return e && e->kind == EXPR_BOOL && e->u.bool_.value;
}

static void ploop_stmt(pcx *pc, rstate *r, ast_stmt *s) {
  rstate in = *r;
  rstate exit = rs_dead();
  ast_stmt *body;
  if (s->kind == STMT_WHILE) {
    pexpr(pc, r, s->u.while_.cond);
    if (!lit_true(s->u.while_.cond))
      exit = *r;
    body = s->u.while_.body;
  } else {
    pexpr(pc, r, s->u.for_.iter);
    exit = *r;
    body = s->u.for_.body;
  }
  ploop lp;
  memset(&lp, 0, sizeof lp);
  lp.up = pc->loop;
  lp.brk = rs_dead();
  lp.cont = rs_dead();
  pc->loop = &lp;
  int before = pc->nreplies;
  rstate b = *r;
  pstmt(pc, &b, body);
  pc->loop = lp.up;
  rs_join(&b, &lp.cont);
  /* the body's end leads into another iteration */
  if (pc->h && b.reach && in.st == RP_NO && b.st != RP_NO && b.has_first &&
      !pc->h_done) {
    pc->h_done = true;
    pc->failed = true;
    diag *d = diag_error(pc->cx, b.last, "E0452",
                         "`reply` inside a loop may run more than once");
    diag_label(d, "the loop can go round again after this `reply`");
    diag_note(d, s->sp, "the loop that repeats it");
    diag_help(d, "put `return;` or `break;` right after the `reply`");
    diag_end(d);
  }
  if (pc->nreplies > before)
    rs_tag(&exit, PW_LOOP_EXIT, s->sp);
  rs_join(&exit, &lp.brk);
  if (s->kind != STMT_WHILE || !lit_true(s->u.while_.cond))
    rs_join(&exit, &b); /* the condition fails after some iterations */
  *r = exit;
}

static void pstmt(pcx *pc, rstate *r, ast_stmt *s) {
  if (!s || pc->depth > PROTO_MAX_DEPTH)
    return;
  pc->depth++;
  switch (s->kind) {
  case STMT_LET:
    pexpr(pc, r, s->u.let.init);
    break;
  case STMT_ASSIGN:
    pexpr(pc, r, s->u.assign.rhs);
    pexpr(pc, r, s->u.assign.lhs);
    break;
  case STMT_EXPR:
    pexpr(pc, r, s->u.expr.expr);
    if (s->u.expr.expr && s->u.expr.expr->kind == EXPR_CALL &&
        s->u.expr.expr->u.call.builtin == BI_EXIT)
      r->reach = false; /* exit(code) ends the program */
    break;
  case STMT_BLOCK:
    for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
      pstmt(pc, r, AST_AT(s->u.block.stmts, i, ast_stmt));
    break;
  case STMT_IF: {
    pexpr(pc, r, s->u.if_.cond);
    rstate t = *r;
    pstmt(pc, &t, s->u.if_.then_);
    pstmt(pc, r, s->u.if_.else_);
    if (t.st != r->st || !t.reach || !r->reach) {
      rs_tag(&t, PW_IF_TRUE, s->sp);
      rs_tag(r, PW_IF_FALSE, s->sp);
    }
    rs_join(r, &t);
    break;
  }
  case STMT_WHILE:
  case STMT_FOR:
    ploop_stmt(pc, r, s);
    break;
  case STMT_BREAK:
    if (pc->loop)
      rs_join(&pc->loop->brk, r);
    r->reach = false;
    break;
  case STMT_CONTINUE:
    if (pc->loop)
      rs_join(&pc->loop->cont, r);
    r->reach = false;
    break;
  case STMT_RETURN:
    pexpr(pc, r, s->u.ret.value);
    missing_reply(pc, r, s);
    r->reach = false;
    break;
  case STMT_SEND:
    pexpr(pc, r, s->u.send.target);
    pexpr(pc, r, s->u.send.msg);
    if (s->u.send.else_) {
      rstate e = *r;
      pstmt(pc, &e, s->u.send.else_);
      if (e.st != r->st || !e.reach) {
        rs_tag(&e, PW_SEND_ELSE, s->sp);
        rs_tag(r, PW_SEND_OK, s->sp);
      }
      rs_join(r, &e);
    }
    break;
  case STMT_CHAN_SEND:
    pexpr(pc, r, s->u.chan_send.chan);
    pexpr(pc, r, s->u.chan_send.value);
    break;
  case STMT_REPLY:
    pexpr(pc, r, s->u.reply.value);
    on_reply(pc, r, s);
    break;
  case STMT_SELECT: {
    rstate out = rs_dead();
    for (uint32_t i = 0; i < s->u.select.arms.len; i++) {
      ast_select_arm *a = AST_AT(s->u.select.arms, i, ast_select_arm);
      pexpr(pc, r, a->chan);
      pexpr(pc, r, a->value);
    }
    for (uint32_t i = 0; i < s->u.select.arms.len; i++) {
      ast_select_arm *a = AST_AT(s->u.select.arms, i, ast_select_arm);
      rstate b = *r;
      pstmt(pc, &b, a->body);
      rs_tag(&b, PW_SELECT, a->sp);
      rs_join(&out, &b);
    }
    if (out.reach && out.st == RP_NO) {
      out.why = r->why;
      out.why_sp = r->why_sp;
    }
    if (s->u.select.arms.len)
      *r = out;
    break;
  }
  case STMT_FAIL:
    pexpr(pc, r, s->u.fail.message);
    r->reach = false; /* the asker gets `failed`: no reply needed */
    break;
  default:
    break;
  }
  pc->depth--;
}

/* Walk one body; with h set, check that it replies exactly once. */
static void pbody(pcx *pc, ast_stmt *body, ast_handler *h) {
  if (!body)
    return;
  pc->h = h;
  pc->h_done = false;
  pc->nreplies = 0;
  pc->loop = NULL;
  pc->depth = 0;
  rstate r = rs_dead();
  r.reach = true;
  pstmt(pc, &r, body);
  missing_reply(pc, &r, NULL);
  pc->h = NULL;
}

/* ==================================================== ask graph */

typedef struct edge {
  uint32_t to;
  span sp;
} edge;

typedef struct gnode {
  const char *name;
  ast_decl *decl;     /* DECL_ACTOR, or the main fn */
  sink s;             /* what its own bodies do */
  edge *edges;
  uint32_t nedges, edges_cap;
  /* Tarjan */
  int index, low;
  bool on_stack;
  int comp;
} gnode;

typedef struct fnode {
  ast_decl *decl;
  sink s;
  uint32_t seen;      /* visit stamp */
} fnode;

typedef struct dmap {
  const ast_decl **keys;
  uint32_t *vals;
  uint32_t cap;
} dmap;

typedef struct graph {
  gnode *nodes;
  uint32_t n;
  fnode *fns;
  uint32_t nfns;
  dmap actor_map;     /* DECL_ACTOR → node */
  dmap fn_map;        /* top-level DECL_FN → fns index */
} graph;

static uint32_t dhash(const void *p, uint32_t cap) {
  uintptr_t x = (uintptr_t)p;
  x ^= x >> 17;
  x *= 0x9E3779B1u;
  return (uint32_t)(x ^ (x >> 13)) & (cap - 1);
}

/* decl → index maps (open addressing; keys never removed) */
static void map_init(pcx *pc, dmap *m, uint32_t n) {
  m->cap = 16;
  while (m->cap < n * 2 + 2)
    m->cap *= 2;
  m->keys = arena_alloc(pc->cx->scratch, m->cap * sizeof *m->keys);
  m->vals = arena_alloc(pc->cx->scratch, m->cap * sizeof *m->vals);
}

static void map_put(dmap *m, const ast_decl *d, uint32_t v) {
  uint32_t i = dhash(d, m->cap);
  while (m->keys[i] && m->keys[i] != d)
    i = (i + 1) & (m->cap - 1);
  m->keys[i] = d;
  m->vals[i] = v;
}

static int map_get(const dmap *m, const ast_decl *d) {
  if (!d || !m->cap)
    return -1;
  uint32_t i = dhash(d, m->cap);
  while (m->keys[i]) {
    if (m->keys[i] == d)
      return (int)m->vals[i];
    i = (i + 1) & (m->cap - 1);
  }
  return -1;
}

static int node_of(const graph *g, const ast_decl *d) {
  return map_get(&g->actor_map, d);
}

static fnode *fn_of(const graph *g, const ast_decl *d) {
  int i = map_get(&g->fn_map, d);
  return i >= 0 ? &g->fns[i] : NULL;
}

static void add_edge(pcx *pc, gnode *from, uint32_t to, span sp) {
  for (uint32_t i = 0; i < from->nedges; i++)
    if (from->edges[i].to == to)
      return;
  if (from->nedges == from->edges_cap) {
    uint32_t ncap = from->edges_cap ? from->edges_cap * 2 : 4;
    edge *ne = arena_alloc(pc->cx->perm, ncap * sizeof *ne);
    if (from->nedges)
      memcpy(ne, from->edges, from->nedges * sizeof *ne);
    from->edges = ne;
    from->edges_cap = ncap;
  }
  from->edges[from->nedges].to = to;
  from->edges[from->nedges].sp = sp;
  from->nedges++;
}

static void add_asks(pcx *pc, graph *g, gnode *from, const sink *s) {
  for (uint32_t i = 0; i < s->nasks; i++) {
    int to = node_of(g, s->asks[i].target);
    if (to >= 0)
      add_edge(pc, from, (uint32_t)to, s->asks[i].sp);
  }
}

/* Edges of a node: its own asks, then those of every top-level fn it can
 * reach through calls (iterative, with a visit stamp per node). */
static void build_edges(pcx *pc, graph *g, uint32_t ni, fnode **work) {
  gnode *nd = &g->nodes[ni];
  add_asks(pc, g, nd, &nd->s);
  uint32_t stamp = ni + 1;
  uint32_t nwork = 0;
  for (uint32_t i = 0; i < nd->s.ncalls; i++) {
    fnode *fnd = fn_of(g, nd->s.calls[i]);
    if (fnd && fnd->seen != stamp) {
      fnd->seen = stamp;
      work[nwork++] = fnd;
    }
  }
  while (nwork) {
    fnode *fnd = work[--nwork];
    add_asks(pc, g, nd, &fnd->s);
    for (uint32_t i = 0; i < fnd->s.ncalls; i++) {
      fnode *c = fn_of(g, fnd->s.calls[i]);
      if (c && c->seen != stamp) {
        c->seen = stamp;
        work[nwork++] = c;
      }
    }
  }
}

/* Tarjan's SCC, iterative (actor chains can be long). */
static void tarjan(pcx *pc, graph *g) {
  uint32_t n = g->n;
  uint32_t *stack = arena_alloc(pc->cx->scratch, (n + 1) * sizeof *stack);
  uint32_t *cs_node = arena_alloc(pc->cx->scratch, (n + 1) * sizeof *cs_node);
  uint32_t *cs_edge = arena_alloc(pc->cx->scratch, (n + 1) * sizeof *cs_edge);
  uint32_t sp = 0;
  int index = 0;
  int comp = 0;
  for (uint32_t i = 0; i < n; i++)
    g->nodes[i].index = -1;
  for (uint32_t root = 0; root < n; root++) {
    if (g->nodes[root].index >= 0)
      continue;
    uint32_t csp = 0;
    cs_node[csp] = root;
    cs_edge[csp] = 0;
    csp++;
    g->nodes[root].index = g->nodes[root].low = index++;
    stack[sp++] = root;
    g->nodes[root].on_stack = true;
    while (csp) {
      uint32_t v = cs_node[csp - 1];
      gnode *gv = &g->nodes[v];
      if (cs_edge[csp - 1] < gv->nedges) {
        uint32_t w = gv->edges[cs_edge[csp - 1]++].to;
        gnode *gw = &g->nodes[w];
        if (gw->index < 0) {
          gw->index = gw->low = index++;
          stack[sp++] = w;
          gw->on_stack = true;
          cs_node[csp] = w;
          cs_edge[csp] = 0;
          csp++;
        } else if (gw->on_stack && gw->index < gv->low) {
          gv->low = gw->index;
        }
        continue;
      }
      if (gv->low == gv->index) {
        uint32_t w;
        do {
          w = stack[--sp];
          g->nodes[w].on_stack = false;
          g->nodes[w].comp = comp;
        } while (w != v);
        comp++;
      }
      csp--;
      if (csp) {
        gnode *gp = &g->nodes[cs_node[csp - 1]];
        if (gv->low < gp->low)
          gp->low = gv->low;
      }
    }
  }
}

/* E0454: an actor type asking its own type. */
static void report_self_ask(pcx *pc, gnode *a, span sp) {
  pc->failed = true;
  diag *d = diag_error(pc->cx, sp, "E0454",
                       "`ask` cycle: actor `%s` asks itself (at %s)", a->name,
                       pfileloc(pc, sp));
  diag_label(d, "`%s` waits here for a reply that only a `%s` can send",
             a->name, a->name);
  diag_note_plain(d, "actors are not reentrant: while a `%s` waits in `ask` "
                  "it takes no other message, so an `ask` to itself (or two "
                  "`%s` actors asking each other) waits forever", a->name,
                  a->name);
  diag_help(d, "call a `fn` for the work instead, or use `send` and handle "
            "the answer as a message");
  diag_end(d);
}

/* E0453: one cycle through the component of `start`, shortest by BFS. */
static void report_cycle(pcx *pc, graph *g, uint32_t start) {
  uint32_t n = g->n;
  int *prev = arena_alloc(pc->cx->scratch, n * sizeof *prev);
  int *prev_edge = arena_alloc(pc->cx->scratch, n * sizeof *prev_edge);
  uint32_t *queue = arena_alloc(pc->cx->scratch, n * sizeof *queue);
  for (uint32_t i = 0; i < n; i++)
    prev[i] = -2;
  int comp = g->nodes[start].comp;
  uint32_t qh = 0;
  uint32_t qt = 0;
  queue[qt++] = start;
  prev[start] = -1;
  int last = -1;
  int last_edge = -1;
  while (qh < qt && last < 0) {
    uint32_t v = queue[qh++];
    gnode *gv = &g->nodes[v];
    for (uint32_t i = 0; i < gv->nedges; i++) {
      uint32_t w = gv->edges[i].to;
      if (g->nodes[w].comp != comp || w == v)
        continue;
      if (w == start) {
        last = (int)v;
        last_edge = (int)i;
        break;
      }
      if (prev[w] == -2) {
        prev[w] = (int)v;
        prev_edge[w] = (int)i;
        queue[qt++] = w;
      }
    }
  }
  if (last < 0)
    return;
  /* walk back from `last` to `start`, collecting the edges in reverse */
  edge **cyc = arena_alloc(pc->cx->scratch, (n + 1) * sizeof *cyc);
  uint32_t *from = arena_alloc(pc->cx->scratch, (n + 1) * sizeof *from);
  uint32_t len = 0;
  cyc[len] = &g->nodes[last].edges[last_edge];
  from[len++] = (uint32_t)last;
  for (int v = last; v != (int)start && len <= n; v = prev[v]) {
    cyc[len] = &g->nodes[prev[v]].edges[prev_edge[v]];
    from[len++] = (uint32_t)prev[v];
  }
  /* text: A asks B (at f:1:2) → B asks A (at f:3:4), in cycle order */
  const char *text = "";
  for (uint32_t k = len; k-- > 0;) {
    const char *step = arena_sprintf(
        pc->cx->perm, "%s%s asks %s (at %s)", k + 1 == len ? "" : " → ",
        g->nodes[from[k]].name, g->nodes[cyc[k]->to].name,
        pfileloc(pc, cyc[k]->sp));
    text = arena_sprintf(pc->cx->perm, "%s%s", text, step);
  }
  pc->failed = true;
  edge *first = cyc[len - 1];
  diag *d = diag_error(pc->cx, first->sp, "E0453",
                       "`ask` cycle between actors: %s", text);
  diag_label(d, "`%s` waits here for `%s`", g->nodes[from[len - 1]].name,
             g->nodes[first->to].name);
  for (uint32_t k = len - 1; k-- > 0;)
    diag_note(d, cyc[k]->sp, "`%s` asks `%s` here and waits for the reply",
              g->nodes[from[k]].name, g->nodes[cyc[k]->to].name);
  diag_note_plain(d, "an actor waiting in `ask` takes no other message until "
                  "the reply arrives, so these actors can wait on each other "
                  "forever");
  diag_help(d, "use `send` and a reply message on one side of the cycle");
  diag_end(d);
}

bool own_protocol_run(ac_ctx *cx) {
  pcx pc;
  memset(&pc, 0, sizeof pc);
  pc.cx = cx;
  ast_program *prog = cx->prog;
  if (!prog)
    return true;
  arena_mark mk = arena_mark_get(cx->scratch);
  /* count nodes: actors, main, top-level fns */
  uint32_t nact = 0;
  uint32_t nfn = 0;
  for (uint32_t mi = 0; mi < prog->modules.len; mi++) {
    ast_module *mod = AST_AT(prog->modules, mi, ast_module);
    for (uint32_t i = 0; mod && i < mod->decls.len; i++) {
      ast_decl *d = AST_AT(mod->decls, i, ast_decl);
      if (d && d->kind == DECL_ACTOR)
        nact++;
      else if (d && d->kind == DECL_FN)
        nfn++;
    }
  }
  graph g;
  memset(&g, 0, sizeof g);
  g.nodes = arena_alloc(cx->scratch, (nact + 1) * sizeof *g.nodes);
  g.fns = arena_alloc(cx->scratch, (nfn + 1) * sizeof *g.fns);
  map_init(&pc, &g.actor_map, nact);
  map_init(&pc, &g.fn_map, nfn);
  for (uint32_t mi = 0; mi < prog->modules.len; mi++) {
    ast_module *mod = AST_AT(prog->modules, mi, ast_module);
    for (uint32_t i = 0; mod && i < mod->decls.len; i++) {
      ast_decl *d = AST_AT(mod->decls, i, ast_decl);
      if (!d)
        continue;
      if (d->kind == DECL_ACTOR) {
        map_put(&g.actor_map, d, g.n);
        gnode *nd = &g.nodes[g.n++];
        nd->decl = d;
        nd->name = d->name.name ? d->name.name : "?";
        pc.out = &nd->s;
        for (uint32_t k = 0; k < d->u.actor.state.len; k++)
          pbody(&pc, AST_AT(d->u.actor.state, k, ast_stmt), NULL);
        for (uint32_t k = 0; k < d->u.actor.handlers.len; k++) {
          ast_handler *h = AST_AT(d->u.actor.handlers, k, ast_handler);
          pbody(&pc, h->body, h->reply ? h : NULL);
        }
        for (uint32_t k = 0; k < d->u.actor.fns.len; k++) {
          ast_decl *fd = AST_AT(d->u.actor.fns, k, ast_decl);
          if (fd && fd->kind == DECL_FN)
            pbody(&pc, fd->u.fn.body, NULL);
        }
        pbody(&pc, d->u.actor.run, NULL);
        pbody(&pc, d->u.actor.on_stop, NULL);
      } else if (d->kind == DECL_FN) {
        map_put(&g.fn_map, d, g.nfns);
        fnode *fnd = &g.fns[g.nfns++];
        fnd->decl = d;
        pc.out = &fnd->s;
        pbody(&pc, d->u.fn.body, NULL);
      }
    }
  }
  /* main is the pseudo-actor `main` (nothing can ask it, so it is never on
     a cycle, but its edges are part of the graph) */
  ast_module *root = prog->modules.len ? AST_AT(prog->modules, 0, ast_module)
                                       : NULL;
  for (uint32_t i = 0; root && i < root->decls.len; i++) {
    ast_decl *d = AST_AT(root->decls, i, ast_decl);
    if (d && d->kind == DECL_FN && d->name.name &&
        strcmp(d->name.name, "main") == 0) {
      fnode *fnd = fn_of(&g, d);
      gnode *nd = &g.nodes[g.n++];
      nd->decl = d;
      nd->name = "main";
      if (fnd)
        nd->s = fnd->s;
      break;
    }
  }
  pc.out = NULL;
  fnode **work = arena_alloc(cx->scratch, (g.nfns + 1) * sizeof *work);
  for (uint32_t i = 0; i < g.n; i++)
    build_edges(&pc, &g, i, work); /* each fn enters `work` once per node */
  for (uint32_t i = 0; i < g.n; i++)
    for (uint32_t k = 0; k < g.nodes[i].nedges; k++)
      if (g.nodes[i].edges[k].to == i)
        report_self_ask(&pc, &g.nodes[i], g.nodes[i].edges[k].sp);
  tarjan(&pc, &g);
  /* one report per component of two or more actors, from its first actor */
  int ncomp = 0;
  for (uint32_t i = 0; i < g.n; i++)
    if (g.nodes[i].comp + 1 > ncomp)
      ncomp = g.nodes[i].comp + 1;
  uint32_t *size = arena_alloc(cx->scratch, ((uint32_t)ncomp + 1) *
                                                sizeof *size);
  bool *done = arena_alloc(cx->scratch, ((uint32_t)ncomp + 1) * sizeof *done);
  for (uint32_t i = 0; i < g.n; i++)
    size[g.nodes[i].comp]++;
  for (uint32_t i = 0; i < g.n; i++) {
    int c = g.nodes[i].comp;
    if (size[c] < 2 || done[c])
      continue;
    done[c] = true;
    report_cycle(&pc, &g, i);
  }
  arena_reset(cx->scratch, mk);
  return !pc.failed;
}
