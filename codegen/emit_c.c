/* emit_c.c — phase 7a (passes.h): the C translation unit for a checked,
 * lowered program.  This file holds the program skeleton, the C
 * representation of every type with its helpers (drop/share/copy/format),
 * messages, actor types and supervisors; emit_c_expr.c / emit_c_stmt.c
 * emit expressions and statements, emit_c_check.c reports what is not
 * supported (emit_c.h).  Representation rules: docs/backend.md.  Mechanism only:
 * what to emit comes from lower (compiler/ir.h); nothing here decides.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c.h"

/* ------------------------------------------------------------ text */

static void ec_buf_open(ec_buf *b) {
  b->p = NULL;
  b->n = 0;
  b->f = open_memstream(&b->p, &b->n);
  if (!b->f)
    AC_ICE("open_memstream failed");
}

static void ec_buf_close(ec_buf *b, FILE *out) {
  fclose(b->f);
  if (out && b->n)
    fwrite(b->p, 1, b->n, out);
  free(b->p);
}

char *ec_printf(ec *E, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[512];
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  char *s = arena_alloc(E->cx->perm, (size_t)n + 1);
  if ((size_t)n < sizeof tmp)
    memcpy(s, tmp, (size_t)n + 1);
  else
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return s;
}

void ec_line(ec *E, const char *fmt, ...) {
  for (int i = 0; i < E->ind; i++)
    fputs("  ", E->b);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(E->b, fmt, ap);
  va_end(ap);
  fputc('\n', E->b);
}

const char *ec_loc(ec *E, span sp) {
  uint32_t line, col;
  source_line_col(E->cx, sp.file, sp.off, &line, &col);
  const source_file *f = source_get(E->cx, sp.file);
  return ec_printf(E, "%s:%u", f ? f->path : "?", line);
}

void ec_unsupported(ec *E, span sp, const char *what) {
  diag *d = diag_error(E->cx, sp, "E0601",
                       "%s is not supported by the C backend yet", what);
  diag_label(d, "not supported yet");
  diag_note_plain(d, "`actorc check` accepts this program; only code "
                     "generation is missing (docs/backend.md lists what runs)");
  diag_end(d);
  E->failed = true;
}

/* ------------------------------------------------------------ types */

type *ec_strip(type *t) {
  for (int g = 0; t && g < 16 && (t->kind == TY_VAL || t->kind == TY_BORROW);
       g++)
    t = t->elem;
  return t;
}

bool ec_is_ptr(type *t) {
  t = ec_strip(t);
  if (!t)
    return false;
  switch (t->kind) {
  case TY_STR:
  case TY_LIST:
  case TY_BYTES:
  case TY_MAP:
  case TY_MESSAGE:
  case TY_ACTOR:
  case TY_SUPERVISOR:
  case TY_BUF:
  case TY_CHAN: return true;
  default: return false;
  }
}

static type *ec_field_ty(ast_field *f) {
  return f->sym && f->sym->ty ? f->sym->ty : f->type ? f->type->ty : NULL;
}

bool ec_needs_drop(type *t) {
  t = ec_strip(t);
  if (!t)
    return false;
  switch (t->kind) {
  case TY_STR:
  case TY_LIST:
  case TY_BYTES:
  case TY_MAP:
  case TY_MESSAGE:
  case TY_ACTOR:
  case TY_SUPERVISOR:
  case TY_CHAN:
  case TY_BUF:
  case TY_ASK: return true;
  case TY_OPT: return ec_needs_drop(t->elem);
  case TY_TUPLE:
    for (uint32_t i = 0; i < t->nitems; i++)
      if (ec_needs_drop(t->items[i]))
        return true;
    return false;
  case TY_STRUCT:
    for (uint32_t i = 0; i < t->decl->u.record.fields.len; i++)
      if (ec_needs_drop(ec_field_ty(t->decl->u.record.fields.items[i])))
        return true;
    return false;
  default: return false;
  }
}

const char *ec_msg_name(ast_decl *m) { return m->name.name; }

const char *ec_id(ec *E, const char *name) { return lower_cident(E->cx, name); }

const char *ec_mangle(ec *E, type *t) {
  t = ec_strip(t);
  switch (t->kind) {
  case TY_UNIT: return "unit";
  case TY_BOOL: return "bool";
  case TY_I8: return "i8";
  case TY_I16: return "i16";
  case TY_I32: return "i32";
  case TY_I64: return "i64";
  case TY_U8: return "u8";
  case TY_U16: return "u16";
  case TY_U32: return "u32";
  case TY_U64: return "u64";
  case TY_F32: return "f32";
  case TY_F64: return "f64";
  case TY_STR: return "str";
  case TY_DURATION: return "duration";
  case TY_TIME: return "time";
  case TY_UUID: return "uuid";
  case TY_BYTES: return "bytes";
  case TY_LIST: return ec_printf(E, "list_%s", ec_mangle(E, t->elem));
  case TY_MAP:
    return ec_printf(E, "map_%s_%s", ec_mangle(E, t->key), ec_mangle(E, t->elem));
  case TY_OPT: return ec_printf(E, "opt_%s", ec_mangle(E, t->elem));
  case TY_TUPLE: {
    const char *s = "tup";
    for (uint32_t i = 0; i < t->nitems; i++)
      s = ec_printf(E, "%s_%s", s, ec_mangle(E, t->items[i]));
    return s;
  }
  case TY_MESSAGE:
  case TY_STRUCT:
  case TY_ENUM:
  case TY_SUPERVISOR:
  case TY_ACTOR: return t->decl->name.name;
  case TY_CHAN: return ec_printf(E, "chan_%s", ec_mangle(E, t->elem));
  case TY_BUF: return ec_printf(E, "buf_%s", ec_mangle(E, t->elem));
  case TY_ASK: return ec_printf(E, "askres_%s", ec_mangle(E, t->elem));
  default: return ec_printf(E, "t%u", t->id);
  }
}

const char *ec_ctype(ec *E, type *t) {
  t = ec_strip(t);
  if (!t)
    return "void";
  switch (t->kind) {
  case TY_UNIT: return "void";
  case TY_BOOL: return "bool";
  case TY_I8: return "int8_t";
  case TY_I16: return "int16_t";
  case TY_I32: return "int32_t";
  case TY_I64: return "int64_t";
  case TY_U8: return "uint8_t";
  case TY_U16: return "uint16_t";
  case TY_U32: return "uint32_t";
  case TY_U64: return "uint64_t";
  case TY_F32: return "float";
  case TY_F64: return "double";
  case TY_DURATION:
  case TY_TIME: return "int64_t";
  case TY_UUID: return "ar_uuid";
  case TY_STR: return "ar_str *";
  case TY_LIST:
  case TY_BYTES: return "ar_list *"; /* bytes: a list of u8 */
  case TY_MAP: return "ar_map *";
  case TY_MESSAGE: return "ar_msg *";
  case TY_ACTOR:
  case TY_SUPERVISOR: return "ar_actor *";
  case TY_CHAN: return "ar_chan *";
  case TY_BUF: return "ar_buf *";
  case TY_ENUM: return "int32_t";
  case TY_ASK: return "ar_askres";
  case TY_OPT:
    if (ec_is_ptr(t->elem))
      return ec_ctype(E, t->elem);
    ec_need(E, t);
    return ec_printf(E, "ag_%s", ec_mangle(E, t));
  case TY_STRUCT:
  case TY_TUPLE:
    ec_need(E, t);
    return ec_printf(E, "ag_%s", ec_mangle(E, t));
  default: return "int64_t";
  }
}

static const char *ec_scalar_vt(type *t) {
  switch (t->kind) {
  case TY_BOOL: return "&ar_vt_bool";
  case TY_I8: return "&ar_vt_i8";
  case TY_I16: return "&ar_vt_i16";
  case TY_I32: return "&ar_vt_i32";
  case TY_I64:
  case TY_DURATION:
  case TY_TIME: return "&ar_vt_i64";
  case TY_U8: return "&ar_vt_u8";
  case TY_U16: return "&ar_vt_u16";
  case TY_U32: return "&ar_vt_u32";
  case TY_U64: return "&ar_vt_u64";
  case TY_F32: return "&ar_vt_f32";
  case TY_F64: return "&ar_vt_f64";
  case TY_STR: return "&ar_vt_str";
  case TY_LIST:
  case TY_BYTES: return "&ar_vt_list";
  case TY_MAP: return "&ar_vt_map";
  case TY_ACTOR:
  case TY_SUPERVISOR: return "&ar_vt_actor";
  case TY_CHAN: return "&ag_vt_chan";
  case TY_BUF: return "&ag_vt_buf";
  default: return NULL;
  }
}

/* Does t get generated helpers (ag_drop_M, ag_vt_M ...)? */
static bool ec_composite(type *t) {
  t = ec_strip(t);
  return t->kind == TY_STRUCT || t->kind == TY_TUPLE || t->kind == TY_ENUM ||
         t->kind == TY_MESSAGE || t->kind == TY_ASK ||
         (t->kind == TY_OPT);
}

static void ec_need_vt(ec *E, type *t);

const char *ec_vt(ec *E, type *t) {
  t = ec_strip(t);
  const char *s = ec_scalar_vt(t);
  if (s)
    return s;
  ec_need_vt(E, t);
  return ec_printf(E, "&ag_vt_%s", ec_mangle(E, t));
}

const char *ec_drop(ec *E, type *t, const char *place) {
  t = ec_strip(t);
  switch (t->kind) {
  case TY_STR: return ec_printf(E, "ar_str_release(%s)", place);
  case TY_LIST:
  case TY_BYTES: return ec_printf(E, "ar_list_release(%s)", place);
  case TY_MAP: return ec_printf(E, "ar_map_release(%s)", place);
  case TY_ACTOR:
  case TY_SUPERVISOR: return ec_printf(E, "ar_ref_release(%s)", place);
  case TY_CHAN: return ec_printf(E, "ag_chan_release(%s)", place);
  case TY_BUF: return ec_printf(E, "ar_buf_release(%s)", place);
  default:
    if (!ec_needs_drop(t))
      return "(void)0";
    ec_need(E, t);
    return ec_printf(E, "ag_drop_%s(&%s)", ec_mangle(E, t), place);
  }
}

const char *ec_share(ec *E, type *t, const char *v) {
  t = ec_strip(t);
  switch (t->kind) {
  case TY_STR: return ec_printf(E, "ar_str_retain(%s)", v);
  case TY_LIST:
  case TY_BYTES: return ec_printf(E, "ar_list_retain(%s)", v);
  case TY_MAP: return ec_printf(E, "ar_map_retain(%s)", v);
  case TY_ACTOR:
  case TY_SUPERVISOR: return ec_printf(E, "ar_ref_retain(%s)", v);
  case TY_CHAN: return ec_printf(E, "ag_chan_retain(%s)", v);
  case TY_BUF: return ec_printf(E, "ar_buf_retain(%s)", v);
  default:
    if (!ec_needs_drop(t))
      return v;
    ec_need(E, t);
    return ec_printf(E, "ag_share_%s(%s)", ec_mangle(E, t), v);
  }
}

const char *ec_deep(ec *E, type *t, const char *v) {
  t = ec_strip(t);
  switch (t->kind) {
  case TY_LIST:
  case TY_BYTES: return ec_printf(E, "ar_list_copy(%s)", v);
  case TY_MAP: return ec_printf(E, "ar_map_copy(%s)", v);
  case TY_BUF: return ec_printf(E, "ag_buf_copy(%s)", v);
  default:
    if (!ec_needs_drop(t))
      return v;
    if (!ec_composite(t))
      return ec_share(E, t, v);
    ec_need(E, t);
    return ec_printf(E, "ag_deep_%s(%s)", ec_mangle(E, t), v);
  }
}

const char *ec_fmt(ec *E, type *t, const char *v) {
  t = ec_strip(t);
  switch (t->kind) {
  case TY_BOOL: return ec_printf(E, "ar_fmt_bool(%s)", v);
  case TY_I8:
  case TY_I16:
  case TY_I32:
  case TY_I64:
  case TY_TIME: return ec_printf(E, "ar_fmt_i64((int64_t)(%s))", v);
  case TY_U8:
  case TY_U16:
  case TY_U32:
  case TY_U64: return ec_printf(E, "ar_fmt_u64((uint64_t)(%s))", v);
  case TY_F32:
  case TY_F64: return ec_printf(E, "ar_fmt_f64((double)(%s))", v);
  case TY_DURATION: return ec_printf(E, "ar_fmt_duration(%s)", v);
  case TY_UUID: return ec_printf(E, "ag_fmt_uuid(%s)", v);
  case TY_STR: return ec_printf(E, "ar_fmt_str(%s)", v);
  case TY_ACTOR:
  case TY_SUPERVISOR: return ec_printf(E, "ar_fmt_actor(%s)", v);
  case TY_CHAN: return ec_printf(E, "((void)(%s), ar_fmt_cstr(\"<chan>\", 6))", v);
  case TY_BUF: return ec_printf(E, "ag_fmt_buf(%s)", v);
  case TY_LIST:
  case TY_BYTES:
  case TY_MAP:
    return ec_printf(E, "ar_fmt_val(%s, (%s[]){%s})", ec_vt(E, t),
                     ec_ctype(E, t), v);
  default:
    ec_need(E, t);
    return ec_printf(E, "ag_fmt_%s(%s)", ec_mangle(E, t), v);
  }
}

const char *ec_zero(ec *E, type *t) {
  t = ec_strip(t);
  switch (t->kind) {
  case TY_STR: return "ar_str_empty()";
  case TY_BYTES: return "ar_list_new(&ar_vt_u8, 0)";
  case TY_LIST:
    return ec_printf(E, "ar_list_new(%s, 0)", ec_vt(E, t->elem));
  case TY_MAP:
    return ec_printf(E, "ar_map_new(%s, %s)", ec_vt(E, t->key),
                     ec_vt(E, t->elem));
  case TY_BOOL: return "false";
  default:
    if (ec_is_ptr(t))
      return "NULL";
    if (t->kind == TY_STRUCT || t->kind == TY_TUPLE || t->kind == TY_OPT ||
        t->kind == TY_ASK || t->kind == TY_UUID)
      return ec_printf(E, "(%s){0}", ec_ctype(E, t));
    return ec_printf(E, "(%s)0", ec_ctype(E, t));
  }
}

/* ------------------------------------------------------------ helpers */

typedef struct ec_field {
  const char *name;  /* the source name (labels, wire keys) */
  const char *cname; /* the C member (ec_id) */
  type *ty;
} ec_field;

/* Fields of a by-value composite (struct, tuple, opt, message payload). */
static int ec_fields(ec *E, type *t, ec_field *out, int max) {
  int n = 0;
  if (t->kind == TY_STRUCT || t->kind == TY_MESSAGE) {
    for (uint32_t i = 0; i < t->decl->u.record.fields.len && n < max; i++) {
      ast_field *f = t->decl->u.record.fields.items[i];
      out[n].name = f->name.name;
      out[n].cname = ec_id(E, f->name.name);
      out[n++].ty = ec_field_ty(f);
    }
  } else if (t->kind == TY_TUPLE) {
    for (uint32_t i = 0; i < t->nitems && n < max; i++) {
      out[n].name = out[n].cname = ec_printf(E, "f%u", i);
      out[n++].ty = t->items[i];
    }
  } else if (t->kind == TY_OPT) {
    out[n].name = out[n].cname = "v";
    out[n++].ty = t->elem;
  }
  return n;
}

#define EC_MAXF 256

/* typedef + helpers of one composite type (once per type id) */
void ec_need(ec *E, type *t) {
  t = ec_strip(t);
  if (!ec_composite(t))
    return;
  if (t->kind == TY_OPT && ec_is_ptr(t->elem)) {
    /* same representation as the element: only fmt/vt differ */
  }
  if (t->id >= E->nseen) {
    uint32_t n = t->id * 2 + 64;
    uint8_t *s = arena_alloc(E->cx->perm, n);
    if (E->nseen)
      memcpy(s, E->seen, E->nseen);
    E->seen = s;
    E->nseen = n;
  }
  if (E->seen[t->id])
    return;
  E->seen[t->id] = 1;
  const char *m = ec_mangle(E, t);
  const char *ct;
  ec_field fs[EC_MAXF];
  int nf = ec_fields(E, t, fs, EC_MAXF);
  bool ptr_opt = t->kind == TY_OPT && ec_is_ptr(t->elem);
  FILE *ty = E->types.f, *pr = E->protos.f, *df = E->defs.f;
  /* the element's helpers first: they must not be written into the middle
   * of this type's functions (`Msg?` drops through ag_drop_Msg) */
  if (ptr_opt)
    ec_need(E, t->elem);
  /* representation */
  if (t->kind == TY_STRUCT || t->kind == TY_TUPLE ||
      (t->kind == TY_OPT && !ptr_opt)) {
    for (int i = 0; i < nf; i++)
      ec_need(E, fs[i].ty); /* by-value members first */
    const char *fts[EC_MAXF];
    for (int i = 0; i < nf; i++)
      fts[i] = ec_ctype(E, fs[i].ty);
    fprintf(ty, "typedef struct ag_%s {\n", m);
    if (t->kind == TY_OPT)
      fprintf(ty, "  bool has;\n");
    if (nf == 0) /* `struct X {}`: C has no empty structs */
      fprintf(ty, "  char ag_unused;\n");
    for (int i = 0; i < nf; i++)
      fprintf(ty, "  %s%s%s;\n", fts[i],
              fts[i][strlen(fts[i]) - 1] == '*' ? "" : " ", fs[i].cname);
    fprintf(ty, "} ag_%s;\n\n", m);
    ct = ec_printf(E, "ag_%s", m);
  } else {
    ct = ec_ctype(E, t);
  }
  const char *sp = ct[strlen(ct) - 1] == '*' ? "" : " ";
  bool drop = ec_needs_drop(t);
  /* drop / share / deep */
  if (drop) {
    fprintf(pr, "static void ag_drop_%s(%s%s*p);\n", m, ct, sp);
    fprintf(pr, "static %s%sag_share_%s(%s%sv);\n", ct, sp, m, ct, sp);
    fprintf(pr, "static %s%sag_deep_%s(%s%sv);\n", ct, sp, m, ct, sp);
    fprintf(df, "static void ag_drop_%s(%s%s*p) {\n", m, ct, sp);
    if (t->kind == TY_MESSAGE)
      fprintf(df, "  if (*p) ag_msg_drop(*p);\n");
    else if (t->kind == TY_ASK)
      fprintf(df, "  if (p->reply) ag_msg_drop(p->reply);\n"
                  "  ar_str_release(p->reason);\n");
    else if (ptr_opt)
      fprintf(df, "  %s;\n", ec_drop(E, t->elem, "*p"));
    else {
      if (t->kind == TY_OPT)
        fprintf(df, "  if (!p->has) return;\n");
      for (int i = 0; i < nf; i++)
        if (ec_needs_drop(fs[i].ty))
          fprintf(df, "  %s;\n",
                  ec_drop(E, fs[i].ty, ec_printf(E, "p->%s", fs[i].cname)));
    }
    fprintf(df, "  memset(p, 0, sizeof *p);\n}\n\n");
    for (int deep = 0; deep < 2; deep++) {
      fprintf(df, "static %s%sag_%s_%s(%s%sv) {\n", ct, sp,
              deep ? "deep" : "share", m, ct, sp);
      if (t->kind == TY_MESSAGE)
        fprintf(df, "  return v ? ag_msg_copy(v) : NULL;\n");
      else if (t->kind == TY_ASK)
        fprintf(df, "  if (v.reply) v.reply = ag_msg_copy(v.reply);\n"
                    "  ar_str_retain(v.reason);\n  return v;\n");
      else if (ptr_opt)
        fprintf(df, "  return v ? %s : v;\n",
                deep ? ec_deep(E, t->elem, "v") : ec_share(E, t->elem, "v"));
      else {
        if (t->kind == TY_OPT)
          fprintf(df, "  if (!v.has) return v;\n");
        for (int i = 0; i < nf; i++)
          if (ec_needs_drop(fs[i].ty)) {
            const char *f = ec_printf(E, "v.%s", fs[i].cname);
            fprintf(df, "  %s = %s;\n", f,
                    deep ? ec_deep(E, fs[i].ty, f) : ec_share(E, fs[i].ty, f));
          }
        fprintf(df, "  return v;\n");
      }
      fprintf(df, "}\n\n");
    }
  }
  /* fmt */
  fprintf(pr, "static void ag_fmt_%s(%s%sv);\n", m, ct, sp);
  fprintf(df, "static void ag_fmt_%s(%s%sv) {\n", m, ct, sp);
  if (t->kind == TY_ENUM) {
    fprintf(df, "  switch (v) {\n");
    for (uint32_t i = 0; i < t->decl->u.enum_.variants.len; i++) {
      const char *vn = AST_AT(t->decl->u.enum_.variants, i, ast_ident)->name;
      fprintf(df, "  case %u: ar_fmt_cstr(\"%s\", %zu); break;\n", i, vn,
              strlen(vn));
    }
    fprintf(df, "  default: ar_fmt_i64(v); break;\n  }\n");
  } else if (t->kind == TY_MESSAGE) {
    fprintf(df, "  ag_msg_fmt(v);\n");
  } else if (t->kind == TY_ASK) {
    fprintf(df, "  ar_fmt_cstr(\"<ask>\", 5);\n  (void)v;\n");
  } else if (t->kind == TY_OPT) {
    if (ptr_opt)
      fprintf(df, "  if (!v) { ar_fmt_cstr(\"nil\", 3); return; }\n  %s;\n",
              ec_fmt(E, t->elem, "v"));
    else
      fprintf(df, "  if (!v.has) { ar_fmt_cstr(\"nil\", 3); return; }\n  %s;\n",
              ec_fmt(E, t->elem, "v.v"));
  } else {
    const char *open = t->kind == TY_TUPLE ? "("
                       : nf             ? ec_printf(E, "%s { ", m)
                                        : ec_printf(E, "%s {", m);
    fprintf(df, "  ar_fmt_cstr(\"%s\", %zu);\n", open, strlen(open));
    for (int i = 0; i < nf; i++) {
      const char *lab = t->kind == TY_TUPLE
                            ? (i ? ", " : "")
                            : ec_printf(E, "%s%s: ", i ? ", " : "", fs[i].name);
      if (*lab)
        fprintf(df, "  ar_fmt_cstr(\"%s\", %zu);\n", lab, strlen(lab));
      type *ft = ec_strip(fs[i].ty);
      const char *fv = ec_printf(E, "v.%s", fs[i].cname);
      if (ft->kind == TY_STR)
        fprintf(df, "  ar_fmt_val(&ar_vt_str, &v.%s);\n", fs[i].cname);
      else
        fprintf(df, "  %s;\n", ec_fmt(E, ft, fv));
    }
    if (!nf)
      fprintf(df, "  (void)v;\n");
    const char *close = t->kind == TY_TUPLE ? ")" : (nf ? " }" : "}");
    fprintf(df, "  ar_fmt_cstr(\"%s\", %zu);\n", close, strlen(close));
  }
  fprintf(df, "}\n\n");
  /* eq (opt, enum, tuple; used by == and map keys) */
  fprintf(pr, "static bool ag_eq_%s(%s%sa, %s%sb);\n", m, ct, sp, ct, sp);
  fprintf(df, "static bool ag_eq_%s(%s%sa, %s%sb) {\n", m, ct, sp, ct, sp);
  if (t->kind == TY_ENUM || t->kind == TY_MESSAGE)
    fprintf(df, "  return a == b;\n");
  else if (t->kind == TY_ASK)
    fprintf(df, "  return a.kind == b.kind && a.reply == b.reply;\n");
  else if (ptr_opt)
    fprintf(df, "  if (!a || !b) return a == b;\n  return %s;\n",
            ec_strip(t->elem)->kind == TY_STR ? "ar_str_eq(a, b)" : "a == b");
  else if (t->kind == TY_OPT) {
    type *el = ec_strip(t->elem);
    fprintf(df, "  if (!a.has || !b.has) return a.has == b.has;\n");
    if (el->kind == TY_STRUCT || el->kind == TY_TUPLE || el->kind == TY_OPT ||
        el->kind == TY_ENUM)
      fprintf(df, "  return ag_eq_%s(a.v, b.v);\n", ec_mangle(E, el));
    else if (el->kind == TY_STR)
      fprintf(df, "  return ar_str_eq(a.v, b.v);\n");
    else if (el->kind == TY_UUID)
      fprintf(df, "  return ag_uuid_eq(a.v, b.v);\n");
    else
      fprintf(df, "  return a.v == b.v;\n");
  } else if (t->kind == TY_TUPLE || t->kind == TY_STRUCT) {
    if (!nf)
      fprintf(df, "  (void)a;\n  (void)b;\n");
    for (int i = 0; i < nf; i++) {
      type *ft = ec_strip(fs[i].ty);
      if (ft->kind == TY_STR)
        fprintf(df, "  if (!ar_str_eq(a.%s, b.%s)) return false;\n",
                fs[i].cname, fs[i].cname);
      else if (ec_composite(ft) && ft->kind != TY_MESSAGE)
        fprintf(df, "  if (!ag_eq_%s(a.%s, b.%s)) return false;\n",
                ec_mangle(E, ft), fs[i].cname, fs[i].cname);
      else if (ft->kind == TY_UUID)
        fprintf(df, "  if (!ar_uuid_eq(&a.%s, &b.%s)) return false;\n",
                fs[i].cname, fs[i].cname);
      else
        fprintf(df, "  if (a.%s != b.%s) return false;\n", fs[i].cname,
                fs[i].cname);
    }
    fprintf(df, "  return true;\n");
  } else
    fprintf(df, "  return a == b;\n");
  fprintf(df, "}\n\n");
}

/* The element vtable ag_vt_<M> of a composite type (containers of it). */
static void ec_need_vt(ec *E, type *t) {
  t = ec_strip(t);
  ec_need(E, t);
  if (E->seen[t->id] & 2)
    return;
  E->seen[t->id] |= 2;
  const char *m = ec_mangle(E, t);
  bool ptr_opt = t->kind == TY_OPT && ec_is_ptr(t->elem);
  const char *ct;
  if (t->kind == TY_STRUCT || t->kind == TY_TUPLE ||
      (t->kind == TY_OPT && !ptr_opt))
    ct = ec_printf(E, "ag_%s", m);
  else
    ct = ec_ctype(E, t);
  const char *sp = ct[strlen(ct) - 1] == '*' ? "" : " ";
  bool drop = ec_needs_drop(t);
  FILE *pr = E->protos.f, *df = E->defs.f;
  fprintf(pr, "static const ar_vt ag_vt_%s;\n", m);
  fprintf(df,
          "static void ag_vtdrop_%s(void *p) { %s }\n"
          "static void ag_vtshare_%s(void *d, const void *s) { %s }\n"
          "static void ag_vtdeep_%s(void *d, const void *s) { %s }\n"
          "static bool ag_vteq_%s(const void *a, const void *b) { return "
          "ag_eq_%s(*(%s%sconst *)a, *(%s%sconst *)b); }\n"
          "static void ag_vtfmt_%s(const void *p) { ag_fmt_%s(*(%s%sconst *)p); }\n"
          "static const ar_vt ag_vt_%s = {\"%s\", sizeof(%s), ag_vtdrop_%s, "
          "ag_vtshare_%s, ag_vtdeep_%s, ag_vteq_%s, NULL, ag_vtfmt_%s};\n\n",
          m, drop ? ec_printf(E, "ag_drop_%s((%s%s*)p);", m, ct, sp) : "(void)p;",
          m,
          drop ? ec_printf(E, "*(%s%s*)d = ag_share_%s(*(%s%sconst *)s);", ct,
                           sp, m, ct, sp)
               : ec_printf(E, "memcpy(d, s, sizeof(%s));", ct),
          m,
          drop ? ec_printf(E, "*(%s%s*)d = ag_deep_%s(*(%s%sconst *)s);", ct, sp,
                           m, ct, sp)
               : ec_printf(E, "memcpy(d, s, sizeof(%s));", ct),
          m, m, ct, sp, ct, sp, m, m, ct, sp, m, m, ct, m, m, m, m, m);
}

/* ------------------------------------------------------------ messages */

static void ec_messages(ec *E) {
  ir_program *ir = E->ir;
  FILE *ty = E->types.f, *pr = E->protos.f, *df = E->defs.f;
  fprintf(pr, "static void ag_msg_drop(ar_msg *m);\n"
              "static ar_msg *ag_msg_copy(ar_msg *m);\n"
              "static void ag_msg_fmt(ar_msg *m);\n");
  fprintf(df, "static const ar_vt ag_vt_msg;\n");
  /* payload structs */
  for (uint32_t i = 0; i < ir->msgs.len; i++) {
    ast_decl *d = ir->msgs.items[i];
    ec_field fs[EC_MAXF];
    type tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.kind = TY_MESSAGE;
    tmp.decl = d;
    int nf = ec_fields(E, &tmp, fs, EC_MAXF);
    for (int k = 0; k < nf; k++)
      ec_need(E, fs[k].ty);
    const char *fts[EC_MAXF];
    for (int k = 0; k < nf; k++)
      fts[k] = ec_ctype(E, fs[k].ty);
    fprintf(ty, "/* message %s, %s */\n#define AG_MSG_%s %uu\n", d->name.name,
            ec_loc(E, d->sp), d->name.name, i + 1);
    fprintf(ty, "typedef struct ag_msg_%s {\n", d->name.name);
    if (nf == 0)
      fprintf(ty, "  char ag_unused;\n");
    for (int k = 0; k < nf; k++)
      fprintf(ty, "  %s%s%s;\n", fts[k],
              fts[k][strlen(fts[k]) - 1] == '*' ? "" : " ", fs[k].cname);
    fprintf(ty, "} ag_msg_%s;\n", d->name.name);
    fprintf(ty, "#define AG_P_%s(m) AR_MSG_PAYLOAD((m), ag_msg_%s)\n\n",
            d->name.name, d->name.name);
    /* constructor: parameters are positional (ag_aN), so no field name
     * can meet its locals or a function it calls */
    fprintf(pr, "static ar_msg *ag_mk_%s(", d->name.name);
    fprintf(df, "static ar_msg *ag_mk_%s(", d->name.name);
    for (int k = 0; k < nf; k++) {
      const char *sp = fts[k][strlen(fts[k]) - 1] == '*' ? "" : " ";
      fprintf(pr, "%s%s%sag_a%d", k ? ", " : "", fts[k], sp, k);
      fprintf(df, "%s%s%sag_a%d", k ? ", " : "", fts[k], sp, k);
    }
    if (!nf) {
      fprintf(pr, "void");
      fprintf(df, "void");
    }
    fprintf(pr, ");\n");
    fprintf(df, ") {\n  ar_msg *ag_m = ar_msg_alloc(AG_MSG_%s, sizeof(ag_msg_%s));\n"
                "  ag_msg_%s *ag_p = AG_P_%s(ag_m);\n  memset(ag_p, 0, sizeof *ag_p);\n",
            d->name.name, d->name.name, d->name.name, d->name.name);
    for (int k = 0; k < nf; k++)
      fprintf(df, "  ag_p->%s = ag_a%d;\n", fs[k].cname, k);
    fprintf(df, "  return ag_m;\n}\n\n");
  }
  /* generic drop / copy / fmt, switching on the type id */
  for (int which = 0; which < 3; which++) {
    const char *hd[] = {"static void ag_msg_drop(ar_msg *m) {\n",
                        ("static ar_msg *ag_msg_copy(ar_msg *m) {\n"
                         "  ar_msg *c;\n"),
                        "static void ag_msg_fmt(ar_msg *m) {\n"};
    fputs(hd[which], df);
    fprintf(df, "  switch (m->type) {\n");
    for (uint32_t i = 0; i < ir->msgs.len; i++) {
      ast_decl *d = ir->msgs.items[i];
      const char *n = d->name.name;
      fprintf(df, "  case AG_MSG_%s: {\n", n);
      if (which == 1)
        fprintf(df, "    c = ar_msg_alloc(m->type, sizeof(ag_msg_%s));\n"
                    "    c->priority = m->priority;\n"
                    "    *AG_P_%s(c) = *AG_P_%s(m);\n",
                n, n, n);
      if (which == 2)
        fprintf(df, "    ar_fmt_cstr(\"%s {\", %zu);\n", n, strlen(n) + 2);
      for (uint32_t k = 0; k < d->u.record.fields.len; k++) {
        ast_field *f = d->u.record.fields.items[k];
        type *ft = ec_field_ty(f);
        const char *pl = ec_printf(E, "AG_P_%s(%s)->%s", n,
                                   which == 1 ? "c" : "m", ec_id(E, f->name.name));
        if (which == 0 && ec_needs_drop(ft))
          fprintf(df, "    %s;\n", ec_drop(E, ft, pl));
        if (which == 1 && ec_needs_drop(ft))
          fprintf(df, "    %s = %s;\n", pl, ec_deep(E, ft, pl));
        if (which == 2) {
          const char *lab = ec_printf(E, "%s%s: ", k ? ", " : " ", f->name.name);
          fprintf(df, "    ar_fmt_cstr(\"%s\", %zu);\n", lab, strlen(lab));
          if (ec_strip(ft)->kind == TY_STR)
            fprintf(df, "    ar_fmt_val(&ar_vt_str, &%s);\n", pl);
          else
            fprintf(df, "    %s;\n", ec_fmt(E, ft, pl));
        }
      }
      if (which == 2)
        fprintf(df, "    ar_fmt_cstr(\"%s}\", %d);\n",
                d->u.record.fields.len ? " " : "",
                d->u.record.fields.len ? 2 : 1);
      fprintf(df, "    break;\n  }\n");
    }
    fprintf(df, "  default:%s break;\n  }\n", which == 1 ? " c = NULL;" : "");
    if (which == 0)
      fprintf(df, "  ar_msg_free(m);\n");
    if (which == 1)
      fprintf(df, "  return c;\n");
    fprintf(df, "}\n\n");
  }
  fprintf(df,
          "static void ag_vtdrop_msg(void *p) { ar_msg *m = *(ar_msg **)p; "
          "if (m) ag_msg_drop(m); }\n"
          "static void ag_vtcopy_msg(void *d, const void *s) { ar_msg *m = "
          "*(ar_msg *const *)s; *(ar_msg **)d = m ? ag_msg_copy(m) : NULL; }\n"
          "static bool ag_vteq_msg(const void *a, const void *b) { return "
          "*(ar_msg *const *)a == *(ar_msg *const *)b; }\n"
          "static void ag_vtfmt_msg(const void *p) { ag_msg_fmt(*(ar_msg "
          "*const *)p); }\n"
          "static const ar_vt ag_vt_msg = {\"msg\", sizeof(ar_msg *), "
          "ag_vtdrop_msg, ag_vtcopy_msg, ag_vtcopy_msg, ag_vteq_msg, NULL, "
          "ag_vtfmt_msg};\n\n");
}

/* ------------------------------------------------------------ actors */

static const char *ec_state_ctype(ec *E, ast_stmt *st) {
  return ec_ctype(E, st->u.let.sym ? st->u.let.sym->ty : NULL);
}

static void ec_actor(ec *E, ir_actor *a) {
  FILE *ty = E->types.f, *pr = E->protos.f, *cd = E->code.f;
  ast_decl *d = a->decl;
  /* the actor struct */
  fprintf(ty, "/* actor %s%s%s */\n", a->name, d ? ", " : "",
          d ? ec_loc(E, d->sp) : "");
  /* the field types first: ec_ctype may emit a typedef (a struct
   * parameter seen here for the first time) into the same buffer */
  const char *fields = "";
  if (d) {
    for (uint32_t i = 0; i < d->u.actor.params.len; i++) {
      ast_param *p = d->u.actor.params.items[i];
      const char *ct = ec_ctype(E, p->sym->ty);
      fields = ec_printf(E, "%s  %s%s%s;\n", fields, ct,
                         ct[strlen(ct) - 1] == '*' ? "" : " ",
                         ec_id(E, p->name.name));
    }
    for (uint32_t i = 0; i < d->u.actor.state.len; i++) {
      ast_stmt *st = d->u.actor.state.items[i];
      const char *ct = ec_state_ctype(E, st);
      fields = ec_printf(E, "%s  %s%s%s;\n", fields, ct,
                         ct[strlen(ct) - 1] == '*' ? "" : " ",
                         ec_id(E, st->u.let.name.name));
    }
  }
  fprintf(ty, "typedef struct %s {\n  ar_actor ag_base;\n%s", a->cname,
          fields);
  ec_ring_fields(E, d, ty);
  /* only an actor with a suspending body carries the frame slot: an actor
   * without state or suspension stays at the 128-byte header */
  if (a->any_suspend)
    fprintf(ty, "  void *ag_frame;    /* the suspended body's frame */\n"
                "  uint32_t ag_body;  /* which body ag_frame belongs to */\n");
  fprintf(ty, "} %s;\n\n", a->cname);
  fprintf(pr, "static const ar_actor_type %s_type;\n", a->cname);
  /* bodies */
  for (uint32_t i = 0; i < a->bodies.len; i++)
    emit_c_body(E, a->bodies.items[i]);
  ec_ring_actor(E, a);
  /* dispatch */
  fprintf(cd, "static void %s__dispatch(ar_actor *a, ar_msg *m) {\n"
              "  %s *self = (%s *)a;\n  switch (m->type) {\n",
          a->cname, a->cname, a->cname);
  for (uint32_t i = 0; i < a->bodies.len; i++) {
    ir_body *b = a->bodies.items[i];
    if (b->kind != IR_HANDLER || !b->handler->msg_sym)
      continue;
    fprintf(cd, "  case AG_MSG_%s: %s(self, m); break;\n",
            b->handler->msg_sym->name,
            d && d->u.actor.is_ring ? ec_ring_dispatch(E, a, b) : b->cname);
  }
  fprintf(cd, "  default: (void)self; ar_msg_free(m); break;\n  }\n}\n\n");
  /* resume */
  if (a->any_suspend) {
    fprintf(cd, "static void %s__resume(ar_actor *a, int kind, uint64_t u, "
                "void *p) {\n  %s *self = (%s *)a;\n  void *fr = self->ag_frame;\n"
                "  bool done = true;\n  switch (self->ag_body) {\n",
            a->cname, a->cname, a->cname);
    for (uint32_t i = 0; i < a->bodies.len; i++) {
      ir_body *b = a->bodies.items[i];
      if (!b->can_suspend || b->kind == IR_AFN || b->kind == IR_INIT ||
          b->kind == IR_STOP)
        continue;
      fprintf(cd, "  case %u: {\n    %s *F = fr;\n    F->ag_ev_kind = kind;\n"
                  "    F->ag_ev_u = u;\n    F->ag_ev_p = p;\n"
                  "    done = %s__body(self, F);\n    break;\n  }\n",
              b->index, b->frame, b->cname);
    }
    fprintf(cd, "  default: break;\n  }\n  if (done) {\n"
                "    self->ag_frame = NULL;\n    free(fr);\n  }\n}\n\n");
  }
  /* start */
  ir_body *first = a->main ? a->main : a->run;
  if (first)
    fprintf(cd, "static void %s__start(ar_actor *a) { %s((%s *)a); }\n\n",
            a->cname, first->cname, a->cname);
  /* stop: the user's hook, then the state is dropped */
  fprintf(cd, "static void %s__on_stop(ar_actor *a) {\n  %s *self = (%s *)a;\n",
          a->cname, a->cname, a->cname);
  if (a->stop)
    fprintf(cd, "  %s(self);\n", a->stop->cname);
  ec_ring_on_stop(E, d, cd);
  if (a->any_suspend) {
    /* stopped while suspended: tear the waiting body's frame down */
    fprintf(cd, "  if (self->ag_frame) {\n    switch (self->ag_body) {\n");
    for (uint32_t i = 0; i < a->bodies.len; i++) {
      ir_body *b = a->bodies.items[i];
      if (!b->can_suspend || b->kind == IR_AFN || b->kind == IR_INIT ||
          b->kind == IR_STOP)
        continue;
      fprintf(cd, "    case %u: %s__frame_drop(self->ag_frame); break;\n",
              b->index, b->cname);
    }
    fprintf(cd, "    default: break;\n    }\n    free(self->ag_frame);\n"
                "    self->ag_frame = NULL;\n  }\n");
  }
  if (d) {
    for (uint32_t i = 0; i < d->u.actor.params.len; i++) {
      ast_param *p = d->u.actor.params.items[i];
      if (ec_needs_drop(p->sym->ty))
        fprintf(cd, "  %s;\n",
                ec_drop(E, p->sym->ty,
                        ec_printf(E, "self->%s", ec_id(E, p->name.name))));
    }
    for (uint32_t i = 0; i < d->u.actor.state.len; i++) {
      ast_stmt *st = d->u.actor.state.items[i];
      type *t = st->u.let.sym ? st->u.let.sym->ty : NULL;
      if (t && ec_needs_drop(t))
        fprintf(cd, "  %s;\n",
                ec_drop(E, t, ec_printf(E, "self->%s",
                                        ec_id(E, st->u.let.name.name))));
    }
  }
  fprintf(cd, "  (void)self;\n}\n\n");
  uint32_t cap = 0;
  const char *pol = "AR_MB_BLOCK";
  int64_t capv;
  if (d && d->u.actor.mailbox_cap &&
      types_const_int(d->u.actor.mailbox_cap, &capv))
    cap = (uint32_t)capv; /* 1 .. 2^31-1, checked by types (E0327) */
  if (d) {
    switch (d->u.actor.mailbox_policy) {
    case MB_DROP_NEWEST: pol = "AR_MB_DROP_NEWEST"; break;
    case MB_DROP_OLDEST: pol = "AR_MB_DROP_OLDEST"; break;
    case MB_FAIL: pol = "AR_MB_FAIL"; break;
    default: break;
    }
  }
  fprintf(cd, "static const ar_actor_type %s_type = {\n  \"%s\", sizeof(%s),\n"
              "  %s__dispatch, %s, %s, %s__on_stop,\n  %u, %s\n};\n\n",
          a->cname, a->name, a->cname, a->cname,
          a->any_suspend ? ec_printf(E, "%s__resume", a->cname) : "NULL",
          first ? ec_printf(E, "%s__start", a->cname) : "NULL", a->cname, cap,
          pol);
  /* spawn */
  if (d) {
    fprintf(pr, "static ar_actor *ag_spawn_%s(", a->name);
    fprintf(cd, "static ar_actor *ag_spawn_%s(", a->name);
    for (uint32_t i = 0; i < d->u.actor.params.len; i++) {
      ast_param *p = d->u.actor.params.items[i];
      const char *ct = ec_ctype(E, p->sym->ty);
      const char *s = ec_printf(E, "%s%s%sag_a%u", i ? ", " : "", ct,
                                ct[strlen(ct) - 1] == '*' ? "" : " ", i);
      fputs(s, pr);
      fputs(s, cd);
    }
    if (!d->u.actor.params.len) {
      fputs("void", pr);
      fputs("void", cd);
    }
    fputs(");\n", pr);
    if (d->u.actor.is_ring) {
      /* the runtime picks the GPU proxy, the emulated kernel or the CPU
         fallback (a ring actor has no state to initialise) */
      fprintf(cd, ") {\n  return ar_ring_spawn(&%s_ring);\n}\n\n", a->cname);
      return;
    }
    fprintf(cd, ") {\n  ar_actor *ag_a = ar_actor_new(&%s_type);\n"
                "  %s *ag_s = (%s *)ag_a;\n",
            a->cname, a->cname, a->cname);
    for (uint32_t i = 0; i < d->u.actor.params.len; i++) {
      ast_param *p = d->u.actor.params.items[i];
      fprintf(cd, "  ag_s->%s = ag_a%u;\n", ec_id(E, p->name.name), i);
    }
    fprintf(cd, "  %s(ag_s);\n  ar_actor_start(ag_a);\n  return ag_a;\n}\n\n",
            a->init->cname);
  }
}


/* ------------------------------------------------------------ supervisors */

/* `supervisor S(...) { child c = A(args); }`: ag_spawn_sup_S() makes the
 * runtime supervisor (ar_supervisor_new) and adds every child with
 * ar_supervisor_add_child_fn and a spawn function ag_S__childN that the
 * runtime calls for the first start and every restart: an actor child is
 * created, its arguments evaluated (ag_S__childN__args, an init-like body:
 * fresh owned values each incarnation), its state initialised and started;
 * a ring actor child is ag_spawn_A() (ar_ring_spawn); a supervisor child is
 * ag_spawn_sup_C(), a nested tree. */
static void ec_supervisor(ec *E, ast_decl *d) {
  FILE *pr = E->protos.f, *cd = E->code.f;
  const char *strategy = "AR_ONE_FOR_ONE";
  const char *intensity = "3", *period = "5000000000LL";
  for (uint32_t i = 0; i < d->u.sup.options.len; i++) {
    ast_field_init *fi = d->u.sup.options.items[i];
    ast_expr *v = fi->value;
    if (!fi->name.name || !v)
      continue;
    if (!strcmp(fi->name.name, "strategy") && v->kind == EXPR_NAME) {
      const char *n = v->u.name.id.name;
      strategy = !strcmp(n, "one_for_all")    ? "AR_ONE_FOR_ALL"
                 : !strcmp(n, "rest_for_one") ? "AR_REST_FOR_ONE"
                                              : "AR_ONE_FOR_ONE";
    } else if (!strcmp(fi->name.name, "intensity") && v->kind == EXPR_INT)
      intensity = ec_printf(E, "%llu", (unsigned long long)v->u.int_.value);
    else if (!strcmp(fi->name.name, "period") && v->kind == EXPR_DURATION)
      period = ec_printf(E, "%lldLL", (long long)v->u.duration.ns);
  }
  for (uint32_t i = 0; i < d->u.sup.children.len; i++) {
    ast_child *c = d->u.sup.children.items[i];
    ast_decl *a = c->sym->decl;
    const char *fn = ec_printf(E, "ag_%s__child%u", d->name.name, i);
    ir_body *args = lower_child_body(E->ir, c);
    if (args)
      emit_c_body(E, args);
    fprintf(pr, "static ar_actor *%s(void *arg);\n", fn);
    fprintf(cd, "/* child %s of %s, %s */\nstatic ar_actor *%s(void *arg) {\n"
                "  (void)arg;\n",
            c->name.name ? c->name.name : a->name.name, d->name.name,
            ec_loc(E, c->sp), fn);
    if (a->kind == DECL_SUPERVISOR)
      fprintf(cd, "  return ag_spawn_sup_%s();\n}\n\n", a->name.name);
    else if (a->u.actor.is_ring)
      fprintf(cd, "  return ag_spawn_%s();\n}\n\n", a->name.name);
    else {
      fprintf(cd, "  ar_actor *a = ar_actor_new(&ag_%s_type);\n",
              a->name.name);
      if (args)
        fprintf(cd, "  %s((ag_%s *)a);\n", args->cname, a->name.name);
      fprintf(cd, "  ag_%s__init((ag_%s *)a);\n  ar_actor_start(a);\n"
                  "  return a;\n}\n\n",
              a->name.name, a->name.name);
    }
  }
  fprintf(pr, "static ar_actor *ag_spawn_sup_%s(void);\n", d->name.name);
  fprintf(cd, "/* supervisor %s, %s */\nstatic ar_actor *ag_spawn_sup_%s(void) {\n"
              "  ar_actor *s = ar_supervisor_new(%s, %s, %s);\n",
          d->name.name, ec_loc(E, d->sp), d->name.name, strategy, intensity,
          period);
  for (uint32_t i = 0; i < d->u.sup.children.len; i++)
    fprintf(cd, "  ar_supervisor_add_child_fn(s, ag_%s__child%u, NULL);\n",
            d->name.name, i);
  fprintf(cd, "  return s;\n}\n\n");
}

/* Does supervisor d contain `target` as a child, directly or through
 * nested supervisors?  (depth-bounded: the front end checked the names) */
static bool ec_sup_contains(ast_decl *d, ast_decl *target, int depth) {
  if (depth > 64)
    return true;
  for (uint32_t k = 0; k < d->u.sup.children.len; k++) {
    ast_child *c = d->u.sup.children.items[k];
    ast_decl *cd = c->sym ? c->sym->decl : NULL;
    if (!cd || cd->kind != DECL_SUPERVISOR)
      continue;
    if (cd == target || ec_sup_contains(cd, target, depth + 1))
      return true;
  }
  return false;
}

/* ------------------------------------------------------------ program */

static const char ec_prelude[] =
    "#include <stdatomic.h>\n#include <stdbool.h>\n#include <stdint.h>\n#include <stdlib.h>\n"
    "#include <string.h>\n\n#include \"ar.h\"\n\n"
    "/* helpers are generated per type whether or not every one is used */\n"
    "#pragma GCC diagnostic ignored \"-Wunused-function\"\n"
    "#ifdef __clang__\n#pragma clang diagnostic ignored \"-Wunused-const-variable\"\n"
    "#pragma clang diagnostic ignored \"-Wparentheses-equality\"\n"
    "#else\n#pragma GCC diagnostic ignored \"-Wunused-const-variable\"\n#endif\n\n"
    "/* exit(): ends the program; code after it in the same handler (also\n"
    " * through fn calls) does not run (docs/backend.md) */\n"
    "static _Atomic int ag_exiting;\n"
    "static void ag_exit(int code) {\n"
    "  atomic_store_explicit(&ag_exiting, 1, memory_order_relaxed);\n"
    "  ar_exit(code);\n}\n"
    "static bool ag_has_exited(void) {\n"
    "  return atomic_load_explicit(&ag_exiting, memory_order_relaxed) != 0;\n}\n"
    "static void ag_chan_release(ar_chan *c) { if (c) ar_chan_release(c); }\n"
    "static bool ag_uuid_eq(ar_uuid a, ar_uuid b) { return ar_uuid_eq(&a, &b); }\n"
    "static void ag_fmt_uuid(ar_uuid u) {\n"
    "  char t[37];\n  ar_uuid_format(&u, t);\n  ar_fmt_cstr(t, 36);\n}\n"
    "static ar_chan *ag_chan_retain(ar_chan *c) { if (c) ar_chan_retain(c); return c; }\n"
    "static void ag_vtdrop_chan(void *p) { ag_chan_release(*(ar_chan **)p); }\n"
    "static void ag_vtshare_chan(void *d, const void *s) {\n"
    "  *(ar_chan **)d = ag_chan_retain(*(ar_chan *const *)s);\n}\n"
    "static bool ag_vteq_chan(const void *a, const void *b) {\n"
    "  return *(ar_chan *const *)a == *(ar_chan *const *)b;\n}\n"
    "static void ag_vtfmt_chan(const void *p) { (void)p; ar_fmt_cstr(\"<chan>\", 6); }\n"
    "static const ar_vt ag_vt_chan = {\"chan\", sizeof(ar_chan *), ag_vtdrop_chan,\n"
    "  ag_vtshare_chan, ag_vtshare_chan, ag_vteq_chan, NULL, ag_vtfmt_chan};\n"
    "/* buf<T>: copy(b) copies the elements; printing shows the length */\n"
    "static ar_buf *ag_buf_copy(ar_buf *b) {\n"
    "  if (!b) return NULL;\n"
    "  ar_buf *c = ar_buf_new(b->elem_size, b->len);\n"
    "  if (b->len) memcpy(c->data, b->data, (size_t)b->len * b->elem_size);\n"
    "  return c;\n}\n"
    "static void ag_fmt_buf(ar_buf *b) {\n"
    "  ar_fmt_cstr(\"buf[\", 4); ar_fmt_i64(ar_buf_len(b)); ar_fmt_cstr(\"]\", 1);\n}\n"
    "#define AG_BUF_FILL(N, T) static ar_buf *ag_buf_fill_##N(int64_t n, T v) { \\\n"
    "  ar_buf *b = ar_buf_new(sizeof(T), n); \\\n"
    "  for (int64_t i = 0; i < b->len; i++) ((T *)b->data)[i] = v; \\\n"
    "  return b; }\n"
    "AG_BUF_FILL(bool, bool) AG_BUF_FILL(i8, int8_t) AG_BUF_FILL(i16, int16_t)\n"
    "AG_BUF_FILL(i32, int32_t) AG_BUF_FILL(i64, int64_t) AG_BUF_FILL(u8, uint8_t)\n"
    "AG_BUF_FILL(u16, uint16_t) AG_BUF_FILL(u32, uint32_t) AG_BUF_FILL(u64, uint64_t)\n"
    "AG_BUF_FILL(f32, float) AG_BUF_FILL(f64, double)\n"
    "static void ag_vtdrop_buf(void *p) { ar_buf_release(*(ar_buf **)p); }\n"
    "static void ag_vtdeep_buf(void *d, const void *s) {\n"
    "  *(ar_buf **)d = ag_buf_copy(*(ar_buf *const *)s);\n}\n"
    "static void ag_vtshare_buf(void *d, const void *s) {\n"
    "  *(ar_buf **)d = ar_buf_retain(*(ar_buf *const *)s);\n}\n"
    "static bool ag_vteq_buf(const void *a, const void *b) {\n"
    "  return *(ar_buf *const *)a == *(ar_buf *const *)b;\n}\n"
    "static void ag_vtfmt_buf(const void *p) { ag_fmt_buf(*(ar_buf *const *)p); }\n"
    "static const ar_vt ag_vt_buf = {\"buf\", sizeof(ar_buf *), ag_vtdrop_buf,\n"
    "  ag_vtshare_buf, ag_vtdeep_buf, ag_vteq_buf, NULL, ag_vtfmt_buf};\n\n";

bool emit_c_run(ac_ctx *cx, FILE *out, const emit_c_opts *opts) {
  ec E;
  memset(&E, 0, sizeof E);
  E.cx = cx;
  E.opts = opts;
  E.ir = lower_program(cx);
  if (!E.ir)
    AC_ICE("emit_c_run before lower_run");
  /* support check first: nothing is written when something is missing */
  for (uint32_t i = 0; i < E.ir->actors.len; i++) {
    ir_actor *a = E.ir->actors.items[i];
    for (uint32_t k = 0; k < a->bodies.len; k++)
      emit_c_check_body(&E, a->bodies.items[k]);
  }
  for (uint32_t i = 0; i < E.ir->fns.len; i++)
    emit_c_check_body(&E, E.ir->fns.items[i]);
  for (uint32_t i = 0; i < E.ir->sups.len; i++) {
    ast_decl *d = E.ir->sups.items[i];
    if (ec_sup_contains(d, d, 0))
      ec_unsupported(&E, d->sp,
                     "a supervisor that contains itself (an endless tree)");
    for (uint32_t k = 0; k < d->u.sup.children.len; k++) {
      ast_child *c = d->u.sup.children.items[k];
      ast_decl *cd = c->sym ? c->sym->decl : NULL;
      if (!cd || (cd->kind != DECL_ACTOR && cd->kind != DECL_SUPERVISOR))
        ec_unsupported(&E, c->sp, "this kind of supervisor child");
      else if (c->args.len &&
               (cd->kind == DECL_SUPERVISOR || cd->u.actor.is_ring))
        ec_unsupported(&E, c->sp,
                       "arguments to a supervisor or ring actor child");
    }
  }
  for (uint32_t i = 0; i < E.ir->child_bodies.len; i++)
    emit_c_check_body(&E, E.ir->child_bodies.items[i]);
  if (E.failed)
    return false;
  ec_buf_open(&E.types);
  ec_buf_open(&E.protos);
  ec_buf_open(&E.defs);
  ec_buf_open(&E.frames);
  ec_buf_open(&E.code);
  ec_messages(&E);
  for (uint32_t i = 0; i < E.ir->enums.len; i++) {
    ast_decl *d = E.ir->enums.items[i];
    fprintf(E.types.f, "/* enum %s, %s */\n", d->name.name, ec_loc(&E, d->sp));
    for (uint32_t k = 0; k < d->u.enum_.variants.len; k++)
      fprintf(E.types.f, "#define ag_%s_%s %u\n", d->name.name,
              AST_AT(d->u.enum_.variants, k, ast_ident)->name, k);
    fputc('\n', E.types.f);
  }
  for (uint32_t i = 0; i < E.ir->fns.len; i++)
    emit_c_body(&E, E.ir->fns.items[i]);
  for (uint32_t i = 0; i < E.ir->actors.len; i++)
    ec_actor(&E, E.ir->actors.items[i]);
  for (uint32_t i = 0; i < E.ir->sups.len; i++)
    ec_supervisor(&E, E.ir->sups.items[i]);
  /* Messages the runtime disposes of undelivered (dead target, drops,
   * shutdown) still own their payload: ag_msg_drop frees both. */
  bool any_ring = false;
  for (uint32_t i = 0; i < E.ir->actors.len; i++) {
    ir_actor *a = E.ir->actors.items[i];
    any_ring |= a->decl && a->decl->u.actor.is_ring;
  }
  fprintf(E.code.f, "int main(int argc, char **argv) {\n"
                    "  ar_set_msg_finalizer(ag_msg_drop);\n");
  if (any_ring)
    fprintf(E.code.f, "  ar_gpu_configure(%d);\n", opts ? opts->gpu_mode : 0);
  fprintf(E.code.f, ""
                    "  return ar_run(&ag_main_type, argc, argv);\n}\n");
  fprintf(out, "/* Generated by actorc from %s — do not edit.\n"
               " * Names: ag_<Actor>__on_<Msg> handlers, ag_msg_<Msg> payloads,\n"
               " * ag_fn_<name> functions (docs/backend.md). */\n",
          opts && opts->source_name ? opts->source_name : "?");
  fputs(ec_prelude, out);
  ec_ring_embed(&E, out);
  fflush(E.types.f);
  ec_buf_close(&E.types, out);
  ec_buf_close(&E.protos, out);
  fputc('\n', out);
  ec_buf_close(&E.defs, out);
  ec_buf_close(&E.frames, out);
  ec_buf_close(&E.code, out);
  return !E.failed;
}
