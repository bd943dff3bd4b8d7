/* emit_c_codec.c — phase 7a (emit C), the msgpack codecs of issue 6
 * (docs/wire.md): for every type reached from an `encode`, `decode`,
 * `read_msg` or `write_msg`, a static encoder
 *   void ag_wenc_<T>(ar_wire_wr *w, T const *v)
 * and decoder
 *   bool ag_wdec_<T>(ar_wire_rd *r, T *out)   (false: error recorded in r,
 *                                              *out untouched, nothing leaked)
 * plus per message the entry points ag_wencode_/ag_wdecode_/ag_wread_/
 * ag_wwrite_<Msg> that the builtins call.  Codecs are emitted on demand, so
 * programs that do not use the wire format get exactly the C they got
 * before.  Mechanism only: the format itself lives in runtime/wire.c
 * (ar_wire_*), which is also where every check of the input is made.
 */
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "emit_c.h"

/* Which helpers were emitted for a type (E->codecs holds these). */
typedef struct cd_seen {
  type *t;
  bool enc, dec, api;
} cd_seen;

static cd_seen *cd_find(ec *E, type *t) {
  for (uint32_t i = 0; i < E->codecs.len; i++) {
    cd_seen *s = E->codecs.items[i];
    if (s->t == t)
      return s;
  }
  cd_seen *s = arena_alloc(E->cx->perm, sizeof *s);
  memset(s, 0, sizeof *s);
  s->t = t;
  ast_list_push(E->cx->perm, &E->codecs, s);
  return s;
}

static type *cd_field_ty(ast_field *f) {
  return f->sym && f->sym->ty ? f->sym->ty : f->type ? f->type->ty : NULL;
}

/* The C type of t and its "T const *" parameter form. */
static const char *cd_cptr(ec *E, type *t) {
  return ec_printf(E, "%s const *", ec_ctype(E, t));
}

static bool cd_is_ptr_opt(type *t) {
  return t->kind == TY_OPT && ec_is_ptr(t->elem);
}

/* ------------------------------------------------------------ defaults */

/* Can cd_default rebuild this default?  (Pure: the check pre-pass runs
 * before any output buffer exists.) */
static bool cd_default_ok(ast_expr *e, type *ft, int guard) {
  type *t = ec_strip(ft);
  if (!e || !t || guard > 8)
    return false;
  if (t->kind == TY_OPT && e->kind != EXPR_NIL)
    return cd_default_ok(e, t->elem, guard + 1);
  switch (e->kind) {
  case EXPR_INT:
  case EXPR_FLOAT:
  case EXPR_BOOL:
  case EXPR_NIL:
  case EXPR_DURATION: return true;
  case EXPR_STR: {
    if (t->kind != TY_STR || e->u.str.parts.len > 1)
      return false;
    ast_str_part *sp = e->u.str.parts.len ? e->u.str.parts.items[0] : NULL;
    return !sp || !sp->expr;
  }
  case EXPR_UNARY: {
    ast_expr *o = e->u.unary.operand;
    return e->u.unary.op == OP_NEG && o &&
           (o->kind == EXPR_FLOAT || o->kind == EXPR_INT);
  }
  case EXPR_NAME:
  case EXPR_TYPE_NAME: {
    sym *s = e->u.name.sym;
    if (s && s->kind == SYM_CONST && s->decl)
      return cd_default_ok(s->decl->u.const_.value, ft, guard + 1);
    return s && s->kind == SYM_VARIANT && s->decl;
  }
  case EXPR_FIELD: {
    sym *s = e->u.field.sym;
    return s && s->kind == SYM_VARIANT && s->decl;
  }
  case EXPR_LIST: return e->u.list.items.len == 0 && t->kind == TY_LIST;
  case EXPR_MAP: return e->u.map.entries.len == 0 && t->kind == TY_MAP;
  default: return false;
  }
}

/* C for a field default that is a plain literal (or a constant naming
 * one), coerced to ft; NULL when it is not one (E0601, reported by
 * emit_c_codec_check before anything is written). */
static const char *cd_default(ec *E, ast_expr *e, type *ft, int guard) {
  type *t = ec_strip(ft);
  if (!e || !t || guard > 8)
    return NULL;
  if (t->kind == TY_OPT && e->kind != EXPR_NIL) {
    const char *v = cd_default(E, e, t->elem, guard + 1);
    return v ? ec_coerce(E, v, t->elem, t) : NULL;
  }
  const char *ct = ec_ctype(E, t);
  switch (e->kind) {
  case EXPR_INT:
    return ec_printf(E, "((%s)%lluULL)", ct,
                     (unsigned long long)e->u.int_.value);
  case EXPR_FLOAT: return ec_printf(E, "((%s)%.17g)", ct, e->u.float_.value);
  case EXPR_BOOL: return e->u.bool_.value ? "true" : "false";
  case EXPR_NIL: return ec_zero(E, t);
  case EXPR_DURATION:
    return ec_printf(E, "((int64_t)%lldLL)", (long long)e->u.duration.ns);
  case EXPR_STR: {
    if (t->kind != TY_STR || e->u.str.parts.len > 1)
      return NULL;
    ast_str_part *sp = e->u.str.parts.len ? e->u.str.parts.items[0] : NULL;
    if (sp && sp->expr)
      return NULL;
    return ec_str_lit(E, sp ? sp->text : "", sp ? sp->len : 0);
  }
  case EXPR_UNARY: {
    ast_expr *o = e->u.unary.operand;
    if (e->u.unary.op != OP_NEG || !o)
      return NULL;
    if (o->kind == EXPR_FLOAT)
      return ec_printf(E, "((%s)-%.17g)", ct, o->u.float_.value);
    if (o->kind != EXPR_INT)
      return NULL;
    if (o->u.int_.value == 0)
      return ec_printf(E, "((%s)0)", ct);
    if (t->kind == TY_F32 || t->kind == TY_F64)
      return ec_printf(E, "((%s)-%lluLL)", ct,
                       (unsigned long long)o->u.int_.value);
    return ec_printf(E, "((%s)(-(int64_t)(%lluULL - 1u) - 1))", ct,
                     (unsigned long long)o->u.int_.value);
  }
  case EXPR_NAME:
  case EXPR_TYPE_NAME: {
    sym *s = e->u.name.sym;
    if (s && s->kind == SYM_CONST && s->decl)
      return cd_default(E, s->decl->u.const_.value, ft, guard + 1);
    if (s && s->kind == SYM_VARIANT && s->decl)
      return ec_printf(E, "ag_%s_%s", s->decl->name.name, s->name);
    return NULL;
  }
  case EXPR_FIELD: {
    sym *s = e->u.field.sym;
    if (s && s->kind == SYM_VARIANT && s->decl)
      return ec_printf(E, "ag_%s_%s", s->decl->name.name, s->name);
    return NULL;
  }
  case EXPR_LIST:
    return e->u.list.items.len == 0 && t->kind == TY_LIST ? ec_zero(E, t)
                                                          : NULL;
  case EXPR_MAP:
    return e->u.map.entries.len == 0 && t->kind == TY_MAP ? ec_zero(E, t)
                                                          : NULL;
  default: return NULL;
  }
}

/* ------------------------------------------------------------ encoders */

static void cd_enc(ec *E, type *t);
static void cd_dec(ec *E, type *t);

/* Name of the encoder of t (emitting it on first use). */
static const char *cd_enc_name(ec *E, type *t) {
  t = ec_strip(t);
  cd_enc(E, t);
  return ec_printf(E, "ag_wenc_%s", ec_mangle(E, t));
}

static const char *cd_dec_name(ec *E, type *t) {
  t = ec_strip(t);
  cd_dec(E, t);
  return ec_printf(E, "ag_wdec_%s", ec_mangle(E, t));
}

/* The variant-name table of an enum (ag_wvar_<E>), once. */
static void cd_enum_names(ec *E, type *t) {
  cd_seen *s = cd_find(E, t);
  if (s->api)
    return;
  s->api = true;
  FILE *df = E->types.f;
  fprintf(df, "static const char *const ag_wvar_%s[] = {", t->decl->name.name);
  for (uint32_t i = 0; i < t->decl->u.enum_.variants.len; i++)
    fprintf(df, "%s\"%s\"", i ? ", " : "",
            AST_AT(t->decl->u.enum_.variants, i, ast_ident)->name);
  fprintf(df, "%s};\n", t->decl->u.enum_.variants.len ? "" : "NULL");
}

static void cd_enc_fields(ec *E, FILE *df, ast_decl *d, const char *base) {
  for (uint32_t i = 0; i < d->u.record.fields.len; i++) {
    ast_field *f = d->u.record.fields.items[i];
    const char *fn = f->name.name;
    fprintf(df, "  ar_wire_put_cstr(w, \"%s\", %zu);\n", fn, strlen(fn));
    fprintf(df, "  %s(w, &%s%s);\n", cd_enc_name(E, cd_field_ty(f)), base,
            ec_id(E, fn));
  }
}

static void cd_enc(ec *E, type *t) {
  cd_seen *s = cd_find(E, t);
  if (s->enc)
    return;
  s->enc = true;
  const char *m = ec_mangle(E, t);
  ec_need(E, t);
  const char *sig = ec_printf(E, "static void ag_wenc_%s(ar_wire_wr *w, %sv)",
                              m, cd_cptr(E, t));
  fprintf(E->protos.f, "%s;\n", sig);
  /* the body goes to its own buffer: emitting it may emit other codecs */
  char *body = NULL;
  size_t blen = 0;
  FILE *df = open_memstream(&body, &blen);
  if (!df)
    AC_ICE("open_memstream failed");
  switch (t->kind) {
  case TY_BOOL: fprintf(df, "  ar_wire_put_bool(w, *v);\n"); break;
  case TY_I8:
  case TY_I16:
  case TY_I32:
  case TY_I64:
  case TY_DURATION: fprintf(df, "  ar_wire_put_i64(w, (int64_t)*v);\n"); break;
  case TY_U8:
  case TY_U16:
  case TY_U32:
  case TY_U64: fprintf(df, "  ar_wire_put_u64(w, (uint64_t)*v);\n"); break;
  case TY_F32: fprintf(df, "  ar_wire_put_f32(w, *v);\n"); break;
  case TY_F64: fprintf(df, "  ar_wire_put_f64(w, *v);\n"); break;
  case TY_STR: fprintf(df, "  ar_wire_put_str(w, *v);\n"); break;
  case TY_BYTES: fprintf(df, "  ar_wire_put_bytes(w, *v);\n"); break;
  case TY_UUID: fprintf(df, "  ar_wire_put_uuid(w, v);\n"); break;
  case TY_TIME: fprintf(df, "  ar_wire_put_time(w, *v);\n"); break;
  case TY_ENUM: {
    cd_enum_names(E, t);
    uint32_t n = t->decl->u.enum_.variants.len;
    fprintf(df, "  const char *s = (uint32_t)*v < %uu ? ag_wvar_%s[*v] : \"\";\n"
                "  ar_wire_put_cstr(w, s, strlen(s));\n",
            n, t->decl->name.name);
    break;
  }
  case TY_LIST: {
    const char *el = cd_enc_name(E, t->elem);
    const char *ect = ec_ctype(E, t->elem);
    fprintf(df, "  const ar_list *l = *v;\n  int64_t n = ar_list_len(l);\n"
                "  ar_wire_put_array(w, (uint32_t)n);\n"
                "  for (int64_t i = 0; i < n; i++)\n"
                "    %s(w, (%s const *)(void *)(l->data + (size_t)i * "
                "l->vt->size));\n",
            el, ect);
    break;
  }
  case TY_MAP: {
    const char *ke = cd_enc_name(E, t->key), *ve = cd_enc_name(E, t->elem);
    const char *kct = ec_ctype(E, t->key), *vct = ec_ctype(E, t->elem);
    fprintf(df, "  ar_map *mp = *v;\n"
                "  if (!mp) { ar_wire_put_map(w, 0); return; }\n"
                "  ar_wire_put_map(w, (uint32_t)ar_map_len(mp));\n"
                "  for (int64_t i = 0; i < ar_map_slots(mp); i++) {\n"
                "    if (!ar_map_live(mp, i)) continue;\n"
                "    %s(w, (%s const *)ar_map_key_at(mp, i));\n"
                "    %s(w, (%s const *)ar_map_val_at(mp, i));\n  }\n",
            ke, kct, ve, vct);
    break;
  }
  case TY_TUPLE:
    fprintf(df, "  ar_wire_put_array(w, %uu);\n", t->nitems);
    for (uint32_t i = 0; i < t->nitems; i++)
      fprintf(df, "  %s(w, &v->f%u);\n", cd_enc_name(E, t->items[i]), i);
    break;
  case TY_OPT:
    if (cd_is_ptr_opt(t))
      fprintf(df, "  if (*v) %s(w, v);\n  else ar_wire_put_nil(w);\n",
              cd_enc_name(E, t->elem));
    else
      fprintf(df, "  if (v->has) %s(w, &v->v);\n  else ar_wire_put_nil(w);\n",
              cd_enc_name(E, t->elem));
    break;
  case TY_STRUCT:
    fprintf(df, "  ar_wire_put_map(w, %uu);\n", t->decl->u.record.fields.len);
    cd_enc_fields(E, df, t->decl, "v->");
    if (!t->decl->u.record.fields.len)
      fprintf(df, "  (void)v;\n");
    break;
  case TY_MESSAGE: {
    const char *n = t->decl->name.name;
    fprintf(df, "  ar_msg *m = *v;\n  ag_msg_%s *p = AG_P_%s(m);\n"
                "  ar_wire_put_map(w, %uu);\n  ar_wire_put_header(w, m);\n",
            n, n, t->decl->u.record.fields.len + 3);
    cd_enc_fields(E, df, t->decl, "p->");
    if (!t->decl->u.record.fields.len)
      fprintf(df, "  (void)p;\n");
    break;
  }
  default: AC_ICE("no wire encoder for type kind %d", (int)t->kind);
  }
  fclose(df);
  fprintf(E->defs.f, "%s {\n%s}\n\n", sig, body);
  free(body);
}

/* ------------------------------------------------------------ decoders */

/* Key → field index (0..n-1), header keys n..n+2 (messages), else -1. */
static void cd_keyfn(FILE *df, ast_decl *d, bool hdr) {
  const char *n = d->name.name;
  fprintf(df, "static int ag_wkey_%s(const char *k, uint32_t n) {\n", n);
  uint32_t nf = d->u.record.fields.len;
  for (uint32_t i = 0; i < nf + (hdr ? AC_NHEADER : 0); i++) {
    const char *fn =
        i < nf ? ((ast_field *)d->u.record.fields.items[i])->name.name
               : ac_header_names[i - nf];
    fprintf(df, "  if (n == %zu && memcmp(k, \"%s\", %zu) == 0) return %u;\n",
            strlen(fn), fn, strlen(fn), i);
  }
  fprintf(df, "  (void)k;\n  (void)n;\n  return -1;\n}\n\n");
}

/* The field loop + defaults of a record decoder; `base` is the C place
 * prefix of the fields ("p->" or "t."), `fail` the failure label. */
static void cd_dec_fields(ec *E, FILE *df, ast_decl *d, const char *base,
                          bool hdr) {
  const char *n = d->name.name;
  uint32_t nf = d->u.record.fields.len;
  fprintf(df, "  uint8_t seen[%u];\n  memset(seen, 0, sizeof seen);\n",
          nf ? nf : 1);
  fprintf(df, "  for (uint32_t i = 0; i < n; i++) {\n"
              "    const char *k;\n    uint32_t kn;\n"
              "    if (!ar_wire_get_key(r, &k, &kn)) { ar_wire_at(r, \"%s\", "
              "NULL); goto fail; }\n"
              "    switch (ag_wkey_%s(k, kn)) {\n",
          n, n);
  for (uint32_t i = 0; i < nf; i++) {
    ast_field *f = d->u.record.fields.items[i];
    const char *fn = f->name.name;
    fprintf(df, "    case %u:\n"
                "      if (seen[%u]++) { ar_wire_dup(r, \"%s\", \"%s\"); goto "
                "fail; }\n"
                "      if (!%s(r, &%s%s)) { ar_wire_at(r, \"%s\", \"%s\"); goto "
                "fail; }\n      break;\n",
            i, i, n, fn, cd_dec_name(E, cd_field_ty(f)), base, ec_id(E, fn), n,
            fn);
  }
  if (hdr) {
    for (uint32_t i = 0; i < AC_NHEADER; i++)
      fprintf(df, "    case %u:\n"
                  "      if (!ar_wire_get_hdr(r, %u, &h)) { ar_wire_at(r, "
                  "\"%s\", \"%s\"); goto fail; }\n      break;\n",
              nf + i, i, n, ac_header_names[i]);
  }
  fprintf(df, "    default:\n"
              "      if (!ar_wire_skip(r)) { ar_wire_at(r, \"%s\", NULL); goto "
              "fail; }\n      break;\n    }\n  }\n  ar_wire_leave(r);\n",
          n);
  /* absent fields: defaults, nil, or an error */
  for (uint32_t i = 0; i < nf; i++) {
    ast_field *f = d->u.record.fields.items[i];
    type *ft = ec_strip(cd_field_ty(f));
    const char *fn = f->name.name;
    if (f->default_) {
      const char *v = cd_default(E, f->default_, ft, 0);
      if (!v)
        v = ec_zero(E, ft); /* unreachable: emit_c_codec_check refused it */
      fprintf(df, "  if (!seen[%u]) %s%s = %s;\n", i, base, ec_id(E, fn), v);
    } else if (ft->kind != TY_OPT) {
      fprintf(df, "  if (!seen[%u]) { ar_wire_missing(r, \"%s\", \"%s\"); "
                  "goto fail; }\n",
              i, n, fn);
    }
  }
}

static void cd_dec(ec *E, type *t) {
  cd_seen *s = cd_find(E, t);
  if (s->dec)
    return;
  s->dec = true;
  const char *m = ec_mangle(E, t);
  const char *ct = ec_ctype(E, t);
  const char *sp = ct[strlen(ct) - 1] == '*' ? "" : " ";
  ec_need(E, t);
  const char *sig = ec_printf(E, "static bool ag_wdec_%s(ar_wire_rd *r, %s%s*out)",
                              m, ct, sp);
  fprintf(E->protos.f, "%s;\n", sig);
  char *body = NULL;
  size_t blen = 0;
  FILE *df = open_memstream(&body, &blen);
  if (!df)
    AC_ICE("open_memstream failed");
  const char *ity = NULL, *imin = NULL, *imax = NULL;
  switch (t->kind) {
  case TY_I8: ity = "i8", imin = "INT8_MIN", imax = "INT8_MAX"; break;
  case TY_I16: ity = "i16", imin = "INT16_MIN", imax = "INT16_MAX"; break;
  case TY_I32: ity = "i32", imin = "INT32_MIN", imax = "INT32_MAX"; break;
  case TY_I64: ity = "i64", imin = "INT64_MIN", imax = "INT64_MAX"; break;
  case TY_DURATION:
    ity = "duration", imin = "INT64_MIN", imax = "INT64_MAX";
    break;
  case TY_U8: ity = "u8", imax = "UINT8_MAX"; break;
  case TY_U16: ity = "u16", imax = "UINT16_MAX"; break;
  case TY_U32: ity = "u32", imax = "UINT32_MAX"; break;
  case TY_U64: ity = "u64", imax = "UINT64_MAX"; break;
  default: break;
  }
  switch (t->kind) {
  case TY_BOOL: fprintf(df, "  return ar_wire_get_bool(r, out);\n"); break;
  case TY_I8:
  case TY_I16:
  case TY_I32:
  case TY_I64:
  case TY_DURATION:
    fprintf(df, "  int64_t x;\n"
                "  if (!ar_wire_get_int(r, \"%s\", %s, %s, &x)) return false;\n"
                "  *out = (%s)x;\n  return true;\n",
            ity, imin, imax, ct);
    break;
  case TY_U8:
  case TY_U16:
  case TY_U32:
  case TY_U64:
    fprintf(df, "  uint64_t x;\n"
                "  if (!ar_wire_get_uint(r, \"%s\", %s, &x)) return false;\n"
                "  *out = (%s)x;\n  return true;\n",
            ity, imax, ct);
    break;
  case TY_F32: fprintf(df, "  return ar_wire_get_f32(r, out);\n"); break;
  case TY_F64: fprintf(df, "  return ar_wire_get_f64(r, out);\n"); break;
  case TY_STR: fprintf(df, "  return ar_wire_get_str(r, out);\n"); break;
  case TY_BYTES: fprintf(df, "  return ar_wire_get_bytes(r, out);\n"); break;
  case TY_UUID: fprintf(df, "  return ar_wire_get_uuid(r, out);\n"); break;
  case TY_TIME: fprintf(df, "  return ar_wire_get_time(r, out);\n"); break;
  case TY_ENUM:
    cd_enum_names(E, t);
    fprintf(df, "  return ar_wire_get_variant(r, \"%s\", ag_wvar_%s, %uu, "
                "out);\n",
            t->decl->name.name, t->decl->name.name,
            t->decl->u.enum_.variants.len);
    break;
  case TY_LIST: {
    const char *el = cd_dec_name(E, t->elem);
    const char *ect = ec_ctype(E, t->elem);
    const char *esp = ect[strlen(ect) - 1] == '*' ? "" : " ";
    fprintf(df, "  uint32_t n;\n  if (!ar_wire_get_array(r, &n)) return false;\n"
                "  ar_list *l = ar_list_new(%s, n < 64u ? n : 64u);\n"
                "  for (uint32_t i = 0; i < n; i++) {\n"
                "    %s%sx;\n    memset(&x, 0, sizeof x);\n"
                "    if (!%s(r, &x)) { ar_list_release(l); return false; }\n"
                "    ar_list_push(l, &x);\n  }\n"
                "  ar_wire_leave(r);\n  *out = l;\n  return true;\n",
            ec_vt(E, t->elem), ect, esp, el);
    break;
  }
  case TY_MAP: {
    const char *kd = cd_dec_name(E, t->key), *vd = cd_dec_name(E, t->elem);
    const char *kct = ec_ctype(E, t->key), *vct = ec_ctype(E, t->elem);
    const char *ksp = kct[strlen(kct) - 1] == '*' ? "" : " ";
    const char *vsp = vct[strlen(vct) - 1] == '*' ? "" : " ";
    fprintf(df, "  uint32_t n;\n  if (!ar_wire_get_map(r, &n)) return false;\n"
                "  ar_map *mp = ar_map_new(%s, %s);\n"
                "  for (uint32_t i = 0; i < n; i++) {\n"
                "    %s%sk;\n    %s%sv;\n"
                "    memset(&k, 0, sizeof k);\n    memset(&v, 0, sizeof v);\n"
                "    if (!%s(r, &k)) { ar_map_release(mp); return false; }\n"
                "    if (!%s(r, &v)) { %s; ar_map_release(mp); return false; }\n"
                "    if (ar_map_contains(mp, &k)) {\n"
                "      %s;\n      %s;\n      ar_map_release(mp);\n"
                "      return ar_wire_fail(r, \"duplicate key in a map\");\n"
                "    }\n"
                "    ar_map_insert(mp, &k, &v);\n  }\n"
                "  ar_wire_leave(r);\n  *out = mp;\n  return true;\n",
            ec_vt(E, t->key), ec_vt(E, t->elem), kct, ksp, vct, vsp, kd, vd,
            ec_drop(E, t->key, "k"), ec_drop(E, t->key, "k"),
            ec_drop(E, t->elem, "v"));
    break;
  }
  case TY_TUPLE:
    fprintf(df, "  uint32_t n;\n  if (!ar_wire_get_array(r, &n)) return false;\n"
                "  if (n != %uu) return ar_wire_fail(r, \"expected an array of "
                "%u items, found %%u\", n);\n"
                "  %s t;\n  memset(&t, 0, sizeof t);\n",
            t->nitems, t->nitems, ct);
    for (uint32_t i = 0; i < t->nitems; i++)
      fprintf(df, "  if (!%s(r, &t.f%u)) goto fail;\n",
              cd_dec_name(E, t->items[i]), i);
    fprintf(df, "  ar_wire_leave(r);\n  *out = t;\n  return true;\nfail:\n"
                "  %s;\n  return false;\n",
            ec_drop(E, t, "t"));
    break;
  case TY_OPT:
    if (cd_is_ptr_opt(t))
      fprintf(df, "  if (ar_wire_get_nil(r)) { *out = NULL; return true; }\n"
                  "  return %s(r, out);\n",
              cd_dec_name(E, t->elem));
    else
      fprintf(df, "  %s t;\n  memset(&t, 0, sizeof t);\n"
                  "  if (ar_wire_get_nil(r)) { *out = t; return true; }\n"
                  "  if (!%s(r, &t.v)) return false;\n"
                  "  t.has = true;\n  *out = t;\n  return true;\n",
              ct, cd_dec_name(E, t->elem));
    break;
  case TY_STRUCT: {
    const char *n = t->decl->name.name;
    cd_keyfn(E->defs.f, t->decl, false);
    fprintf(df, "  uint32_t n;\n"
                "  if (!ar_wire_get_map(r, &n)) return ar_wire_at(r, \"%s\", "
                "NULL);\n  %s t;\n  memset(&t, 0, sizeof t);\n",
            n, ct);
    cd_dec_fields(E, df, t->decl, "t.", false);
    fprintf(df, "  *out = t;\n  return true;\nfail:\n  %s;\n  return false;\n",
            ec_drop(E, t, "t"));
    break;
  }
  case TY_MESSAGE: {
    const char *n = t->decl->name.name;
    cd_keyfn(E->defs.f, t->decl, true);
    fprintf(df, "  uint32_t n;\n"
                "  if (!ar_wire_get_map(r, &n)) return ar_wire_at(r, \"%s\", "
                "NULL);\n"
                "  ar_msg *m = ar_msg_alloc(AG_MSG_%s, sizeof(ag_msg_%s));\n"
                "  ag_msg_%s *p = AG_P_%s(m);\n  memset(p, 0, sizeof *p);\n"
                "  ar_wire_hdr h;\n  ar_wire_hdr_init(&h);\n",
            n, n, n, n, n);
    cd_dec_fields(E, df, t->decl, "p->", true);
    fprintf(df, "  ar_wire_hdr_apply(&h, m);\n  *out = m;\n  return true;\n"
                "fail:\n  ag_msg_drop(m);\n  return false;\n");
    break;
  }
  default: AC_ICE("no wire decoder for type kind %d", (int)t->kind);
  }
  fclose(df);
  fprintf(E->defs.f, "%s {\n%s}\n\n", sig, body);
  free(body);
}

/* ------------------------------------------------------------ entry points */

/* ag_wencode_/ag_wdecode_/ag_wread_/ag_wwrite_<M>, once per message. */
static void cd_api(ec *E, type *t) {
  cd_seen *s = cd_find(E, t);
  if (s->api)
    return;
  s->api = true;
  cd_enc(E, t);
  cd_dec(E, t);
  const char *n = t->decl->name.name;
  FILE *pr = E->protos.f, *df = E->defs.f;
  fprintf(pr, "static ar_list *ag_wencode_%s(ar_msg *m);\n"
              "static ar_askres ag_wdecode_%s(const void *p, size_t n);\n"
              "static ar_askres ag_wdecode_b_%s(const ar_list *b);\n"
              "static ar_askres ag_wread_%s(int64_t fd);\n"
              "static ar_str *ag_wwrite_%s(int64_t fd, ar_msg *m);\n",
          n, n, n, n, n);
  fprintf(df,
          "/* wire format of message %s (docs/wire.md) */\n"
          "static ar_list *ag_wencode_%s(ar_msg *m) {\n"
          "  ar_wire_wr w;\n  ar_wire_wr_init(&w);\n  ag_wenc_%s(&w, &m);\n"
          "  ar_list *b = ar_wire_wr_take(&w);\n  ar_wire_wr_free(&w);\n"
          "  return b;\n}\n\n"
          "static ar_askres ag_wdecode_%s(const void *p, size_t n) {\n"
          "  ar_askres res = {0, NULL, NULL};\n  ar_wire_rd r;\n"
          "  ar_wire_rd_init(&r, p, n);\n  ar_msg *m = NULL;\n"
          "  if (ag_wdec_%s(&r, &m) && ar_wire_get_end(&r)) {\n"
          "    res.kind = AR_EV_REPLY;\n    res.reply = m;\n    return res;\n  }\n"
          "  if (m) ag_msg_drop(m);\n  res.kind = AR_EV_FAILED;\n"
          "  res.reason = ar_wire_error(&r, \"%s\");\n  return res;\n}\n\n"
          "static ar_askres ag_wdecode_b_%s(const ar_list *b) {\n"
          "  return ag_wdecode_%s(b ? b->data : NULL, (size_t)ar_list_len(b));\n"
          "}\n\n"
          "static ar_askres ag_wread_%s(int64_t fd) {\n"
          "  ar_askres res = {0, NULL, NULL};\n  void *p;\n  size_t n;\n"
          "  ar_str *err;\n"
          "  ar_status st = ar_wire_read_frame(fd, &p, &n, &err);\n"
          "  if (st == AR_CLOSED) { res.kind = AR_EV_REPLY; return res; }\n"
          "  if (st != AR_OK) { res.kind = AR_EV_FAILED; res.reason = err; "
          "return res; }\n"
          "  res = ag_wdecode_%s(p, n);\n  ar_wire_frame_free(p);\n"
          "  return res;\n}\n\n"
          "static ar_str *ag_wwrite_%s(int64_t fd, ar_msg *m) {\n"
          "  ar_wire_wr w;\n  ar_wire_wr_init(&w);\n  ag_wenc_%s(&w, &m);\n"
          "  ar_str *e = ar_wire_write_frame(fd, w.p, w.n);\n"
          "  ar_wire_wr_free(&w);\n  return e;\n}\n\n",
          n, n, n, n, n, n, n, n, n, n, n, n);
}

/* ag_wfd: a descriptor from runtime/fd.c (-1 on failure) as `i64?`. */
static const char *cd_fd(ec *E, type *opt) {
  const char *ct = ec_ctype(E, opt);
  cd_seen *s = cd_find(E, NULL); /* the NULL entry marks ag_wfd */
  if (!s->api) {
    s->api = true;
    fprintf(E->protos.f, "static %s ag_wfd(int64_t fd);\n", ct);
    fprintf(E->defs.f,
            "static %s ag_wfd(int64_t fd) {\n"
            "  %s r;\n  memset(&r, 0, sizeof r);\n"
            "  if (fd >= 0) { r.has = true; r.v = fd; }\n  return r;\n}\n\n",
            ct, ct);
  }
  return "ag_wfd";
}

/* The message type a wire builtin works on (NULL for the others). */
static type *cd_msg_of(ast_expr *e) {
  ast_list *args = &e->u.call.args;
  ast_expr *a = NULL;
  switch (e->u.call.builtin) {
  case BI_ENCODE:
  case BI_DECODE:
  case BI_READ_MSG: a = args->len ? args->items[0] : NULL; break;
  case BI_WRITE_MSG: a = args->len > 1 ? args->items[1] : NULL; break;
  default: return NULL;
  }
  type *t = a ? ec_strip(a->ty) : NULL;
  return t && t->kind == TY_MESSAGE ? t : NULL;
}

const char *emit_c_codec_call(ec *E, ast_expr *e) {
  ast_list *args = &e->u.call.args;
  ast_expr *a0 = args->len ? args->items[0] : NULL;
  ast_expr *a1 = args->len > 1 ? args->items[1] : NULL;
  type *mt = cd_msg_of(e);
  if (mt)
    cd_api(E, mt);
  const char *n = mt ? mt->decl->name.name : "?";
  switch (e->u.call.builtin) {
  case BI_ENCODE:
    return ec_printf(E, "ag_wencode_%s(%s)", n, ex(E, a0, EX_BORROW, NULL));
  case BI_DECODE:
    ec_need(E, e->ty);
    return ec_printf(E, "ag_wdecode_b_%s(%s)", n, ex(E, a1, EX_BORROW, NULL));
  case BI_READ_MSG:
    ec_need(E, e->ty);
    return ec_printf(E, "ag_wread_%s((int64_t)(%s))", n,
                     ex(E, a1, EX_BORROW, NULL));
  case BI_WRITE_MSG: {
    const char *fd = ex(E, a0, EX_BORROW, NULL);
    return ec_printf(E, "ag_wwrite_%s((int64_t)(%s), %s)", n, fd,
                     ex(E, a1, EX_BORROW, NULL));
  }
  case BI_OPEN_READ:
  case BI_OPEN_WRITE:
    return ec_printf(E, "%s(ar_wire_open(%s, %s))", cd_fd(E, e->ty),
                     ex(E, a0, EX_BORROW, NULL),
                     e->u.call.builtin == BI_OPEN_WRITE ? "true" : "false");
  case BI_LISTEN_SOCKET:
  case BI_CONNECT_SOCKET:
  case BI_ACCEPT_SOCKET:
  case BI_SOCKET_PORT: {
    int b = e->u.call.builtin;
    const char *fn = b == BI_LISTEN_SOCKET    ? "ar_wire_listen"
                     : b == BI_CONNECT_SOCKET ? "ar_wire_connect"
                     : b == BI_ACCEPT_SOCKET  ? "ar_wire_accept"
                                              : "ar_wire_local_port";
    const char *arg = ex(E, a0, EX_BORROW, NULL);
    if (b == BI_ACCEPT_SOCKET || b == BI_SOCKET_PORT)
      arg = ec_printf(E, "(int64_t)(%s)", arg);
    return ec_printf(E, "%s(%s(%s))", cd_fd(E, e->ty), fn, arg);
  }
  case BI_OS_ERROR: return "ar_wire_os_error()";
  case BI_CLOSE_FD:
    return ec_printf(E, "ar_wire_close((int64_t)(%s))",
                     ex(E, a0, EX_BORROW, NULL));
  default: AC_UNREACHABLE();
  }
}

/* ------------------------------------------------------------ check */

/* E0601 for field defaults the decoder cannot rebuild (not plain
 * literals), in every record reached from message t. */
static void cd_check_type(ec *E, type *t, ast_list *walked, int depth) {
  t = ec_strip(t);
  if (!t || depth > 64)
    return;
  switch (t->kind) {
  case TY_LIST:
  case TY_OPT: cd_check_type(E, t->elem, walked, depth + 1); return;
  case TY_MAP:
    cd_check_type(E, t->key, walked, depth + 1);
    cd_check_type(E, t->elem, walked, depth + 1);
    return;
  case TY_TUPLE:
    for (uint32_t i = 0; i < t->nitems; i++)
      cd_check_type(E, t->items[i], walked, depth + 1);
    return;
  case TY_MESSAGE:
  case TY_STRUCT: break;
  default: return;
  }
  for (uint32_t i = 0; i < walked->len; i++)
    if (walked->items[i] == t->decl)
      return;
  ast_list_push(E->cx->perm, walked, t->decl);
  for (uint32_t i = 0; i < t->decl->u.record.fields.len; i++) {
    ast_field *f = t->decl->u.record.fields.items[i];
    type *ft = cd_field_ty(f);
    if (f->default_ && !cd_default_ok(f->default_, ft, 0))
      ec_unsupported(E, f->default_->sp,
                     "a field default that is not a literal, in a message "
                     "that is encoded or decoded,");
    cd_check_type(E, ft, walked, depth + 1);
  }
}

void emit_c_codec_check(ec *E, ast_expr *e) {
  type *mt = cd_msg_of(e);
  if (!mt)
    return;
  ast_list walked;
  memset(&walked, 0, sizeof walked);
  cd_check_type(E, mt, &walked, 0);
}
