/* resolve.c — name resolution phase: one flat namespace of every top-level
 * declaration of every module, block scopes for each body, every `sym` link
 * filled; placement rules that need only names (self, reply, break, spawn
 * and child targets, handler messages) and strict shadowing.  Never assigns
 * types, never changes the AST's shape.  Codes E0201–E0299; decisions and
 * the symbol numbering are in compiler/TYPES.md.
 */
#include <string.h>

#include "ac.h"
#include "builtins.h"

/* Deepest expression/statement nesting the checkers walk (E0218); the
 * types phase uses the same bound (types_impl.h TYPES_MAX_NESTING). */
enum { RS_MAX_NESTING = 4000 };

/* ======================================== tables */

/* Global namespace: interned name → sym (open addressing, pointer keys). */
typedef struct gtable {
  sym **slots;
  uint32_t cap;
  uint32_t count;
} gtable;

typedef struct scope_entry {
  const char *name;
  sym *s;
} scope_entry;

/* One block scope.  `is_body` marks the outermost scope of a fn / handler /
 * run / stop body; `is_actor` the scope holding actor params, state, fns. */
typedef struct scope {
  struct scope *up;
  scope_entry *items;
  uint32_t len;
  uint32_t cap;
  bool is_actor;
} scope;

typedef struct rs {
  ac_ctx *cx;
  gtable globals;
  gtable prims;
  scope *sc;
  ast_decl *actor;      /* enclosing actor / supervisor decl, or NULL */
  ast_handler *handler; /* enclosing handler, or NULL */
  int loop_depth;
  uint32_t next_id;     /* dense per-body local ids */
  int depth;            /* expression + statement nesting (E0218) */
  const ast_stmt *body; /* the body being resolved ("declared later") */
  bool depth_reported;
  gtable variants;  /* bare variant name → first such variant */
  ast_decl **enums; /* enum decl → its variant syms: open */
  sym ***enum_syms; /* addressing on the decl pointer */
  uint32_t enums_cap;
  uint32_t nenums;
} rs;

static uint32_t ptr_hash(const char *p) {
  uintptr_t x = (uintptr_t)p;
  x ^= x >> 17;
  x *= 0x9E3779B97F4A7C15ull;
  return (uint32_t)(x >> 32);
}

static sym *gtable_get(const gtable *g, const char *name) {
  if (!g->cap || !name)
    return NULL;
  uint32_t j = ptr_hash(name) & (g->cap - 1);
  while (g->slots[j]) {
    if (g->slots[j]->name == name)
      return g->slots[j];
    j = (j + 1) & (g->cap - 1);
  }
  return NULL;
}

static void gtable_put(rs *r, gtable *g, sym *s) {
  if ((g->count + 1) * 2 > g->cap) {
    uint32_t ncap = g->cap ? g->cap * 2 : 128;
    sym **ns = arena_alloc(r->cx->perm, sizeof(sym *) * ncap);
    for (uint32_t i = 0; i < g->cap; i++) {
      if (!g->slots[i])
        continue;
      uint32_t j = ptr_hash(g->slots[i]->name) & (ncap - 1);
      while (ns[j])
        j = (j + 1) & (ncap - 1);
      ns[j] = g->slots[i];
    }
    g->slots = ns;
    g->cap = ncap;
  }
  uint32_t j = ptr_hash(s->name) & (g->cap - 1);
  while (g->slots[j])
    j = (j + 1) & (g->cap - 1);
  g->slots[j] = s;
  g->count++;
}

/* Size an empty table for n entries up front (no rehash while filling). */
static void gtable_reserve(rs *r, gtable *g, uint32_t n) {
  if (g->cap || n > (1u << 28))
    return;
  uint32_t cap = 128;
  while (cap < 2 * n + 2)
    cap *= 2;
  g->slots = arena_alloc(r->cx->perm, sizeof(sym *) * cap);
  g->cap = cap;
}

static sym *rs_new_sym(rs *r, sym_kind k, const char *name, span sp) {
  sym *s = ARENA_NEW(r->cx->perm, sym);
  s->kind = k;
  s->name = name;
  s->sp = sp;
  return s;
}

/* ======================================== scopes */

static void scope_push(rs *r, bool is_actor) {
  scope *s = ARENA_NEW(r->cx->scratch, scope);
  s->up = r->sc;
  s->is_actor = is_actor;
  r->sc = s;
}

static void scope_pop(rs *r) {
  if (r->sc)
    r->sc = r->sc->up;
}

static void scope_add(rs *r, const char *name, sym *s) {
  scope *sc = r->sc;
  if (!sc || !name)
    return;
  if (sc->len == sc->cap) {
    uint32_t ncap = sc->cap ? sc->cap * 2 : 8;
    scope_entry *n = arena_alloc(r->cx->scratch, sizeof(scope_entry) * ncap);
    if (sc->len)
      memcpy(n, sc->items, sizeof(scope_entry) * sc->len);
    sc->items = n;
    sc->cap = ncap;
  }
  sc->items[sc->len].name = name;
  sc->items[sc->len].s = s;
  sc->len++;
}

/* Innermost binding of `name` in the scope chain (newest first). */
static sym *scope_find(const rs *r, const char *name, const scope **out_sc) {
  for (const scope *sc = r->sc; sc; sc = sc->up)
    for (uint32_t i = sc->len; i-- > 0;)
      if (sc->items[i].name == name) {
        if (out_sc)
          *out_sc = sc;
        return sc->items[i].s;
      }
  return NULL;
}

static bool sym_is_value_global(const sym *s) {
  return s->kind == SYM_CONST || s->kind == SYM_FN || s->kind == SYM_BUILTIN;
}

static bool sym_is_type(const sym *s) {
  return s->kind == SYM_PRIM || s->kind == SYM_MESSAGE ||
         s->kind == SYM_STRUCT || s->kind == SYM_ENUM || s->kind == SYM_ACTOR ||
         s->kind == SYM_SUPERVISOR;
}

static const char *sym_kind_text(sym_kind k) {
  switch (k) {
  case SYM_LOCAL: return "local variable";
  case SYM_PARAM: return "parameter";
  case SYM_STATE: return "state field";
  case SYM_CONST: return "constant";
  case SYM_FN: return "function";
  case SYM_BUILTIN: return "builtin function";
  case SYM_PRIM: return "primitive type";
  case SYM_MESSAGE: return "message";
  case SYM_STRUCT: return "struct";
  case SYM_ENUM: return "enum";
  case SYM_VARIANT: return "enum variant";
  case SYM_ACTOR: return "actor";
  case SYM_SUPERVISOR: return "supervisor";
  }
  return "name";
}

/* ======================================== did you mean */

static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63)
    return 99;
  size_t row[64];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t prev_diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t best = prev_diag + cost;
      if (row[j] + 1 < best)
        best = row[j] + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      prev_diag = up;
    }
  }
  return row[lb];
}

typedef struct suggest {
  const char *want;
  const char *best;
  size_t dist;
} suggest;

static void suggest_try(suggest *sg, const char *cand) {
  if (!cand || cand == sg->want)
    return;
  size_t d = edit_distance(sg->want, cand);
  size_t lim = strlen(sg->want) / 3;
  if (lim < 1)
    lim = 1;
  if (lim > 3)
    lim = 3;
  if (d <= lim && d < sg->dist) {
    sg->dist = d;
    sg->best = cand;
  }
}

/* Closest visible name of the wanted namespace (values or types). */
static const char *rs_suggest(const rs *r, const char *name, bool types) {
  suggest sg = {name, NULL, 99};
  if (!name)
    return NULL;
  if (!types)
    for (const scope *sc = r->sc; sc; sc = sc->up)
      for (uint32_t i = 0; i < sc->len; i++)
        suggest_try(&sg, sc->items[i].name);
  for (uint32_t i = 0; i < r->globals.cap; i++) {
    const sym *s = r->globals.slots[i];
    if (s && (types ? sym_is_type(s) : sym_is_value_global(s)))
      suggest_try(&sg, s->name);
  }
  if (types)
    for (uint32_t i = 0; i < r->prims.cap; i++)
      if (r->prims.slots[i])
        suggest_try(&sg, r->prims.slots[i]->name);
  return sg.best;
}

static void rs_help_suggest(const rs *r, diag *d, const char *name,
                            bool types) {
  const char *s = rs_suggest(r, name, types);
  if (s)
    diag_help(d, "did you mean `%s`?", s);
}

/* E0202 for a type name found nowhere, with a did-you-mean help. */
static diag *rs_type_not_found(const rs *r, ast_ident id) {
  diag *d = diag_error(r->cx, id.sp, "E0202", "cannot find type `%s`", id.name);
  diag_label(d, "not found in this program");
  rs_help_suggest(r, d, id.name, true);
  return d;
}


/* ======================================== lookups */

static sym *rs_lookup_value(rs *r, const char *name) {
  sym *s = scope_find(r, name, NULL);
  if (s)
    return s;
  s = gtable_get(&r->globals, name);
  return s;
}

static sym *rs_lookup_type(rs *r, const char *name) {
  sym *s = gtable_get(&r->prims, name);
  if (s)
    return s;
  s = gtable_get(&r->globals, name);
  return s && sym_is_type(s) ? s : NULL;
}

/* Variant syms of an enum decl (created in the declare pass). */
static sym **rs_enum_syms(const rs *r, const ast_decl *d) {
  if (!r->enums_cap)
    return NULL;
  uint32_t j = ptr_hash((const char *)d) & (r->enums_cap - 1);
  while (r->enums[j]) {
    if (r->enums[j] == d)
      return r->enum_syms[j];
    j = (j + 1) & (r->enums_cap - 1);
  }
  return NULL;
}

static void rs_enum_put(rs *r, ast_decl *d, sym **syms) {
  if ((r->nenums + 1) * 2 > r->enums_cap) {
    uint32_t ncap = r->enums_cap ? r->enums_cap * 2 : 64;
    ast_decl **ne = arena_alloc(r->cx->perm, sizeof(ast_decl *) * ncap);
    sym ***ns = arena_alloc(r->cx->perm, sizeof(sym **) * ncap);
    for (uint32_t i = 0; i < r->enums_cap; i++) {
      if (!r->enums[i])
        continue;
      uint32_t j = ptr_hash((const char *)r->enums[i]) & (ncap - 1);
      while (ne[j])
        j = (j + 1) & (ncap - 1);
      ne[j] = r->enums[i];
      ns[j] = r->enum_syms[i];
    }
    r->enums = ne;
    r->enum_syms = ns;
    r->enums_cap = ncap;
  }
  uint32_t j = ptr_hash((const char *)d) & (r->enums_cap - 1);
  while (r->enums[j])
    j = (j + 1) & (r->enums_cap - 1);
  r->enums[j] = d;
  r->enum_syms[j] = syms;
  r->nenums++;
}

static sym *rs_variant(const rs *r, const ast_decl *e, const char *name) {
  sym **vs = rs_enum_syms(r, e);
  if (!vs || !name)
    return NULL;
  for (uint32_t i = 0; i < e->u.enum_.variants.len; i++)
    if (vs[i] && vs[i]->name == name)
      return vs[i];
  return NULL;
}

/* A variant named without its enum (`Red`): the first enum declaring it.
 * types.c re-checks it against the scrutinee's enum. */
static sym *rs_bare_variant(const rs *r, const char *name) {
  return gtable_get(&r->variants, name);
}

/* ======================================== declaring */

/* A new local/param in the current scope, with the shadowing rule: a name
 * may not be declared twice in one function body, nor hide a parameter,
 * actor parameter or state field (E0204).  Globals may be shadowed. */
static sym *rs_declare_local(rs *r, sym_kind k, ast_ident id, bool is_mut) {
  if (!id.name)
    return NULL;
  const scope *where = NULL;
  sym *prev = scope_find(r, id.name, &where);
  if (prev && (prev->kind == SYM_LOCAL || prev->kind == SYM_PARAM ||
               prev->kind == SYM_STATE)) {
    diag *d;
    if (where == r->sc)
      d = diag_error(r->cx, id.sp, "E0204",
                     "`%s` is already declared in this scope", id.name);
    else
      d = diag_error(r->cx, id.sp, "E0204", "`%s` shadows the %s `%s`", id.name,
                     sym_kind_text(prev->kind), id.name);
    diag_label(d, "declared again here");
    diag_note(d, prev->sp, "`%s` first declared here", id.name);
    diag_help(d, "choose a different name, or assign to the existing one");
    diag_end(d);
  }
  sym *s = rs_new_sym(r, k, id.name, id.sp);
  s->is_mutable = is_mut;
  s->owner = r->actor;
  s->id = r->next_id++;
  scope_add(r, id.name, s);
  return s;
}

static void rs_dup_member(rs *r, const char *what, ast_ident id, span first) {
  diag *d =
      diag_error(r->cx, id.sp, "E0205", "duplicate %s `%s`", what, id.name);
  diag_label(d, "declared again here");
  diag_note(d, first, "`%s` first declared here", id.name);
  diag_end(d);
}

/* ======================================== types */

static void rs_tyexpr(rs *r, ast_tyexpr *te) {
  if (!te)
    return;
  switch (te->kind) {
  case TE_NAME: {
    if (!te->name.name)
      return;
    sym *s = rs_lookup_type(r, te->name.name);
    if (!s) {
      sym *other = rs_lookup_value(r, te->name.name);
      diag *d;
      if (other) {
        d = diag_error(r->cx, te->name.sp, "E0202",
                       "expected a type, found the %s `%s`",
                       sym_kind_text(other->kind), te->name.name);
        diag_label(d, "not a type");
      } else {
        d = rs_type_not_found(r, te->name);
      }
      diag_end(d);
      return;
    }
    te->sym = s;
    return;
  }
  case TE_MAP:
    rs_tyexpr(r, te->key);
    rs_tyexpr(r, te->elem);
    return;
  case TE_TUPLE:
    for (uint32_t i = 0; i < te->items.len; i++)
      rs_tyexpr(r, AST_AT(te->items, i, ast_tyexpr));
    return;
  default: rs_tyexpr(r, te->elem); return;
  }
}

/* ======================================== expressions */

static void rs_expr(rs *r, ast_expr *e);
static void rs_expr_inner(rs *r, ast_expr *e);
static void rs_stmt_inner(rs *r, ast_stmt *s);
static void rs_stmt(rs *r, ast_stmt *s);
static void rs_block(rs *r, ast_stmt *s);

static void rs_exprs(rs *r, ast_list *l) {
  for (uint32_t i = 0; i < l->len; i++)
    rs_expr(r, AST_AT(*l, i, ast_expr));
}

/* A `let`/`var` of `name` after `after` in `s` (for "declared later"). */
static const ast_stmt *rs_later_let(const ast_stmt *s, const char *name,
                                    uint32_t after, int depth) {
  if (!s || depth > 64)
    return NULL;
  switch (s->kind) {
  case STMT_LET:
    return s->u.let.name.name == name && s->u.let.name.sp.off > after ? s
                                                                      : NULL;
  case STMT_BLOCK:
    for (uint32_t i = 0; i < s->u.block.stmts.len; i++) {
      const ast_stmt *f = rs_later_let(AST_AT(s->u.block.stmts, i, ast_stmt),
                                       name, after, depth + 1);
      if (f)
        return f;
    }
    return NULL;
  case STMT_IF: {
    const ast_stmt *f = rs_later_let(s->u.if_.then_, name, after, depth + 1);
    return f ? f : rs_later_let(s->u.if_.else_, name, after, depth + 1);
  }
  case STMT_WHILE:
    return rs_later_let(s->u.while_.body, name, after, depth + 1);
  case STMT_FOR: return rs_later_let(s->u.for_.body, name, after, depth + 1);
  default: return NULL;
  }
}

static void rs_undefined_value(rs *r, ast_ident id) {
  diag *d = diag_error(r->cx, id.sp, "E0201", "cannot find `%s` in this scope",
                       id.name);
  diag_label(d, "not found");
  const ast_stmt *later = rs_later_let(r->body, id.name, id.sp.off, 0);
  if (later && later->u.let.name.sp.file == id.sp.file) {
    diag_note(d, later->u.let.name.sp,
              "`%s` is declared later; locals must be declared before use",
              id.name);
  } else {
    rs_help_suggest(r, d, id.name, false);
  }
  diag_end(d);
}

static void rs_check_self(rs *r, span sp) {
  if (r->actor && r->actor->kind == DECL_ACTOR)
    return;
  diag *d =
      diag_error(r->cx, sp, "E0206", "`self` is only allowed inside an actor");
  diag_label(d, "used outside an actor");
  diag_end(d);
}

/* `self.f`: a state field, actor parameter or actor fn of the enclosing
 * actor.  Sets field.sym. */
static void rs_self_field(rs *r, ast_expr *e) {
  rs_check_self(r, e->u.field.obj->sp);
  ast_decl *a = r->actor;
  const char *name = e->u.field.field.name;
  if (!a || a->kind != DECL_ACTOR || !name)
    return;
  for (const scope *sc = r->sc; sc; sc = sc->up) {
    if (!sc->is_actor)
      continue;
    for (uint32_t i = sc->len; i-- > 0;)
      if (sc->items[i].name == name) {
        e->u.field.sym = sc->items[i].s;
        return;
      }
  }
  /* Not (yet) declared: a state field declared later is still a field. */
  for (uint32_t i = 0; i < a->u.actor.state.len; i++) {
    ast_stmt *st = AST_AT(a->u.actor.state, i, ast_stmt);
    if (st && st->kind == STMT_LET && st->u.let.name.name == name &&
        st->u.let.sym) {
      e->u.field.sym = st->u.let.sym;
      return;
    }
  }
  diag *d =
      diag_error(r->cx, e->u.field.field.sp, "E0216",
                 "actor `%s` has no state field `%s`", a->name.name, name);
  diag_label(d, "unknown field");
  suggest sg = {name, NULL, 99};
  for (uint32_t i = 0; i < a->u.actor.state.len; i++) {
    ast_stmt *st = AST_AT(a->u.actor.state, i, ast_stmt);
    if (st && st->kind == STMT_LET)
      suggest_try(&sg, st->u.let.name.name);
  }
  if (sg.best)
    diag_help(d, "did you mean `self.%s`?", sg.best);
  diag_note(d, a->name.sp, "actor `%s` declared here", a->name.name);
  diag_end(d);
}

/* A type name used where a value is expected (`Color` alone, `Red`). */
static void rs_type_name_value(rs *r, ast_expr *e) {
  const char *name = e->u.name.id.name;
  if (!name)
    return;
  sym *s = gtable_get(&r->globals, name);
  if (s) {
    e->u.name.sym = s;
    return;
  }
  s = rs_bare_variant(r, name);
  if (s) {
    e->u.name.sym = s;
    return;
  }
  diag *d =
      diag_error(r->cx, e->sp, "E0201", "cannot find `%s` in this scope", name);
  diag_label(d, "not found");
  rs_help_suggest(r, d, name, true);
  diag_end(d);
}

static void rs_record(rs *r, ast_expr *e) {
  const char *name = e->u.record.type_name.name;
  for (uint32_t i = 0; i < e->u.record.fields.len; i++) {
    ast_field_init *fi = AST_AT(e->u.record.fields, i, ast_field_init);
    if (!fi)
      continue;
    rs_expr(r, fi->value);
    for (uint32_t j = 0; j < i; j++) {
      ast_field_init *fj = AST_AT(e->u.record.fields, j, ast_field_init);
      if (fj && fj->name.name && fj->name.name == fi->name.name) {
        rs_dup_member(r, "field in literal", fi->name, fj->name.sp);
        break;
      }
    }
  }
  if (!name)
    return;
  sym *s = gtable_get(&r->globals, name);
  if (s && (s->kind == SYM_MESSAGE || s->kind == SYM_STRUCT)) {
    e->u.record.sym = s;
    return;
  }
  if (!s && e->u.record.fields.len == 0) {
    sym *v = rs_bare_variant(r, name); /* `Red` parsed as an empty record */
    if (v) {
      e->u.record.sym = v;
      return;
    }
  }
  diag *d;
  if (s) {
    d = diag_error(r->cx, e->u.record.type_name.sp, "E0215",
                   "expected a message or struct, found the %s `%s`",
                   sym_kind_text(s->kind), name);
    diag_label(d, "not a record type");
    diag_note(d, s->sp, "`%s` declared here", name);
  } else {
    d = rs_type_not_found(r, e->u.record.type_name);
  }
  diag_end(d);
}

static void rs_spawn(rs *r, ast_expr *e) {
  rs_exprs(r, &e->u.spawn.args);
  const char *name = e->u.spawn.type_name.name;
  if (!name)
    return;
  sym *s = gtable_get(&r->globals, name);
  if (s && (s->kind == SYM_ACTOR || s->kind == SYM_SUPERVISOR)) {
    e->u.spawn.sym = s;
    return;
  }
  diag *d;
  if (s) {
    d = diag_error(r->cx, e->u.spawn.type_name.sp, "E0209",
                   "cannot spawn the %s `%s`", sym_kind_text(s->kind), name);
    diag_label(d, "expected an actor or supervisor");
    diag_note(d, s->sp, "`%s` declared here", name);
  } else {
    d = rs_type_not_found(r, e->u.spawn.type_name);
  }
  diag_end(d);
}

static void rs_pat(rs *r, ast_pat *p) {
  if (!p)
    return;
  switch (p->kind) {
  case PAT_BIND:
    p->sym = rs_declare_local(r, SYM_LOCAL, p->name, false);
    return;
  case PAT_LIT: rs_expr(r, p->lit); return;
  case PAT_CTOR: { /* the parser accepts only some/ok/failed/timeout */
    rs_pat(r, p->sub);
    return;
  }
  case PAT_VARIANT: {
    if (!p->name.name)
      return;
    if (p->qual.name) {
      sym *es = gtable_get(&r->globals, p->qual.name);
      if (!es || es->kind != SYM_ENUM) {
        diag *d = diag_error(r->cx, p->qual.sp, "E0202",
                             "cannot find enum `%s`", p->qual.name);
        diag_label(d, "not an enum");
        diag_end(d);
        return;
      }
      p->sym = rs_variant(r, es->decl, p->name.name);
      if (!p->sym) {
        diag *d = diag_error(r->cx, p->name.sp, "E0217",
                             "enum `%s` has no variant `%s`", p->qual.name,
                             p->name.name);
        diag_label(d, "unknown variant");
        diag_note(d, es->sp, "enum `%s` declared here", p->qual.name);
        diag_end(d);
      }
      return;
    }
    p->sym = rs_bare_variant(r, p->name.name);
    if (!p->sym) {
      diag *d = diag_error(r->cx, p->name.sp, "E0217",
                           "no enum has a variant `%s`", p->name.name);
      diag_label(d, "unknown variant");
      diag_end(d);
    }
    return;
  }
  default: return;
  }
}

static void rs_expr_inner(rs *r, ast_expr *e) {
  if (!e)
    return;
  switch (e->kind) {
  case EXPR_STR:
    for (uint32_t i = 0; i < e->u.str.parts.len; i++) {
      ast_str_part *p = AST_AT(e->u.str.parts, i, ast_str_part);
      if (p)
        rs_expr(r, p->expr);
    }
    return;
  case EXPR_NAME: {
    if (!e->u.name.id.name)
      return;
    sym *s = rs_lookup_value(r, e->u.name.id.name);
    if (!s || sym_is_type(s)) {
      rs_undefined_value(r, e->u.name.id);
      return;
    }
    e->u.name.sym = s;
    return;
  }
  case EXPR_TYPE_NAME: rs_type_name_value(r, e); return;
  case EXPR_SELF: rs_check_self(r, e->sp); return;
  case EXPR_FIELD: {
    ast_expr *obj = e->u.field.obj;
    if (obj && obj->kind == EXPR_SELF) {
      rs_self_field(r, e);
      return;
    }
    rs_expr(r, obj);
    if (obj && obj->kind == EXPR_TYPE_NAME && obj->u.name.sym &&
        obj->u.name.sym->kind == SYM_ENUM && e->u.field.field.name) {
      sym *es = obj->u.name.sym;
      e->u.field.sym = rs_variant(r, es->decl, e->u.field.field.name);
      if (!e->u.field.sym) {
        diag *d = diag_error(r->cx, e->u.field.field.sp, "E0217",
                             "enum `%s` has no variant `%s`", es->name,
                             e->u.field.field.name);
        diag_label(d, "unknown variant");
        diag_note(d, es->sp, "enum `%s` declared here", es->name);
        diag_end(d);
      }
    }
    return;
  }
  case EXPR_INDEX:
    rs_expr(r, e->u.index.obj);
    rs_expr(r, e->u.index.index);
    return;
  case EXPR_CALL:
    rs_expr(r, e->u.call.callee);
    rs_exprs(r, &e->u.call.args);
    return;
  case EXPR_UNARY: rs_expr(r, e->u.unary.operand); return;
  case EXPR_BINARY:
    rs_expr(r, e->u.binary.lhs);
    rs_expr(r, e->u.binary.rhs);
    return;
  case EXPR_RANGE:
    rs_expr(r, e->u.range.lo);
    rs_expr(r, e->u.range.hi);
    return;
  case EXPR_CAST:
    rs_expr(r, e->u.cast.expr);
    rs_tyexpr(r, e->u.cast.to);
    return;
  case EXPR_RECORD: rs_record(r, e); return;
  case EXPR_LIST:
  case EXPR_TUPLE: rs_exprs(r, &e->u.list.items); return;
  case EXPR_MAP:
    for (uint32_t i = 0; i < e->u.map.entries.len; i++) {
      ast_map_entry *me = AST_AT(e->u.map.entries, i, ast_map_entry);
      if (!me)
        continue;
      rs_expr(r, me->key);
      rs_expr(r, me->value);
    }
    return;
  case EXPR_SPAWN: rs_spawn(r, e); return;
  case EXPR_ASK:
    rs_expr(r, e->u.ask.target);
    rs_expr(r, e->u.ask.msg);
    rs_expr(r, e->u.ask.timeout);
    return;
  case EXPR_RECV: rs_expr(r, e->u.recv.chan); return;
  case EXPR_CHAN_NEW:
    rs_tyexpr(r, e->u.chan_new.elem);
    rs_expr(r, e->u.chan_new.capacity);
    return;
  case EXPR_FREEZE:
  case EXPR_COPY:
  case EXPR_TAKE:
  case EXPR_BORROW: rs_expr(r, e->u.wrap.operand); return;
  case EXPR_MATCH:
    rs_expr(r, e->u.match.scrutinee);
    for (uint32_t i = 0; i < e->u.match.arms.len; i++) {
      ast_match_arm *a = AST_AT(e->u.match.arms, i, ast_match_arm);
      if (!a)
        continue;
      scope_push(r, false);
      rs_pat(r, a->pat);
      rs_expr(r, a->guard);
      rs_expr(r, a->expr);
      if (a->block)
        rs_block(r, a->block);
      scope_pop(r);
    }
    return;
  default: /* literals, nil */ return;
  }
}

/* ======================================== statements */

/* The binding an assignment writes through: `x`, `x.f[i]`, `self.f`. */
static void rs_check_assign(rs *r, ast_expr *lhs) {
  ast_expr *root = lhs;
  bool direct = true;
  for (int i = 0; root && i < 64; i++) {
    if (root->kind == EXPR_FIELD && root->u.field.obj &&
        root->u.field.obj->kind != EXPR_SELF) {
      root = root->u.field.obj;
      direct = false;
    } else if (root->kind == EXPR_INDEX) {
      root = root->u.index.obj;
      direct = false;
    } else {
      break;
    }
  }
  if (!root)
    return;
  sym *s = NULL;
  if (root->kind == EXPR_NAME)
    s = root->u.name.sym;
  else if (root->kind == EXPR_FIELD)
    s = root->u.field.sym; /* self.f */
  if (!s)
    return;
  bool bad = false;
  switch (s->kind) {
  case SYM_LOCAL:
  case SYM_STATE: bad = !s->is_mutable; break;
  case SYM_PARAM: /* owned arguments may be modified in place, not rebound */
    bad = direct;
    break;
  case SYM_CONST:
  case SYM_FN:
  case SYM_BUILTIN:
  case SYM_VARIANT: bad = true; break;
  default: break;
  }
  if (!bad)
    return;
  diag *d = diag_error(r->cx, lhs->sp, "E0219",
                       "cannot assign to the immutable %s `%s`",
                       sym_kind_text(s->kind), s->name);
  diag_label(d, "assignment here");
  if (s->kind == SYM_LOCAL || s->kind == SYM_STATE) {
    diag_note(d, s->sp, "`%s` declared with `let` here", s->name);
    diag_help(d, "declare it with `var` to make it mutable");
  } else if (s->kind == SYM_PARAM) {
    diag_note(d, s->sp, "parameter declared here");
    diag_help(d, "copy it into a local first: `var %s2 = %s;`", s->name,
              s->name);
  }
  diag_end(d);
}

static void rs_block(rs *r, ast_stmt *s) {
  if (!s)
    return;
  if (s->kind != STMT_BLOCK) {
    rs_stmt(r, s);
    return;
  }
  scope_push(r, false);
  for (uint32_t i = 0; i < s->u.block.stmts.len; i++)
    rs_stmt(r, AST_AT(s->u.block.stmts, i, ast_stmt));
  scope_pop(r);
}

static void rs_select(rs *r, ast_stmt *s) {
  for (uint32_t i = 0; i < s->u.select.arms.len; i++) {
    ast_select_arm *a = AST_AT(s->u.select.arms, i, ast_select_arm);
    if (!a)
      continue;
    rs_expr(r, a->chan);
    rs_expr(r, a->value);
    scope_push(r, false);
    if (a->kind == SEL_RECV && a->bind.name)
      a->sym = rs_declare_local(r, SYM_LOCAL, a->bind, false);
    rs_block(r, a->body);
    scope_pop(r);
  }
}

static void rs_stmt_inner(rs *r, ast_stmt *s) {
  if (!s)
    return;
  switch (s->kind) {
  case STMT_LET:
    rs_tyexpr(r, s->u.let.type);
    rs_expr(r, s->u.let.init);
    s->u.let.sym =
        rs_declare_local(r, SYM_LOCAL, s->u.let.name, s->u.let.is_var);
    if (s->u.let.sym)
      s->u.let.sym->let = s;
    return;
  case STMT_ASSIGN:
    rs_expr(r, s->u.assign.lhs);
    rs_expr(r, s->u.assign.rhs);
    rs_check_assign(r, s->u.assign.lhs);
    return;
  case STMT_EXPR: rs_expr(r, s->u.expr.expr); return;
  case STMT_BLOCK: rs_block(r, s); return;
  case STMT_IF:
    rs_expr(r, s->u.if_.cond);
    scope_push(r, false);
    if (s->u.if_.let_name.name)
      s->u.if_.let_sym =
          rs_declare_local(r, SYM_LOCAL, s->u.if_.let_name, false);
    rs_block(r, s->u.if_.then_);
    scope_pop(r);
    rs_block(r, s->u.if_.else_);
    return;
  case STMT_WHILE:
    rs_expr(r, s->u.while_.cond);
    r->loop_depth++;
    rs_block(r, s->u.while_.body);
    r->loop_depth--;
    return;
  case STMT_FOR:
    rs_expr(r, s->u.for_.iter);
    scope_push(r, false);
    s->u.for_.first_sym =
        rs_declare_local(r, SYM_LOCAL, s->u.for_.first, false);
    if (s->u.for_.second.name)
      s->u.for_.second_sym =
          rs_declare_local(r, SYM_LOCAL, s->u.for_.second, false);
    r->loop_depth++;
    rs_block(r, s->u.for_.body);
    r->loop_depth--;
    scope_pop(r);
    return;
  case STMT_BREAK:
  case STMT_CONTINUE:
    if (r->loop_depth <= 0) {
      const char *w = s->kind == STMT_BREAK ? "break" : "continue";
      diag *d = diag_error(r->cx, s->sp, "E0208", "`%s` outside of a loop", w);
      diag_label(d, "not inside `while` or `for`");
      diag_end(d);
    }
    return;
  case STMT_RETURN: rs_expr(r, s->u.ret.value); return;
  case STMT_SEND:
    rs_expr(r, s->u.send.target);
    rs_expr(r, s->u.send.msg);
    rs_block(r, s->u.send.else_);
    return;
  case STMT_CHAN_SEND:
    rs_expr(r, s->u.chan_send.chan);
    rs_expr(r, s->u.chan_send.value);
    return;
  case STMT_REPLY:
    rs_expr(r, s->u.reply.value);
    if (!r->handler || !r->handler->reply) {
      diag *d = diag_error(r->cx, s->sp, "E0207",
                           "`reply` outside a handler that declares a reply "
                           "type");
      if (r->handler) {
        diag_label(d, "this handler declares no `-> T`");
        diag_note(d, r->handler->sp, "handler `%s` declared here",
                  r->handler->name.name ? r->handler->name.name : "?");
        diag_help(d, "declare the reply type: `on %s(...) -> Reply { ... }`",
                  r->handler->name.name ? r->handler->name.name : "Msg");
      } else {
        diag_label(d, "not inside a handler");
      }
      diag_end(d);
    }
    return;
  case STMT_SELECT: rs_select(r, s); return;
  case STMT_FAIL: rs_expr(r, s->u.fail.message); return;
  default: return;
  }
}

/* Nesting guard: left-associative chains (`a + b + ...`) are not bounded by
 * the parser's stack, so every recursive walk of the front end stops at
 * AC_MAX_NESTING (resolve reports it once; the types phase stops at the same
 * depth without a report). */
static bool rs_enter(rs *r, span sp) {
  if (++r->depth <= RS_MAX_NESTING)
    return true;
  if (!r->depth_reported) {
    r->depth_reported = true;
    diag *d = diag_error(r->cx, sp, "E0218",
                         "expression or block nested too deeply (more than "
                         "%d levels)",
                         RS_MAX_NESTING);
    diag_label(d, "the nesting limit is reached here");
    diag_help(d, "split it with intermediate `let` bindings or functions");
    diag_end(d);
  }
  r->depth--;
  return false;
}

static void rs_expr(rs *r, ast_expr *e) {
  if (!e || !rs_enter(r, e->sp))
    return;
  rs_expr_inner(r, e);
  r->depth--;
}

static void rs_stmt(rs *r, ast_stmt *s) {
  if (!s || !rs_enter(r, s->sp))
    return;
  rs_stmt_inner(r, s);
  r->depth--;
}

/* ======================================== declarations */

static const char *const rs_prim_names[] = {
    "bool", "i8",  "i16", "i32", "i64",   "u8",   "u16",  "u32",
    "u64",  "f32", "f64", "str", "bytes", "uuid", "time", "duration"};

static void rs_declare_builtins(rs *r) {
  for (size_t i = 0; i < sizeof rs_prim_names / sizeof rs_prim_names[0]; i++) {
    const char *n = intern_cstr(r->cx, rs_prim_names[i]);
    sym *s = rs_new_sym(r, SYM_PRIM, n, (span){0, 0, 0});
    s->index = (int)i + 2; /* == TY_BOOL + i */
    gtable_put(r, &r->prims, s);
  }
  static const struct {
    const char *name;
    int id;
  } fns[] = {
#define BUILTIN_FN(id, name, n) {name, id},
#include "builtins.def"
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    sym *s = rs_new_sym(r, SYM_BUILTIN, intern_cstr(r->cx, fns[i].name),
                        (span){0, 0, 0});
    s->index = fns[i].id;
    gtable_put(r, &r->globals, s);
  }
}

static sym_kind rs_decl_sym_kind(const ast_decl *d) {
  switch (d->kind) {
  case DECL_CONST: return SYM_CONST;
  case DECL_MESSAGE: return SYM_MESSAGE;
  case DECL_STRUCT: return SYM_STRUCT;
  case DECL_ENUM: return SYM_ENUM;
  case DECL_ACTOR: return SYM_ACTOR;
  case DECL_SUPERVISOR: return SYM_SUPERVISOR;
  default: return SYM_FN;
  }
}

static void rs_declare_global(rs *r, ast_decl *d) {
  if (d->kind == DECL_IMPORT || !d->name.name)
    return;
  sym *prev = gtable_get(&r->globals, d->name.name);
  if (prev) {
    diag *d2;
    if (prev->kind == SYM_BUILTIN) {
      d2 = diag_error(r->cx, d->name.sp, "E0203",
                      "`%s` is already defined as a builtin function",
                      d->name.name);
      diag_label(d2, "redefined here");
      diag_help(d2, "choose a different name");
    } else {
      d2 = diag_error(r->cx, d->name.sp, "E0203",
                      "the name `%s` is declared more than once", d->name.name);
      diag_label(d2, "declared again here");
      diag_note(d2, prev->sp, "`%s` first declared here (%s)", d->name.name,
                sym_kind_text(prev->kind));
    }
    diag_end(d2);
    /* still give the decl a sym so its body resolves */
  }
  sym *s = rs_new_sym(r, rs_decl_sym_kind(d), d->name.name, d->name.sp);
  s->decl = d;
  d->sym = s;
  if (!prev)
    gtable_put(r, &r->globals, s);
  if (d->kind == DECL_ENUM) {
    ast_list *vs = &d->u.enum_.variants;
    sym **syms = arena_alloc(r->cx->perm, sizeof(sym *) * (vs->len + 1));
    for (uint32_t i = 0; i < vs->len; i++) {
      ast_ident *v = AST_AT(*vs, i, ast_ident);
      if (!v || !v->name)
        continue;
      for (uint32_t j = 0; j < i; j++)
        if (syms[j] && syms[j]->name == v->name) {
          rs_dup_member(r, "variant", *v, syms[j]->sp);
          break;
        }
      syms[i] = rs_new_sym(r, SYM_VARIANT, v->name, v->sp);
      syms[i]->decl = d;
      syms[i]->index = (int)i;
    }
    for (uint32_t i = 0; i < vs->len; i++)
      if (syms[i] && !gtable_get(&r->variants, syms[i]->name))
        gtable_put(r, &r->variants, syms[i]);
    rs_enum_put(r, d, syms);
  }
}

static void rs_fields(rs *r, ast_list *fields, bool is_message) {
  for (uint32_t i = 0; i < fields->len; i++) {
    ast_field *f = AST_AT(*fields, i, ast_field);
    if (!f)
      continue;
    rs_tyexpr(r, f->type);
    rs_expr(r, f->default_);
    /* a header name would be a second wire key and unreachable as `m.id` */
    int h = is_message ? ac_header_index(f->name.name) : -1;
    if (h >= 0) {
      diag *d = diag_error(r->cx, f->name.sp, "E0220",
                           "field `%s` clashes with the message header field `%s`",
                           f->name.name, f->name.name);
      diag_label(d, "every message already carries `%s: %s`", ac_header_names[h],
                 ac_header_types[h]);
      diag_help(d, "rename the field; `m.%s` and the wire key `\"%s\"` name the header field",
                f->name.name, f->name.name);
      diag_end(d);
    }
    for (uint32_t j = 0; j < i; j++) {
      ast_field *g = AST_AT(*fields, j, ast_field);
      if (g && f->name.name && g->name.name == f->name.name) {
        rs_dup_member(r, "field", f->name, g->name.sp);
        break;
      }
    }
  }
}

static void rs_params(rs *r, ast_list *params) {
  for (uint32_t i = 0; i < params->len; i++) {
    ast_param *p = AST_AT(*params, i, ast_param);
    if (!p)
      continue;
    rs_tyexpr(r, p->type);
    bool dup = false;
    for (uint32_t j = 0; j < i; j++) {
      ast_param *q = AST_AT(*params, j, ast_param);
      if (q && p->name.name && q->name.name == p->name.name) {
        rs_dup_member(r, "parameter", p->name, q->name.sp);
        dup = true;
        break;
      }
    }
    if (!p->name.name)
      continue;
    if (dup) { /* declared already: don't report E0204 too */
      p->sym = rs_new_sym(r, SYM_PARAM, p->name.name, p->name.sp);
      p->sym->id = r->next_id++;
      p->sym->owner = r->actor;
      p->sym->index = (int)i;
      continue;
    }
    p->sym = rs_declare_local(r, SYM_PARAM, p->name, false);
    if (p->sym) {
      p->sym->index = (int)i;
      if (r->actor && r->sc && r->sc->is_actor)
        p->sym->decl = r->actor;
    }
  }
}

/* A fn (top-level or actor-local): params then body in one scope. */
static void rs_fn(rs *r, ast_decl *d) {
  uint32_t saved_id = r->next_id;
  ast_handler *saved_h = r->handler;
  int saved_loop = r->loop_depth;
  r->next_id = 0;
  r->handler = NULL;
  r->loop_depth = 0;
  scope_push(r, false);
  rs_params(r, &d->u.fn.params);
  rs_tyexpr(r, d->u.fn.ret);
  const ast_stmt *saved_body = r->body;
  r->body = d->u.fn.body;
  rs_block(r, d->u.fn.body);
  r->body = saved_body;
  scope_pop(r);
  r->next_id = saved_id;
  r->handler = saved_h;
  r->loop_depth = saved_loop;
}

static void rs_body(rs *r, ast_stmt *body, ast_handler *h) {
  r->next_id = 0;
  r->handler = h;
  r->loop_depth = 0;
  scope_push(r, false);
  if (h && h->binding.name) {
    h->binding_sym = rs_declare_local(r, SYM_PARAM, h->binding, false);
    if (h->binding_sym)
      h->binding_sym->index = 0;
  }
  r->body = body;
  rs_block(r, body);
  r->body = NULL;
  scope_pop(r);
  r->handler = NULL;
}

static void rs_handler_msg(rs *r, ast_handler *h) {
  ast_ident mid = h->name;
  if (h->msg_type) {
    rs_tyexpr(r, h->msg_type);
    if (h->msg_type->kind != TE_NAME || !h->msg_type->sym) {
      if (h->msg_type->kind != TE_NAME) {
        diag *d = diag_error(r->cx, h->msg_type->sp, "E0211",
                             "a handler's parameter must be a message type");
        diag_label(d, "not a message name");
        diag_end(d);
      }
      return;
    }
    mid = h->msg_type->name;
    if (h->msg_type->sym->kind == SYM_MESSAGE) {
      h->msg_sym = h->msg_type->sym;
    }
  } else if (mid.name) {
    sym *s = gtable_get(&r->globals, mid.name);
    if (s && s->kind == SYM_MESSAGE)
      h->msg_sym = s;
    if (!s) {
      diag *d =
          diag_error(r->cx, mid.sp, "E0211",
                     "cannot find message `%s` for this handler", mid.name);
      diag_label(d, "no message with this name");
      rs_help_suggest(r, d, mid.name, true);
      diag_end(d);
      return;
    }
  }
  if (!h->msg_sym && mid.name) {
    sym *s = rs_lookup_type(r, mid.name);
    diag *d = diag_error(
        r->cx, mid.sp, "E0211",
        "actor handlers take messages, but `%s` is %s %s", mid.name,
        s && (s->kind == SYM_ENUM || s->kind == SYM_ACTOR) ? "an" : "a",
        s ? sym_kind_text(s->kind) : "not a type");
    diag_label(d, "not a message");
    if (s && s->decl)
      diag_note(d, s->sp, "`%s` declared here", mid.name);
    diag_end(d);
    return;
  }
}

static void rs_actor(rs *r, ast_decl *a) {
  r->actor = a;
  scope_push(r, true);
  r->next_id = 0;
  rs_params(r, &a->u.actor.params);
  for (uint32_t i = 0; i < a->u.actor.launch.len; i++) {
    ast_field_init *fi = AST_AT(a->u.actor.launch, i, ast_field_init);
    if (!fi)
      continue;
    rs_expr(r, fi->value);
    const char *n = fi->name.name;
    if (n && strcmp(n, "threads") && strcmp(n, "blocks") &&
        strcmp(n, "ring")) {
      diag *d = diag_error(r->cx, fi->name.sp, "E0213",
                           "unknown ring actor launch parameter `%s`", n);
      diag_label(d, "expected `threads`, `blocks` or `ring`");
      diag_end(d);
    }
    for (uint32_t j = 0; j < i; j++) {
      ast_field_init *fj = AST_AT(a->u.actor.launch, j, ast_field_init);
      if (fj && n && fj->name.name == n) {
        rs_dup_member(r, "launch parameter", fi->name, fj->name.sp);
        break;
      }
    }
  }
  rs_expr(r, a->u.actor.mailbox_cap);
  /* state: each initializer sees params and earlier fields */
  for (uint32_t i = 0; i < a->u.actor.state.len; i++) {
    ast_stmt *st = AST_AT(a->u.actor.state, i, ast_stmt);
    if (!st || st->kind != STMT_LET)
      continue;
    rs_tyexpr(r, st->u.let.type);
    rs_expr(r, st->u.let.init);
    uint32_t id = r->next_id;
    sym *s = rs_declare_local(r, SYM_STATE, st->u.let.name, st->u.let.is_var);
    if (!s)
      continue;
    s->let = st;
    s->decl = a;
    s->index = (int)i;
    s->id = (uint32_t)i;
    r->next_id = id;
    st->u.let.sym = s;
  }
  /* actor-local fns: visible in every body of the actor */
  for (uint32_t i = 0; i < a->u.actor.fns.len; i++) {
    ast_decl *f = AST_AT(a->u.actor.fns, i, ast_decl);
    if (!f || !f->name.name)
      continue;
    const scope *where = NULL;
    sym *prev = scope_find(r, f->name.name, &where);
    if (prev) {
      rs_dup_member(r, "actor member", f->name, prev->sp);
    }
    sym *s = rs_new_sym(r, SYM_FN, f->name.name, f->name.sp);
    s->decl = f;
    s->owner = a;
    f->sym = s;
    f->module = a->module;
    scope_add(r, f->name.name, s);
  }
  /* handlers */
  for (uint32_t i = 0; i < a->u.actor.handlers.len; i++) {
    ast_handler *h = AST_AT(a->u.actor.handlers, i, ast_handler);
    if (!h)
      continue;
    rs_handler_msg(r, h);
    rs_tyexpr(r, h->reply);
    if (h->msg_sym)
      for (uint32_t j = 0; j < i; j++) {
        ast_handler *g = AST_AT(a->u.actor.handlers, j, ast_handler);
        if (g && g->msg_sym == h->msg_sym) {
          diag *d = diag_error(r->cx, h->name.sp, "E0212",
                               "actor `%s` already handles message `%s`",
                               a->name.name, h->msg_sym->name);
          diag_label(d, "second handler");
          diag_note(d, g->name.sp, "first handler for `%s` here",
                    h->msg_sym->name);
          diag_end(d);
          break;
        }
      }
    rs_body(r, h->body, h);
  }
  for (uint32_t i = 0; i < a->u.actor.fns.len; i++) {
    ast_decl *f = AST_AT(a->u.actor.fns, i, ast_decl);
    if (f && f->kind == DECL_FN)
      rs_fn(r, f);
  }
  if (a->u.actor.run)
    rs_body(r, a->u.actor.run, NULL);
  if (a->u.actor.on_stop)
    rs_body(r, a->u.actor.on_stop, NULL);
  scope_pop(r);
  r->actor = NULL;
}

static const char *const rs_strategies[] = {"one_for_one", "one_for_all",
                                            "rest_for_one"};

static void rs_supervisor(rs *r, ast_decl *d) {
  for (uint32_t i = 0; i < d->u.sup.options.len; i++) {
    ast_field_init *fi = AST_AT(d->u.sup.options, i, ast_field_init);
    if (!fi || !fi->name.name)
      continue;
    const char *n = fi->name.name;
    for (uint32_t j = 0; j < i; j++) {
      ast_field_init *fj = AST_AT(d->u.sup.options, j, ast_field_init);
      if (fj && fj->name.name == n) {
        rs_dup_member(r, "supervisor option", fi->name, fj->name.sp);
        break;
      }
    }
    if (!strcmp(n, "strategy")) {
      ast_expr *v = fi->value;
      bool ok = false;
      if (v && v->kind == EXPR_NAME && v->u.name.id.name)
        for (size_t k = 0; k < 3; k++)
          if (!strcmp(v->u.name.id.name, rs_strategies[k]))
            ok = true;
      if (!ok && v) {
        diag *dg =
            diag_error(r->cx, v->sp, "E0213", "unknown supervisor strategy");
        diag_label(dg, "expected `one_for_one`, `one_for_all` or "
                       "`rest_for_one`");
        diag_end(dg);
      }
      continue;
    }
    if (strcmp(n, "intensity") && strcmp(n, "period")) {
      diag *dg = diag_error(r->cx, fi->name.sp, "E0213",
                            "unknown supervisor option `%s`", n);
      diag_label(dg, "expected `strategy`, `intensity` or `period`");
      diag_end(dg);
    }
    rs_expr(r, fi->value);
  }
  for (uint32_t i = 0; i < d->u.sup.children.len; i++) {
    ast_child *c = AST_AT(d->u.sup.children, i, ast_child);
    if (!c)
      continue;
    rs_exprs(r, &c->args);
    if (c->name.name)
      for (uint32_t j = 0; j < i; j++) {
        ast_child *o = AST_AT(d->u.sup.children, j, ast_child);
        if (o && o->name.name == c->name.name) {
          rs_dup_member(r, "child", c->name, o->name.sp);
          break;
        }
      }
    if (!c->type_name.name)
      continue;
    sym *s = gtable_get(&r->globals, c->type_name.name);
    if (s && (s->kind == SYM_ACTOR || s->kind == SYM_SUPERVISOR)) {
      c->sym = s; /* a supervisor child: a nested supervision tree */
      continue;
    }
    diag *dg;
    if (s) {
      dg = diag_error(r->cx, c->type_name.sp, "E0210",
                      "a supervisor child must be an actor or a supervisor, "
                      "found the %s `%s`",
                      sym_kind_text(s->kind), c->type_name.name);
      diag_label(dg, "not an actor or a supervisor");
      diag_note(dg, s->sp, "`%s` declared here", c->type_name.name);
    } else {
      dg = rs_type_not_found(r, c->type_name);
    }
    diag_end(dg);
  }
}

static void rs_decl(rs *r, ast_decl *d) {
  arena_mark m = arena_mark_get(r->cx->scratch);
  r->sc = NULL;
  r->actor = NULL;
  r->handler = NULL;
  r->loop_depth = 0;
  r->next_id = 0;
  r->body = NULL;
  switch (d->kind) {
  case DECL_CONST:
    rs_tyexpr(r, d->u.const_.type);
    rs_expr(r, d->u.const_.value);
    break;
  case DECL_MESSAGE: rs_fields(r, &d->u.record.fields, true); break;
  case DECL_STRUCT: rs_fields(r, &d->u.record.fields, false); break;
  case DECL_ACTOR: rs_actor(r, d); break;
  case DECL_SUPERVISOR:
    r->actor = d;
    rs_supervisor(r, d);
    r->actor = NULL;
    break;
  case DECL_FN: rs_fn(r, d); break;
  default: break;
  }
  r->sc = NULL;
  arena_reset(r->cx->scratch, m);
}

bool resolve_run(ac_ctx *cx) {
  int before = diag_error_count(cx);
  if (!cx->prog)
    return before == 0;
  rs *r = ARENA_NEW(cx->perm, rs);
  r->cx = cx;
  cx->phase_data[PASS_RESOLVE] = r;
  /* one global per decl (plus builtins), one variant entry per variant */
  uint32_t ndecls = 64, nvariants = 0;
  for (uint32_t m = 0; m < cx->prog->modules.len; m++) {
    ast_module *mod = AST_AT(cx->prog->modules, m, ast_module);
    if (!mod)
      continue;
    ndecls += mod->decls.len;
    for (uint32_t i = 0; i < mod->decls.len; i++) {
      ast_decl *d = AST_AT(mod->decls, i, ast_decl);
      if (d && d->kind == DECL_ENUM)
        nvariants += d->u.enum_.variants.len;
    }
  }
  gtable_reserve(r, &r->globals, ndecls);
  gtable_reserve(r, &r->variants, nvariants);
  rs_declare_builtins(r);
  /* imported modules first, the root last: a clash is then reported in
     the user's own file, with a note in the imported one */
  for (uint32_t m = cx->prog->modules.len; m-- > 0;) {
    ast_module *mod = AST_AT(cx->prog->modules, m, ast_module);
    if (!mod)
      continue;
    for (uint32_t i = 0; i < mod->decls.len; i++) {
      ast_decl *d = AST_AT(mod->decls, i, ast_decl);
      if (d)
        rs_declare_global(r, d);
    }
  }
  for (uint32_t m = 0; m < cx->prog->modules.len; m++) {
    ast_module *mod = AST_AT(cx->prog->modules, m, ast_module);
    if (!mod)
      continue;
    for (uint32_t i = 0; i < mod->decls.len; i++) {
      ast_decl *d = AST_AT(mod->decls, i, ast_decl);
      if (d)
        rs_decl(r, d);
    }
  }
  diag_flush(cx);
  return diag_error_count(cx) == before;
}
