/* schema.c — `actorc schema export` and `actorc schema check` (issue 6;
 * docs/schema.md is the user-facing contract, rule ids S0001–S0015).
 *
 * Both commands load their inputs the same way: each .actor file (or every
 * .actor file under a folder, recursively, in byte order of the path) runs
 * through the front end up to `types` in its own context; the messages of
 * the non-std modules, plus every struct and enum they reach through field
 * types, form the schema model (sc_item / sc_field), keyed by name.
 * Export prints the model as JSON; check compares an OLD model with a NEW
 * one and prints findings.  Types are read from the field's type syntax
 * after resolve (ast_tyexpr + sym), which is exactly what was written.
 * Nothing here writes the AST.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ac.h"
#include "schema.h"

/* ------------------------------------------------------------ model */

typedef struct sc_loc {
  const char *file; /* NULL: no location */
  uint32_t line, col;
} sc_loc;

typedef struct sc_field {
  const char *name;
  const char *doc;
  sc_loc loc;
  ast_tyexpr *type;
  ast_expr *dflt;          /* NULL: required */
  const char *dflt_src;    /* the default as written, whitespace squeezed outside strings */
  int index;               /* declaration position */
  bool matched;            /* check: paired with a field of the other side */
} sc_field;

typedef struct sc_item {
  ast_decl_kind kind;      /* DECL_MESSAGE, DECL_STRUCT, DECL_ENUM */
  const char *name;
  const char *doc;
  sc_loc loc;
  ac_ctx *cx;
  ast_decl *decl;
  sc_field *fields;        /* MESSAGE/STRUCT: nfields; ENUM: variants (type NULL) */
  int nfields;
  bool matched;
} sc_item;

typedef struct sc_model {
  ac_ctx **cxs;
  int ncx;
  sc_item **items;         /* sorted by name */
  int nitems, cap;
} sc_model;

static arena *sc_arena;

static sc_loc sc_loc_of(ac_ctx *cx, span sp) {
  sc_loc l;
  l.file = source_get(cx, sp.file)->path;
  source_line_col(cx, sp.file, sp.off, &l.line, &l.col);
  return l;
}

static const char *sc_span_text(ac_ctx *cx, span sp) {
  const source_file *sf = source_get(cx, sp.file);
  char *s = arena_alloc(sc_arena, (size_t)sp.len + 1);
  size_t n = 0;
  bool space = false, quoted = false;
  for (uint32_t i = 0; i < sp.len && sp.off + i < sf->len; i++) {
    char c = sf->text[sp.off + i];
    if (quoted) { /* string literals are kept as written */
      s[n++] = c;
      if (c == '\\' && i + 1 < sp.len) s[n++] = sf->text[sp.off + ++i];
      else if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') quoted = true;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = n > 0;
      continue;
    }
    if (space) s[n++] = ' ';
    space = false;
    s[n++] = c;
  }
  s[n] = 0;
  return s;
}

static sc_item *sc_find(const sc_model *m, const char *name) {
  int lo = 0, hi = m->nitems - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    int c = strcmp(m->items[mid]->name, name);
    if (c == 0) return m->items[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return NULL;
}

static bool sc_add_decl(sc_model *m, ac_ctx *cx, ast_decl *d);

/* Adds the structs/enums a type mentions.  Returns false on a conflict. */
static bool sc_add_type_refs(sc_model *m, ac_ctx *cx, ast_tyexpr *t, int depth) {
  if (!t || depth > 64) return true;
  if (t->kind == TE_NAME) {
    sym *s = t->sym;
    if (s && s->decl && (s->kind == SYM_STRUCT || s->kind == SYM_ENUM || s->kind == SYM_MESSAGE))
      return sc_add_decl(m, cx, s->decl);
    return true;
  }
  if (!sc_add_type_refs(m, cx, t->key, depth + 1)) return false;
  if (!sc_add_type_refs(m, cx, t->elem, depth + 1)) return false;
  for (uint32_t i = 0; i < t->items.len; i++)
    if (!sc_add_type_refs(m, cx, AST_AT(t->items, i, ast_tyexpr), depth + 1)) return false;
  return true;
}

/* Inserts decl d (message/struct/enum) keeping items sorted; a second decl
 * of the same name from another place is a conflict (false). */
static bool sc_add_decl(sc_model *m, ac_ctx *cx, ast_decl *d) {
  const char *name = d->name.name;
  sc_loc loc = sc_loc_of(cx, d->name.sp);
  sc_item *old = sc_find(m, name);
  if (old) {
    if (old->kind == d->kind && old->loc.line == loc.line && old->loc.col == loc.col) {
      const char *a = strrchr(old->loc.file, '/'), *b = strrchr(loc.file, '/');
      if (strcmp(a ? a + 1 : old->loc.file, b ? b + 1 : loc.file) == 0) return true;
    }
    fprintf(stderr, "%s:%u:%u: error: `%s` is declared twice in one schema\n"
                    "%s:%u:%u: note: first declared here\n",
            loc.file, loc.line, loc.col, name, old->loc.file, old->loc.line, old->loc.col);
    return false;
  }
  sc_item *it = arena_alloc(sc_arena, sizeof *it);
  it->kind = d->kind;
  it->name = name;
  it->doc = d->doc;
  it->loc = loc;
  it->cx = cx;
  it->decl = d;
  if (m->nitems == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 16;
    sc_item **n = arena_alloc(sc_arena, sizeof *n * (size_t)m->cap);
    if (m->nitems) memcpy(n, m->items, sizeof *n * (size_t)m->nitems);
    m->items = n;
  }
  int at = m->nitems;
  while (at > 0 && strcmp(m->items[at - 1]->name, name) > 0) {
    m->items[at] = m->items[at - 1];
    at--;
  }
  m->items[at] = it;
  m->nitems++;
  if (d->kind == DECL_ENUM) {
    ast_list *vs = &d->u.enum_.variants;
    it->nfields = (int)vs->len;
    it->fields = arena_alloc(sc_arena, sizeof *it->fields * (vs->len + 1));
    for (uint32_t i = 0; i < vs->len; i++) {
      ast_ident *v = AST_AT(*vs, i, ast_ident);
      it->fields[i].name = v->name;
      it->fields[i].loc = sc_loc_of(cx, v->sp);
      it->fields[i].index = (int)i;
    }
    return true;
  }
  ast_list *fs = &d->u.record.fields;
  it->nfields = (int)fs->len;
  it->fields = arena_alloc(sc_arena, sizeof *it->fields * (fs->len + 1));
  for (uint32_t i = 0; i < fs->len; i++) {
    ast_field *f = AST_AT(*fs, i, ast_field);
    sc_field *o = &it->fields[i];
    o->name = f->name.name;
    o->doc = f->doc;
    o->loc = sc_loc_of(cx, f->name.sp);
    o->type = f->type;
    o->dflt = f->default_;
    o->dflt_src = f->default_ ? sc_span_text(cx, f->default_->sp) : NULL;
    o->index = (int)i;
  }
  for (uint32_t i = 0; i < fs->len; i++)
    if (!sc_add_type_refs(m, cx, AST_AT(*fs, i, ast_field)->type, 0)) return false;
  return true;
}

/* ------------------------------------------------------------ loading */

typedef struct sc_paths {
  char **v;
  int n, cap;
} sc_paths;

static void sc_paths_push(sc_paths *p, const char *s) {
  if (p->n == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 16;
    char **n = arena_alloc(sc_arena, sizeof *n * (size_t)p->cap);
    if (p->n) memcpy(n, p->v, sizeof *n * (size_t)p->n);
    p->v = n;
  }
  p->v[p->n++] = arena_strndup(sc_arena, s, strlen(s));
}

static int sc_cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool sc_ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && strcmp(s + n - k, suf) == 0;
}

/* Every *.actor under dir (hidden entries skipped).  False: unreadable. */
static bool sc_walk(const char *dir, sc_paths *out, int depth) {
  if (depth > 32) return true;
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "actorc: cannot read `%s`: %s\n", dir, strerror(errno));
    return false;
  }
  bool ok = true;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    const char *sep = sc_ends_with(dir, "/") ? "" : "/";
    char *p = arena_sprintf(sc_arena, "%s%s%s", dir, sep, e->d_name);
    struct stat st;
    if (stat(p, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) ok = sc_walk(p, out, depth + 1) && ok;
    else if (S_ISREG(st.st_mode) && sc_ends_with(p, ".actor")) sc_paths_push(out, p);
  }
  closedir(d);
  return ok;
}

/* Loads a file or folder into m.  Returns 0, 1 (front-end errors, already
 * reported) or 2 (unusable: missing path, empty folder, conflict). */
static int sc_load(sc_model *m, const char *path, const ac_options *base) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "actorc: cannot open `%s`: %s\n", path, strerror(errno));
    return 2;
  }
  sc_paths files = {0};
  if (S_ISDIR(st.st_mode)) {
    if (!sc_walk(path, &files, 0)) return 2;
    if (files.n == 0) {
      fprintf(stderr, "actorc: no .actor file under `%s`\n", path);
      return 2;
    }
    qsort(files.v, (size_t)files.n, sizeof *files.v, sc_cmp_str);
  } else {
    sc_paths_push(&files, path);
  }
  m->cxs = arena_alloc(sc_arena, sizeof *m->cxs * (size_t)files.n);
  int rc = 0;
  for (int i = 0; i < files.n; i++) {
    ac_options opt = *base;
    opt.dump_after = -1;
    opt.stop_after = PASS_TYPES;
    ac_ctx *cx = ac_ctx_new(&opt);
    m->cxs[m->ncx++] = cx;
    if (!ac_check_file(cx, files.v[i])) {
      rc = 1;
      continue;
    }
    if (rc) continue;
    for (uint32_t mi = 0; mi < cx->prog->modules.len; mi++) {
      ast_module *mod = AST_AT(cx->prog->modules, mi, ast_module);
      if (mod->is_std) continue;
      for (uint32_t di = 0; di < mod->decls.len; di++) {
        ast_decl *d = AST_AT(mod->decls, di, ast_decl);
        if (d->kind == DECL_MESSAGE && !sc_add_decl(m, cx, d)) return 2;
      }
    }
  }
  return rc;
}

static void sc_unload(sc_model *m) {
  for (int i = 0; i < m->ncx; i++) ac_ctx_free(m->cxs[i]);
  m->ncx = 0;
}

/* ------------------------------------------------------------ types */

static const char *const sc_prims[] = {
  "bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64",
  "f32", "f64", "str", "bytes", "uuid", "time", "duration", NULL
};

static bool sc_is_prim(const ast_tyexpr *t) {
  if (t->kind != TE_NAME || !t->name.name) return false;
  if (t->sym && t->sym->kind != SYM_PRIM) return false;
  for (int i = 0; sc_prims[i]; i++)
    if (strcmp(sc_prims[i], t->name.name) == 0) return true;
  return false;
}

static const char *sc_named_kind(const ast_tyexpr *t) {
  if (sc_is_prim(t)) return "primitive";
  if (!t->sym) return "named";
  switch (t->sym->kind) {
  case SYM_MESSAGE: return "message";
  case SYM_STRUCT: return "struct";
  case SYM_ENUM: return "enum";
  case SYM_ACTOR: return "actor";
  case SYM_SUPERVISOR: return "supervisor";
  default: return "named";
  }
}

static const char *sc_te_kind(ast_te_kind k) {
  switch (k) {
  case TE_LIST: return "list";
  case TE_MAP: return "map";
  case TE_TUPLE: return "tuple";
  case TE_OPT: return "optional";
  case TE_BUF: return "buf";
  case TE_CHAN: return "chan";
  case TE_BORROW: return "borrow";
  case TE_VAL: return "val";
  default: return "named";
  }
}

/* The type as it would be written: `[i64]`, `{str: f64}`, `(i32, str)`, `T?`. */
static void sc_type_text(FILE *o, const ast_tyexpr *t, int depth) {
  if (!t || depth > 64) {
    fputs("?", o);
    return;
  }
  switch (t->kind) {
  case TE_NAME: fputs(t->name.name ? t->name.name : "?", o); break;
  case TE_LIST: fputc('[', o); sc_type_text(o, t->elem, depth + 1); fputc(']', o); break;
  case TE_MAP:
    fputc('{', o); sc_type_text(o, t->key, depth + 1); fputs(": ", o);
    sc_type_text(o, t->elem, depth + 1); fputc('}', o);
    break;
  case TE_TUPLE:
    fputc('(', o);
    for (uint32_t i = 0; i < t->items.len; i++) {
      if (i) fputs(", ", o);
      sc_type_text(o, AST_AT(t->items, i, ast_tyexpr), depth + 1);
    }
    fputc(')', o);
    break;
  case TE_OPT: sc_type_text(o, t->elem, depth + 1); fputc('?', o); break;
  case TE_BUF: fputs("buf<", o); sc_type_text(o, t->elem, depth + 1); fputc('>', o); break;
  case TE_CHAN: fputs("chan<", o); sc_type_text(o, t->elem, depth + 1); fputc('>', o); break;
  case TE_BORROW: fputc('&', o); sc_type_text(o, t->elem, depth + 1); break;
  case TE_VAL: fputs("val ", o); sc_type_text(o, t->elem, depth + 1); break;
  default: fputs("?", o); break;
  }
}

static const char *sc_type_str(const ast_tyexpr *t) {
  char *buf = NULL;
  size_t len = 0;
  FILE *o = open_memstream(&buf, &len);
  if (!o) return "?";
  sc_type_text(o, t, 0);
  fclose(o);
  char *s = arena_strndup(sc_arena, buf, len);
  free(buf);
  return s;
}

/* Integer rank for widening: signed 1..4 (i8..i64), unsigned 1..4. */
static int sc_int_info(const char *n, bool *is_signed) {
  static const char *const s[] = { "i8", "i16", "i32", "i64" };
  static const char *const u[] = { "u8", "u16", "u32", "u64" };
  for (int i = 0; i < 4; i++) {
    if (strcmp(n, s[i]) == 0) { *is_signed = true; return i + 1; }
    if (strcmp(n, u[i]) == 0) { *is_signed = false; return i + 1; }
  }
  return 0;
}

typedef enum { SC_SAME, SC_WIDEN, SC_BREAK } sc_compat;

static sc_compat sc_worst(sc_compat a, sc_compat b) { return a > b ? a : b; }

/* Can a reader of type `nw` accept every value a writer of `old` sends? */
static sc_compat sc_type_compat(const ast_tyexpr *old, const ast_tyexpr *nw, int depth) {
  if (!old || !nw || depth > 64) return SC_BREAK;
  if (old->kind == TE_NAME && nw->kind == TE_NAME) {
    const char *a = old->name.name, *b = nw->name.name;
    if (!a || !b) return SC_BREAK;
    bool pa = sc_is_prim(old), pb = sc_is_prim(nw);
    /* same name: the same type (a struct that became a message is S0015 on
     * the declaration itself, and its fields are compared there) */
    if (strcmp(a, b) == 0) return pa == pb ? SC_SAME : SC_BREAK;
    if (!pa || !pb) return SC_BREAK;
    if (strcmp(a, "f32") == 0 && strcmp(b, "f64") == 0) return SC_WIDEN;
    bool sa, sb;
    int ra = sc_int_info(a, &sa), rb = sc_int_info(b, &sb);
    if (!ra || !rb) return SC_BREAK;
    if (sa == sb) return rb > ra ? SC_WIDEN : SC_BREAK;
    if (!sa && sb) return rb > ra ? SC_WIDEN : SC_BREAK; /* u(n) -> i(m), m > n */
    return SC_BREAK;                                     /* i -> u: negatives */
  }
  if (nw->kind == TE_OPT && old->kind != TE_OPT)
    return sc_type_compat(old, nw->elem, depth + 1) == SC_BREAK ? SC_BREAK : SC_WIDEN;
  if (old->kind != nw->kind) return SC_BREAK;
  switch (old->kind) {
  case TE_MAP:
    return sc_worst(sc_type_compat(old->key, nw->key, depth + 1),
                    sc_type_compat(old->elem, nw->elem, depth + 1));
  case TE_TUPLE: {
    if (old->items.len != nw->items.len) return SC_BREAK;
    sc_compat c = SC_SAME;
    for (uint32_t i = 0; i < old->items.len; i++)
      c = sc_worst(c, sc_type_compat(AST_AT(old->items, i, ast_tyexpr),
                                     AST_AT(nw->items, i, ast_tyexpr), depth + 1));
    return c;
  }
  default:
    return sc_type_compat(old->elem, nw->elem, depth + 1);
  }
}

/* ------------------------------------------------------------ JSON */

static void sc_json_str(FILE *o, const char *s) {
  if (!s) {
    fputs("null", o);
    return;
  }
  fputc('"', o);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", o); break;
    case '\\': fputs("\\\\", o); break;
    case '\n': fputs("\\n", o); break;
    case '\r': fputs("\\r", o); break;
    case '\t': fputs("\\t", o); break;
    default:
      if (*p < 0x20) fprintf(o, "\\u%04x", *p);
      else fputc(*p, o);
    }
  }
  fputc('"', o);
}

static void sc_indent(FILE *o, int n) {
  for (int i = 0; i < n; i++) fputs("  ", o);
}

static void sc_json_loc(FILE *o, sc_loc l) {
  if (!l.file) {
    fputs("null", o);
    return;
  }
  fputs("{\"file\": ", o);
  sc_json_str(o, l.file);
  fprintf(o, ", \"line\": %u, \"column\": %u}", l.line, l.col);
}

static void sc_json_type(FILE *o, const ast_tyexpr *t, int ind, int depth) {
  if (!t || depth > 64) {
    fputs("null", o);
    return;
  }
  if (t->kind == TE_NAME) {
    fprintf(o, "{\"kind\": \"%s\", \"name\": ", sc_named_kind(t));
    sc_json_str(o, t->name.name);
    fputc('}', o);
    return;
  }
  fprintf(o, "{\n");
  sc_indent(o, ind + 1);
  fprintf(o, "\"kind\": \"%s\"", sc_te_kind(t->kind));
  if (t->kind == TE_MAP) {
    fputs(",\n", o);
    sc_indent(o, ind + 1);
    fputs("\"key\": ", o);
    sc_json_type(o, t->key, ind + 1, depth + 1);
    fputs(",\n", o);
    sc_indent(o, ind + 1);
    fputs("\"value\": ", o);
    sc_json_type(o, t->elem, ind + 1, depth + 1);
  } else if (t->kind == TE_TUPLE) {
    fputs(",\n", o);
    sc_indent(o, ind + 1);
    fputs("\"items\": [", o);
    for (uint32_t i = 0; i < t->items.len; i++) {
      fputs(i ? ",\n" : "\n", o);
      sc_indent(o, ind + 2);
      sc_json_type(o, AST_AT(t->items, i, ast_tyexpr), ind + 2, depth + 1);
    }
    if (t->items.len) {
      fputc('\n', o);
      sc_indent(o, ind + 1);
    }
    fputc(']', o);
  } else {
    fputs(",\n", o);
    sc_indent(o, ind + 1);
    fputs("\"elem\": ", o);
    sc_json_type(o, t->elem, ind + 1, depth + 1);
  }
  fputc('\n', o);
  sc_indent(o, ind);
  fputc('}', o);
}

static void sc_json_double(FILE *o, double v) {
  char buf[64];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  fputs(buf, o);
}

/* A literal default as JSON; false when it is not a plain literal. */
static bool sc_json_value(FILE *o, const ast_expr *e, int depth) {
  if (!e || depth > 32) return false;
  switch (e->kind) {
  case EXPR_INT:
    if (e->u.int_.overflow) return false;
    fprintf(o, "%llu", (unsigned long long)e->u.int_.value);
    return true;
  case EXPR_FLOAT: sc_json_double(o, e->u.float_.value); return true;
  case EXPR_BOOL: fputs(e->u.bool_.value ? "true" : "false", o); return true;
  case EXPR_NIL: fputs("null", o); return true;
  case EXPR_DURATION:
    if (e->u.duration.overflow) return false;
    fprintf(o, "%lld", (long long)e->u.duration.ns);
    return true;
  case EXPR_UNARY:
    if (e->u.unary.op != OP_NEG) return false;
    if (e->u.unary.operand->kind == EXPR_INT && !e->u.unary.operand->u.int_.overflow) {
      fprintf(o, "-%llu", (unsigned long long)e->u.unary.operand->u.int_.value);
      return true;
    }
    if (e->u.unary.operand->kind == EXPR_FLOAT) {
      sc_json_double(o, -e->u.unary.operand->u.float_.value);
      return true;
    }
    return false;
  case EXPR_STR: {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return false;
    bool ok = true;
    for (uint32_t i = 0; i < e->u.str.parts.len; i++) {
      ast_str_part *p = AST_AT(e->u.str.parts, i, ast_str_part);
      if (p->expr) ok = false;
      else fwrite(p->text, 1, p->len, m);
    }
    fclose(m);
    if (ok && memchr(buf, 0, len) == NULL) sc_json_str(o, buf);
    free(buf);
    return ok;
  }
  case EXPR_FIELD: /* Color.Red */
    if (e->u.field.sym && e->u.field.sym->kind == SYM_VARIANT) {
      sc_json_str(o, e->u.field.field.name);
      return true;
    }
    return false;
  case EXPR_NAME:
    if (e->u.name.sym && e->u.name.sym->kind == SYM_VARIANT) {
      sc_json_str(o, e->u.name.id.name);
      return true;
    }
    return false;
  case EXPR_MAP: /* an object when every key is a plain string */
    fputc('{', o);
    for (uint32_t i = 0; i < e->u.map.entries.len; i++) {
      ast_map_entry *me = AST_AT(e->u.map.entries, i, ast_map_entry);
      if (me->key->kind != EXPR_STR) return false;
      if (i) fputs(", ", o);
      if (!sc_json_value(o, me->key, depth + 1)) return false;
      fputs(": ", o);
      if (!sc_json_value(o, me->value, depth + 1)) return false;
    }
    fputc('}', o);
    return true;
  case EXPR_LIST:
  case EXPR_TUPLE:
    fputc('[', o);
    for (uint32_t i = 0; i < e->u.list.items.len; i++) {
      if (i) fputs(", ", o);
      if (!sc_json_value(o, AST_AT(e->u.list.items, i, ast_expr), depth + 1)) return false;
    }
    fputc(']', o);
    return true;
  default:
    return false;
  }
}

static void sc_export_field(FILE *o, const sc_field *f, int ind) {
  sc_indent(o, ind);
  fputs("{\n", o);
  sc_indent(o, ind + 1);
  fputs("\"name\": ", o);
  sc_json_str(o, f->name);
  fputs(",\n", o);
  sc_indent(o, ind + 1);
  fputs("\"doc\": ", o);
  sc_json_str(o, f->doc);
  fputs(",\n", o);
  sc_indent(o, ind + 1);
  fputs("\"location\": ", o);
  sc_json_loc(o, f->loc);
  fputs(",\n", o);
  sc_indent(o, ind + 1);
  fputs("\"type\": ", o);
  sc_json_type(o, f->type, ind + 1, 0);
  fputs(",\n", o);
  sc_indent(o, ind + 1);
  fputs("\"type_text\": ", o);
  sc_json_str(o, sc_type_str(f->type));
  fputs(",\n", o);
  sc_indent(o, ind + 1);
  fprintf(o, "\"required\": %s", f->dflt ? "false" : "true");
  if (f->dflt) {
    /* the value goes through a buffer: a non-literal default prints nothing */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    bool lit = m && sc_json_value(m, f->dflt, 0);
    if (m) fclose(m);
    if (lit) {
      fputs(",\n", o);
      sc_indent(o, ind + 1);
      fputs("\"default\": ", o);
      fwrite(buf, 1, len, o);
    }
    free(buf);
    fputs(",\n", o);
    sc_indent(o, ind + 1);
    fputs("\"default_source\": ", o);
    sc_json_str(o, f->dflt_src);
  }
  fputc('\n', o);
  sc_indent(o, ind);
  fputc('}', o);
}

static void sc_export_items(FILE *o, const sc_model *m, ast_decl_kind kind, const char *key) {
  fprintf(o, "  \"%s\": [", key);
  int n = 0;
  for (int i = 0; i < m->nitems; i++) {
    const sc_item *it = m->items[i];
    if (it->kind != kind) continue;
    fputs(n++ ? ",\n    {\n" : "\n    {\n", o);
    fputs("      \"name\": ", o);
    sc_json_str(o, it->name);
    fputs(",\n      \"doc\": ", o);
    sc_json_str(o, it->doc);
    fputs(",\n      \"location\": ", o);
    sc_json_loc(o, it->loc);
    if (kind == DECL_ENUM) {
      fputs(",\n      \"variants\": [", o);
      for (int v = 0; v < it->nfields; v++) {
        fputs(v ? ",\n        " : "\n        ", o);
        fputs("{\"name\": ", o);
        sc_json_str(o, it->fields[v].name);
        fprintf(o, ", \"index\": %d, \"location\": ", v);
        sc_json_loc(o, it->fields[v].loc);
        fputc('}', o);
      }
    } else {
      fputs(",\n      \"fields\": [", o);
      for (int f = 0; f < it->nfields; f++) {
        fputs(f ? ",\n" : "\n", o);
        sc_export_field(o, &it->fields[f], 4);
      }
    }
    fputs(it->nfields ? "\n      ]\n    }" : "]\n    }", o);
  }
  fputs(n ? "\n  ]" : "]", o);
}

static void sc_export(FILE *o, const sc_model *m) {
  fputs("{\n"
        "  \"schema_version\": 1,\n"
        "  \"header\": [\n"
        "    {\"name\": \"id\", \"type\": {\"kind\": \"primitive\", \"name\": \"uuid\"}, "
        "\"type_text\": \"uuid\", \"required\": false, \"generated\": true},\n"
        "    {\"name\": \"priority\", \"type\": {\"kind\": \"primitive\", \"name\": \"u8\"}, "
        "\"type_text\": \"u8\", \"required\": false, \"default\": 128, \"default_source\": \"128\"},\n"
        "    {\"name\": \"correlation\", \"type\": {\"kind\": \"optional\", \"elem\": "
        "{\"kind\": \"primitive\", \"name\": \"uuid\"}}, \"type_text\": \"uuid?\", "
        "\"required\": false, \"default\": null, \"default_source\": \"nil\"}\n"
        "  ],\n",
        o);
  sc_export_items(o, m, DECL_MESSAGE, "messages");
  fputs(",\n", o);
  sc_export_items(o, m, DECL_STRUCT, "structs");
  fputs(",\n", o);
  sc_export_items(o, m, DECL_ENUM, "enums");
  fputs("\n}\n", o);
}

/* ------------------------------------------------------------ rules */

typedef enum { SEV_INFO, SEV_WARNING, SEV_ERROR } sc_sev;

typedef struct sc_rule {
  const char *id;
  const char *slug;
  sc_sev sev;
} sc_rule;

enum {
  R_DECL_REMOVED, R_DECL_ADDED, R_FIELD_REMOVED, R_FIELD_RENAMED, R_FIELD_ADDED_REQUIRED,
  R_FIELD_ADDED, R_DEFAULT_REMOVED, R_DEFAULT_ADDED, R_TYPE_CHANGED, R_TYPE_WIDENED,
  R_VARIANT_REMOVED, R_VARIANT_ADDED, R_DEFAULT_CHANGED, R_DECL_RENAMED, R_KIND_CHANGED
};

static const sc_rule sc_rules[] = {
  { "S0001", "message-removed", SEV_ERROR },
  { "S0002", "message-added", SEV_INFO },
  { "S0003", "field-removed", SEV_ERROR },
  { "S0004", "field-renamed", SEV_ERROR },
  { "S0005", "required-field-added", SEV_ERROR },
  { "S0006", "field-added", SEV_INFO },
  { "S0007", "default-removed", SEV_ERROR },
  { "S0008", "default-added", SEV_INFO },
  { "S0009", "type-changed", SEV_ERROR },
  { "S0010", "type-widened", SEV_INFO },
  { "S0011", "variant-removed", SEV_ERROR },
  { "S0012", "variant-added", SEV_ERROR },
  { "S0013", "default-changed", SEV_WARNING },
  { "S0014", "message-renamed", SEV_ERROR },
  { "S0015", "kind-changed", SEV_ERROR },
};

typedef struct sc_finding {
  int rule;
  const char *decl;        /* message/struct/enum name (the old one when renamed) */
  const char *decl_kind;
  const char *field;       /* NULL for message-level findings */
  const char *text;
  const char *old_note;    /* the note printed at the old location */
  sc_loc old_loc, new_loc;
} sc_finding;

typedef struct sc_findings {
  sc_finding *v;
  int n, cap;
} sc_findings;

static const char *sc_kind_word(ast_decl_kind k) {
  return k == DECL_STRUCT ? "struct" : k == DECL_ENUM ? "enum" : "message";
}

static sc_finding *sc_add(sc_findings *fs, int rule, const sc_item *it, const char *field,
                          sc_loc old_loc, sc_loc new_loc) {
  if (fs->n == fs->cap) {
    fs->cap = fs->cap ? fs->cap * 2 : 16;
    sc_finding *n = arena_alloc(sc_arena, sizeof *n * (size_t)fs->cap);
    if (fs->n) memcpy(n, fs->v, sizeof *n * (size_t)fs->n);
    fs->v = n;
  }
  sc_finding *f = &fs->v[fs->n++];
  memset(f, 0, sizeof *f);
  f->rule = rule;
  f->decl = it->name;
  f->decl_kind = sc_kind_word(it->kind);
  f->field = field;
  f->old_loc = old_loc;
  f->new_loc = new_loc;
  return f;
}

static const sc_loc sc_noloc = { NULL, 0, 0 };

static sc_field *sc_field_named(const sc_item *it, const char *name) {
  for (int i = 0; i < it->nfields; i++)
    if (strcmp(it->fields[i].name, name) == 0) return &it->fields[i];
  return NULL;
}

/* Same field list (names, types, defaults): a renamed message. */
static bool sc_same_shape(const sc_item *a, const sc_item *b) {
  if (a->kind != b->kind || a->nfields != b->nfields) return false;
  for (int i = 0; i < a->nfields; i++) {
    const sc_field *x = &a->fields[i], *y = &b->fields[i];
    if (strcmp(x->name, y->name) != 0) return false;
    if (a->kind == DECL_ENUM) continue;
    if (sc_type_compat(x->type, y->type, 0) != SC_SAME) return false;
    if ((x->dflt == NULL) != (y->dflt == NULL)) return false;
  }
  return true;
}

static void sc_compare_enum(sc_findings *fs, sc_item *o, sc_item *n) {
  const char *k = "enum";
  for (int i = 0; i < o->nfields; i++) {
    sc_field *of = &o->fields[i];
    sc_field *nf = sc_field_named(n, of->name);
    if (nf) continue;
    sc_finding *f = sc_add(fs, R_VARIANT_REMOVED, o, of->name, of->loc, n->loc);
    f->text = arena_sprintf(sc_arena, "variant `%s` of %s `%s` was removed", of->name, k, o->name);
    f->old_note = arena_sprintf(sc_arena, "`%s` was declared here; old writers may still send it", of->name);
  }
  for (int i = 0; i < n->nfields; i++) {
    sc_field *nf = &n->fields[i];
    if (sc_field_named(o, nf->name)) continue;
    sc_finding *f = sc_add(fs, R_VARIANT_ADDED, o, nf->name, o->loc, nf->loc);
    f->text = arena_sprintf(sc_arena, "variant `%s` was added to %s `%s`; old readers cannot decode it",
                            nf->name, k, o->name);
    f->old_note = arena_sprintf(sc_arena, "`%s` had no variant `%s` here", o->name, nf->name);
  }
}

static void sc_compare_fields(sc_findings *fs, sc_item *o, sc_item *n) {
  const char *k = sc_kind_word(o->kind);
  for (int i = 0; i < o->nfields; i++) o->fields[i].matched = false;
  for (int i = 0; i < n->nfields; i++) n->fields[i].matched = false;
  /* fields present on both sides, in old declaration order */
  for (int i = 0; i < o->nfields; i++) {
    sc_field *of = &o->fields[i];
    sc_field *nf = sc_field_named(n, of->name);
    if (!nf) continue;
    of->matched = nf->matched = true;
    sc_compat c = sc_type_compat(of->type, nf->type, 0);
    const char *ot = sc_type_str(of->type), *nt = sc_type_str(nf->type);
    if (c == SC_BREAK) {
      sc_finding *f = sc_add(fs, R_TYPE_CHANGED, o, of->name, of->loc, nf->loc);
      f->text = arena_sprintf(sc_arena, "field `%s` of `%s` changed type from `%s` to `%s`, which "
                              "cannot hold every old value", of->name, o->name, ot, nt);
      f->old_note = arena_sprintf(sc_arena, "`%s` was `%s` here", of->name, ot);
    } else if (c == SC_WIDEN) {
      sc_finding *f = sc_add(fs, R_TYPE_WIDENED, o, of->name, of->loc, nf->loc);
      f->text = arena_sprintf(sc_arena, "field `%s` of `%s` widened from `%s` to `%s`",
                              of->name, o->name, ot, nt);
      f->old_note = arena_sprintf(sc_arena, "`%s` was `%s` here", of->name, ot);
    }
    if (of->dflt && !nf->dflt) {
      sc_finding *f = sc_add(fs, R_DEFAULT_REMOVED, o, of->name, of->loc, nf->loc);
      f->text = arena_sprintf(sc_arena, "field `%s` of `%s` lost its default `%s` and is now required",
                              of->name, o->name, of->dflt_src);
      f->old_note = arena_sprintf(sc_arena, "the default was `%s` here", of->dflt_src);
    } else if (!of->dflt && nf->dflt) {
      sc_finding *f = sc_add(fs, R_DEFAULT_ADDED, o, of->name, of->loc, nf->loc);
      f->text = arena_sprintf(sc_arena, "field `%s` of `%s` gained the default `%s`",
                              of->name, o->name, nf->dflt_src);
      f->old_note = arena_sprintf(sc_arena, "`%s` was required here", of->name);
    } else if (of->dflt && nf->dflt && strcmp(of->dflt_src, nf->dflt_src) != 0) {
      sc_finding *f = sc_add(fs, R_DEFAULT_CHANGED, o, of->name, of->loc, nf->loc);
      f->text = arena_sprintf(sc_arena, "default of field `%s` of `%s` changed from `%s` to `%s`",
                              of->name, o->name, of->dflt_src, nf->dflt_src);
      f->old_note = arena_sprintf(sc_arena, "the default was `%s` here", of->dflt_src);
    }
  }
  /* removed fields: a probable rename when an added field of the same type
   * sits at the same position */
  for (int i = 0; i < o->nfields; i++) {
    sc_field *of = &o->fields[i];
    if (of->matched) continue;
    sc_field *nf = i < n->nfields ? &n->fields[i] : NULL;
    if (nf && !nf->matched && sc_type_compat(of->type, nf->type, 0) == SC_SAME) {
      of->matched = nf->matched = true;
      sc_finding *f = sc_add(fs, R_FIELD_RENAMED, o, of->name, of->loc, nf->loc);
      f->text = arena_sprintf(sc_arena, "field `%s` of `%s` was probably renamed to `%s`; "
                              "the wire format keys fields by name", of->name, o->name, nf->name);
      f->old_note = arena_sprintf(sc_arena, "`%s` was declared here", of->name);
      continue;
    }
    sc_finding *f = sc_add(fs, R_FIELD_REMOVED, o, of->name, of->loc, n->loc);
    f->text = arena_sprintf(sc_arena, "field `%s` of `%s` was removed", of->name, o->name);
    f->old_note = arena_sprintf(sc_arena, "`%s` was declared here", of->name);
  }
  for (int i = 0; i < n->nfields; i++) {
    sc_field *nf = &n->fields[i];
    if (nf->matched) continue;
    if (nf->dflt) {
      sc_finding *f = sc_add(fs, R_FIELD_ADDED, o, nf->name, o->loc, nf->loc);
      f->text = arena_sprintf(sc_arena, "field `%s` with default `%s` was added to %s `%s`",
                              nf->name, nf->dflt_src, k, o->name);
      f->old_note = arena_sprintf(sc_arena, "`%s` had no field `%s` here", o->name, nf->name);
    } else {
      sc_finding *f = sc_add(fs, R_FIELD_ADDED_REQUIRED, o, nf->name, o->loc, nf->loc);
      f->text = arena_sprintf(sc_arena, "required field `%s` (no default) was added to %s `%s`",
                              nf->name, k, o->name);
      f->old_note = arena_sprintf(sc_arena, "`%s` had no field `%s` here; old writers never send it",
                                  o->name, nf->name);
    }
  }
}

static void sc_compare(sc_findings *fs, sc_model *om, sc_model *nm) {
  for (int i = 0; i < om->nitems; i++) om->items[i]->matched = false;
  for (int i = 0; i < nm->nitems; i++) nm->items[i]->matched = false;
  for (int i = 0; i < om->nitems; i++) {
    sc_item *o = om->items[i];
    sc_item *n = sc_find(nm, o->name);
    if (!n) continue;
    o->matched = n->matched = true;
    if (o->kind != n->kind) {
      sc_finding *f = sc_add(fs, R_KIND_CHANGED, o, NULL, o->loc, n->loc);
      f->text = arena_sprintf(sc_arena, "`%s` changed from a %s to a %s", o->name,
                              sc_kind_word(o->kind), sc_kind_word(n->kind));
      f->old_note = arena_sprintf(sc_arena, "`%s` was a %s here", o->name, sc_kind_word(o->kind));
      continue;
    }
    if (o->kind == DECL_ENUM) sc_compare_enum(fs, o, n);
    else sc_compare_fields(fs, o, n);
  }
  for (int i = 0; i < om->nitems; i++) {
    sc_item *o = om->items[i];
    if (o->matched) continue;
    sc_item *ren = NULL;
    for (int j = 0; j < nm->nitems && !ren; j++)
      if (!nm->items[j]->matched && sc_same_shape(o, nm->items[j])) ren = nm->items[j];
    if (ren) {
      o->matched = ren->matched = true;
      sc_finding *f = sc_add(fs, R_DECL_RENAMED, o, NULL, o->loc, ren->loc);
      f->text = arena_sprintf(sc_arena, "%s `%s` was probably renamed to `%s`; peers address "
                              "messages by name", sc_kind_word(o->kind), o->name, ren->name);
      f->old_note = arena_sprintf(sc_arena, "`%s` was declared here", o->name);
      continue;
    }
    sc_finding *f = sc_add(fs, R_DECL_REMOVED, o, NULL, o->loc, sc_noloc);
    f->text = arena_sprintf(sc_arena, "%s `%s` was removed", sc_kind_word(o->kind), o->name);
    f->old_note = NULL;
  }
  for (int i = 0; i < nm->nitems; i++) {
    sc_item *n = nm->items[i];
    if (n->matched) continue;
    sc_finding *f = sc_add(fs, R_DECL_ADDED, n, NULL, sc_noloc, n->loc);
    f->text = arena_sprintf(sc_arena, "%s `%s` was added", sc_kind_word(n->kind), n->name);
  }
}

/* ------------------------------------------------------------ report */

static const char *const sc_sev_word[] = { "info", "warning", "error" };

static void sc_print_text(FILE *o, const sc_findings *fs, int nerr, int nwarn, int ninfo) {
  for (int i = 0; i < fs->n; i++) {
    const sc_finding *f = &fs->v[i];
    const sc_rule *r = &sc_rules[f->rule];
    sc_loc p = f->new_loc.file ? f->new_loc : f->old_loc;
    fprintf(o, "%s:%u:%u: %s[%s]: %s\n", p.file, p.line, p.col, sc_sev_word[r->sev], r->id, f->text);
    if (f->new_loc.file && f->old_loc.file && f->old_note)
      fprintf(o, "%s:%u:%u: note: %s\n", f->old_loc.file, f->old_loc.line, f->old_loc.col,
              f->old_note);
    else if (!f->new_loc.file)
      fprintf(o, "note: no declaration of `%s` in the new schema\n", f->decl);
    else if (!f->old_loc.file)
      fprintf(o, "note: no declaration of `%s` in the old schema\n", f->decl);
  }
  fprintf(o, "schema check: %d breaking, %d warning%s, %d compatible change%s\n", nerr, nwarn,
          nwarn == 1 ? "" : "s", ninfo, ninfo == 1 ? "" : "s");
}

static void sc_print_json(FILE *o, const sc_findings *fs, int nerr, int nwarn, int ninfo) {
  fputs("{\n  \"schema_version\": 1,\n  \"findings\": [", o);
  for (int i = 0; i < fs->n; i++) {
    const sc_finding *f = &fs->v[i];
    const sc_rule *r = &sc_rules[f->rule];
    fputs(i ? ",\n    {\n" : "\n    {\n", o);
    fprintf(o, "      \"rule\": \"%s\",\n      \"name\": \"%s\",\n      \"severity\": \"%s\",\n"
               "      \"breaking\": %s,\n      \"decl\": ",
            r->id, r->slug, sc_sev_word[r->sev], r->sev == SEV_ERROR ? "true" : "false");
    sc_json_str(o, f->decl);
    fprintf(o, ",\n      \"decl_kind\": \"%s\",\n      \"field\": ", f->decl_kind);
    sc_json_str(o, f->field);
    fputs(",\n      \"message\": ", o);
    sc_json_str(o, f->text);
    fputs(",\n      \"old\": ", o);
    sc_json_loc(o, f->old_loc);
    fputs(",\n      \"new\": ", o);
    sc_json_loc(o, f->new_loc);
    fputs("\n    }", o);
  }
  fputs(fs->n ? "\n  ],\n" : "],\n", o);
  fprintf(o, "  \"summary\": {\"breaking\": %d, \"warnings\": %d, \"compatible\": %d, "
             "\"ok\": %s}\n}\n", nerr, nwarn, ninfo, nerr ? "false" : "true");
}

/* GitHub workflow-command escaping: data (%, CR, LF) and properties (also : ,). */
static void sc_gh_escape(FILE *o, const char *s, bool prop) {
  for (; *s; s++) {
    if (*s == '%') fputs("%25", o);
    else if (*s == '\r') fputs("%0D", o);
    else if (*s == '\n') fputs("%0A", o);
    else if (prop && *s == ':') fputs("%3A", o);
    else if (prop && *s == ',') fputs("%2C", o);
    else fputc(*s, o);
  }
}

static void sc_print_github(FILE *o, const sc_findings *fs, int nerr, int nwarn, int ninfo) {
  static const char *const level[] = { "notice", "warning", "error" };
  for (int i = 0; i < fs->n; i++) {
    const sc_finding *f = &fs->v[i];
    const sc_rule *r = &sc_rules[f->rule];
    sc_loc p = f->new_loc.file ? f->new_loc : f->old_loc;
    fprintf(o, "::%s file=", level[r->sev]);
    sc_gh_escape(o, p.file, true);
    fprintf(o, ",line=%u,col=%u,title=", p.line, p.col);
    char *title = arena_sprintf(sc_arena, "%s %s", r->id, r->slug);
    sc_gh_escape(o, title, true);
    fputs("::", o);
    sc_gh_escape(o, f->text, false);
    if (f->old_loc.file && f->new_loc.file) {
      char *was = arena_sprintf(sc_arena, " (old: %s:%u:%u)", f->old_loc.file,
                                f->old_loc.line, f->old_loc.col);
      sc_gh_escape(o, was, false);
    }
    fputc('\n', o);
  }
  fprintf(o, "schema check: %d breaking, %d warning%s, %d compatible change%s\n", nerr, nwarn,
          nwarn == 1 ? "" : "s", ninfo, ninfo == 1 ? "" : "s");
}

/* ------------------------------------------------------------ commands */

static int sc_usage(const char *fmt, const char *arg) {
  fputs("actorc: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\nusage: actorc schema export PATH [--format=json]\n"
        "       actorc schema check --against OLD NEW [--format=text|json|github]\n",
        stderr);
  return 2;
}

/* Options shared by both subcommands; returns 0 or an exit code. */
static int sc_common_opt(const char *a, ac_options *opt) {
  if (strncmp(a, "--stdlib=", 9) == 0) {
    opt->stdlib_dir = a + 9;
    return 0;
  }
  if (strncmp(a, "--diag-format=", 14) == 0) {
    const char *f = a + 14;
    if (strcmp(f, "human") == 0) opt->diag_format = DIAG_FMT_HUMAN;
    else if (strcmp(f, "plain") == 0) opt->diag_format = DIAG_FMT_PLAIN;
    else if (strcmp(f, "json") == 0) opt->diag_format = DIAG_FMT_JSON;
    else return sc_usage("unknown diagnostic format in `%s`", a);
    return 0;
  }
  if (strncmp(a, "--color=", 8) == 0) {
    const char *c = a + 8;
    if (strcmp(c, "never") == 0) opt->color = DIAG_COLOR_NEVER;
    else if (strcmp(c, "always") == 0) opt->color = DIAG_COLOR_ALWAYS;
    else if (strcmp(c, "auto") == 0) opt->color = DIAG_COLOR_AUTO;
    else return sc_usage("unknown colour mode in `%s`", a);
    return 0;
  }
  return sc_usage("unknown option `%s`", a);
}

static int sc_export_cmd(int argc, char **argv, ac_options *opt) {
  const char *path = NULL;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--format=json") == 0) continue;
    if (strncmp(a, "--format=", 9) == 0) return sc_usage("unknown export format in `%s` (json)", a);
    if (a[0] == '-' && a[1]) {
      int rc = sc_common_opt(a, opt);
      if (rc) return rc;
      continue;
    }
    if (path) return sc_usage("`schema export` takes one file or folder (extra `%s`)", a);
    path = a;
  }
  if (!path) return sc_usage("`schema export` needs a file or folder%s", "");
  sc_model m = {0};
  int rc = sc_load(&m, path, opt);
  if (rc == 0) sc_export(stdout, &m);
  fflush(stdout);
  sc_unload(&m);
  return rc;
}

static int sc_check_cmd(int argc, char **argv, ac_options *opt) {
  const char *old_path = NULL, *new_path = NULL;
  int fmt = 0; /* 0 text, 1 json, 2 github */
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--against") == 0) {
      if (i + 1 >= argc) return sc_usage("`--against` needs the old file or folder%s", "");
      if (old_path) return sc_usage("`--against` given twice%s", "");
      old_path = argv[++i];
    } else if (strncmp(a, "--against=", 10) == 0) {
      if (old_path) return sc_usage("`--against` given twice%s", "");
      old_path = a + 10;
    } else if (strncmp(a, "--format=", 9) == 0) {
      const char *f = a + 9;
      if (strcmp(f, "text") == 0) fmt = 0;
      else if (strcmp(f, "json") == 0) fmt = 1;
      else if (strcmp(f, "github") == 0) fmt = 2;
      else return sc_usage("unknown format in `%s` (text, json, github)", a);
    } else if (a[0] == '-' && a[1]) {
      int rc = sc_common_opt(a, opt);
      if (rc) return rc;
    } else if (!new_path) {
      new_path = a;
    } else {
      return sc_usage("`schema check` takes one new file or folder (extra `%s`)", a);
    }
  }
  if (!old_path) return sc_usage("`schema check` needs `--against OLD`%s", "");
  if (!new_path) return sc_usage("`schema check` needs the new file or folder%s", "");
  sc_model om = {0}, nm = {0};
  int rc = sc_load(&om, old_path, opt);
  int rc2 = sc_load(&nm, new_path, opt);
  if (rc || rc2) {
    fprintf(stderr, "actorc: schema check: the %s input cannot be used\n",
            rc && rc2 ? "old and the new" : rc ? "old" : "new");
    sc_unload(&om);
    sc_unload(&nm);
    return 2;
  }
  sc_findings fs = {0};
  sc_compare(&fs, &om, &nm);
  int nerr = 0, nwarn = 0, ninfo = 0;
  for (int i = 0; i < fs.n; i++) {
    sc_sev s = sc_rules[fs.v[i].rule].sev;
    if (s == SEV_ERROR) nerr++;
    else if (s == SEV_WARNING) nwarn++;
    else ninfo++;
  }
  if (fmt == 0) sc_print_text(stdout, &fs, nerr, nwarn, ninfo);
  else if (fmt == 1) sc_print_json(stdout, &fs, nerr, nwarn, ninfo);
  else sc_print_github(stdout, &fs, nerr, nwarn, ninfo);
  fflush(stdout);
  sc_unload(&om);
  sc_unload(&nm);
  return nerr ? 1 : 0;
}

int ac_schema_main(int argc, char **argv) {
  if (argc < 1) return sc_usage("`schema` needs `export` or `check`%s", "");
  ac_options opt;
  memset(&opt, 0, sizeof opt);
  opt.dump_after = -1;
  opt.stop_after = -1;
  sc_arena = arena_new();
  int rc;
  if (strcmp(argv[0], "export") == 0) rc = sc_export_cmd(argc - 1, argv + 1, &opt);
  else if (strcmp(argv[0], "check") == 0) rc = sc_check_cmd(argc - 1, argv + 1, &opt);
  else if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
    fputs("usage: actorc schema export PATH [--format=json]\n"
          "       actorc schema check --against OLD NEW [--format=text|json|github]\n"
          "PATH, OLD, NEW: an .actor file or a folder (every .actor inside, recursively)\n"
          "check exit status: 0 compatible, 1 breaking, 2 usage error or unusable input\n"
          "see docs/schema.md for the JSON format and the rules S0001-S0015\n",
          stdout);
    rc = 0;
  } else rc = sc_usage("unknown schema command `%s` (export, check)", argv[0]);
  arena_free(sc_arena);
  sc_arena = NULL;
  return rc;
}
