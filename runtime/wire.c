/* wire.c — the msgpack wire format of messages (issue 6, docs/wire.md):
 * the writer the generated encoders call (on msgpack-c's packer), the
 * bounds-checked pull reader the generated decoders call, ISO-8601 times,
 * and length-prefixed frames on file descriptors.  Declared in the "wire
 * format" section of ar.h.
 *
 * The reader trusts nothing: every read checks the remaining length, every
 * container count is checked against the bytes left (each element needs at
 * least one byte) and against the limits, nesting is bounded, strings must
 * be UTF-8, integers must fit their target type.  It never allocates in
 * proportion to a declared count, only to what it has actually read, so a
 * hostile header cannot make it reserve memory (msgpack-c 4.0's unpacker
 * reserves `count * sizeof(msgpack_object)` before reading the elements,
 * which is why decoding does not go through it; the tests use it as the
 * independent reference reader).  Only header-inline parts of msgpack-c are
 * used here, so libactor links without libmsgpackc.
 */
#include "ari.h"

#include <errno.h>
#include <msgpack/pack.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ============================================================ writer */

static void ari_wire_grow(ar_wire_wr *w, size_t more) {
  size_t need = w->n + more;
  if (need <= w->cap)
    return;
  size_t cap = w->cap ? w->cap : 256;
  while (cap < need)
    cap *= 2;
  char *p = realloc(w->p, cap);
  if (!p) {
    fputs("libactor: out of memory (wire writer)\n", stderr);
    abort();
  }
  w->p = p;
  w->cap = cap;
}

/* msgpack_packer's write callback: appends to the writer. */
static int ari_wire_cb(void *data, const char *buf, size_t len) {
  ar_wire_wr *w = data;
  if (len == 0)
    return 0; /* an empty body may come with a NULL pointer */
  if (w->cap - w->n < len)
    ari_wire_grow(w, len);
  memcpy(w->p + w->n, buf, len);
  w->n += len;
  return 0;
}

#define ARI_PK(w) msgpack_packer pk = {(w), ari_wire_cb}

void ar_wire_wr_init(ar_wire_wr *w) {
  w->p = NULL;
  w->n = 0;
  w->cap = 0;
}

void ar_wire_wr_free(ar_wire_wr *w) {
  free(w->p);
  ar_wire_wr_init(w);
}

ar_list *ar_wire_wr_take(ar_wire_wr *w) {
  ar_list *l = ar_list_new(&ar_vt_u8, (int64_t)w->n);
  if (w->n)
    memcpy(l->data, w->p, w->n);
  l->len = (int64_t)w->n;
  w->n = 0;
  return l;
}

void ar_wire_put_nil(ar_wire_wr *w) {
  ARI_PK(w);
  msgpack_pack_nil(&pk);
}

void ar_wire_put_bool(ar_wire_wr *w, bool v) {
  ARI_PK(w);
  if (v)
    msgpack_pack_true(&pk);
  else
    msgpack_pack_false(&pk);
}

void ar_wire_put_i64(ar_wire_wr *w, int64_t v) {
  ARI_PK(w);
  msgpack_pack_int64(&pk, v);
}

void ar_wire_put_u64(ar_wire_wr *w, uint64_t v) {
  ARI_PK(w);
  msgpack_pack_uint64(&pk, v);
}

void ar_wire_put_f32(ar_wire_wr *w, float v) {
  ARI_PK(w);
  msgpack_pack_float(&pk, v);
}

void ar_wire_put_f64(ar_wire_wr *w, double v) {
  ARI_PK(w);
  msgpack_pack_double(&pk, v);
}

void ar_wire_put_cstr(ar_wire_wr *w, const char *p, size_t n) {
  ARI_PK(w);
  msgpack_pack_str(&pk, n);
  msgpack_pack_str_body(&pk, p, n);
}

void ar_wire_put_str(ar_wire_wr *w, const ar_str *s) {
  if (!s)
    ar_wire_put_cstr(w, "", 0);
  else
    ar_wire_put_cstr(w, s->ptr, s->len);
}

void ar_wire_put_bin(ar_wire_wr *w, const void *p, size_t n) {
  ARI_PK(w);
  msgpack_pack_bin(&pk, n);
  msgpack_pack_bin_body(&pk, p, n);
}

void ar_wire_put_bytes(ar_wire_wr *w, const ar_list *b) {
  ar_wire_put_bin(w, b ? b->data : NULL, b ? (size_t)b->len : 0);
}

void ar_wire_put_uuid(ar_wire_wr *w, const ar_uuid *u) {
  ar_wire_put_bin(w, u->b, 16);
}

void ar_wire_put_time(ar_wire_wr *w, int64_t ns) {
  char t[AR_WIRE_TIME_LEN + 1];
  ar_wire_format_time(ns, t);
  ar_wire_put_cstr(w, t, AR_WIRE_TIME_LEN);
}

void ar_wire_put_map(ar_wire_wr *w, uint32_t n) {
  ARI_PK(w);
  msgpack_pack_map(&pk, n);
}

void ar_wire_put_array(ar_wire_wr *w, uint32_t n) {
  ARI_PK(w);
  msgpack_pack_array(&pk, n);
}

void ar_wire_put_header(ar_wire_wr *w, ar_msg *m) {
  ar_wire_put_cstr(w, "id", 2);
  ar_wire_put_uuid(w, ar_msg_id(m));
  ar_wire_put_cstr(w, "priority", 8);
  ar_wire_put_u64(w, m->priority);
  ar_wire_put_cstr(w, "correlation", 11);
  const ar_uuid *c = ar_msg_correlation(m);
  if (c)
    ar_wire_put_uuid(w, c);
  else
    ar_wire_put_nil(w);
}

void ar_wire_msg_set_id(ar_msg *m, const ar_uuid *id) {
  ari_msg_ext_of(m)->id = *id;
  m->flags |= AR_MSGF_HAS_ID;
}

/* ============================================================ reader */

void ar_wire_rd_init(ar_wire_rd *r, const void *p, size_t n) {
  r->p = p;
  r->end = r->p + n;
  r->depth = 0;
  r->items = AR_WIRE_MAX_ITEMS;
  r->err[0] = 0;
  r->at_type = NULL;
  r->at_field = NULL;
  if (n > AR_WIRE_MAX_SIZE) {
    ar_wire_fail(r, "input of %zu bytes exceeds the limit of %u bytes", n,
                 (unsigned)AR_WIRE_MAX_SIZE);
    r->end = r->p; /* every later read fails */
  }
}

bool ar_wire_fail(ar_wire_rd *r, const char *fmt, ...) {
  if (r->err[0])
    return false; /* the first error is the one reported */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, sizeof r->err, fmt, ap);
  va_end(ap);
  if (!r->err[0])
    snprintf(r->err, sizeof r->err, "malformed input");
  r->end = r->p; /* nothing after an error reads anything */
  return false;
}

bool ar_wire_at(ar_wire_rd *r, const char *type, const char *field) {
  if (!r->at_type) {
    r->at_type = type;
    r->at_field = field;
  }
  return false;
}

bool ar_wire_missing(ar_wire_rd *r, const char *type, const char *field) {
  ar_wire_fail(r, "missing required field `%s`", field);
  return ar_wire_at(r, type, NULL);
}

bool ar_wire_dup(ar_wire_rd *r, const char *type, const char *field) {
  ar_wire_fail(r, "duplicate field `%s`", field);
  return ar_wire_at(r, type, NULL);
}

bool ar_wire_get_end(ar_wire_rd *r) {
  if (r->err[0])
    return false;
  if (r->p != r->end)
    return ar_wire_fail(r, "%zu trailing bytes after the message",
                        (size_t)(r->end - r->p));
  return true;
}

ar_str *ar_wire_error(const ar_wire_rd *r, const char *what) {
  char buf[400];
  const char *e = r->err[0] ? r->err : "malformed input";
  if (r->at_type && r->at_field)
    snprintf(buf, sizeof buf, "cannot decode `%s`: field `%s` of `%s`: %s",
             what, r->at_field, r->at_type, e);
  else if (r->at_type && strcmp(r->at_type, what) != 0)
    snprintf(buf, sizeof buf, "cannot decode `%s`: in `%s`: %s", what,
             r->at_type, e);
  else
    snprintf(buf, sizeof buf, "cannot decode `%s`: %s", what, e);
  return ar_str_new(buf, strlen(buf));
}

static bool ari_wire_is_int(uint8_t b) {
  return b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3);
}

/* What a leading byte introduces, for "expected X, found Y". */
static const char *ari_wire_kind(uint8_t b) {
  if (ari_wire_is_int(b))
    return "an integer";
  if (b <= 0x8f || b == 0xde || b == 0xdf)
    return "a map";
  if (b <= 0x9f || b == 0xdc || b == 0xdd)
    return "an array";
  if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb))
    return "a string";
  switch (b) {
  case 0xc0: return "nil";
  case 0xc2:
  case 0xc3: return "a bool";
  case 0xc4:
  case 0xc5:
  case 0xc6: return "binary data";
  case 0xca:
  case 0xcb: return "a float";
  case 0xc1: return "the reserved byte 0xc1";
  default: return "an extension value";
  }
}

static bool ari_wire_expected(ar_wire_rd *r, const char *what) {
  if (r->p >= r->end)
    return ar_wire_fail(r, "truncated input: expected %s", what);
  return ar_wire_fail(r, "expected %s, found %s", what, ari_wire_kind(*r->p));
}

static bool ari_wire_need(ar_wire_rd *r, size_t n) {
  if ((size_t)(r->end - r->p) < n)
    return ar_wire_fail(r, "truncated input");
  return true;
}

static uint64_t ari_be(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v = (v << 8) | p[i];
  return v;
}

/* Reads an n-byte big-endian length after the type byte. */
static bool ari_wire_len(ar_wire_rd *r, int n, uint32_t *out) {
  if (!ari_wire_need(r, 1 + (size_t)n))
    return false;
  *out = (uint32_t)ari_be(r->p + 1, n);
  r->p += 1 + n;
  return true;
}

static bool ari_wire_container(ar_wire_rd *r, bool map, uint32_t *out) {
  if (r->p >= r->end)
    return ari_wire_expected(r, map ? "a map" : "an array");
  uint8_t b = *r->p;
  uint32_t n;
  if (map && b >= 0x80 && b <= 0x8f) {
    n = b & 0x0f;
    r->p++;
  } else if (!map && b >= 0x90 && b <= 0x9f) {
    n = b & 0x0f;
    r->p++;
  } else if (b == (map ? 0xde : 0xdc)) {
    if (!ari_wire_len(r, 2, &n))
      return false;
  } else if (b == (map ? 0xdf : 0xdd)) {
    if (!ari_wire_len(r, 4, &n))
      return false;
  } else {
    return ari_wire_expected(r, map ? "a map" : "an array");
  }
  const char *what = map ? "map" : "array";
  if (n > AR_WIRE_MAX_LEN)
    return ar_wire_fail(r, "%s of %u entries exceeds the limit of %u", what, n,
                        (unsigned)AR_WIRE_MAX_LEN);
  /* every element takes at least one byte, every map entry two */
  uint64_t min = map ? 2ull * n : n;
  if (min > (uint64_t)(r->end - r->p))
    return ar_wire_fail(r, "truncated input: %s of %u entries in %zu bytes",
                        what, n, (size_t)(r->end - r->p));
  if (n > r->items)
    return ar_wire_fail(r, "more than %u values in one message",
                        (unsigned)AR_WIRE_MAX_ITEMS);
  r->items -= n;
  if (r->depth >= AR_WIRE_MAX_DEPTH)
    return ar_wire_fail(r, "nesting deeper than %u levels",
                        (unsigned)AR_WIRE_MAX_DEPTH);
  r->depth++;
  *out = n;
  return true;
}

bool ar_wire_get_map(ar_wire_rd *r, uint32_t *out_n) {
  return ari_wire_container(r, true, out_n);
}

bool ar_wire_get_array(ar_wire_rd *r, uint32_t *out_n) {
  return ari_wire_container(r, false, out_n);
}

void ar_wire_leave(ar_wire_rd *r) {
  if (r->depth)
    r->depth--;
}

bool ar_wire_get_nil(ar_wire_rd *r) {
  if (r->p < r->end && *r->p == 0xc0) {
    r->p++;
    return true;
  }
  return false;
}

bool ar_wire_get_bool(ar_wire_rd *r, bool *out) {
  if (r->p < r->end && (*r->p == 0xc2 || *r->p == 0xc3)) {
    *out = *r->p++ == 0xc3;
    return true;
  }
  return ari_wire_expected(r, "a bool");
}

/* Any msgpack integer: *neg set when it is below zero (then *v is the
 * two's-complement int64 value), else *v is the unsigned value. */
static bool ari_wire_int(ar_wire_rd *r, bool *neg, uint64_t *v) {
  if (r->p >= r->end)
    return ari_wire_expected(r, "an integer");
  uint8_t b = *r->p;
  if (b <= 0x7f) {
    *neg = false;
    *v = b;
    r->p++;
    return true;
  }
  if (b >= 0xe0) {
    *neg = true;
    *v = (uint64_t)(int64_t)(int8_t)b;
    r->p++;
    return true;
  }
  if (b >= 0xcc && b <= 0xcf) { /* uint 8/16/32/64 */
    int n = 1 << (b - 0xcc);
    if (!ari_wire_need(r, 1 + (size_t)n))
      return false;
    *v = ari_be(r->p + 1, n);
    *neg = false;
    r->p += 1 + n;
    return true;
  }
  if (b >= 0xd0 && b <= 0xd3) { /* int 8/16/32/64 */
    int n = 1 << (b - 0xd0);
    if (!ari_wire_need(r, 1 + (size_t)n))
      return false;
    uint64_t u = ari_be(r->p + 1, n);
    int64_t s;
    switch (n) {
    case 1: s = (int8_t)(uint8_t)u; break;
    case 2: s = (int16_t)(uint16_t)u; break;
    case 4: s = (int32_t)(uint32_t)u; break;
    default: s = (int64_t)u; break;
    }
    *neg = s < 0;
    *v = (uint64_t)s;
    r->p += 1 + n;
    return true;
  }
  return ari_wire_expected(r, "an integer");
}

bool ar_wire_get_int(ar_wire_rd *r, const char *type, int64_t min,
                     int64_t max, int64_t *out) {
  bool neg;
  uint64_t v;
  if (!ari_wire_int(r, &neg, &v))
    return false;
  if (neg) {
    if ((int64_t)v < min)
      return ar_wire_fail(r, "integer %lld out of range for %s",
                          (long long)(int64_t)v, type);
    *out = (int64_t)v;
    return true;
  }
  if (v > (uint64_t)max)
    return ar_wire_fail(r, "integer %llu out of range for %s",
                        (unsigned long long)v, type);
  *out = (int64_t)v;
  return true;
}

bool ar_wire_get_uint(ar_wire_rd *r, const char *type, uint64_t max,
                      uint64_t *out) {
  bool neg;
  uint64_t v;
  if (!ari_wire_int(r, &neg, &v))
    return false;
  if (neg)
    return ar_wire_fail(r, "integer %lld out of range for %s",
                        (long long)(int64_t)v, type);
  if (v > max)
    return ar_wire_fail(r, "integer %llu out of range for %s",
                        (unsigned long long)v, type);
  *out = v;
  return true;
}

bool ar_wire_get_f64(ar_wire_rd *r, double *out) {
  if (r->p < r->end && *r->p == 0xcb) {
    if (!ari_wire_need(r, 9))
      return false;
    uint64_t u = ari_be(r->p + 1, 8);
    memcpy(out, &u, 8);
    r->p += 9;
    return true;
  }
  if (r->p < r->end && *r->p == 0xca) {
    if (!ari_wire_need(r, 5))
      return false;
    uint32_t u = (uint32_t)ari_be(r->p + 1, 4);
    float f;
    memcpy(&f, &u, 4);
    *out = f;
    r->p += 5;
    return true;
  }
  /* integers are numbers too: other writers send 1.0 as 1 */
  if (r->p < r->end && ari_wire_is_int(*r->p)) {
    bool neg;
    uint64_t v;
    if (!ari_wire_int(r, &neg, &v))
      return false;
    *out = neg ? (double)(int64_t)v : (double)v;
    return true;
  }
  return ari_wire_expected(r, "a float");
}

bool ar_wire_get_f32(ar_wire_rd *r, float *out) {
  if (r->p < r->end && *r->p == 0xca) { /* exact: no trip through double */
    if (!ari_wire_need(r, 5))
      return false;
    uint32_t u = (uint32_t)ari_be(r->p + 1, 4);
    memcpy(out, &u, 4);
    r->p += 5;
    return true;
  }
  double d;
  if (!ar_wire_get_f64(r, &d))
    return false;
  *out = (float)d;
  return true;
}

/* Reads a str header and returns the body in place (no copy). */
static bool ari_wire_strbody(ar_wire_rd *r, const char **p, uint32_t *n) {
  if (r->p >= r->end)
    return ari_wire_expected(r, "a string");
  uint8_t b = *r->p;
  if (b >= 0xa0 && b <= 0xbf) {
    *n = b & 0x1f;
    r->p++;
  } else if (b >= 0xd9 && b <= 0xdb) {
    if (!ari_wire_len(r, 1 << (b - 0xd9), n))
      return false;
  } else {
    return ari_wire_expected(r, "a string");
  }
  if (!ari_wire_need(r, *n))
    return false;
  *p = (const char *)r->p;
  r->p += *n;
  return true;
}

bool ar_wire_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *e = p + n;
  while (p < e) {
    unsigned c = *p;
    if (c < 0x80) {
      p++;
      continue;
    }
    int len;
    uint32_t cp, min;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
      min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
      min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
      min = 0x10000;
    } else {
      return false;
    }
    if (e - p < len)
      return false;
    for (int i = 1; i < len; i++) {
      if ((p[i] & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    p += len;
  }
  return true;
}

bool ar_wire_get_key(ar_wire_rd *r, const char **out_p, uint32_t *out_n) {
  return ari_wire_strbody(r, out_p, out_n);
}

bool ar_wire_get_str(ar_wire_rd *r, ar_str **out) {
  const char *p;
  uint32_t n;
  if (!ari_wire_strbody(r, &p, &n))
    return false;
  if (!ar_wire_utf8_valid(p, n))
    return ar_wire_fail(r, "invalid UTF-8 in a string");
  *out = ar_str_new(p, n);
  return true;
}

static bool ari_wire_binbody(ar_wire_rd *r, const uint8_t **p, uint32_t *n) {
  if (r->p >= r->end)
    return ari_wire_expected(r, "binary data");
  uint8_t b = *r->p;
  if (b < 0xc4 || b > 0xc6)
    return ari_wire_expected(r, "binary data");
  if (!ari_wire_len(r, 1 << (b - 0xc4), n) || !ari_wire_need(r, *n))
    return false;
  *p = r->p;
  r->p += *n;
  return true;
}

bool ar_wire_get_bytes(ar_wire_rd *r, ar_list **out) {
  const uint8_t *p;
  uint32_t n;
  if (!ari_wire_binbody(r, &p, &n))
    return false;
  ar_list *l = ar_list_new(&ar_vt_u8, n);
  if (n)
    memcpy(l->data, p, n);
  l->len = n;
  *out = l;
  return true;
}

bool ar_wire_get_uuid(ar_wire_rd *r, ar_uuid *out) {
  const uint8_t *p;
  uint32_t n;
  if (!ari_wire_binbody(r, &p, &n))
    return false;
  if (n != 16)
    return ar_wire_fail(r, "a uuid is 16 bytes of binary data, found %u", n);
  memcpy(out->b, p, 16);
  return true;
}

bool ar_wire_get_time(ar_wire_rd *r, int64_t *out) {
  const char *p;
  uint32_t n;
  if (!ari_wire_strbody(r, &p, &n))
    return false;
  if (!ar_wire_parse_time(p, n, out)) {
    if (n > 40 || !ar_wire_utf8_valid(p, n))
      return ar_wire_fail(r, "invalid time: expected an ISO-8601 string such "
                             "as \"2024-01-31T12:00:00Z\"");
    return ar_wire_fail(r, "invalid time \"%.*s\": expected an ISO-8601 "
                           "string such as \"2024-01-31T12:00:00Z\"",
                        (int)n, p);
  }
  return true;
}

bool ar_wire_get_variant(ar_wire_rd *r, const char *type,
                         const char *const *names, uint32_t n, int32_t *out) {
  const char *p;
  uint32_t len;
  if (!ari_wire_strbody(r, &p, &len))
    return false;
  for (uint32_t i = 0; i < n; i++)
    if (strlen(names[i]) == len && memcmp(names[i], p, len) == 0) {
      *out = (int32_t)i;
      return true;
    }
  if (len > 64 || !ar_wire_utf8_valid(p, len))
    return ar_wire_fail(r, "unknown variant of enum `%s`", type);
  return ar_wire_fail(r, "unknown variant \"%.*s\" of enum `%s`", (int)len, p,
                      type);
}

bool ar_wire_skip(ar_wire_rd *r) {
  if (r->p >= r->end)
    return ari_wire_expected(r, "a value");
  uint8_t b = *r->p;
  uint32_t n;
  /* fixed-size scalars */
  if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
    r->p++;
    return true;
  }
  if ((b >= 0x80 && b <= 0x9f) || b == 0xdc || b == 0xdd || b == 0xde ||
      b == 0xdf) {
    bool map = (b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf;
    if (!ari_wire_container(r, map, &n))
      return false;
    for (uint64_t i = 0; i < (map ? 2ull * n : n); i++)
      if (!ar_wire_skip(r))
        return false;
    ar_wire_leave(r);
    return true;
  }
  if ((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb)) {
    const char *p;
    return ari_wire_strbody(r, &p, &n);
  }
  size_t fixed = 0;
  switch (b) {
  case 0xc4:
  case 0xc5:
  case 0xc6: {
    const uint8_t *p;
    return ari_wire_binbody(r, &p, &n);
  }
  case 0xc7:
  case 0xc8:
  case 0xc9: /* ext 8/16/32: length, type byte, data */
    if (!ari_wire_len(r, 1 << (b - 0xc7), &n))
      return false;
    if (!ari_wire_need(r, (size_t)n + 1))
      return false;
    r->p += (size_t)n + 1;
    return true;
  case 0xca: fixed = 5; break;
  case 0xcb: fixed = 9; break;
  case 0xcc: fixed = 2; break;
  case 0xcd: fixed = 3; break;
  case 0xce: fixed = 5; break;
  case 0xcf: fixed = 9; break;
  case 0xd0: fixed = 2; break;
  case 0xd1: fixed = 3; break;
  case 0xd2: fixed = 5; break;
  case 0xd3: fixed = 9; break;
  case 0xd4: fixed = 3; break; /* fixext 1 */
  case 0xd5: fixed = 4; break;
  case 0xd6: fixed = 6; break;
  case 0xd7: fixed = 10; break;
  case 0xd8: fixed = 18; break;
  default: return ar_wire_fail(r, "the reserved byte 0xc1 is not msgpack");
  }
  if (!ari_wire_need(r, fixed))
    return false;
  r->p += fixed;
  return true;
}

void ar_wire_hdr_init(ar_wire_hdr *h) {
  memset(h, 0, sizeof *h);
  h->priority = AR_PRIO_DEFAULT;
}

bool ar_wire_get_hdr(ar_wire_rd *r, int which, ar_wire_hdr *h) {
  uint8_t bit = (uint8_t)(1u << which);
  static const char *const names[] = {"id", "priority", "correlation"};
  if (h->seen & bit) {
    ar_wire_fail(r, "duplicate field `%s`", names[which]);
    return false;
  }
  h->seen |= bit;
  switch (which) {
  case AR_WIRE_HDR_ID: h->has_id = true; return ar_wire_get_uuid(r, &h->id);
  case AR_WIRE_HDR_PRIORITY: {
    uint64_t v;
    if (!ar_wire_get_uint(r, "u8", 255, &v))
      return false;
    h->priority = (uint8_t)v;
    return true;
  }
  default:
    if (ar_wire_get_nil(r))
      return true;
    h->has_corr = true;
    return ar_wire_get_uuid(r, &h->corr);
  }
}

void ar_wire_hdr_apply(const ar_wire_hdr *h, ar_msg *m) {
  m->priority = h->priority;
  if (h->has_id)
    ar_wire_msg_set_id(m, &h->id);
  if (h->has_corr)
    ar_msg_set_correlation(m, &h->corr);
}

/* ============================================================ time */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t ari_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void ari_civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

void ar_wire_format_time(int64_t ns, char *out) {
  int64_t secs = ns / 1000000000, frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    secs -= 1;
  }
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  int64_t y;
  int mo, d;
  ari_civil_from_days(days, &y, &mo, &d);
  char t[96]; /* roomy: the compiler cannot see the value ranges */
  snprintf(t, sizeof t, "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", (int)y, mo, d,
           (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
           (int)frac);
  memcpy(out, t, AR_WIRE_TIME_LEN);
  out[AR_WIRE_TIME_LEN] = 0;
}

static bool ari_digits(const char *p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9')
      return false;
    v = v * 10 + (p[i] - '0');
  }
  *out = v;
  return true;
}

bool ar_wire_parse_time(const char *p, size_t n, int64_t *out) {
  int y, mo, d, h, mi, s;
  if (n < 20 || !ari_digits(p, 4, &y) || p[4] != '-' ||
      !ari_digits(p + 5, 2, &mo) || p[7] != '-' || !ari_digits(p + 8, 2, &d) ||
      (p[10] != 'T' && p[10] != 't') || !ari_digits(p + 11, 2, &h) ||
      p[13] != ':' || !ari_digits(p + 14, 2, &mi) || p[16] != ':' ||
      !ari_digits(p + 17, 2, &s))
    return false;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 ||
      d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 || s > 59)
    return false;
  size_t i = 19;
  int64_t frac = 0;
  if (i < n && p[i] == '.') {
    i++;
    int nd = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') {
      if (nd == 9)
        return false; /* below a nanosecond */
      frac = frac * 10 + (p[i] - '0');
      nd++;
      i++;
    }
    if (nd == 0)
      return false;
    for (; nd < 9; nd++)
      frac *= 10;
  }
  int64_t off = 0;
  if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
    i++;
  } else if (i + 6 == n && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
    int oh, om;
    if (!ari_digits(p + i + 1, 2, &oh) || !ari_digits(p + i + 4, 2, &om) ||
        oh > 23 || om > 59)
      return false;
    off = (oh * 3600 + om * 60) * (p[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return false;
  }
  if (i != n)
    return false;
  int64_t secs = ari_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
                 s - off;
  if (secs < 0 && frac > 0) { /* keep the product in range near INT64_MIN */
    secs += 1;
    frac -= 1000000000;
  }
  int64_t ns;
  if (__builtin_mul_overflow(secs, (int64_t)1000000000, &ns) ||
      __builtin_add_overflow(ns, frac, &ns))
    return false;
  *out = ns;
  return true;
}

/* ============================================================ frames */

static ar_str *ari_wire_errstr(const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return ar_str_new(buf, strlen(buf));
}

/* Reads up to n bytes (fewer only at end of input); -1 on an error. */
static ssize_t ari_read_full(int fd, uint8_t *p, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t k = read(fd, p + got, n - got);
    if (k == 0)
      break;
    if (k < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    got += (size_t)k;
  }
  return (ssize_t)got;
}

ar_status ar_wire_read_frame(int64_t fd, void **out_p, size_t *out_n,
                             ar_str **out_err) {
  *out_p = NULL;
  *out_n = 0;
  *out_err = NULL;
  if (fd < 0 || fd > INT32_MAX) {
    *out_err = ari_wire_errstr("read_msg: invalid descriptor %lld",
                               (long long)fd);
    return AR_BADMSG;
  }
  uint8_t h[4];
  ssize_t k = ari_read_full((int)fd, h, 4);
  if (k == 0)
    return AR_CLOSED;
  if (k < 0) {
    *out_err = ari_wire_errstr("read_msg: %s", strerror(errno));
    return AR_BADMSG;
  }
  if (k < 4) {
    *out_err = ari_wire_errstr("read_msg: truncated frame header (%zd of 4 "
                               "bytes)", k);
    return AR_BADMSG;
  }
  size_t n = (size_t)ari_be(h, 4);
  if (n > AR_WIRE_MAX_SIZE) {
    *out_err = ari_wire_errstr("read_msg: frame of %zu bytes exceeds the limit "
                               "of %u bytes", n, (unsigned)AR_WIRE_MAX_SIZE);
    return AR_BADMSG;
  }
  /* grow with what arrives, so a lying header costs nothing up front */
  size_t cap = n < 65536 ? n : 65536, got = 0;
  uint8_t *buf = malloc(cap ? cap : 1);
  if (!buf) {
    fputs("libactor: out of memory (read_msg)\n", stderr);
    abort();
  }
  while (got < n) {
    if (got == cap) {
      cap = cap * 2 < n ? cap * 2 : n;
      uint8_t *nb = realloc(buf, cap);
      if (!nb) {
        fputs("libactor: out of memory (read_msg)\n", stderr);
        abort();
      }
      buf = nb;
    }
    size_t want = cap - got;
    k = ari_read_full((int)fd, buf + got, want);
    if (k < 0) {
      *out_err = ari_wire_errstr("read_msg: %s", strerror(errno));
      free(buf);
      return AR_BADMSG;
    }
    got += (size_t)k;
    if ((size_t)k < want) {
      *out_err = ari_wire_errstr("read_msg: truncated frame (%zu of %zu "
                                 "bytes)", got, n);
      free(buf);
      return AR_BADMSG;
    }
  }
  *out_p = buf;
  *out_n = n;
  return AR_OK;
}

void ar_wire_frame_free(void *p) { free(p); }

/* Writes all of p; a closed pipe or socket is EPIPE, never SIGPIPE: sockets
 * use MSG_NOSIGNAL, other descriptors block SIGPIPE in this thread for the
 * write and consume the signal it raised. */
static int ari_write_all(int fd, const uint8_t *p, size_t n) {
  size_t done = 0;
  bool sock = true;
  while (done < n) {
    ssize_t k;
    if (sock) {
      k = send(fd, p + done, n - done, MSG_NOSIGNAL);
      if (k < 0 && errno == ENOTSOCK) {
        sock = false;
        continue;
      }
    } else {
      sigset_t block, old;
      sigemptyset(&block);
      sigaddset(&block, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &block, &old);
      k = write(fd, p + done, n - done);
      int e = errno;
      if (k < 0 && e == EPIPE) {
        struct timespec zero = {0, 0};
        sigset_t pending;
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE))
          sigtimedwait(&block, NULL, &zero);
      }
      pthread_sigmask(SIG_SETMASK, &old, NULL);
      errno = e;
    }
    if (k < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    done += (size_t)k;
  }
  return 0;
}

ar_str *ar_wire_write_frame(int64_t fd, const void *p, size_t n) {
  if (fd < 0 || fd > INT32_MAX)
    return ari_wire_errstr("write_msg: invalid descriptor %lld", (long long)fd);
  if (n > AR_WIRE_MAX_SIZE)
    return ari_wire_errstr("write_msg: message of %zu bytes exceeds the limit "
                           "of %u bytes", n, (unsigned)AR_WIRE_MAX_SIZE);
  uint8_t h[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                  (uint8_t)n};
  /* one write for small frames, so concurrent writers never interleave
   * inside a frame on a pipe (PIPE_BUF) */
  uint8_t small[4096];
  int e;
  if (n + 4 <= sizeof small) {
    memcpy(small, h, 4);
    if (n)
      memcpy(small + 4, p, n);
    e = ari_write_all((int)fd, small, n + 4);
  } else {
    e = ari_write_all((int)fd, h, 4);
    if (!e)
      e = ari_write_all((int)fd, p, n);
  }
  if (e)
    return ari_wire_errstr("write_msg: %s", strerror(e));
  return NULL;
}
