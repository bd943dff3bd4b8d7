/* test_wire.c — the msgpack wire format (make check-wire, docs/wire.md).
 *
 * Links the C that actorc emits for tests/wire/types.actor (WIRE_GEN, its
 * main() renamed) and calls the generated codecs directly:
 *   - golden byte vectors, checked by hand against the msgpack spec;
 *   - round trips of every type over seeded random values (edge-biased);
 *   - interoperability with plain msgpack-c (its packer writes, we read;
 *     we write, its unpacker reads);
 *   - malformed input of every kind: a clear error, never a crash or leak
 *     (the ASan variant runs the same binary);
 *   - frames on pipes and sockets, ISO-8601 times.
 * `test_wire --seeds DIR` writes the fuzzer's seed corpus instead.
 * Everything runs inside ar_run_fn: messages come from the runtime's pools.
 */
#include <errno.h>
#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int ag_generated_main(int argc, char **argv);
#define main ag_generated_main
#include WIRE_GEN
#undef main

#include "check.h"

/* ------------------------------------------------------------ helpers */

static uint64_t rng_s;
static uint64_t rnd(void) { /* splitmix64 */
  uint64_t z = (rng_s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static uint64_t rndn(uint64_t n) { return n ? rnd() % n : 0; }

static bool bytes_eq(const void *got, size_t gn, const uint8_t *want,
                     size_t wn) {
  if (gn == wn && memcmp(got, want, wn) == 0)
    return true;
  const uint8_t *g = got;
  fprintf(stderr, "  got  (%zu):", gn);
  for (size_t i = 0; i < gn; i++)
    fprintf(stderr, " %02x", g[i]);
  fprintf(stderr, "\n  want (%zu):", wn);
  for (size_t i = 0; i < wn; i++)
    fprintf(stderr, " %02x", want[i]);
  fputc('\n', stderr);
  return false;
}

static bool list_eq(const ar_list *b, const uint8_t *want, size_t wn) {
  return bytes_eq(b->data, (size_t)b->len, want, wn);
}

/* The message as text (ag_msg_fmt), a new string. */
static ar_str *fmt_msg(ar_msg *m) {
  ar_fmt_begin();
  ag_msg_fmt(m);
  return ar_fmt_end();
}

static ar_uuid uuid_seq(uint8_t start) {
  ar_uuid u;
  for (int i = 0; i < 16; i++)
    u.b[i] = (uint8_t)(start + i);
  return u;
}

/* Decoders by message, for the table-driven tests. */
enum { M_ALL, M_GOLDEN, M_TREE, M_EMPTY, M_POINT, M__N };
static ar_askres decode_as(int which, const void *p, size_t n) {
  switch (which) {
  case M_ALL: return ag_wdecode_All(p, n);
  case M_GOLDEN: return ag_wdecode_Golden(p, n);
  case M_TREE: return ag_wdecode_Tree(p, n);
  case M_EMPTY: return ag_wdecode_Empty(p, n);
  default: return ag_wdecode_Point(p, n);
  }
}
static ar_list *encode_as(int which, ar_msg *m) {
  switch (which) {
  case M_ALL: return ag_wencode_All(m);
  case M_GOLDEN: return ag_wencode_Golden(m);
  case M_TREE: return ag_wencode_Tree(m);
  case M_EMPTY: return ag_wencode_Empty(m);
  default: return ag_wencode_Point(m);
  }
}
static void res_drop(ar_askres *r) {
  if (r->reply)
    ag_msg_drop(r->reply);
  ar_str_release(r->reason);
  memset(r, 0, sizeof *r);
}

/* Decode must fail and the error must contain `frag`. */
static bool fails_with(int which, const void *p, size_t n, const char *frag) {
  ar_askres r = decode_as(which, p, n);
  bool ok = r.kind == AR_EV_FAILED && r.reason &&
            strstr(r.reason->ptr, frag) != NULL;
  if (!ok)
    fprintf(stderr, "  wanted an error with \"%s\", got %s%s\n", frag,
            r.kind == AR_EV_FAILED ? "error: " : "success",
            r.kind == AR_EV_FAILED && r.reason ? r.reason->ptr : "");
  res_drop(&r);
  return ok;
}

/* ------------------------------------------------------------ builders */

static ar_str *rnd_str(void) {
  static const char *const pieces[] = {"a", "Z", "0", " ", "\"", "\\",
                                       "\xc3\xa9",          /* é: 2 bytes */
                                       "\xe2\x82\xac",      /* €: 3 bytes */
                                       "\xf0\x9f\x98\x80"}; /* 😀: 4 bytes */
  char buf[1200];
  size_t n = 0, want;
  switch (rndn(8)) {
  case 0: want = 0; break;
  case 1: want = 31; break; /* fixstr / str8 boundary */
  case 2: want = 32; break;
  case 3: want = 255 + rndn(3); break; /* str8 / str16 boundary */
  default: want = rndn(40); break;
  }
  while (n < want) {
    const char *p = pieces[rndn(9)];
    size_t k = strlen(p);
    if (n + k > want)
      p = "x", k = 1;
    memcpy(buf + n, p, k);
    n += k;
  }
  return ar_str_new(buf, n);
}

static int64_t rnd_i(int bits) {
  switch (rndn(6)) {
  case 0: return 0;
  case 1: return bits == 64 ? INT64_MIN : -(INT64_C(1) << (bits - 1));
  case 2: return bits == 64 ? INT64_MAX : (INT64_C(1) << (bits - 1)) - 1;
  case 3: return (int64_t)rndn(256) - 128;
  default: {
    int64_t v = (int64_t)rnd();
    return bits == 64 ? v : v >> (64 - bits);
  }
  }
}

static uint64_t rnd_u(int bits) {
  uint64_t max = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
  switch (rndn(5)) {
  case 0: return 0;
  case 1: return max;
  case 2: return rndn(300) & max;
  default: return rnd() & max;
  }
}

static double rnd_f64(void) {
  switch (rndn(8)) {
  case 0: return 0.0;
  case 1: return -0.0;
  case 2: return INFINITY;
  case 3: return NAN;
  case 4: {
    uint64_t u = rnd();
    double d;
    memcpy(&d, &u, 8);
    return d;
  }
  default: return (double)(int64_t)rnd() / 1e9;
  }
}

static float rnd_f32(void) {
  if (rndn(4) == 0) {
    uint32_t u = (uint32_t)rnd();
    float f;
    memcpy(&f, &u, 4);
    return f;
  }
  return (float)rnd_f64();
}

static ar_list *rnd_bytes(void) {
  size_t n = rndn(4) == 0 ? 256 + rndn(3) : rndn(20);
  ar_list *l = ar_list_new(&ar_vt_u8, (int64_t)n);
  for (size_t i = 0; i < n; i++)
    ((uint8_t *)l->data)[i] = (uint8_t)rnd();
  l->len = (int64_t)n;
  return l;
}

static ar_uuid rnd_uuid(void) {
  ar_uuid u;
  uint64_t a = rnd(), b = rnd();
  memcpy(u.b, &a, 8);
  memcpy(u.b + 8, &b, 8);
  return u;
}

static void rnd_header(ar_msg *m) {
  ar_uuid id = rnd_uuid();
  ar_wire_msg_set_id(m, &id);
  m->priority = (uint8_t)rnd();
  if (rndn(2)) {
    ar_uuid c = rnd_uuid();
    ar_msg_set_correlation(m, &c);
  }
}

static ar_list *rnd_strs(void) {
  ar_list *l = ar_list_new(&ar_vt_str, 0);
  for (uint64_t i = rndn(4); i > 0; i--) {
    ar_str *s = rnd_str();
    ar_list_push(l, &s);
  }
  return l;
}

static ar_msg *rnd_point(void) {
  ar_str *label = rndn(2) ? rnd_str() : NULL;
  ar_msg *m = ag_mk_Point(rnd_f64(), rnd_f64(), label, (int32_t)rndn(3));
  rnd_header(m);
  return m;
}

static ag_Inner rnd_inner(void) {
  ag_Inner in = {(int32_t)rnd_i(32), rnd_strs()};
  return in;
}

static ar_msg *rnd_all(void) {
  ar_msg *m = ar_msg_alloc(AG_MSG_All, sizeof(ag_msg_All));
  ag_msg_All *p = AG_P_All(m);
  memset(p, 0, sizeof *p);
  rnd_header(m);
  p->b = rndn(2);
  p->i8v = (int8_t)rnd_i(8);
  p->i16v = (int16_t)rnd_i(16);
  p->i32v = (int32_t)rnd_i(32);
  p->i64v = rnd_i(64);
  p->u8v = (uint8_t)rnd_u(8);
  p->u16v = (uint16_t)rnd_u(16);
  p->u32v = (uint32_t)rnd_u(32);
  p->u64v = rnd_u(64);
  p->f32v = rnd_f32();
  p->f64v = rnd_f64();
  p->s = rnd_str();
  p->by = rnd_bytes();
  p->u = rnd_uuid();
  p->t = rndn(3) == 0 ? (rndn(2) ? INT64_MIN : INT64_MAX) : rnd_i(64);
  p->d = rnd_i(64);
  p->l = ar_list_new(&ar_vt_i64, 0);
  for (uint64_t i = rndn(3) == 0 ? 20 : rndn(5); i > 0; i--) {
    int64_t v = rnd_i(64);
    ar_list_push(p->l, &v);
  }
  p->mp = ar_map_new(&ar_vt_str, &ar_vt_i64);
  for (uint64_t i = rndn(4); i > 0; i--) {
    ar_str *k = rnd_str();
    int64_t v = rnd_i(64);
    ar_map_insert(p->mp, &k, &v);
  }
  p->tup.f0 = (int32_t)rnd_i(32);
  p->tup.f1 = rnd_str();
  p->o.has = rndn(2);
  p->o.v = p->o.has ? rnd_i(64) : 0;
  p->os = rndn(2) ? rnd_str() : NULL;
  p->e = (int32_t)rndn(3);
  p->inner = rnd_inner();
  p->pt = rnd_point();
  p->ps = ar_list_new(&ag_vt_Point, 0);
  for (uint64_t i = rndn(3); i > 0; i--) {
    ar_msg *q = rnd_point();
    ar_list_push(p->ps, &q);
  }
  p->oi.has = rndn(2);
  if (p->oi.has)
    p->oi.v = rnd_inner();
  p->ki = ar_map_new(&ar_vt_i64, &ar_vt_list);
  for (uint64_t i = rndn(3); i > 0; i--) {
    int64_t k = rnd_i(64);
    ar_list *v = ar_list_new(&ar_vt_f64, 0);
    for (uint64_t j = rndn(4); j > 0; j--) {
      double d = rnd_f64();
      ar_list_push(v, &d);
    }
    ar_map_insert(p->ki, &k, &v);
  }
  return m;
}

static ar_msg *rnd_tree(int depth) {
  ar_list *kids = ar_list_new(&ag_vt_Tree, 0);
  for (uint64_t i = depth > 0 ? rndn(3) : 0; i > 0; i--) {
    ar_msg *k = rnd_tree(depth - 1);
    ar_list_push(kids, &k);
  }
  ar_msg *m = ar_msg_alloc(AG_MSG_Tree, sizeof(ag_msg_Tree));
  AG_P_Tree(m)->label = rnd_str();
  AG_P_Tree(m)->kids = kids;
  rnd_header(m);
  return m;
}

static ar_msg *rnd_msg(int which) {
  switch (which) {
  case M_ALL: return rnd_all();
  case M_GOLDEN: {
    ar_msg *m = ag_mk_Golden(rnd_i(64), rnd_str(), rndn(2));
    rnd_header(m);
    return m;
  }
  case M_TREE: return rnd_tree(4);
  case M_EMPTY: {
    ar_list *l = ar_list_new(&ar_vt_u8, 0);
    for (uint64_t i = rndn(4); i > 0; i--) {
      uint8_t b = (uint8_t)rnd();
      ar_list_push(l, &b);
    }
    ar_msg *m = ag_mk_Empty((int32_t)rnd_i(32), rnd_str(), l);
    rnd_header(m);
    return m;
  }
  default: return rnd_point();
  }
}

/* ------------------------------------------------------------ goldens */

/* Golden { n: 1, name: "hi", ok: true }, id 00 01 .. 0f, priority 128,
 * no correlation.  Every byte checked against the msgpack spec. */
static const uint8_t golden1[] = {
    0x86,                                     /* fixmap, 6 entries (3 header + 3 fields) */
    0xa2, 'i', 'd',                           /* fixstr(2) "id" */
    0xc4, 0x10,                               /* bin 8, length 16 */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, /* the uuid bytes */
    0xa8, 'p', 'r', 'i', 'o', 'r', 'i', 't', 'y', /* fixstr(8) "priority" */
    0xcc, 0x80,                               /* uint 8: 128 (> 127: no fixint) */
    0xab, 'c', 'o', 'r', 'r', 'e', 'l', 'a', 't', 'i', 'o', 'n', /* fixstr(11) */
    0xc0,                                     /* nil: no correlation */
    0xa1, 'n',                                /* fixstr(1) "n" */
    0x01,                                     /* positive fixint 1 */
    0xa4, 'n', 'a', 'm', 'e',                 /* fixstr(4) "name" */
    0xa2, 'h', 'i',                           /* fixstr(2) "hi" */
    0xa2, 'o', 'k',                           /* fixstr(2) "ok" */
    0xc3,                                     /* true */
};

/* Golden { n: -200, name: <32 x 'a'>, ok: false }, id 10 .. 1f, priority
 * 255, correlation 20 .. 2f. */
static const uint8_t golden2[] = {
    0x86,                                     /* fixmap, 6 entries */
    0xa2, 'i', 'd', 0xc4, 0x10,               /* "id": bin 8, 16 bytes */
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0xa8, 'p', 'r', 'i', 'o', 'r', 'i', 't', 'y',
    0xcc, 0xff,                               /* uint 8: 255 */
    0xab, 'c', 'o', 'r', 'r', 'e', 'l', 'a', 't', 'i', 'o', 'n',
    0xc4, 0x10,                               /* bin 8, 16 bytes */
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0xa1, 'n',
    0xd1, 0xff, 0x38,                         /* int 16: -200 (0xff38) */
    0xa4, 'n', 'a', 'm', 'e',
    0xd9, 0x20,                               /* str 8, length 32 (> 31: no fixstr) */
    'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
    'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a',
    0xa2, 'o', 'k',
    0xc2,                                     /* false */
};

/* Point { x: 1.5, y: -0.25, label: "é", c: Blue }, id 00 .. 0f, prio 128. */
static const uint8_t golden_point[] = {
    0x87,                                     /* fixmap, 7 entries (3 + 4) */
    0xa2, 'i', 'd', 0xc4, 0x10,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0xa8, 'p', 'r', 'i', 'o', 'r', 'i', 't', 'y', 0xcc, 0x80,
    0xab, 'c', 'o', 'r', 'r', 'e', 'l', 'a', 't', 'i', 'o', 'n', 0xc0,
    0xa1, 'x',
    0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0,       /* float 64: 1.5 = 0x3ff8000000000000 */
    0xa1, 'y',
    0xcb, 0xbf, 0xd0, 0, 0, 0, 0, 0, 0,       /* float 64: -0.25 = 0xbfd0000000000000 */
    0xa5, 'l', 'a', 'b', 'e', 'l',
    0xa2, 0xc3, 0xa9,                         /* fixstr(2): UTF-8 of é */
    0xa1, 'c',
    0xa4, 'B', 'l', 'u', 'e',                 /* enum: the variant name */
};

static void test_golden_messages(void) {
  ar_uuid id = uuid_seq(0x00), id2 = uuid_seq(0x10), corr = uuid_seq(0x20);
  ar_msg *m = ag_mk_Golden(1, ar_str_new("hi", 2), true);
  ar_wire_msg_set_id(m, &id);
  ar_list *b = ag_wencode_Golden(m);
  CHECK(list_eq(b, golden1, sizeof golden1));
  ar_list_release(b);
  ag_msg_drop(m);

  char a32[32];
  memset(a32, 'a', 32);
  m = ag_mk_Golden(-200, ar_str_new(a32, 32), false);
  ar_wire_msg_set_id(m, &id2);
  m->priority = 255;
  ar_msg_set_correlation(m, &corr);
  b = ag_wencode_Golden(m);
  CHECK(list_eq(b, golden2, sizeof golden2));
  ar_list_release(b);
  ag_msg_drop(m);

  m = ag_mk_Point(1.5, -0.25, ar_str_new("\xc3\xa9", 2), ag_Color_Blue);
  ar_wire_msg_set_id(m, &id);
  b = ag_wencode_Point(m);
  CHECK(list_eq(b, golden_point, sizeof golden_point));
  ar_list_release(b);
  ag_msg_drop(m);

  /* and back: every field and the header */
  ar_askres r = ag_wdecode_Golden(golden2, sizeof golden2);
  REQUIRE(r.kind == AR_EV_REPLY);
  ag_msg_Golden *g = AG_P_Golden(r.reply);
  CHECK_EQ_INT(g->n, -200);
  CHECK(g->name->len == 32 && memcmp(g->name->ptr, a32, 32) == 0);
  CHECK(!g->ok);
  CHECK_EQ_INT(r.reply->priority, 255);
  CHECK(ar_uuid_eq(ar_msg_id(r.reply), &id2));
  CHECK(ar_msg_correlation(r.reply) &&
        ar_uuid_eq(ar_msg_correlation(r.reply), &corr));
  res_drop(&r);
}

/* One writer call against its expected bytes. */
#define PUT(call, ...)                                                       \
  do {                                                                       \
    static const uint8_t want_[] = {__VA_ARGS__};                            \
    w.n = 0;                                                                 \
    call;                                                                    \
    CHECK(bytes_eq(w.p, w.n, want_, sizeof want_));                          \
  } while (0)

static void test_golden_values(void) {
  ar_wire_wr w;
  ar_wire_wr_init(&w);
  /* integers: the smallest form (msgpack spec "int format family") */
  PUT(ar_wire_put_i64(&w, 0), 0x00);                      /* positive fixint */
  PUT(ar_wire_put_i64(&w, 127), 0x7f);                    /* largest fixint */
  PUT(ar_wire_put_i64(&w, 128), 0xcc, 0x80);              /* uint 8 */
  PUT(ar_wire_put_i64(&w, 255), 0xcc, 0xff);
  PUT(ar_wire_put_i64(&w, 256), 0xcd, 0x01, 0x00);        /* uint 16 */
  PUT(ar_wire_put_i64(&w, 65535), 0xcd, 0xff, 0xff);
  PUT(ar_wire_put_i64(&w, 65536), 0xce, 0x00, 0x01, 0x00, 0x00); /* uint 32 */
  PUT(ar_wire_put_i64(&w, 4294967295), 0xce, 0xff, 0xff, 0xff, 0xff);
  PUT(ar_wire_put_i64(&w, 4294967296), 0xcf, 0, 0, 0, 1, 0, 0, 0, 0); /* uint 64 */
  PUT(ar_wire_put_u64(&w, UINT64_MAX), 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff);
  PUT(ar_wire_put_i64(&w, -1), 0xff);                     /* negative fixint */
  PUT(ar_wire_put_i64(&w, -32), 0xe0);                    /* smallest one */
  PUT(ar_wire_put_i64(&w, -33), 0xd0, 0xdf);              /* int 8 */
  PUT(ar_wire_put_i64(&w, -128), 0xd0, 0x80);
  PUT(ar_wire_put_i64(&w, -129), 0xd1, 0xff, 0x7f);       /* int 16 */
  PUT(ar_wire_put_i64(&w, -32768), 0xd1, 0x80, 0x00);
  PUT(ar_wire_put_i64(&w, -32769), 0xd2, 0xff, 0xff, 0x7f, 0xff); /* int 32 */
  PUT(ar_wire_put_i64(&w, INT64_MIN), 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0); /* int 64 */
  /* nil, bool, floats (IEEE 754 big-endian) */
  PUT(ar_wire_put_nil(&w), 0xc0);
  PUT(ar_wire_put_bool(&w, false), 0xc2);
  PUT(ar_wire_put_bool(&w, true), 0xc3);
  PUT(ar_wire_put_f32(&w, 1.5f), 0xca, 0x3f, 0xc0, 0x00, 0x00);
  PUT(ar_wire_put_f64(&w, -2.0), 0xcb, 0xc0, 0x00, 0, 0, 0, 0, 0, 0);
  /* strings: fixstr up to 31 bytes, then str 8 / str 16 */
  PUT(ar_wire_put_cstr(&w, "", 0), 0xa0);
  PUT(ar_wire_put_cstr(&w, "abc", 3), 0xa3, 'a', 'b', 'c');
  w.n = 0;
  ar_wire_put_cstr(&w, "0123456789012345678901234567890", 31);
  CHECK(w.n == 32 && (uint8_t)w.p[0] == 0xbf);          /* fixstr(31) */
  w.n = 0;
  char big[300];
  memset(big, 'x', sizeof big);
  ar_wire_put_cstr(&w, big, 256);
  CHECK(w.n == 259 && (uint8_t)w.p[0] == 0xda && (uint8_t)w.p[1] == 0x01 &&
        (uint8_t)w.p[2] == 0x00);                       /* str 16, 256 */
  /* binary, uuid, time */
  PUT(ar_wire_put_bin(&w, "\x01\x02\x03", 3), 0xc4, 0x03, 0x01, 0x02, 0x03);
  PUT(ar_wire_put_time(&w, 0), 0xbe,                     /* fixstr(30) */
      '1', '9', '7', '0', '-', '0', '1', '-', '0', '1', 'T', '0', '0', ':', '0',
      '0', ':', '0', '0', '.', '0', '0', '0', '0', '0', '0', '0', '0', '0', 'Z');
  /* containers: fix forms up to 15 entries, then 16-bit and 32-bit counts */
  PUT(ar_wire_put_array(&w, 15), 0x9f);
  PUT(ar_wire_put_array(&w, 16), 0xdc, 0x00, 0x10);
  PUT(ar_wire_put_array(&w, 65536), 0xdd, 0x00, 0x01, 0x00, 0x00);
  PUT(ar_wire_put_map(&w, 15), 0x8f);
  PUT(ar_wire_put_map(&w, 16), 0xde, 0x00, 0x10);
  PUT(ar_wire_put_map(&w, 65536), 0xdf, 0x00, 0x01, 0x00, 0x00);
  ar_wire_wr_free(&w);
}

/* ------------------------------------------------------------ round trips */

/* encode -> decode -> encode gives the same bytes, and the decoded message
 * prints as the original. */
static bool roundtrip(int which, ar_msg *m) {
  ar_list *b1 = encode_as(which, m);
  ar_askres r = decode_as(which, b1->data, (size_t)b1->len);
  bool ok = r.kind == AR_EV_REPLY;
  if (!ok) {
    fprintf(stderr, "  decode failed: %s\n", r.reason ? r.reason->ptr : "?");
  } else {
    ar_list *b2 = encode_as(which, r.reply);
    ok = bytes_eq(b2->data, (size_t)b2->len, (const uint8_t *)b1->data, (size_t)b1->len);
    ar_str *t1 = fmt_msg(m), *t2 = fmt_msg(r.reply);
    if (!ar_str_eq(t1, t2)) {
      fprintf(stderr, "  printed differently:\n  %s\n  %s\n", t1->ptr, t2->ptr);
      ok = false;
    }
    ar_str_release(t1);
    ar_str_release(t2);
    ar_list_release(b2);
  }
  res_drop(&r);
  ar_list_release(b1);
  return ok;
}

static void test_roundtrip_random(void) {
  const char *env = getenv("WIRE_ROUNDS");
  int rounds = env ? atoi(env) : 400;
  int bad = 0;
  for (int which = 0; which < M__N; which++)
    for (int seed = 1; seed <= rounds && bad < 5; seed++) {
      rng_s = (uint64_t)seed * 1000003u + (uint64_t)which;
      ar_msg *m = rnd_msg(which);
      if (!roundtrip(which, m)) {
        fprintf(stderr, "  round trip failed: message %d, seed %d\n", which,
                seed);
        bad++;
      }
      ag_msg_drop(m);
    }
  CHECK(bad == 0);
}

/* Absent fields take their defaults; absent optionals are nil. */
static void test_defaults(void) {
  static const uint8_t empty_map[] = {0x80};
  ar_askres r = ag_wdecode_Empty(empty_map, 1);
  REQUIRE(r.kind == AR_EV_REPLY);
  ag_msg_Empty *e = AG_P_Empty(r.reply);
  CHECK_EQ_INT(e->k, -7);
  CHECK(e->s && strcmp(e->s->ptr, "dflt") == 0);
  CHECK(e->l && e->l->len == 0);
  CHECK_EQ_INT(r.reply->priority, AR_PRIO_DEFAULT);
  CHECK(!ar_msg_has_correlation(r.reply));
  res_drop(&r);
  /* Point with only x: y = 0.5, label nil, c Green */
  static const uint8_t only_x[] = {0x81, 0xa1, 'x', 0x03}; /* x: 3 (an int) */
  r = ag_wdecode_Point(only_x, sizeof only_x);
  REQUIRE(r.kind == AR_EV_REPLY);
  ag_msg_Point *p = AG_P_Point(r.reply);
  CHECK(p->x == 3.0 && p->y == 0.5 && p->label == NULL &&
        p->c == ag_Color_Green);
  res_drop(&r);
}

/* ------------------------------------------------------------ interop */

/* msgpack-c's packer writes; the generated decoder reads (keys in another
 * order, unknown fields of every kind, no header at all). */
static void test_interop_msgpack_writes(void) {
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  msgpack_packer pk;
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, 7);
  msgpack_pack_str(&pk, 2);
  msgpack_pack_str_body(&pk, "ok", 2);
  msgpack_pack_false(&pk);
  msgpack_pack_str(&pk, 7); /* unknown: a nested map with an array */
  msgpack_pack_str_body(&pk, "future1", 7);
  msgpack_pack_map(&pk, 1);
  msgpack_pack_int(&pk, -5);
  msgpack_pack_array(&pk, 3);
  msgpack_pack_double(&pk, 1.25);
  msgpack_pack_bin(&pk, 2);
  msgpack_pack_bin_body(&pk, "\x00\x01", 2);
  msgpack_pack_nil(&pk);
  msgpack_pack_str(&pk, 4);
  msgpack_pack_str_body(&pk, "name", 4);
  msgpack_pack_str(&pk, 5);
  msgpack_pack_str_body(&pk, "hello", 5);
  msgpack_pack_str(&pk, 7); /* unknown: an extension value */
  msgpack_pack_str_body(&pk, "future2", 7);
  msgpack_pack_ext(&pk, 4, 7);
  msgpack_pack_ext_body(&pk, "abcd", 4);
  msgpack_pack_str(&pk, 1);
  msgpack_pack_str_body(&pk, "n", 1);
  msgpack_pack_uint16(&pk, 40000); /* a wider form than needed: fine */
  msgpack_pack_str(&pk, 7); /* unknown: a float 32 */
  msgpack_pack_str_body(&pk, "future3", 7);
  msgpack_pack_float(&pk, 2.5f);
  msgpack_pack_str(&pk, 8);
  msgpack_pack_str_body(&pk, "priority", 8);
  msgpack_pack_int64(&pk, 7);
  ar_askres r = ag_wdecode_Golden(sb.data, sb.size);
  msgpack_sbuffer_destroy(&sb);
  REQUIRE(r.kind == AR_EV_REPLY);
  ag_msg_Golden *g = AG_P_Golden(r.reply);
  CHECK_EQ_INT(g->n, 40000);
  CHECK(strcmp(g->name->ptr, "hello") == 0);
  CHECK(!g->ok);
  CHECK_EQ_INT(r.reply->priority, 7);
  res_drop(&r);
}

static const msgpack_object *map_get(const msgpack_object *o, const char *k) {
  if (o->type != MSGPACK_OBJECT_MAP)
    return NULL;
  for (uint32_t i = 0; i < o->via.map.size; i++) {
    const msgpack_object_kv *kv = &o->via.map.ptr[i];
    if (kv->key.type == MSGPACK_OBJECT_STR &&
        kv->key.via.str.size == strlen(k) &&
        memcmp(kv->key.via.str.ptr, k, strlen(k)) == 0)
      return &kv->val;
  }
  return NULL;
}

/* The generated encoder writes; msgpack-c's unpacker reads every type. */
static void test_interop_msgpack_reads(void) {
  rng_s = 42;
  int checked = 0;
  for (int round = 0; round < 50; round++) {
    ar_msg *m = rnd_all();
    ag_msg_All *p = AG_P_All(m);
    ar_list *b = ag_wencode_All(m);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    msgpack_unpack_return rc =
        msgpack_unpack_next(&u, b->data, (size_t)b->len, &off);
    CHECK(rc == MSGPACK_UNPACK_SUCCESS);
    CHECK(off == (size_t)b->len);
    const msgpack_object *o = &u.data, *v;
    CHECK(o->type == MSGPACK_OBJECT_MAP && o->via.map.size == 3 + 27);
    CHECK((v = map_get(o, "id")) && v->type == MSGPACK_OBJECT_BIN &&
          v->via.bin.size == 16 &&
          memcmp(v->via.bin.ptr, ar_msg_id(m)->b, 16) == 0);
    CHECK((v = map_get(o, "priority")) &&
          v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
          v->via.u64 == m->priority);
    CHECK((v = map_get(o, "b")) && v->type == MSGPACK_OBJECT_BOOLEAN &&
          v->via.boolean == p->b);
    CHECK((v = map_get(o, "i64v")) &&
          (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER
               ? (int64_t)v->via.u64 == p->i64v && p->i64v >= 0
               : v->via.i64 == p->i64v));
    CHECK((v = map_get(o, "u64v")) &&
          v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 == p->u64v);
    CHECK((v = map_get(o, "f32v")) && v->type == MSGPACK_OBJECT_FLOAT32);
    CHECK((v = map_get(o, "f64v")) && v->type == MSGPACK_OBJECT_FLOAT64 &&
          memcmp(&v->via.f64, &p->f64v, 8) == 0);
    CHECK((v = map_get(o, "s")) && v->type == MSGPACK_OBJECT_STR &&
          v->via.str.size == p->s->len &&
          memcmp(v->via.str.ptr, p->s->ptr, p->s->len) == 0);
    CHECK((v = map_get(o, "by")) && v->type == MSGPACK_OBJECT_BIN &&
          v->via.bin.size == (uint32_t)p->by->len);
    CHECK((v = map_get(o, "u")) && v->type == MSGPACK_OBJECT_BIN &&
          v->via.bin.size == 16 && memcmp(v->via.bin.ptr, p->u.b, 16) == 0);
    char ts[AR_WIRE_TIME_LEN + 1];
    ar_wire_format_time(p->t, ts);
    CHECK((v = map_get(o, "t")) && v->type == MSGPACK_OBJECT_STR &&
          v->via.str.size == AR_WIRE_TIME_LEN &&
          memcmp(v->via.str.ptr, ts, AR_WIRE_TIME_LEN) == 0);
    CHECK((v = map_get(o, "l")) && v->type == MSGPACK_OBJECT_ARRAY &&
          v->via.array.size == (uint32_t)p->l->len);
    CHECK((v = map_get(o, "mp")) && v->type == MSGPACK_OBJECT_MAP &&
          v->via.map.size == (uint32_t)ar_map_len(p->mp));
    CHECK((v = map_get(o, "tup")) && v->type == MSGPACK_OBJECT_ARRAY &&
          v->via.array.size == 2 &&
          v->via.array.ptr[1].type == MSGPACK_OBJECT_STR);
    CHECK((v = map_get(o, "o")) &&
          (p->o.has ? v->type != MSGPACK_OBJECT_NIL
                    : v->type == MSGPACK_OBJECT_NIL));
    CHECK((v = map_get(o, "e")) && v->type == MSGPACK_OBJECT_STR);
    CHECK((v = map_get(o, "inner")) && v->type == MSGPACK_OBJECT_MAP &&
          v->via.map.size == 2 && map_get(v, "tags") &&
          map_get(v, "tags")->type == MSGPACK_OBJECT_ARRAY);
    CHECK((v = map_get(o, "pt")) && v->type == MSGPACK_OBJECT_MAP &&
          v->via.map.size == 7 && map_get(v, "correlation"));
    CHECK((v = map_get(o, "ps")) && v->type == MSGPACK_OBJECT_ARRAY);
    CHECK((v = map_get(o, "ki")) && v->type == MSGPACK_OBJECT_MAP);
    msgpack_unpacked_destroy(&u);
    ar_list_release(b);
    ag_msg_drop(m);
    checked++;
  }
  CHECK(checked == 50);
}

/* ------------------------------------------------------------ malformed */

typedef struct bad_case {
  const char *name;
  int which;
  const uint8_t *p;
  size_t n;
  const char *err;
} bad_case;

#define B(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static void test_malformed_table(void) {
  static const char *const s_n = "n";
  (void)s_n;
  const bad_case cases[] = {
      {"empty input", M_GOLDEN, (const uint8_t *)"", 0,
       "truncated input: expected a map"},
      {"not a map", M_GOLDEN, B(0x01), "expected a map, found an integer"},
      {"a string, not a map", M_GOLDEN, B(0xa1, 'x'),
       "expected a map, found a string"},
      {"map count beyond the input", M_GOLDEN, B(0x81),
       "truncated input: map of 1 entries in 0 bytes"},
      {"map32 with 2^32-1 entries", M_GOLDEN, B(0xdf, 0xff, 0xff, 0xff, 0xff),
       "exceeds the limit of 1048576"},
      {"array16 count beyond the input", M_GOLDEN,
       B(0x81, 0xa1, 'z', 0xdc, 0xff, 0xff, 0x01), "truncated input: array"},
      {"key not a string", M_GOLDEN, B(0x81, 0x01, 0x02),
       "expected a string, found an integer"},
      {"wrong type", M_GOLDEN, B(0x81, 0xa1, 'n', 0xa1, 'x'),
       "field `n` of `Golden`: expected an integer, found a string"},
      {"integer out of range", M_GOLDEN,
       B(0x81, 0xa1, 'n', 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
       "integer 18446744073709551615 out of range for i64"},
      {"truncated integer", M_GOLDEN, B(0x81, 0xa1, 'n', 0xcd, 0x01),
       "truncated input"},
      {"invalid UTF-8", M_GOLDEN, B(0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa2, 0xc3, 0x28),
       "invalid UTF-8"},
      {"overlong UTF-8", M_GOLDEN, B(0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa2, 0xc0, 0xaf),
       "invalid UTF-8"},
      {"UTF-16 surrogate", M_GOLDEN,
       B(0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa3, 0xed, 0xa0, 0x80), "invalid UTF-8"},
      {"duplicate field", M_GOLDEN, B(0x82, 0xa1, 'n', 0x01, 0xa1, 'n', 0x02),
       "duplicate field `n`"},
      {"missing required field", M_GOLDEN, B(0x81, 0xa1, 'n', 0x01),
       "missing required field `name`"},
      {"uuid of 3 bytes", M_GOLDEN, B(0x81, 0xa2, 'i', 'd', 0xc4, 0x03, 1, 2, 3),
       "a uuid is 16 bytes of binary data, found 3"},
      {"uuid as a string", M_GOLDEN, B(0x81, 0xa2, 'i', 'd', 0xa1, 'x'),
       "expected binary data, found a string"},
      {"priority out of range", M_GOLDEN,
       B(0x81, 0xa8, 'p', 'r', 'i', 'o', 'r', 'i', 't', 'y', 0xcd, 0x01, 0x2c),
       "integer 300 out of range for u8"},
      {"negative priority", M_GOLDEN,
       B(0x81, 0xa8, 'p', 'r', 'i', 'o', 'r', 'i', 't', 'y', 0xff),
       "integer -1 out of range for u8"},
      {"duplicate header", M_GOLDEN,
       B(0x82, 0xa8, 'p', 'r', 'i', 'o', 'r', 'i', 't', 'y', 0x01, 0xa8, 'p',
         'r', 'i', 'o', 'r', 'i', 't', 'y', 0x02),
       "duplicate field `priority`"},
      {"reserved byte", M_GOLDEN, B(0x81, 0xa1, 'z', 0xc1),
       "the reserved byte 0xc1"},
      {"ext as an integer", M_GOLDEN, B(0x81, 0xa1, 'n', 0xd4, 0x01, 0x02),
       "expected an integer, found an extension value"},
      {"truncated ext in an unknown field", M_GOLDEN,
       B(0x81, 0xa1, 'z', 0xc7, 0x05, 0x01, 0x02), "truncated input"},
      {"trailing bytes", M_EMPTY, B(0x80, 0x00), "1 trailing bytes after"},
      {"unknown enum variant", M_POINT,
       B(0x82, 0xa1, 'x', 0x01, 0xa1, 'c', 0xa6, 'P', 'u', 'r', 'p', 'l', 'e'),
       "unknown variant \"Purple\" of enum `Color`"},
      {"enum as an integer", M_POINT, B(0x82, 0xa1, 'x', 0x01, 0xa1, 'c', 0x02),
       "field `c` of `Point`: expected a string, found an integer"},
      {"bad time", M_ALL,
       B(0x81, 0xa1, 't', 0xb4, '2', '0', '2', '4', '-', '1', '3', '-', '0', '1',
         'T', '0', '0', ':', '0', '0', ':', '0', '0', 'Z'),
       "invalid time \"2024-13-01T00:00:00Z\""},
      {"tuple of the wrong arity", M_ALL,
       B(0x81, 0xa3, 't', 'u', 'p', 0x93, 0x01, 0xa1, 'a', 0x02),
       "expected an array of 2 items, found 3"},
      {"duplicate map key", M_ALL,
       B(0x81, 0xa2, 'm', 'p', 0x82, 0xa1, 'a', 0x01, 0xa1, 'a', 0x02),
       "duplicate key in a map"},
      {"list element of the wrong type", M_ALL,
       B(0x81, 0xa1, 'l', 0x92, 0x01, 0xc3),
       "field `l` of `All`: expected an integer, found a bool"},
      {"nested struct field missing", M_ALL,
       B(0x81, 0xa5, 'i', 'n', 'n', 'e', 'r', 0x80),
       "in `Inner`: missing required field `n`"},
      {"nested message field wrong", M_ALL,
       B(0x81, 0xa2, 'p', 't', 0x81, 0xa1, 'x', 0xc2),
       "field `x` of `Point`: expected a float, found a bool"},
      {"i8 out of range", M_ALL, B(0x81, 0xa3, 'i', '8', 'v', 0xd1, 0x01, 0x00),
       "integer 256 out of range for i8"},
      {"u32 negative", M_ALL, B(0x81, 0xa4, 'u', '3', '2', 'v', 0xd0, 0x80),
       "integer -128 out of range for u32"},
  };
  int bad = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (!fails_with(cases[i].which, cases[i].p, cases[i].n, cases[i].err)) {
      fprintf(stderr, "  case: %s\n", cases[i].name);
      bad++;
    }
  CHECK(bad == 0);
}

/* Deep nesting (in an unknown field and through a recursive message) and
 * oversized input. */
static void test_malformed_limits(void) {
  uint8_t *buf = malloc(1000);
  size_t n = 0;
  buf[n++] = 0x81;
  buf[n++] = 0xa1;
  buf[n++] = 'z';
  for (int i = 0; i < 200; i++)
    buf[n++] = 0x91; /* [[[[...]]]] */
  buf[n++] = 0xc0;
  CHECK(fails_with(M_GOLDEN, buf, n, "nesting deeper than 64 levels"));
  /* Tree { kids: [Tree { kids: [...] }] }: two levels per Tree */
  n = 0;
  for (int i = 0; i < 100; i++) {
    buf[n++] = 0x81;
    buf[n++] = 0xa4;
    memcpy(buf + n, "kids", 4);
    n += 4;
    buf[n++] = 0x91;
  }
  buf[n++] = 0x80;
  CHECK(fails_with(M_TREE, buf, n, "nesting deeper than 64 levels"));
  free(buf);
  size_t big = AR_WIRE_MAX_SIZE + 1;
  uint8_t *huge = calloc(big, 1);
  huge[0] = 0x80;
  CHECK(fails_with(M_EMPTY, huge, big,
                   "input of 16777217 bytes exceeds the limit of 16777216"));
  free(huge);
  /* many values: an array of 1M nils in an unknown field is fine (within
   * every limit), 1M + 1 is refused */
  size_t cnt = AR_WIRE_MAX_LEN;
  uint8_t *arr = malloc(cnt + 16);
  size_t k = 0;
  arr[k++] = 0x81;
  arr[k++] = 0xa1;
  arr[k++] = 'z';
  arr[k++] = 0xdd;
  arr[k++] = (uint8_t)(cnt >> 24);
  arr[k++] = (uint8_t)(cnt >> 16);
  arr[k++] = (uint8_t)(cnt >> 8);
  arr[k++] = (uint8_t)cnt;
  memset(arr + k, 0xc0, cnt);
  ar_askres r = ag_wdecode_Empty(arr, k + cnt);
  CHECK(r.kind == AR_EV_REPLY);
  res_drop(&r);
  arr[7] = (uint8_t)(cnt + 1);
  CHECK(fails_with(M_EMPTY, arr, k + cnt, "exceeds the limit of 1048576"));
  free(arr);
}

/* Every prefix of valid encodings fails; every single-byte mutation either
 * decodes (and then round-trips) or fails cleanly. */
static void test_malformed_sweeps(void) {
  int bad = 0;
  for (int which = 0; which < M__N; which++) {
    rng_s = 7 + (uint64_t)which;
    ar_msg *m = rnd_msg(which);
    ar_list *b = encode_as(which, m);
    size_t n = (size_t)b->len;
    for (size_t k = 0; k < n; k++) {
      uint8_t *cut = malloc(k ? k : 1); /* exact size: ASan sees overreads */
      memcpy(cut, b->data, k);
      ar_askres r = decode_as(which, cut, k);
      if (r.kind != AR_EV_FAILED)
        bad++;
      res_drop(&r);
      free(cut);
    }
    static const uint8_t muts[] = {0x00, 0xff, 0xc1, 0xc0, 0xdf, 0xdd, 0x7f,
                                   0x80, 0xa0, 0xcf, 0xd9, 0xc4};
    uint8_t *mut = malloc(n);
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < sizeof muts + 1; j++) {
        memcpy(mut, b->data, n);
        mut[i] = j < sizeof muts ? muts[j] : (uint8_t)(mut[i] ^ 0x01);
        ar_askres r = decode_as(which, mut, n);
        if (r.kind == AR_EV_REPLY) {
          ar_list *b2 = encode_as(which, r.reply);
          ar_askres r2 = decode_as(which, b2->data, (size_t)b2->len);
          if (r2.kind != AR_EV_REPLY)
            bad++;
          res_drop(&r2);
          ar_list_release(b2);
        } else if (!r.reason || strncmp(r.reason->ptr, "cannot decode", 13)) {
          bad++;
        }
        res_drop(&r);
      }
    free(mut);
    ar_list_release(b);
    ag_msg_drop(m);
  }
  CHECK(bad == 0);
}

/* ------------------------------------------------------------ time */

static void test_time(void) {
  char t[AR_WIRE_TIME_LEN + 1];
  ar_wire_format_time(0, t);
  CHECK(strcmp(t, "1970-01-01T00:00:00.000000000Z") == 0);
  ar_wire_format_time(-1, t);
  CHECK(strcmp(t, "1969-12-31T23:59:59.999999999Z") == 0);
  ar_wire_format_time(INT64_C(951782400123456789), t);
  CHECK(strcmp(t, "2000-02-29T00:00:00.123456789Z") == 0);
  ar_wire_format_time(INT64_MIN, t);
  CHECK(strcmp(t, "1677-09-21T00:12:43.145224192Z") == 0);
  ar_wire_format_time(INT64_MAX, t);
  CHECK(strcmp(t, "2262-04-11T23:47:16.854775807Z") == 0);
  int64_t v = 0;
  CHECK(ar_wire_parse_time("1677-09-21T00:12:43.145224192Z", 30, &v) &&
        v == INT64_MIN);
  CHECK(ar_wire_parse_time("2262-04-11T23:47:16.854775807Z", 30, &v) &&
        v == INT64_MAX);
  CHECK(ar_wire_parse_time("2000-02-29T01:00:00+01:00", 25, &v) &&
        v == INT64_C(951782400000000000));
  CHECK(ar_wire_parse_time("2000-02-28T23:30:00-00:30", 25, &v) &&
        v == INT64_C(951782400000000000));
  CHECK(ar_wire_parse_time("2024-01-31T12:00:00.5Z", 22, &v) &&
        v == INT64_C(1706702400500000000));
  CHECK(ar_wire_parse_time("2024-01-31t12:00:00z", 20, &v));
  static const char *const bad[] = {
      "2023-02-29T00:00:00Z",           /* not a leap year */
      "2024-01-01 00:00:00Z",           /* space for T */
      "2024-01-01T00:00:00",            /* no zone */
      "2024-01-01T00:00:00.Z",          /* empty fraction */
      "2024-01-01T00:00:00.1234567891Z", /* below a nanosecond */
      "2024-01-01T24:00:00Z",           /* hour 24 */
      "2024-01-01T00:00:60Z",           /* leap second */
      "2300-01-01T00:00:00Z",           /* beyond int64 nanoseconds */
      "1600-01-01T00:00:00Z",
      "2024-1-01T00:00:00Z",
      "2024-01-01T00:00:00+1:00",
      "2024-01-01T00:00:00Zjunk",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (ar_wire_parse_time(bad[i], strlen(bad[i]), &v)) {
      fprintf(stderr, "  accepted %s\n", bad[i]);
      CHECK(0);
    }
  rng_s = 99;
  for (int i = 0; i < 20000; i++) {
    int64_t x = (int64_t)rnd(), y = 0;
    ar_wire_format_time(x, t);
    if (!ar_wire_parse_time(t, AR_WIRE_TIME_LEN, &y) || y != x) {
      fprintf(stderr, "  time %lld -> %s -> %lld\n", (long long)x, t,
              (long long)y);
      CHECK(0);
      break;
    }
  }
}

/* ------------------------------------------------------------ frames */

static void test_frames_pipe(void) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  ar_msg *m = ag_mk_Golden(5, ar_str_new("five", 4), true);
  CHECK(ag_wwrite_Golden(fds[1], m) == NULL);
  CHECK(ag_wwrite_Golden(fds[1], m) == NULL);
  CHECK(ar_wire_write_frame(fds[1], "\x80", 1) == NULL); /* an empty map */
  close(fds[1]);
  for (int i = 0; i < 3; i++) {
    ar_askres r = ag_wread_Golden(fds[0]);
    if (i < 2) {
      CHECK(r.kind == AR_EV_REPLY && r.reply &&
            AG_P_Golden(r.reply)->n == 5);
      CHECK(r.reply && ar_uuid_eq(ar_msg_id(r.reply), ar_msg_id(m)));
    } else {
      CHECK(r.kind == AR_EV_FAILED && r.reason &&
            strstr(r.reason->ptr, "missing required field `n`"));
    }
    res_drop(&r);
  }
  ar_askres r = ag_wread_Golden(fds[0]);
  CHECK(r.kind == AR_EV_REPLY && r.reply == NULL); /* end of input: ok(nil) */
  res_drop(&r);
  close(fds[0]);
  ag_msg_drop(m);
}

static ar_str *read_err(const uint8_t *p, size_t n) {
  int fds[2];
  if (pipe(fds) != 0)
    return NULL;
  if (write(fds[1], p, n) != (ssize_t)n)
    return NULL;
  close(fds[1]);
  void *body;
  size_t bn;
  ar_str *err = NULL;
  ar_status st = ar_wire_read_frame(fds[0], &body, &bn, &err);
  close(fds[0]);
  if (st == AR_OK)
    ar_wire_frame_free(body);
  return st == AR_BADMSG ? err : NULL;
}

static bool has(ar_str *s, const char *frag) {
  bool ok = s && strstr(s->ptr, frag);
  if (!ok)
    fprintf(stderr, "  wanted \"%s\", got \"%s\"\n", frag, s ? s->ptr : "-");
  ar_str_release(s);
  return ok;
}

static void test_frames_malformed(void) {
  CHECK(has(read_err((const uint8_t *)"\x00\x00", 2),
            "truncated frame header (2 of 4 bytes)"));
  CHECK(has(read_err((const uint8_t *)"\x00\x00\x00\x0a\x80\x80\x80", 7),
            "truncated frame (3 of 10 bytes)"));
  CHECK(has(read_err((const uint8_t *)"\x01\x00\x00\x01", 4),
            "frame of 16777217 bytes exceeds the limit of 16777216 bytes"));
  CHECK(has(read_err((const uint8_t *)"\xff\xff\xff\xff", 4),
            "exceeds the limit"));
  /* a closed reader: an error string, not SIGPIPE */
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  close(fds[0]);
  CHECK(has(ar_wire_write_frame(fds[1], "\x80", 1), "Broken pipe"));
  close(fds[1]);
  CHECK(has(ar_wire_write_frame(-3, "\x80", 1), "invalid descriptor"));
}

static void test_frames_socket(void) {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  rng_s = 5;
  ar_msg *m = rnd_all();
  CHECK(ag_wwrite_All(sv[0], m) == NULL);
  ar_askres r = ag_wread_All(sv[1]);
  REQUIRE(r.kind == AR_EV_REPLY && r.reply);
  ar_str *a = fmt_msg(m), *b = fmt_msg(r.reply);
  CHECK(ar_str_eq(a, b));
  ar_str_release(a);
  ar_str_release(b);
  res_drop(&r);
  close(sv[1]);
  CHECK(has(ag_wwrite_All(sv[0], m), "write_msg:")); /* peer gone: EPIPE */
  close(sv[0]);
  ag_msg_drop(m);
}

/* listen / connect / accept (runtime/fd.c) on one thread: a connect to a
 * listening socket completes from the backlog before accept runs. */
static ar_str *cstr(const char *s) { return ar_str_new(s, strlen(s)); }

static bool os_error_has(const char *frag) {
  return has(ar_wire_os_error(), frag);
}

static void sock_roundtrip(const char *listen_addr, bool tcp) {
  ar_str *la = cstr(listen_addr);
  int64_t l = ar_wire_listen(la);
  ar_str_release(la);
  REQUIRE(l >= 0);
  int64_t port = ar_wire_local_port(l);
  CHECK(tcp ? port > 0 : port == -1);
  char ca[160];
  if (tcp)
    snprintf(ca, sizeof ca, "tcp:%s:%lld",
             strstr(listen_addr, "[::1]") ? "[::1]" : "127.0.0.1",
             (long long)port);
  else
    snprintf(ca, sizeof ca, "%s", listen_addr);
  ar_str *cs = cstr(ca);
  int64_t c = ar_wire_connect(cs);
  ar_str_release(cs);
  REQUIRE(c >= 0);
  int64_t a = ar_wire_accept(l);
  REQUIRE(a >= 0);
  ar_msg *m = ag_mk_Golden(7, cstr("sock"), false);
  CHECK(ag_wwrite_Golden(c, m) == NULL);
  ar_askres r = ag_wread_Golden(a);
  CHECK(r.kind == AR_EV_REPLY && r.reply &&
        ar_uuid_eq(ar_msg_id(r.reply), ar_msg_id(m)));
  res_drop(&r);
  ar_wire_close(c); /* the reader sees the end: ok(nil) */
  r = ag_wread_Golden(a);
  CHECK(r.kind == AR_EV_REPLY && !r.reply);
  ar_wire_close(a);
  ar_wire_close(l);
  ag_msg_drop(m);
}

static void test_sockets(void) {
  char dir[] = "/tmp/test_wire_XXXXXX", path[200], addr[220];
  REQUIRE(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/s.sock", dir);
  snprintf(addr, sizeof addr, "unix:%s", path);
  sock_roundtrip(addr, false);
  sock_roundtrip(addr, false); /* the stale socket file is replaced */
  sock_roundtrip("tcp:127.0.0.1:0", true);
  /* IPv6 loopback where the machine has it */
  ar_str *v6 = cstr("tcp:[::1]:0");
  int64_t l6 = ar_wire_listen(v6);
  ar_str_release(v6);
  if (l6 >= 0) {
    ar_wire_close(l6);
    sock_roundtrip("tcp:[::1]:0", true);
  }
  struct { const char *addr; bool listen; const char *err; } bad[] = {
      {"", true, "expected an address unix:PATH or tcp:HOST:PORT"},
      {"udp:1.2.3.4:5", false, "expected an address unix:PATH or tcp:HOST:PORT"},
      {"tcp:127.0.0.1", true, "expected tcp:HOST:PORT"},
      {"tcp::80", false, "expected tcp:HOST:PORT"},
      {"tcp:127.0.0.1:65536", true, "(a port 0-65535)"},
      {"tcp:127.0.0.1:8x", false, "(a port 0-65535)"},
      {"tcp:host.invalid:80", false, "connect_socket tcp:host.invalid:80: "},
      {"unix:/nonexistent-dir/s.sock", true, "No such file or directory"},
      {"unix:/nonexistent-dir/s.sock", false, "No such file or directory"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ar_str *s = cstr(bad[i].addr);
    CHECK((bad[i].listen ? ar_wire_listen(s) : ar_wire_connect(s)) == -1);
    CHECK(os_error_has(bad[i].err));
    ar_str_release(s);
  }
  char longp[200];
  memset(longp, 'x', sizeof longp - 1);
  longp[sizeof longp - 1] = 0;
  memcpy(longp, "unix:", 5);
  ar_str *s = cstr(longp);
  CHECK(ar_wire_listen(s) == -1 && os_error_has("a Unix socket path has at most"));
  ar_str_release(s);
  /* a regular file at the path is never replaced */
  unlink(path); /* the socket file the last listen left */
  FILE *f = fopen(path, "w");
  REQUIRE(f);
  fclose(f);
  s = cstr(addr);
  CHECK(ar_wire_listen(s) == -1 && os_error_has("Address already in use"));
  ar_str_release(s);
  struct stat st;
  CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode));
  CHECK(ar_wire_accept(-1) == -1 && os_error_has("invalid descriptor"));
  CHECK(ar_wire_local_port(0) == -1);
  s = cstr("/nonexistent-dir/f");
  CHECK(ar_wire_open(s, false) == -1 &&
        os_error_has("open_read /nonexistent-dir/f: No such file"));
  ar_str_release(s);
  unlink(path);
  rmdir(dir);
}

/* ------------------------------------------------------------ seeds */

static int write_seed(const char *dir, int idx, int which, const void *p,
                      size_t n) {
  char path[512];
  snprintf(path, sizeof path, "%s/seed-%03d", dir, idx);
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  fputc(which, f);
  fwrite(p, 1, n, f);
  fclose(f);
  return 0;
}

static int seeds_dir;
static const char *seeds_path;

static void write_seeds(void) {
  int idx = 0;
  mkdir(seeds_path, 0777);
  write_seed(seeds_path, idx++, M_GOLDEN, golden1, sizeof golden1);
  write_seed(seeds_path, idx++, M_GOLDEN, golden2, sizeof golden2);
  write_seed(seeds_path, idx++, M_POINT, golden_point, sizeof golden_point);
  for (int which = 0; which < M__N; which++)
    for (int i = 0; i < 6; i++) {
      rng_s = 1000u + (uint64_t)which * 10u + (uint64_t)i;
      ar_msg *m = rnd_msg(which);
      ar_list *b = encode_as(which, m);
      write_seed(seeds_path, idx++, which, b->data, (size_t)b->len);
      ar_list_release(b);
      ag_msg_drop(m);
    }
  printf("%d seeds written to %s\n", idx, seeds_path);
}

/* ------------------------------------------------------------ main */

static int result;

static void run_all(void *arg) {
  (void)arg;
  if (seeds_dir) {
    write_seeds();
    return;
  }
  RUN(test_golden_messages);
  RUN(test_golden_values);
  RUN(test_roundtrip_random);
  RUN(test_defaults);
  RUN(test_interop_msgpack_writes);
  RUN(test_interop_msgpack_reads);
  RUN(test_malformed_table);
  RUN(test_malformed_limits);
  RUN(test_malformed_sweeps);
  RUN(test_time);
  RUN(test_frames_pipe);
  RUN(test_frames_malformed);
  RUN(test_frames_socket);
  RUN(test_sockets);
  result = check_report();
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--seeds") == 0) {
    seeds_dir = 1;
    seeds_path = argv[2];
  }
  setenv("ACTOR_THREADS", "1", 0);
  int rc = ar_run_fn(run_all, NULL);
  return rc ? rc : result;
}
