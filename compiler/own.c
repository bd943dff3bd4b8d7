/* own.c — ownership phase (5): moves, borrows, `freeze`, `take` and ring
 * sendability over the typed AST (codes E0401–E0449).  One flow-sensitive
 * walk per function, handler, `run`/`on stop` block and actor-state
 * initialiser list; the protocol checks (own_protocol.c) run at the end.
 * Writes only `ast_expr.own`; never changes types or symbols, and stays
 * silent on TY_ERROR, missing symbols and missing types (no cascades).
 *
 * Rules (DESIGN.md "Ownership"; explanations in compiler/errors/E04xx.md):
 * - only values whose type is owned (types_is_owned) carry a state:
 *   owned, moved or maybe-moved, with the span of the move;
 * - moves: `send`, `reply`, `ask`, `ch <- v`, `let b = a`, `a = b`,
 *   by-value call and spawn arguments, `return`, record/list/map/tuple
 *   literals, `freeze`, `push`/`insert`, and a `match`/`if let` on a place
 *   whose arm binds an owned value;
 * - a move out of a field or element of a local is refused (E0405): moving
 *   the whole value or `copy(...)` is the way out, so a value is never
 *   partly moved and each local has one state;
 * - a `&T` parameter never moves (E0406) nor escapes into a literal, actor
 *   state, a spawn or a return value (E0407); `val` parts never change
 *   (E0408); ring-actor messages must be GPU-sendable (E0409);
 * - in a handler with a reply type the request binding itself must not
 *   move before the handler has replied on every path that reaches the
 *   move (E0413): `reply` answers the asker through the request, so it
 *   stays with the handler until then (moving it inside the `reply` value
 *   is fine: ar_reply reads the request before handing the reply over);
 * - loops are walked twice: a silent pass computes the state at the loop
 *   head (moves are gen/kill facts, so one extra pass reaches the fixed
 *   point), then the reporting pass.  Nested loops inside a silent pass are
 *   walked once, keeping the cost linear in depth × size.
 * Borrows last one call, so "mutated while borrowed" cannot happen.
 */
#include <string.h>

#include "ac.h"

/* ==================================================== state and flow */

enum { ST_OWNED, ST_MOVED, ST_MAYBE };

/* The construct that made a move conditional (for "moved when ..."). */
typedef enum {
  WHY_NONE,
  WHY_IF_TRUE,
  WHY_IF_FALSE,
  WHY_ARM,
  WHY_LOOP,
  WHY_SELECT,
  WHY_SEND_ELSE
} why_kind;

/* Where a value goes when it moves: picks the wording and, for a borrow,
 * whether the error is a move (E0406) or an escape (E0407). */
typedef enum {
  R_NONE,
  R_SEND,
  R_REPLY,
  R_ASK,
  R_CHAN,
  R_LET,
  R_ASSIGN,
  R_CALL,
  R_FREEZE,
  R_MATCH,
  R_RETURN,   /* escapes from here down */
  R_SPAWN,
  R_RECORD,
  R_MESSAGE,
  R_LIST,
  R_MAP,
  R_TUPLE,
  R_STATE
} route;

typedef struct slot {
  uint8_t st;
  uint8_t why;
  uint8_t route;
  span move_sp;
  span why_sp;
  const char *into;     /* variable or callee the value moved into */
} slot;

/* Sparse: only slots that are not owned, sorted by slot number, so copies
 * at branches cost the number of moved values, not of locals.  Arrays are
 * shared between copies until one of them writes (copy on write). */
typedef struct entry {
  uint32_t k;
  slot s;
} entry;

typedef struct flow {
  bool reach;     /* false after return/break/continue/fail */
  bool uniq;      /* v belongs to this flow alone: may change in place */
  uint32_t n;
  uint32_t cap;
  entry *v;
} flow;

typedef struct loop_ctx {
  struct loop_ctx *up;
  span sp;        /* the loop statement */
  span body_sp;
  flow brk;       /* join of the states at `break` */
  flow cont;      /* join of the states at `continue` */
} loop_ctx;

/* Evaluation modes of an expression. */
typedef enum {
  M_USE,     /* read in place */
  M_MOVE,    /* consumed by value */
  M_LEND     /* call argument to a `&T` parameter or a builtin: lent */
} mode;

typedef struct own_cx {
  ac_ctx *cx;
  int quiet;            /* > 0: compute states, report nothing */
  int depth;            /* recursion guard */
  bool failed;
  /* sym* → slot, open addressing; rebuilt per function */
  const sym **keys;
  uint32_t *vals;
  uint32_t cap;
  uint32_t nslots;
  /* syms that are element views (for-in over a collection) */
  const sym **views;
  uint32_t nviews, views_cap;
  loop_ctx *loop;
  why_kind br_why;      /* innermost conditional construct */
  span br_sp;
  ast_decl *actor;      /* enclosing actor, or NULL */
  const char *into;     /* name the current move goes into (let, call) */
  bool in_init;         /* walking state initialisers: parameters are owned */
  /* Moves of copy types holding messages (see cand_move): the candidate
   * places of this body, and the locals read after such a move. */
  const sym *req_sym;   /* binding of a handler with a reply type */
  ast_handler *req_h;   /* that handler (E0413) */
  ast_list early;       /* early_move*: moves of req_sym before a reply */
  ast_list cands;       /* cand*: e moved out of local s */
  ast_list flagged;     /* sym*: used after a candidate move */
  ast_list reads;       /* cand*: reads of message-holding locals */
  ast_stmt *stmt;       /* innermost statement being walked */
} own_cx;

/* A candidate move (e out of local s, through the name expression root)
 * or a read (e of s), in statement st. */
typedef struct cand {
  ast_expr *e;
  ast_expr *root;
  const sym *s;
  ast_stmt *st;
} cand;

/* E0413: a move of the request binding on a path that has not replied
 * yet.  Each one is tracked as a pseudo slot keyed by its expression (moved
 * = still pending on this path) until a `reply`, `fail`, `return` or the end
 * of the handler settles it. */
typedef struct early_move {
  ast_expr *e;
  bool reported;
} early_move;

/* Pseudo slot "the handler has replied" (moved = replied on every path). */
static const char replied_tag;
#define REPLIED_KEY ((const sym *)(const void *)&replied_tag)

#define OWN_MAX_DEPTH 2000

static bool ty_ok(const type *t) { return t && t->kind != TY_ERROR; }

static bool is_owned(const type *t) {
  if (!ty_ok(t) || t->kind == TY_BORROW || t->kind == TY_VAL)
    return false;
  return types_is_owned(t);
}

static bool is_borrow(const type *t) { return t && t->kind == TY_BORROW; }

/* Does a value of type t hold a message?  Messages are not counted, so an
 * implicit copy of such a copy type is a deep copy (ag_msg_copy). */
static bool has_msg(const type *t, int depth) {
  if (!t || depth > 32)
    return false;
  switch (t->kind) {
  case TY_MESSAGE: return true;
  case TY_OPT:
  case TY_ASK: return has_msg(t->elem, depth + 1);
  case TY_TUPLE:
    for (uint32_t i = 0; i < t->nitems; i++)
      if (has_msg(t->items[i], depth + 1))
        return true;
    return false;
  case TY_STRUCT:
    if (!t->decl)
      return false;
    for (uint32_t i = 0; i < t->decl->u.record.fields.len; i++) {
      ast_field *fd = AST_AT(t->decl->u.record.fields, i, ast_field);
      if (fd && fd->type && has_msg(fd->type->ty, depth + 1))
        return true;
    }
    return false;
  default: return false;
  }
}

static type *sym_type(const sym *s) {
  if (!s)
    return NULL;
  if (s->ty)
    return s->ty;
  if (s->let && s->let->kind == STMT_LET && s->let->u.let.init)
    return s->let->u.let.init->ty;
  return NULL;
}

static const char *loc(own_cx *oc, span sp) {
  uint32_t line = 0;
  uint32_t col = 0;
  source_line_col(oc->cx, sp.file, sp.off, &line, &col);
  return arena_sprintf(oc->cx->scratch, "%u:%u", line, col);
}

static bool span_in(span inner, span outer) {
  return inner.file == outer.file && inner.off >= outer.off &&
         inner.off + inner.len <= outer.off + outer.len;
}

static uint32_t ptr_hash(const void *p, uint32_t cap) {
  uintptr_t x = (uintptr_t)p;
  x ^= x >> 17;
  x *= 0x9E3779B1u;
  return (uint32_t)(x ^ (x >> 13)) & (cap - 1);
}

static void table_reset(own_cx *oc) {
  oc->cap = 64;
  oc->keys = arena_alloc(oc->cx->scratch, oc->cap * sizeof *oc->keys);
  oc->vals = arena_alloc(oc->cx->scratch, oc->cap * sizeof *oc->vals);
  oc->nslots = 0;
  oc->views = NULL;
  oc->nviews = 0;
  oc->views_cap = 0;
}

static int slot_find(const own_cx *oc, const sym *s) {
  if (!s)
    return -1;
  uint32_t i = ptr_hash(s, oc->cap);
  while (oc->keys[i]) {
    if (oc->keys[i] == s)
      return (int)oc->vals[i];
    i = (i + 1) & (oc->cap - 1);
  }
  return -1;
}

static void table_grow(own_cx *oc) {
  const sym **ok = oc->keys;
  uint32_t *ov = oc->vals;
  uint32_t ocap = oc->cap;
  oc->cap *= 2;
  oc->keys = arena_alloc(oc->cx->scratch, oc->cap * sizeof *oc->keys);
  oc->vals = arena_alloc(oc->cx->scratch, oc->cap * sizeof *oc->vals);
  for (uint32_t i = 0; i < ocap; i++) {
    if (!ok[i])
      continue;
    uint32_t j = ptr_hash(ok[i], oc->cap);
    while (oc->keys[j])
      j = (j + 1) & (oc->cap - 1);
    oc->keys[j] = ok[i];
    oc->vals[j] = ov[i];
  }
}

/* The slot of a local with an owned type; registers it on first sight. */
static int slot_of(own_cx *oc, const sym *s) {
  int k = slot_find(oc, s);
  if (k >= 0)
    return k;
  if (!s || !is_owned(sym_type(s)))
    return -1;
  if ((oc->nslots + 1) * 2 > oc->cap)
    table_grow(oc);
  uint32_t i = ptr_hash(s, oc->cap);
  while (oc->keys[i])
    i = (i + 1) & (oc->cap - 1);
  oc->keys[i] = s;
  oc->vals[i] = oc->nslots;
  return (int)oc->nslots++;
}

/* The shadow slot of s: "a message-holding part of s was moved out
 * implicitly" (cand_move), tracked apart from s's own ownership state.  Its
 * key is s's address + 1, which no sym has. */
static const sym *shadow_key(const sym *s) {
  return (const sym *)(const void *)((const char *)s + 1);
}

/* The slot of a pseudo key (shadow slots, E0413 facts), made on demand. */
static int key_slot(own_cx *oc, const sym *key, bool create) {
  int k = slot_find(oc, key);
  if (k >= 0 || !create)
    return k;
  if ((oc->nslots + 1) * 2 > oc->cap)
    table_grow(oc);
  uint32_t i = ptr_hash(key, oc->cap);
  while (oc->keys[i])
    i = (i + 1) & (oc->cap - 1);
  oc->keys[i] = key;
  oc->vals[i] = oc->nslots;
  return (int)oc->nslots++;
}

static int shadow_of(own_cx *oc, const sym *s, bool create) {
  return key_slot(oc, shadow_key(s), create);
}

static void view_add(own_cx *oc, const sym *s) {
  if (!s)
    return;
  if (oc->nviews == oc->views_cap) {
    uint32_t ncap = oc->views_cap ? oc->views_cap * 2 : 8;
    const sym **nv = arena_alloc(oc->cx->scratch, ncap * sizeof *nv);
    if (oc->nviews)
      memcpy(nv, oc->views, oc->nviews * sizeof *nv);
    oc->views = nv;
    oc->views_cap = ncap;
  }
  oc->views[oc->nviews++] = s;
}

static bool is_view(const own_cx *oc, const sym *s) {
  for (uint32_t i = 0; i < oc->nviews; i++)
    if (oc->views[i] == s)
      return true;
  return false;
}

static slot *flow_get(flow *f, uint32_t k) {
  uint32_t lo = 0;
  uint32_t hi = f->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (f->v[mid].k == k)
      return &f->v[mid].s;
    if (f->v[mid].k < k)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* Make f's array its own, with room for `extra` more entries. */
static void flow_own(own_cx *oc, flow *f, uint32_t extra) {
  if (f->uniq && f->n + extra <= f->cap)
    return;
  uint32_t cap = f->n + extra + 4;
  if (f->uniq && cap < f->cap * 2)
    cap = f->cap * 2;
  entry *v = arena_alloc(oc->cx->scratch, cap * sizeof *v);
  if (f->n)
    memcpy(v, f->v, f->n * sizeof *v);
  f->v = v;
  f->cap = cap;
  f->uniq = true;
}

/* The writable slot k of f, inserted (as owned) when absent. */
static slot *flow_put(own_cx *oc, flow *f, uint32_t k) {
  flow_own(oc, f, 1);
  uint32_t i = 0;
  while (i < f->n && f->v[i].k < k)
    i++;
  if (i < f->n && f->v[i].k == k)
    return &f->v[i].s;
  memmove(&f->v[i + 1], &f->v[i], (f->n - i) * sizeof *f->v);
  f->n++;
  memset(&f->v[i], 0, sizeof f->v[i]);
  f->v[i].k = k;
  return &f->v[i].s;
}

static void flow_del(own_cx *oc, flow *f, uint32_t k) {
  if (!flow_get(f, k))
    return;
  flow_own(oc, f, 0);
  uint32_t i = 0;
  while (i < f->n && f->v[i].k != k)
    i++;
  memmove(&f->v[i], &f->v[i + 1], (f->n - i - 1) * sizeof *f->v);
  f->n--;
}

/* A second flow sharing f's array; neither may write in place now. */
static flow flow_copy(flow *f) {
  f->uniq = false;
  return *f;
}

static flow flow_dead(void) {
  flow f;
  memset(&f, 0, sizeof f);
  return f;
}

/* a ⊔= b: moved on one side only becomes maybe-moved, keeping the span
 * and the branch of the side that moved.  Always builds a new array. */
static void flow_join(own_cx *oc, flow *a, const flow *b) {
  if (!b->reach)
    return;
  if (!a->reach) {
    flow c = *b;
    c.uniq = false;
    flow_own(oc, &c, 0);
    *a = c;
    return;
  }
  uint32_t cap = a->n + b->n + 1;
  entry *v = arena_alloc(oc->cx->scratch, cap * sizeof *v);
  uint32_t i = 0;
  uint32_t j = 0;
  uint32_t n = 0;
  while (i < a->n || j < b->n) {
    entry e;
    if (j >= b->n || (i < a->n && a->v[i].k < b->v[j].k)) {
      e = a->v[i++];
      e.s.st = ST_MAYBE;
    } else if (i >= a->n || b->v[j].k < a->v[i].k) {
      e = b->v[j++];
      e.s.st = ST_MAYBE;
    } else {
      e = a->v[i++];
      if (e.s.st != b->v[j].s.st)
        e.s.st = ST_MAYBE;
      j++;
    }
    v[n++] = e;
  }
  a->v = v;
  a->n = n;
  a->cap = cap;
  a->uniq = true;
}

/* ==================================================== diagnostics */

static const char *place_text(own_cx *oc, const ast_expr *e) {
  if (!e)
    return NULL;
  switch (e->kind) {
  case EXPR_NAME:
    return e->u.name.id.name;
  case EXPR_SELF:
    return "self";
  case EXPR_FIELD: {
    const char *o = place_text(oc, e->u.field.obj);
    if (!o)
      return NULL;
    if (e->u.field.tuple_index >= 0 && !e->u.field.field.name)
      return arena_sprintf(oc->cx->scratch, "%s.%d", o,
                           e->u.field.tuple_index);
    if (!e->u.field.field.name)
      return NULL;
    return arena_sprintf(oc->cx->scratch, "%s.%s", o,
                         e->u.field.field.name);
  }
  case EXPR_INDEX: {
    const char *o = place_text(oc, e->u.index.obj);
    return o ? arena_sprintf(oc->cx->scratch, "%s[..]", o) : NULL;
  }
  default:
    return NULL;
  }
}

static const char *route_words(route r);

/* "by `send`", "into `b`", "into the call to `total`" */
static const char *slot_words(own_cx *oc, const slot *s) {
  if (s->into && (s->route == R_LET || s->route == R_ASSIGN))
    return arena_sprintf(oc->cx->scratch, "into `%s`", s->into);
  if (s->into && s->route == R_CALL)
    return arena_sprintf(oc->cx->scratch, "into the call to `%s`", s->into);
  if (s->into && s->route == R_SPAWN)
    return arena_sprintf(oc->cx->scratch, "into the spawned `%s`", s->into);
  return route_words((route)s->route);
}

static const char *route_words(route r) {
  switch (r) {
  case R_SEND: return "by `send`";
  case R_REPLY: return "by `reply`";
  case R_ASK: return "by `ask`";
  case R_CHAN: return "into the channel";
  case R_LET: return "into a new variable";
  case R_ASSIGN: return "by this assignment";
  case R_CALL: return "into the call";
  case R_FREEZE: return "by `freeze`";
  case R_MATCH: return "into the pattern binding";
  case R_RETURN: return "by `return`";
  case R_SPAWN: return "into the spawned actor";
  case R_RECORD: return "into the record";
  case R_MESSAGE: return "into the message";
  case R_LIST: return "into the list";
  case R_MAP: return "into the map";
  case R_TUPLE: return "into the tuple";
  case R_STATE: return "into actor state";
  case R_NONE: break;
  }
  return "here";
}

/* For borrows: what the escape is called in "escapes ...". */
static const char *escape_words(route r) {
  switch (r) {
  case R_RETURN: return "is returned";
  case R_SPAWN: return "escapes into a spawned actor";
  case R_RECORD: return "escapes into a record";
  case R_MESSAGE: return "escapes into a message";
  case R_LIST: return "escapes into a list";
  case R_MAP: return "escapes into a map";
  case R_TUPLE: return "escapes into a tuple";
  case R_STATE: return "escapes into actor state";
  default: return "escapes";
  }
}

static const char *move_verb(route r) {
  switch (r) {
  case R_SEND: return "sent";
  case R_REPLY: return "sent by `reply`";
  case R_ASK: return "sent by `ask`";
  case R_CHAN: return "sent on a channel";
  case R_FREEZE: return "frozen";
  case R_CALL: return "passed by value";
  default: return "moved";
  }
}

static bool route_is_send(route r) {
  return r == R_SEND || r == R_REPLY || r == R_ASK || r == R_CHAN ||
         r == R_SPAWN;
}

static const char *why_text(own_cx *oc, const slot *s) {
  const char *at = loc(oc, s->why_sp);
  switch ((why_kind)s->why) {
  case WHY_IF_TRUE:
    return arena_sprintf(oc->cx->scratch, "when the `if` at %s is true", at);
  case WHY_IF_FALSE:
    return arena_sprintf(oc->cx->scratch, "when the `if` at %s is false",
                         at);
  case WHY_ARM:
    return arena_sprintf(oc->cx->scratch,
                         "when the `match` arm at %s is taken", at);
  case WHY_LOOP:
    return arena_sprintf(oc->cx->scratch, "when the loop at %s runs", at);
  case WHY_SELECT:
    return arena_sprintf(oc->cx->scratch,
                         "when the `select` arm at %s is taken", at);
  case WHY_SEND_ELSE:
    return arena_sprintf(oc->cx->scratch,
                         "when the `send` at %s is refused", at);
  case WHY_NONE:
    break;
  }
  return NULL;
}

/* The innermost loop being walked that holds both the use and the move,
 * with the move at or after the use: the move happened in an earlier
 * iteration. */
static loop_ctx *previous_iteration(own_cx *oc, span use, span mv) {
  for (loop_ctx *l = oc->loop; l; l = l->up)
    if (span_in(use, l->body_sp) && span_in(mv, l->body_sp) &&
        mv.off >= use.off)
      return l;
  return NULL;
}

static void report_use_after_move(own_cx *oc, const ast_expr *use,
                                  const sym *s, const slot *st) {
  if (oc->quiet)
    return;
  oc->failed = true;
  const char *name = s->name;
  const char *tyname = types_name(oc->cx, sym_type(s));
  loop_ctx *l = previous_iteration(oc, use->sp, st->move_sp);
  diag *d;
  if (l) {
    d = diag_error(oc->cx, use->sp, "E0403",
                   "use of value `%s` moved in a previous iteration of the "
                   "loop",
                   name);
    if (st->move_sp.off == use->sp.off) {
      diag_label(d, "value moved here, in the previous iteration of the "
                    "loop");
      diag_note(d, l->sp, "the loop that repeats the move");
    } else {
      diag_label(d, "value used here after a move in the previous "
                    "iteration");
      diag_note(d, st->move_sp, "`%s` moved here %s, in the previous "
                "iteration of the loop at %s", name, slot_words(oc, st),
                loc(oc, l->sp));
    }
    diag_note_plain(d, "move occurs because `%s` has type `%s`, which is "
                    "owned", name, tyname);
    diag_help(d, "move `%s` only once, after the loop, or send `copy(%s)` "
              "inside it", name, name);
  } else if (st->st == ST_MOVED) {
    d = diag_error(oc->cx, use->sp, "E0401", "use of moved value `%s`",
                   name);
    diag_label(d, "value used here after move");
    diag_note(d, st->move_sp, "value moved here %s", slot_words(oc, st));
    diag_note_plain(d, "move occurs because `%s` has type `%s`, which is "
                    "owned", name, tyname);
    if (st->route == R_FREEZE)
      diag_help(d, "use the `val` value that `freeze(%s)` returned", name);
    else if (route_is_send((route)st->route))
      diag_help(d, "use `copy(%s)` to send a copy and keep `%s`", name,
                name);
    else
      diag_help(d, "use `copy(%s)` to move a copy and keep `%s`", name,
                name);
  } else {
    d = diag_error(oc->cx, use->sp, "E0402",
                   "use of possibly moved value `%s`", name);
    diag_label(d, "value used here after a possible move");
    const char *why = why_text(oc, st);
    if (why)
      diag_note(d, st->move_sp, "value moved here %s %s",
                slot_words(oc, st), why);
    else
      diag_note(d, st->move_sp, "value moved here %s", slot_words(oc, st));
    diag_note_plain(d, "move occurs because `%s` has type `%s`, which is "
                    "owned", name, tyname);
    if (route_is_send((route)st->route))
      diag_help(d, "send `copy(%s)` instead, or give `%s` a new value on "
                "every path before this use", name, name);
    else
      diag_help(d, "move `copy(%s)` instead, or give `%s` a new value on "
                "every path before this use", name, name);
  }
  diag_end(d);
}

/* E0404: moving out of actor state or an actor parameter. */
static void report_state_move(own_cx *oc, const ast_expr *e, route r,
                              const sym *s, bool is_param) {
  if (oc->quiet)
    return;
  oc->failed = true;
  const char *what = place_text(oc, e);
  if (!what)
    what = s && s->name ? s->name : "state";
  diag *d = diag_error(oc->cx, e->sp, "E0404",
                       "cannot move out of actor %s `%s`",
                       is_param ? "parameter" : "state", what);
  diag_label(d, "`%s` would be %s here", what, move_verb(r));
  if (s && s->sp.len)
    diag_note(d, s->sp, "`%s` declared here, owned by actor `%s`", s->name,
              oc->actor ? oc->actor->name.name : "?");
  if (is_param)
    diag_help(d, "use `copy(%s)`, or keep it in a `var` field and move it "
              "out with `take(self.field)`", what);
  else if (e->kind == EXPR_NAME)
    diag_help(d, "use `take(self.%s)` to move it out and leave an empty "
              "value, or `copy(%s)`", what, what);
  else
    diag_help(d, "use `take(%s)` to move it out and leave an empty value, "
              "or `copy(%s)`", what, what);
  diag_end(d);
}

/* E0405: moving out of a field or element of a local. */
static void report_partial_move(own_cx *oc, const ast_expr *e, route r,
                                const ast_expr *root, bool view) {
  if (oc->quiet)
    return;
  oc->failed = true;
  const char *what = place_text(oc, e);
  const char *whole = place_text(oc, root);
  if (!what)
    what = "value";
  if (!whole)
    whole = "value";
  diag *d;
  if (view) {
    d = diag_error(oc->cx, e->sp, "E0405",
                   "cannot move out of `%s`, an element of the collection "
                   "being iterated", what);
    diag_label(d, "`%s` would be %s here", what, move_verb(r));
    diag_note_plain(d, "`for` visits the elements in place; they stay owned "
                    "by the collection");
    diag_help(d, "use `copy(%s)`", what);
  } else {
    d = diag_error(oc->cx, e->sp, "E0405",
                   "cannot move out of `%s`, a part of `%s`", what, whole);
    diag_label(d, "`%s` would be %s here", what, move_verb(r));
    diag_note_plain(d, "a value is moved whole or not at all; moving one "
                    "part would leave `%s` half-empty", whole);
    diag_help(d, "use `copy(%s)`, or move the whole `%s`", what, whole);
  }
  diag_end(d);
}

/* E0406 (moved) / E0407 (escapes): a borrowed value leaving its call. */
static void report_borrow(own_cx *oc, const ast_expr *e, route r,
                          const sym *s) {
  if (oc->quiet)
    return;
  oc->failed = true;
  const char *what = place_text(oc, e);
  if (!what)
    what = "value";
  diag *d;
  if (r >= R_RETURN) {
    d = diag_error(oc->cx, e->sp, "E0407", "borrowed value `%s` %s", what,
                   escape_words(r));
    diag_label(d, "`%s` is only lent for the duration of the call", what);
  } else {
    d = diag_error(oc->cx, e->sp, "E0406",
                   "cannot move out of borrowed value `%s`", what);
    diag_label(d, "`%s` would be %s here, but it is only lent for the "
               "duration of the call", what, move_verb(r));
  }
  if (s && s->sp.len)
    diag_note(d, s->sp, "`%s` is borrowed here", s->name);
  diag_help(d, "use `copy(%s)` to make an owned copy", what);
  diag_end(d);
}

/* Where an early move of the request was found to matter (E0413). */
typedef enum { RQ_REPLY, RQ_FAIL, RQ_RETURN, RQ_END } req_end;

/* E0413: the request binding moved (st) before the handler replied; the
 * path then reaches `at` (a `reply`, `fail` or `return`) or the end. */
static void report_req_move(own_cx *oc, const slot *st, req_end how,
                            span at) {
  oc->failed = true;
  const char *name = oc->req_sym->name;
  ast_handler *h = oc->req_h;
  const char *rt = h->reply && ty_ok(h->reply->ty)
                       ? types_name(oc->cx, h->reply->ty)
                       : "a value";
  diag *d = diag_error(oc->cx, st->move_sp, "E0413",
                       "request `%s` is moved before the handler replies",
                       name);
  diag_label(d, "`%s` moved here %s while the reply is still pending", name,
             slot_words(oc, st));
  switch (how) {
  case RQ_REPLY:
    diag_note(d, at, "this `reply` still needs `%s`: it answers the asker "
              "through the request", name);
    break;
  case RQ_FAIL:
    diag_note(d, at, "the handler fails here without replying, while the "
              "asker's pending reply travels on with `%s`", name);
    break;
  case RQ_RETURN:
  case RQ_END:
    diag_note(d, h->name.sp, "handler declared here to reply with `%s`", rt);
    break;
  }
  diag_note_plain(d, "until `reply` runs, `%s` carries the asker's pending "
                  "reply: the actor that gets it may free it (failing the "
                  "ask) or reply in this handler's place", name);
  diag_help(d, "`reply` first and move `%s` after it, or send `copy(%s)`",
            name, name);
  diag_end(d);
}

/* ==================================================== walkers */

static void walk_expr(own_cx *oc, flow *f, ast_expr *e, mode m, route r);
static void walk_stmt(own_cx *oc, flow *f, ast_stmt *s);

/* Check a read of a tracked local. */
static void flag_sym(own_cx *oc, const sym *s) {
  for (uint32_t i = 0; i < oc->flagged.len; i++)
    if (oc->flagged.items[i] == s)
      return;
  ast_list_push(oc->cx->scratch, &oc->flagged, (void *)s);
}

/* A read of s after an implicit move of (a part of) it: every implicit
 * move out of s stays a copy (own_finish_cands). */
static void check_shadow(own_cx *oc, flow *f, const sym *s) {
  int k = s && f->reach ? shadow_of(oc, s, false) : -1;
  if (k < 0)
    return;
  slot *st = flow_get(f, (uint32_t)k);
  if (st && st->st != ST_OWNED)
    flag_sym(oc, s);
}

static void check_use(own_cx *oc, flow *f, ast_expr *e, const sym *s) {
  check_shadow(oc, f, s);
  if (s && f->reach && has_msg(sym_type(s), 0)) {
    cand *r = ARENA_NEW(oc->cx->scratch, cand);
    r->e = e;
    r->root = e;
    r->s = s;
    r->st = oc->stmt;
    ast_list_push(oc->cx->scratch, &oc->reads, r);
  }
  int k = slot_find(oc, s);
  if (k < 0 || !f->reach)
    return;
  slot *st = flow_get(f, (uint32_t)k);
  if (!st || st->st == ST_OWNED || oc->quiet)
    return;
  slot copy = *st;
  report_use_after_move(oc, e, s, &copy);
  flow_del(oc, f, (uint32_t)k); /* one report per move: no cascade */
}

static void mark_moved(own_cx *oc, flow *f, const sym *s, span sp, route r) {
  int k = slot_of(oc, s);
  if (k < 0 || !f->reach)
    return;
  slot *st = flow_put(oc, f, (uint32_t)k);
  st->st = ST_MOVED;
  st->route = (uint8_t)r;
  st->move_sp = sp;
  st->why = (uint8_t)oc->br_why;
  st->why_sp = oc->br_sp;
  st->into = oc->into;
}

static void mark_owned(own_cx *oc, flow *f, const sym *s) {
  int k = slot_of(oc, s);
  if (k >= 0)
    flow_del(oc, f, (uint32_t)k);
  k = s ? shadow_of(oc, s, false) : -1;
  if (k >= 0)
    flow_del(oc, f, (uint32_t)k);
}

/* E0413: e moves the request binding (route r).  Unless the handler has
 * replied on every path to here, the move stays pending in a pseudo slot of
 * its own until req_settle.  Moving it into the `reply` value itself is
 * fine: ar_reply reads the request before it hands the reply over. */
static void req_move(own_cx *oc, flow *f, ast_expr *e, route r) {
  if (!oc->req_h || !f->reach || r == R_REPLY)
    return;
  int rk = key_slot(oc, REPLIED_KEY, false);
  slot *rs = rk >= 0 ? flow_get(f, (uint32_t)rk) : NULL;
  if (rs && rs->st == ST_MOVED)
    return; /* replied on every path: the request is the handler's own */
  bool known = false;
  for (uint32_t i = 0; i < oc->early.len && !known; i++)
    known = ((early_move *)oc->early.items[i])->e == e;
  if (!known) {
    early_move *em = ARENA_NEW(oc->cx->scratch, early_move);
    em->e = e;
    ast_list_push(oc->cx->scratch, &oc->early, em);
  }
  slot *st = flow_put(oc, f, (uint32_t)key_slot(oc, (const sym *)e, true));
  st->st = ST_MOVED;
  st->route = (uint8_t)r;
  st->move_sp = e->sp;
  st->why = (uint8_t)oc->br_why;
  st->why_sp = oc->br_sp;
  st->into = oc->into;
}

/* A path of a handler with a reply type reaches a `reply`, `fail`,
 * `return` or its end: every early move still pending on it is an error
 * (reported once per move). */
static void req_settle(own_cx *oc, flow *f, req_end how, span at) {
  if (!oc->req_h || !f->reach)
    return;
  for (uint32_t i = 0; i < oc->early.len; i++) {
    early_move *em = oc->early.items[i];
    int k = key_slot(oc, (const sym *)em->e, false);
    slot *st = k >= 0 ? flow_get(f, (uint32_t)k) : NULL;
    if (!st)
      continue;
    slot copy = *st;
    flow_del(oc, f, (uint32_t)k);
    if (!oc->quiet && !em->reported) {
      em->reported = true;
      report_req_move(oc, &copy, how, at);
    }
  }
  if (how == RQ_REPLY) {
    slot *rs = flow_put(oc, f, (uint32_t)key_slot(oc, REPLIED_KEY, true));
    rs->st = ST_MOVED;
    rs->move_sp = at;
  }
}

static bool is_state_sym(const own_cx *oc, const sym *s) {
  if (!s)
    return false;
  if (s->kind == SYM_STATE)
    return true;
  /* an actor spawn parameter: lives as long as the actor, like state */
  if (s->kind != SYM_PARAM || !oc->actor || oc->in_init)
    return false;
  const ast_list *ps = &oc->actor->u.actor.params;
  for (uint32_t i = 0; i < ps->len; i++)
    if (AST_AT(*ps, i, ast_param)->sym == s)
      return true;
  return false;
}

/* Implicit copies that are moves.  A copy type (types_is_owned false) may
 * be used after a `send`/`reply`/`ask`/channel send/`let`/argument: the
 * consumer gets a copy and the source stays.  When the copy would be deep
 * (the value holds a message: messages are not counted, so sharing one is
 * ag_msg_copy) and the source is a whole local, or a field chain of one,
 * that is never read again after the move on any path, the copy is
 * unobservable and the move is a pointer move instead (OWN_MOVE: the
 * emitter takes the place, leaving it nil).  The walk marks s's shadow
 * slot moved; a later read of s (check_shadow) keeps every implicit move
 * out of s a copy.  Not candidates: state and actor parameters (they
 * outlive the body), `for` views, borrows, state initialisers, and the
 * message of a handler with a reply type (ar_reply still reads it). */
static void cand_move(own_cx *oc, flow *f, ast_expr *e, ast_expr *root,
                      const type *t) {
  if (oc->in_init || !f->reach || !root || root->kind != EXPR_NAME ||
      !has_msg(t, 0))
    return;
  const sym *s = root->u.name.sym;
  if (!s || (s->kind != SYM_LOCAL && s->kind != SYM_PARAM) ||
      is_state_sym(oc, s) || is_view(oc, s) || s == oc->req_sym ||
      is_borrow(sym_type(s)) || is_borrow(root->ty))
    return;
  int k = shadow_of(oc, s, true);
  slot *st = flow_put(oc, f, (uint32_t)k);
  st->st = ST_MOVED;
  st->move_sp = e->sp;
  cand *c = ARENA_NEW(oc->cx->scratch, cand);
  c->e = e;
  c->root = root;
  c->s = s;
  c->st = oc->stmt;
  ast_list_push(oc->cx->scratch, &oc->cands, c);
}

/* End of a body: candidates whose local is never read after a move. */
static void own_finish_cands(own_cx *oc) {
  for (uint32_t i = 0; i < oc->cands.len; i++) {
    cand *c = oc->cands.items[i];
    bool used = false;
    for (uint32_t j = 0; j < oc->flagged.len && !used; j++)
      used = oc->flagged.items[j] == c->s;
    /* another read of s in the same statement (`m.insert(s.k, s)`): C
     * leaves the order of argument evaluation open, so the take could
     * come first; keep the copy */
    for (uint32_t j = 0; j < oc->reads.len && !used; j++) {
      cand *r = oc->reads.items[j];
      used = r->s == c->s && r->st == c->st && r->e != c->root;
    }
    if (!used && c->e->own == OWN_COPY)
      c->e->own = OWN_MOVE;
  }
  oc->cands.len = 0;
  oc->cands.items = NULL;
  oc->cands.cap = 0;
  oc->flagged.len = 0;
  oc->flagged.items = NULL;
  oc->flagged.cap = 0;
  oc->reads.len = 0;
  oc->reads.items = NULL;
  oc->reads.cap = 0;
}

/* Root of a field/index chain; *through_val when a frozen value is on the
 * way (its parts are shared, not owned). */
static ast_expr *place_root(ast_expr *e, bool *through_val) {
  int guard = 0;
  *through_val = false;
  while (e && guard++ < OWN_MAX_DEPTH) {
    if (e->ty && e->ty->kind == TY_VAL)
      *through_val = true;
    if (e->kind == EXPR_FIELD)
      e = e->u.field.obj;
    else if (e->kind == EXPR_INDEX)
      e = e->u.index.obj;
    else
      return e;
  }
  return e;
}

/* A name or field/index place used in mode m. */
static void walk_name(own_cx *oc, flow *f, ast_expr *e, mode m, route r) {
  sym *s = e->u.name.sym;
  if (!s)
    return;
  type *t = e->ty ? e->ty : sym_type(s);
  /* the request already moved on some path: E0401/E0402 say so, not E0413 */
  bool req_gone = false;
  if (s == oc->req_sym && m == M_MOVE && f->reach) {
    int rk = slot_find(oc, s);
    slot *rs = rk >= 0 ? flow_get(f, (uint32_t)rk) : NULL;
    req_gone = rs && rs->st != ST_OWNED;
  }
  if (s->kind == SYM_LOCAL || s->kind == SYM_PARAM)
    check_use(oc, f, e, s);
  if (m != M_MOVE) {
    if (m == M_LEND)
      e->own = OWN_BORROW;
    return;
  }
  if (!ty_ok(t))
    return;
  if (is_borrow(t) || is_borrow(sym_type(s))) {
    e->own = OWN_BORROW;
    report_borrow(oc, e, r, s);
    return;
  }
  if (t->kind == TY_VAL) {
    e->own = OWN_SHARED;
    return;
  }
  if (!is_owned(t)) {
    e->own = OWN_COPY;
    cand_move(oc, f, e, e, t);
    return;
  }
  if (s->kind == SYM_CONST) {
    e->own = OWN_COPY;
    return;
  }
  e->own = OWN_MOVE;
  if (is_state_sym(oc, s)) {
    report_state_move(oc, e, r, s, s->kind == SYM_PARAM);
    return;
  }
  if (is_view(oc, s)) {
    report_partial_move(oc, e, r, e, true);
    return;
  }
  if (s == oc->req_sym && !req_gone)
    req_move(oc, f, e, r);
  if (s->kind == SYM_LOCAL || s->kind == SYM_PARAM)
    mark_moved(oc, f, s, e->sp, r);
}

static void walk_place_part(own_cx *oc, flow *f, ast_expr *e, mode m,
                            route r) {
  /* the parts are read in place; only the whole is judged below */
  if (e->kind == EXPR_FIELD)
    walk_expr(oc, f, e->u.field.obj, M_USE, R_NONE);
  else {
    walk_expr(oc, f, e->u.index.obj, M_USE, R_NONE);
    walk_expr(oc, f, e->u.index.index, M_USE, R_NONE);
  }
  if (m != M_MOVE || !ty_ok(e->ty))
    return;
  if (e->ty->kind == TY_VAL) {
    e->own = OWN_SHARED;
    return;
  }
  if (!is_owned(e->ty) && !is_borrow(e->ty)) {
    e->own = OWN_COPY;
    /* a field chain (no index, nothing frozen) of a local */
    ast_expr *root = e;
    while (root && root->kind == EXPR_FIELD &&
           !(root->ty && root->ty->kind == TY_VAL))
      root = root->u.field.obj;
    cand_move(oc, f, e, root, e->ty);
    return;
  }
  bool through_val = false;
  ast_expr *root = place_root(e, &through_val);
  if (through_val) {
    e->own = OWN_SHARED;
    return;
  }
  if (!root)
    return;
  e->own = OWN_MOVE;
  if (root->kind == EXPR_SELF) {
    sym *fs = e->kind == EXPR_FIELD ? e->u.field.sym : NULL;
    report_state_move(oc, e, r, fs, false);
    return;
  }
  if (root->kind != EXPR_NAME || !root->u.name.sym)
    return; /* a temporary: moving out of it is fine */
  sym *s = root->u.name.sym;
  if (is_borrow(sym_type(s)) || is_borrow(root->ty)) {
    report_borrow(oc, e, r, s);
    return;
  }
  if (is_state_sym(oc, s)) {
    report_state_move(oc, e, r, s, s->kind == SYM_PARAM);
    return;
  }
  if (s->kind == SYM_LOCAL || s->kind == SYM_PARAM)
    report_partial_move(oc, e, r, root, false);
}

static const char *callee_method(const ast_expr *callee) {
  if (callee && callee->kind == EXPR_FIELD)
    return callee->u.field.field.name;
  return NULL;
}

static bool name_in(const char *n, const char *const *list) {
  if (!n)
    return false;
  for (int i = 0; list[i]; i++)
    if (strcmp(n, list[i]) == 0)
      return true;
  return false;
}

static const char *const mutating_methods[] = {
    "push", "pop", "insert", "remove", "clear", "append", "extend",
    "truncate", "sort", "reverse", "set", NULL};

/* E0408: mutating a frozen value. */
static void check_not_frozen(own_cx *oc, ast_expr *target, span at,
                             const char *how) {
  bool through_val = false;
  ast_expr *root = place_root(target, &through_val);
  if (!through_val || oc->quiet)
    return;
  oc->failed = true;
  const char *what = place_text(oc, target);
  const char *rt = place_text(oc, root);
  diag *d = diag_error(oc->cx, at, "E0408", "cannot %s `%s`: it is frozen",
                       how, what ? what : "value");
  diag_label(d, "mutation of a `val` value");
  if (root && root->kind == EXPR_NAME && root->u.name.sym &&
      root->u.name.sym->sp.len)
    diag_note(d, root->u.name.sym->sp, "`%s` declared here with type `%s`",
              rt ? rt : "value",
              types_name(oc->cx, sym_type(root->u.name.sym)));
  diag_note_plain(d, "`val` values are shared between actors and can never "
                  "change");
  diag_help(d, "mutate the value before `freeze`, or work on `copy(%s)`",
            rt ? rt : "value");
  diag_end(d);
}

static bool callee_is_user_fn(const ast_expr *callee) {
  if (!callee)
    return false;
  if (callee->kind == EXPR_NAME)
    return callee->u.name.sym && callee->u.name.sym->kind == SYM_FN;
  if (callee->kind == EXPR_FIELD)
    return callee->u.field.obj && callee->u.field.obj->kind == EXPR_SELF &&
           callee->ty && callee->ty->kind == TY_FN;
  return false;
}

/* Declared type of parameter i of a user function callee, or NULL. */
static type *param_type(const ast_expr *callee, uint32_t i) {
  const sym *s = NULL;
  if (callee->kind == EXPR_NAME)
    s = callee->u.name.sym;
  else if (callee->kind == EXPR_FIELD)
    s = callee->u.field.sym;
  if (s && s->decl && s->decl->kind == DECL_FN &&
      i < s->decl->u.fn.params.len) {
    ast_param *p = AST_AT(s->decl->u.fn.params, i, ast_param);
    if (p->sym && p->sym->ty)
      return p->sym->ty;
    if (p->type && p->type->ty)
      return p->type->ty;
  }
  if (callee->ty && callee->ty->kind == TY_FN && i < callee->ty->nitems)
    return callee->ty->items[i];
  return NULL;
}

static void walk_call(own_cx *oc, flow *f, ast_expr *e) {
  ast_expr *callee = e->u.call.callee;
  ast_list *args = &e->u.call.args;
  if (callee_is_user_fn(callee)) {
    if (callee->kind == EXPR_FIELD)
      walk_expr(oc, f, callee->u.field.obj, M_USE, R_NONE);
    const char *fname = callee->kind == EXPR_NAME
                            ? callee->u.name.id.name
                            : callee->u.field.field.name;
    for (uint32_t i = 0; i < args->len; i++) {
      type *pt = param_type(callee, i);
      ast_expr *a = AST_AT(*args, i, ast_expr);
      const char *save = oc->into;
      oc->into = fname;
      walk_expr(oc, f, a, is_borrow(pt) ? M_LEND : M_MOVE, R_CALL);
      oc->into = save;
    }
    return;
  }
  const char *meth = callee_method(callee);
  if (meth) {
    ast_expr *recv = callee->u.field.obj;
    walk_expr(oc, f, recv, M_USE, R_NONE);
    if (name_in(meth, mutating_methods) && recv)
      check_not_frozen(oc, recv, e->sp,
                       arena_sprintf(oc->cx->scratch, "call `%s` on", meth));
    bool stores = strcmp(meth, "push") == 0 || strcmp(meth, "insert") == 0 ||
                  strcmp(meth, "append") == 0;
    route r = R_LIST;
    if (recv && recv->ty && recv->ty->kind == TY_MAP)
      r = R_MAP;
    /* a value stored into a field of self goes into actor state */
    bool tv = false;
    ast_expr *root = recv ? place_root(recv, &tv) : NULL;
    if (root && (root->kind == EXPR_SELF ||
                 (root->kind == EXPR_NAME && is_state_sym(oc,
                                                          root->u.name.sym))))
      r = R_STATE;
    for (uint32_t i = 0; i < args->len; i++)
      walk_expr(oc, f, AST_AT(*args, i, ast_expr), stores ? M_MOVE : M_LEND,
                r);
    return;
  }
  /* builtin functions read their arguments */
  if (callee && callee->kind != EXPR_NAME)
    walk_expr(oc, f, callee, M_USE, R_NONE);
  for (uint32_t i = 0; i < args->len; i++)
    walk_expr(oc, f, AST_AT(*args, i, ast_expr), M_LEND, R_CALL);
}

/* Does a binding of type t take its value out of the scrutinee?  An
 * owned value always does; a copy type holding messages does when the
 * scrutinee is dead afterwards (cand_move decides at the end of the body),
 * so a message sent on from the binding keeps its header `id` (a received
 * request forwarded to an actor keeps the id its `reply` correlates to). */
static bool binds_by_move(const type *t) {
  return t && (is_owned(t) || has_msg(t, 0));
}

/* Does a pattern bind a value it may take (binds_by_move)? */
static bool pat_binds_owned(const ast_pat *p) {
  int guard = 0;
  while (p && guard++ < OWN_MAX_DEPTH) {
    if (p->kind == PAT_BIND)
      return p->sym && binds_by_move(sym_type(p->sym));
    if (p->kind != PAT_CTOR)
      return false;
    p = p->sub;
  }
  return false;
}

static void bind_pat(own_cx *oc, flow *f, const ast_pat *p) {
  int guard = 0;
  while (p && guard++ < OWN_MAX_DEPTH) {
    if (p->kind == PAT_BIND) {
      mark_owned(oc, f, p->sym);
      return;
    }
    p = p->kind == PAT_CTOR ? p->sub : NULL;
  }
}

static void branch_enter(own_cx *oc, why_kind w, span sp, why_kind *sw,
                         span *ssp) {
  *sw = oc->br_why;
  *ssp = oc->br_sp;
  oc->br_why = w;
  oc->br_sp = sp;
}

static void branch_leave(own_cx *oc, why_kind w, span sp) {
  oc->br_why = w;
  oc->br_sp = sp;
}

static void walk_match(own_cx *oc, flow *f, ast_expr *e, mode m, route r) {
  bool moves = false;
  for (uint32_t i = 0; i < e->u.match.arms.len; i++)
    if (pat_binds_owned(AST_AT(e->u.match.arms, i, ast_match_arm)->pat))
      moves = true;
  walk_expr(oc, f, e->u.match.scrutinee, moves ? M_MOVE : M_USE, R_MATCH);
  flow out = flow_dead();
  for (uint32_t i = 0; i < e->u.match.arms.len; i++) {
    ast_match_arm *arm = AST_AT(e->u.match.arms, i, ast_match_arm);
    why_kind sw;
    span ssp;
    branch_enter(oc, WHY_ARM, arm->sp, &sw, &ssp);
    flow a = flow_copy(f);
    bind_pat(oc, &a, arm->pat);
    walk_expr(oc, &a, arm->guard, M_USE, R_NONE);
    if (arm->expr)
      walk_expr(oc, &a, arm->expr, m, r);
    if (arm->block)
      walk_stmt(oc, &a, arm->block);
    branch_leave(oc, sw, ssp);
    flow_join(oc, &out, &a);
  }
  if (e->u.match.arms.len)
    *f = out;
}

static void walk_expr(own_cx *oc, flow *f, ast_expr *e, mode m, route r) {
  if (!e || oc->depth > OWN_MAX_DEPTH)
    return;
  oc->depth++;
  switch (e->kind) {
  case EXPR_INT:
  case EXPR_FLOAT:
  case EXPR_BOOL:
  case EXPR_NIL:
  case EXPR_DURATION:
  case EXPR_TYPE_NAME:
  case EXPR_SELF:
    break;
  case EXPR_STR:
    for (uint32_t i = 0; i < e->u.str.parts.len; i++)
      walk_expr(oc, f, AST_AT(e->u.str.parts, i, ast_str_part)->expr, M_USE,
                R_NONE);
    break;
  case EXPR_NAME:
    walk_name(oc, f, e, m, r);
    break;
  case EXPR_FIELD:
  case EXPR_INDEX:
    walk_place_part(oc, f, e, m, r);
    break;
  case EXPR_CALL:
    walk_call(oc, f, e);
    break;
  case EXPR_UNARY:
    walk_expr(oc, f, e->u.unary.operand, M_USE, R_NONE);
    break;
  case EXPR_BINARY:
    if (e->u.binary.op == OP_COALESCE) {
      walk_expr(oc, f, e->u.binary.lhs, m, r);
      flow b = flow_copy(f);
      walk_expr(oc, &b, e->u.binary.rhs, m, r);
      flow_join(oc, f, &b);
    } else {
      walk_expr(oc, f, e->u.binary.lhs, M_USE, R_NONE);
      walk_expr(oc, f, e->u.binary.rhs, M_USE, R_NONE);
    }
    break;
  case EXPR_RANGE:
    walk_expr(oc, f, e->u.range.lo, M_USE, R_NONE);
    walk_expr(oc, f, e->u.range.hi, M_USE, R_NONE);
    break;
  case EXPR_CAST:
    walk_expr(oc, f, e->u.cast.expr, M_USE, R_NONE);
    break;
  /* literal parts move into the literal; a literal that is itself sent
     passes the send on, so the note says "by `send`" */
  case EXPR_RECORD: {
    route fr = e->ty && e->ty->kind == TY_MESSAGE ? R_MESSAGE : R_RECORD;
    for (uint32_t i = 0; i < e->u.record.fields.len; i++) {
      ast_field_init *fi = AST_AT(e->u.record.fields, i, ast_field_init);
      walk_expr(oc, f, fi->value, M_MOVE, route_is_send(r) ? r : fr);
    }
    break;
  }
  case EXPR_LIST:
    for (uint32_t i = 0; i < e->u.list.items.len; i++)
      walk_expr(oc, f, AST_AT(e->u.list.items, i, ast_expr), M_MOVE,
                route_is_send(r) ? r : R_LIST);
    break;
  case EXPR_TUPLE:
    for (uint32_t i = 0; i < e->u.list.items.len; i++)
      walk_expr(oc, f, AST_AT(e->u.list.items, i, ast_expr), M_MOVE,
                route_is_send(r) ? r : R_TUPLE);
    break;
  case EXPR_MAP:
    for (uint32_t i = 0; i < e->u.map.entries.len; i++) {
      ast_map_entry *me = AST_AT(e->u.map.entries, i, ast_map_entry);
      walk_expr(oc, f, me->key, M_MOVE, route_is_send(r) ? r : R_MAP);
      walk_expr(oc, f, me->value, M_MOVE, route_is_send(r) ? r : R_MAP);
    }
    break;
  case EXPR_SPAWN: {
    const char *save = oc->into;
    oc->into = e->u.spawn.type_name.name;
    for (uint32_t i = 0; i < e->u.spawn.args.len; i++)
      walk_expr(oc, f, AST_AT(e->u.spawn.args, i, ast_expr), M_MOVE, R_SPAWN);
    oc->into = save;
    break;
  }
  case EXPR_ASK:
    walk_expr(oc, f, e->u.ask.target, M_USE, R_NONE);
    walk_expr(oc, f, e->u.ask.msg, M_MOVE, R_ASK);
    walk_expr(oc, f, e->u.ask.timeout, M_USE, R_NONE);
    break;
  case EXPR_RECV:
    walk_expr(oc, f, e->u.recv.chan, M_USE, R_NONE);
    break;
  case EXPR_CHAN_NEW:
    walk_expr(oc, f, e->u.chan_new.capacity, M_USE, R_NONE);
    break;
  case EXPR_FREEZE:
    walk_expr(oc, f, e->u.wrap.operand, M_MOVE, R_FREEZE);
    break;
  case EXPR_COPY:
    walk_expr(oc, f, e->u.wrap.operand, M_USE, R_NONE);
    break;
  case EXPR_TAKE:
    /* take(self.f) moves the field out and leaves the empty value: the
       field stays usable, so no state changes and no E0404 */
    walk_expr(oc, f, e->u.wrap.operand, M_USE, R_NONE);
    if (e->u.wrap.operand)
      e->u.wrap.operand->own = OWN_MOVE;
    break;
  case EXPR_BORROW:
    /* types allows `&x` only as an argument for a `&T` parameter (E0320) */
    walk_expr(oc, f, e->u.wrap.operand, M_USE, R_NONE);
    if (e->u.wrap.operand)
      e->u.wrap.operand->own = OWN_BORROW;
    e->own = OWN_BORROW;
    break;
  case EXPR_MATCH:
    walk_match(oc, f, e, m, r);
    break;
  default:
    break;
  }
  oc->depth--;
}

static void walk_block(own_cx *oc, flow *f, ast_stmt *s) {
  for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
    walk_stmt(oc, f, AST_AT(s->u.block.stmts, i, ast_stmt));
}

static void walk_assign(own_cx *oc, flow *f, ast_stmt *s) {
  ast_expr *lhs = s->u.assign.lhs;
  ast_expr *rhs = s->u.assign.rhs;
  if (!lhs)
    return;
  if (s->u.assign.op != OP_NONE) {
    walk_expr(oc, f, rhs, M_USE, R_NONE);
    walk_expr(oc, f, lhs, M_USE, R_NONE);
    if (lhs->kind != EXPR_NAME)
      check_not_frozen(oc, lhs, lhs->sp, "assign to");
    return;
  }
  bool tv = false;
  ast_expr *root = place_root(lhs, &tv);
  route r = R_ASSIGN;
  if (root && (root->kind == EXPR_SELF ||
               (root->kind == EXPR_NAME && is_state_sym(oc,
                                                        root->u.name.sym))))
    r = R_STATE;
  else if (lhs->kind == EXPR_FIELD)
    r = R_RECORD;
  else if (lhs->kind == EXPR_INDEX)
    r = lhs->u.index.obj && lhs->u.index.obj->ty &&
                lhs->u.index.obj->ty->kind == TY_MAP
            ? R_MAP
            : R_LIST;
  mode m = M_MOVE;
  if (r == R_ASSIGN && lhs->kind == EXPR_NAME && lhs->u.name.sym &&
      is_borrow(sym_type(lhs->u.name.sym)))
    m = M_USE; /* re-pointing a borrowed local at another borrow */
  const char *save = oc->into;
  oc->into = place_text(oc, lhs);
  walk_expr(oc, f, rhs, m, r);
  oc->into = save;
  if (lhs->kind == EXPR_NAME) {
    sym *ls = lhs->u.name.sym;
    if (ls && (ls->kind == SYM_LOCAL || ls->kind == SYM_PARAM) &&
        !is_state_sym(oc, ls))
      mark_owned(oc, f, ls); /* reassignment restores ownership */
    return;
  }
  /* a.b = v / a[i] = v: the object is used, and must not be frozen */
  if (lhs->kind == EXPR_FIELD)
    walk_expr(oc, f, lhs->u.field.obj, M_USE, R_NONE);
  else if (lhs->kind == EXPR_INDEX) {
    walk_expr(oc, f, lhs->u.index.obj, M_USE, R_NONE);
    walk_expr(oc, f, lhs->u.index.index, M_USE, R_NONE);
  }
  check_not_frozen(oc, lhs, lhs->sp, "assign to");
}

static bool is_true_lit(const ast_expr *e) {
  return e && e->kind == EXPR_BOOL && e->u.bool_.value;
}

/* One walk of a loop: head (cond / binding), body; returns the state at
 * the end of the iteration (end of body ⊔ continue); *exit collects the
 * state when leaving (condition false ⊔ break). */
static flow loop_once(own_cx *oc, ast_stmt *s, flow *head, flow *exit) {
  loop_ctx lc;
  memset(&lc, 0, sizeof lc);
  lc.up = oc->loop;
  lc.sp = s->sp;
  lc.brk = flow_dead();
  lc.cont = flow_dead();
  why_kind sw;
  span ssp;
  branch_enter(oc, WHY_LOOP, s->sp, &sw, &ssp);
  flow b = flow_copy(head);
  ast_stmt *body;
  if (s->kind == STMT_WHILE) {
    walk_expr(oc, &b, s->u.while_.cond, M_USE, R_NONE);
    *exit = is_true_lit(s->u.while_.cond) ? flow_dead() : flow_copy(&b);
    body = s->u.while_.body;
  } else {
    *exit = flow_copy(&b);
    body = s->u.for_.body;
    mark_owned(oc, &b, s->u.for_.first_sym);
    mark_owned(oc, &b, s->u.for_.second_sym);
  }
  lc.body_sp = body ? body->sp : s->sp;
  oc->loop = &lc;
  if (body)
    walk_stmt(oc, &b, body);
  oc->loop = lc.up;
  branch_leave(oc, sw, ssp);
  flow_join(oc, &b, &lc.cont);
  flow_join(oc, exit, &lc.brk);
  return b;
}

static void walk_loop(own_cx *oc, flow *f, ast_stmt *s) {
  if (s->kind == STMT_FOR) {
    ast_expr *it = s->u.for_.iter;
    walk_expr(oc, f, it, M_USE, R_NONE);
    type *t = it ? it->ty : NULL;
    if (t && t->kind == TY_BORROW)
      t = t->elem;
    if (t && (t->kind == TY_LIST || t->kind == TY_MAP || t->kind == TY_BUF ||
              t->kind == TY_VAL)) {
      /* elements stay in the collection: bindings are views */
      if (is_owned(sym_type(s->u.for_.first_sym)))
        view_add(oc, s->u.for_.first_sym);
      if (is_owned(sym_type(s->u.for_.second_sym)))
        view_add(oc, s->u.for_.second_sym);
    }
  }
  flow exit;
  flow head;
  if (!oc->quiet) {
    oc->quiet++;
    flow end1 = loop_once(oc, s, f, &exit);
    oc->quiet--;
    head = flow_copy(f);
    flow_join(oc, &head, &end1);
  } else {
    head = flow_copy(f);
  }
  flow end = loop_once(oc, s, &head, &exit);
  /* silent single pass: the loop may also end after this iteration */
  if (oc->quiet &&
      !(s->kind == STMT_WHILE && is_true_lit(s->u.while_.cond)))
    flow_join(oc, &exit, &end);
  *f = exit;
}

static void walk_if(own_cx *oc, flow *f, ast_stmt *s) {
  sym *ls = s->u.if_.let_sym;
  bool moves = ls && binds_by_move(sym_type(ls));
  walk_expr(oc, f, s->u.if_.cond, moves ? M_MOVE : M_USE, R_MATCH);
  why_kind sw;
  span ssp;
  branch_enter(oc, WHY_IF_TRUE, s->sp, &sw, &ssp);
  flow t = flow_copy(f);
  if (ls)
    mark_owned(oc, &t, ls);
  walk_stmt(oc, &t, s->u.if_.then_);
  oc->br_why = WHY_IF_FALSE;
  walk_stmt(oc, f, s->u.if_.else_);
  branch_leave(oc, sw, ssp);
  flow_join(oc, f, &t);
}

static void walk_select(own_cx *oc, flow *f, ast_stmt *s) {
  for (uint32_t i = 0; i < s->u.select.arms.len; i++) {
    ast_select_arm *a = AST_AT(s->u.select.arms, i, ast_select_arm);
    walk_expr(oc, f, a->chan, M_USE, R_NONE);
    if (a->kind == SEL_AFTER)
      walk_expr(oc, f, a->value, M_USE, R_NONE);
  }
  flow out = flow_dead();
  for (uint32_t i = 0; i < s->u.select.arms.len; i++) {
    ast_select_arm *a = AST_AT(s->u.select.arms, i, ast_select_arm);
    why_kind sw;
    span ssp;
    branch_enter(oc, WHY_SELECT, a->sp, &sw, &ssp);
    flow b = flow_copy(f);
    if (a->kind == SEL_SEND)
      walk_expr(oc, &b, a->value, M_MOVE, R_CHAN);
    if (a->kind == SEL_RECV)
      mark_owned(oc, &b, a->sym);
    walk_stmt(oc, &b, a->body);
    branch_leave(oc, sw, ssp);
    flow_join(oc, &out, &b);
  }
  if (s->u.select.arms.len)
    *f = out;
}

static void walk_stmt(own_cx *oc, flow *f, ast_stmt *s) {
  if (!s || oc->depth > OWN_MAX_DEPTH)
    return;
  oc->depth++;
  ast_stmt *saved_stmt = oc->stmt;
  oc->stmt = s;
  switch (s->kind) {
  case STMT_LET: {
    sym *ls = s->u.let.sym;
    ast_expr *init = s->u.let.init;
    mode m = M_MOVE;
    if (ls && is_borrow(sym_type(ls)))
      m = M_USE; /* a local alias of a borrow stays a borrow */
    const char *save = oc->into;
    oc->into = s->u.let.name.name;
    walk_expr(oc, f, init, m, R_LET);
    oc->into = save;
    mark_owned(oc, f, ls);
    break;
  }
  case STMT_ASSIGN:
    walk_assign(oc, f, s);
    break;
  case STMT_EXPR:
    walk_expr(oc, f, s->u.expr.expr, M_USE, R_NONE);
    break;
  case STMT_BLOCK:
    walk_block(oc, f, s);
    break;
  case STMT_IF:
    walk_if(oc, f, s);
    break;
  case STMT_WHILE:
  case STMT_FOR:
    walk_loop(oc, f, s);
    break;
  case STMT_BREAK:
    if (oc->loop)
      flow_join(oc, &oc->loop->brk, f);
    f->reach = false;
    break;
  case STMT_CONTINUE:
    if (oc->loop)
      flow_join(oc, &oc->loop->cont, f);
    f->reach = false;
    break;
  case STMT_RETURN:
    walk_expr(oc, f, s->u.ret.value, M_MOVE, R_RETURN);
    req_settle(oc, f, RQ_RETURN, s->sp);
    f->reach = false;
    break;
  case STMT_SEND: {
    walk_expr(oc, f, s->u.send.target, M_USE, R_NONE);
    walk_expr(oc, f, s->u.send.msg, M_MOVE, R_SEND);
    if (s->u.send.else_) {
      why_kind sw;
      span ssp;
      branch_enter(oc, WHY_SEND_ELSE, s->sp, &sw, &ssp);
      flow e = flow_copy(f);
      walk_stmt(oc, &e, s->u.send.else_);
      branch_leave(oc, sw, ssp);
      flow_join(oc, f, &e);
    }
    break;
  }
  case STMT_CHAN_SEND:
    walk_expr(oc, f, s->u.chan_send.chan, M_USE, R_NONE);
    walk_expr(oc, f, s->u.chan_send.value, M_MOVE, R_CHAN);
    break;
  case STMT_REPLY:
    walk_expr(oc, f, s->u.reply.value, M_MOVE, R_REPLY);
    req_settle(oc, f, RQ_REPLY, s->sp);
    break;
  case STMT_SELECT:
    walk_select(oc, f, s);
    break;
  case STMT_FAIL:
    walk_expr(oc, f, s->u.fail.message, M_USE, R_NONE);
    req_settle(oc, f, RQ_FAIL, s->sp);
    f->reach = false;
    break;
  default:
    break;
  }
  oc->stmt = saved_stmt;
  oc->depth--;
}

static void body_begin(own_cx *oc, flow *f) {
  table_reset(oc);
  oc->loop = NULL;
  oc->depth = 0;
  oc->br_why = WHY_NONE;
  memset(&oc->br_sp, 0, sizeof oc->br_sp);
  *f = flow_dead();
  f->reach = true;
}

static void check_fn(own_cx *oc, ast_decl *d) {
  arena_mark mk = arena_mark_get(oc->cx->scratch);
  flow f;
  body_begin(oc, &f);
  for (uint32_t i = 0; i < d->u.fn.params.len; i++) {
    ast_param *p = AST_AT(d->u.fn.params, i, ast_param);
    mark_owned(oc, &f, p->sym);
  }
  walk_stmt(oc, &f, d->u.fn.body);
  own_finish_cands(oc);
  arena_reset(oc->cx->scratch, mk);
}

static void check_block(own_cx *oc, ast_stmt *body, sym *param) {
  if (!body)
    return;
  arena_mark mk = arena_mark_get(oc->cx->scratch);
  flow f;
  body_begin(oc, &f);
  mark_owned(oc, &f, param);
  oc->early.len = 0;
  oc->early.items = NULL;
  oc->early.cap = 0;
  walk_stmt(oc, &f, body);
  req_settle(oc, &f, RQ_END, body->sp);
  oc->early.len = 0;
  oc->early.items = NULL;
  oc->early.cap = 0;
  own_finish_cands(oc);
  arena_reset(oc->cx->scratch, mk);
}

/* E0409: a message or reply of a ring actor that cannot cross to the GPU. */
static void check_gpu_type(own_cx *oc, ast_decl *actor, const type *t,
                           span at, bool is_reply) {
  const ast_field *bad = NULL;
  if (!ty_ok(t) || types_is_gpu_sendable(t, &bad))
    return;
  oc->failed = true;
  const char *tn = types_name(oc->cx, t);
  diag *d = diag_error(oc->cx, at, "E0409",
                       "%s `%s` of ring actor `%s` is not GPU-sendable",
                       is_reply ? "reply type" : "message", tn,
                       actor->name.name);
  if (bad && bad->name.name) {
    const type *ft = bad->sym && bad->sym->ty ? bad->sym->ty
                     : bad->type ? bad->type->ty : NULL;
    diag_label(d, "field `%s` has type `%s`", bad->name.name,
               ft ? types_name(oc->cx, ft) : "?");
    diag_note(d, bad->sp, "field `%s` declared here", bad->name.name);
  } else {
    diag_label(d, "`%s` has no fixed-size layout", tn);
  }
  diag_note_plain(d, "ring-kernel messages may hold only fixed-size fields "
                  "and `buf<T>` references");
  diag_help(d, "move bulk data into a `buf<T>` field, or handle `%s` in a "
            "CPU actor", tn);
  diag_end(d);
}

static void check_actor(own_cx *oc, ast_decl *d) {
  oc->actor = d;
  /* state initialisers run once at spawn, with the spawn parameters owned */
  if (d->u.actor.state.len) {
    arena_mark mk = arena_mark_get(oc->cx->scratch);
    flow f;
    body_begin(oc, &f);
    for (uint32_t i = 0; i < d->u.actor.params.len; i++)
      mark_owned(oc, &f, AST_AT(d->u.actor.params, i, ast_param)->sym);
    oc->in_init = true;
    for (uint32_t i = 0; i < d->u.actor.state.len; i++) {
      ast_stmt *st = AST_AT(d->u.actor.state, i, ast_stmt);
      if (st->kind == STMT_LET)
        walk_expr(oc, &f, st->u.let.init, M_MOVE, R_LET);
    }
    oc->in_init = false;
    own_finish_cands(oc);
    arena_reset(oc->cx->scratch, mk);
  }
  for (uint32_t i = 0; i < d->u.actor.handlers.len; i++) {
    ast_handler *h = AST_AT(d->u.actor.handlers, i, ast_handler);
    oc->req_sym = h->reply ? h->binding_sym : NULL;
    oc->req_h = oc->req_sym ? h : NULL;
    check_block(oc, h->body, h->binding_sym);
    oc->req_sym = NULL;
    oc->req_h = NULL;
    if (d->u.actor.is_ring) {
      const type *mt = h->msg_type && h->msg_type->ty ? h->msg_type->ty
                       : h->binding_sym && h->binding_sym->ty
                           ? h->binding_sym->ty
                           : h->msg_sym ? h->msg_sym->ty : NULL;
      check_gpu_type(oc, d, mt, h->msg_type ? h->msg_type->sp : h->name.sp,
                     false);
      if (h->reply)
        check_gpu_type(oc, d, h->reply->ty, h->reply->sp, true);
    }
  }
  for (uint32_t i = 0; i < d->u.actor.fns.len; i++) {
    ast_decl *fd = AST_AT(d->u.actor.fns, i, ast_decl);
    if (fd && fd->kind == DECL_FN)
      check_fn(oc, fd);
  }
  check_block(oc, d->u.actor.run, NULL);
  check_block(oc, d->u.actor.on_stop, NULL);
  oc->actor = NULL;
}

bool own_run(ac_ctx *cx) {
  own_cx oc;
  memset(&oc, 0, sizeof oc);
  oc.cx = cx;
  ast_program *prog = cx->prog;
  for (uint32_t mi = 0; prog && mi < prog->modules.len; mi++) {
    ast_module *mod = AST_AT(prog->modules, mi, ast_module);
    for (uint32_t i = 0; mod && i < mod->decls.len; i++) {
      ast_decl *d = AST_AT(mod->decls, i, ast_decl);
      if (!d)
        continue;
      if (d->kind == DECL_FN)
        check_fn(&oc, d);
      else if (d->kind == DECL_ACTOR)
        check_actor(&oc, d);
    }
  }
  bool ok = own_protocol_run(cx);
  ok = ring_check_run(cx) && ok;
  return ok && !oc.failed;
}
