/* val.c — the language's values at run time (the "values" section of ar.h): strings, lists,
 * maps, element vtables, text formatting and checked arithmetic.  Used only
 * by generated code; it knows nothing about scheduling and reaches the rest
 * of libactor only through ar.h (ar_self, ar_fail).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ar.h"
#include "ari.h"

static void *ari_val_alloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fputs("actor runtime: out of memory\n", stderr);
    abort();
  }
  return p;
}

static void *ari_val_realloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) {
    fputs("actor runtime: out of memory\n", stderr);
    abort();
  }
  return p;
}

/* ======================================================= faults */

void ar_fault(const char *reason) {
  ar_actor *self = ar_self();
  if (self)
    ar_fail(self, reason);
  fprintf(stderr, "fatal: %s\n", reason);
  exit(70);
}

/* Fault reasons built at run time must outlive the actor (ar_fail keeps
 * the pointer): they are kept on a list freed when the process exits. */
typedef struct ari_val_reason {
  struct ari_val_reason *next;
  char text[];
} ari_val_reason;
static ari_val_reason *_Atomic ari_val_reasons;

void ar_fault_str(ar_str *reason) {
  size_t n = reason ? reason->len : 0;
  ari_val_reason *r = ari_val_alloc(sizeof *r + n + 1);
  if (n)
    memcpy(r->text, reason->ptr, n);
  r->text[n] = 0;
  ar_str_release(reason);
  /* release: the exit-time walk (acquire) sees the text */
  r->next = atomic_load_explicit(&ari_val_reasons, memory_order_relaxed);
  while (!atomic_compare_exchange_weak_explicit(&ari_val_reasons, &r->next, r,
                                                memory_order_release,
                                                memory_order_relaxed))
    ;
  ar_fault(r->text);
}

int64_t ar_idiv(int64_t a, int64_t b) {
  if (b == 0)
    ar_fault("division by zero");
  if (b == -1)
    return (int64_t)(0 - (uint64_t)a); /* INT64_MIN / -1 wraps */
  return a / b;
}

int64_t ar_imod(int64_t a, int64_t b) {
  if (b == 0)
    ar_fault("division by zero");
  if (b == -1)
    return 0;
  return a % b;
}

uint64_t ar_udiv(uint64_t a, uint64_t b) {
  if (b == 0)
    ar_fault("division by zero");
  return a / b;
}

uint64_t ar_umod(uint64_t a, uint64_t b) {
  if (b == 0)
    ar_fault("division by zero");
  return a % b;
}

/* ======================================================= strings */

static ar_str ari_val_empty = {AR_STR_STATIC, 0, ""};

ar_str *ar_str_empty(void) { return &ari_val_empty; }

ar_str *ar_str_new(const char *p, size_t n) {
  ar_str *s = ari_val_alloc(sizeof(ar_str) + n + 1);
  char *d = (char *)(s + 1);
  if (n)
    memcpy(d, p, n);
  d[n] = 0;
  atomic_init(&s->rc, 1);
  s->len = (uint32_t)n;
  s->ptr = d;
  return s;
}

ar_str *ar_str_retain(ar_str *s) {
  /* relaxed: a holder already owns a count, nothing is published */
  if (s && atomic_load_explicit(&s->rc, memory_order_relaxed) != AR_STR_STATIC)
    atomic_fetch_add_explicit(&s->rc, 1, memory_order_relaxed);
  return s;
}

void ar_str_release(ar_str *s) {
  if (!s || atomic_load_explicit(&s->rc, memory_order_relaxed) == AR_STR_STATIC)
    return;
  /* acq_rel: the last release must see every other holder's reads done */
  if (atomic_fetch_sub_explicit(&s->rc, 1, memory_order_acq_rel) == 1)
    free(s);
}

bool ar_str_eq(const ar_str *a, const ar_str *b) {
  if (a == b)
    return true;
  if (!a || !b)
    return false;
  return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

int ar_str_cmp(const ar_str *a, const ar_str *b) {
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(a->ptr, b->ptr, n);
  if (c)
    return c;
  return a->len < b->len ? -1 : a->len > b->len;
}

uint64_t ar_str_hash(const ar_str *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a 64 */
  for (uint32_t i = 0; i < s->len; i++) {
    h ^= (unsigned char)s->ptr[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* ======================================================= formatting */

typedef struct ari_val_buf {
  char *p;
  size_t len, cap;
} ari_val_buf;

#define ARI_VAL_FMT_DEPTH 32
static _Thread_local ari_val_buf ari_val_fmt[ARI_VAL_FMT_DEPTH];
static _Thread_local int ari_val_fmt_top;

/* A worker's builders are freed when the thread exits (pthread key
 * destructor), so sanitizer runs see no leak. */
static pthread_key_t ari_val_tkey;
static pthread_once_t ari_val_once = PTHREAD_ONCE_INIT;

static void ari_val_thread_exit(void *unused) {
  (void)unused;
  for (int i = 0; i < ARI_VAL_FMT_DEPTH; i++) {
    free(ari_val_fmt[i].p);
    ari_val_fmt[i].p = NULL;
    ari_val_fmt[i].cap = 0;
  }
}

static void ari_val_key_init(void) {
  pthread_key_create(&ari_val_tkey, ari_val_thread_exit);
}

static ari_val_buf *ari_val_cur(void) {
  return &ari_val_fmt[ari_val_fmt_top - 1];
}

int ari_val_fmt_depth(void) { return ari_val_fmt_top; }

void ari_val_fmt_unwind(int depth) {
  if (depth >= 0 && depth < ari_val_fmt_top)
    ari_val_fmt_top = depth;
}

void ar_fmt_begin(void) {
  if (ari_val_fmt_top == ARI_VAL_FMT_DEPTH)
    ar_fault("string interpolation nested too deeply");
  ari_val_fmt[ari_val_fmt_top++].len = 0;
}

void ar_fmt_cstr(const char *p, size_t n) {
  ari_val_buf *b = ari_val_cur();
  if (b->len + n + 1 > b->cap) {
    size_t c = b->cap ? b->cap : 64;
    while (c < b->len + n + 1)
      c *= 2;
    if (!b->p) {
      pthread_once(&ari_val_once, ari_val_key_init);
      pthread_setspecific(ari_val_tkey, (void *)1);
    }
    b->p = ari_val_realloc(b->p, c);
    b->cap = c;
  }
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

void ar_fmt_str(const ar_str *s) {
  if (s)
    ar_fmt_cstr(s->ptr, s->len);
  else
    ar_fmt_cstr("nil", 3);
}

void ar_fmt_i64(int64_t v) {
  char t[32];
  int n = snprintf(t, sizeof t, "%lld", (long long)v);
  ar_fmt_cstr(t, (size_t)n);
}

void ar_fmt_u64(uint64_t v) {
  char t[32];
  int n = snprintf(t, sizeof t, "%llu", (unsigned long long)v);
  ar_fmt_cstr(t, (size_t)n);
}

/* Shortest text that reads back as the same double; integral values keep a
 * `.0` so that a float always looks like one (Python's repr). */
void ar_fmt_f64(double v) {
  char t[40];
  int n;
  if (isnan(v))
    n = snprintf(t, sizeof t, "nan");
  else if (isinf(v))
    n = snprintf(t, sizeof t, v < 0 ? "-inf" : "inf");
  else if (v == floor(v) && fabs(v) < 1e16)
    n = snprintf(t, sizeof t, "%.1f", v);
  else {
    n = 0;
    for (int prec = 1; prec <= 17; prec++) {
      n = snprintf(t, sizeof t, "%.*g", prec, v);
      if (strtod(t, NULL) == v)
        break;
    }
  }
  ar_fmt_cstr(t, (size_t)n);
}

void ar_fmt_bool(bool v) {
  if (v)
    ar_fmt_cstr("true", 4);
  else
    ar_fmt_cstr("false", 5);
}

void ar_fmt_duration(int64_t ns) {
  char t[40];
  int n;
  if (ns % 1000000000 == 0)
    n = snprintf(t, sizeof t, "%llds", (long long)(ns / 1000000000));
  else if (ns % 1000000 == 0)
    n = snprintf(t, sizeof t, "%lldms", (long long)(ns / 1000000));
  else if (ns % 1000 == 0)
    n = snprintf(t, sizeof t, "%lldus", (long long)(ns / 1000));
  else
    n = snprintf(t, sizeof t, "%lldns", (long long)ns);
  ar_fmt_cstr(t, (size_t)n);
}

void ar_fmt_actor(const ar_actor *a) {
  char t[64];
  const ar_actor_type *ty = a ? ar_actor_type_of(a) : NULL;
  int n = snprintf(t, sizeof t, "<%s>", ty && ty->name ? ty->name : "actor");
  ar_fmt_cstr(t, (size_t)n);
}

void ar_fmt_val(const ar_vt *vt, const void *p) {
  if (vt->fmt)
    vt->fmt(p);
  else
    ar_fmt_cstr("?", 1);
}

ar_str *ar_fmt_end(void) {
  ari_val_buf *b = ari_val_cur();
  ari_val_fmt_top--;
  return ar_str_new(b->p ? b->p : "", b->len);
}

static void ari_val_write(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0)
      return;
    p += w;
    n -= (size_t)w;
  }
}

void ar_fmt_print(bool nl, bool to_err) {
  if (nl)
    ar_fmt_cstr("\n", 1);
  ari_val_buf *b = ari_val_cur();
  ari_val_fmt_top--;
  ari_val_write(to_err ? 2 : 1, b->p, b->len);
}

void ar_print_str(const ar_str *s, bool nl, bool to_err) {
  ar_fmt_begin();
  ar_fmt_str(s);
  ar_fmt_print(nl, to_err);
}

/* ======================================================= scalar vtables */

#define ARI_VAL_SCALAR(NAME, T, FMT)                                        \
  static bool ari_val_eq_##NAME(const void *a, const void *b) {             \
    return *(const T *)a == *(const T *)b;                                  \
  }                                                                         \
  static uint64_t ari_val_hash_##NAME(const void *p) {                      \
    uint64_t x = (uint64_t) * (const T *)p;                                 \
    x ^= x >> 33;                                                           \
    x *= 0xff51afd7ed558ccdull;                                             \
    x ^= x >> 33;                                                           \
    return x;                                                               \
  }                                                                         \
  static void ari_val_fmt_##NAME(const void *p) { FMT(*(const T *)p); }    \
  const ar_vt ar_vt_##NAME = {#NAME, sizeof(T), NULL, NULL, NULL,           \
                              ari_val_eq_##NAME, ari_val_hash_##NAME,       \
                              ari_val_fmt_##NAME};

#define ARI_FMT_I(v) ar_fmt_i64((int64_t)(v))
#define ARI_FMT_U(v) ar_fmt_u64((uint64_t)(v))
ARI_VAL_SCALAR(bool, bool, ar_fmt_bool)
ARI_VAL_SCALAR(i8, int8_t, ARI_FMT_I)
ARI_VAL_SCALAR(i16, int16_t, ARI_FMT_I)
ARI_VAL_SCALAR(i32, int32_t, ARI_FMT_I)
ARI_VAL_SCALAR(i64, int64_t, ARI_FMT_I)
ARI_VAL_SCALAR(u8, uint8_t, ARI_FMT_U)
ARI_VAL_SCALAR(u16, uint16_t, ARI_FMT_U)
ARI_VAL_SCALAR(u32, uint32_t, ARI_FMT_U)
ARI_VAL_SCALAR(u64, uint64_t, ARI_FMT_U)

static bool ari_val_eq_f64(const void *a, const void *b) {
  return *(const double *)a == *(const double *)b;
}
static uint64_t ari_val_hash_f64(const void *p) {
  double d = *(const double *)p;
  uint64_t x;
  if (d == 0)
    d = 0; /* -0.0 == 0.0 */
  memcpy(&x, &d, sizeof x);
  return x * 0x9e3779b97f4a7c15ull;
}
static void ari_val_fmt_f64(const void *p) { ar_fmt_f64(*(const double *)p); }
const ar_vt ar_vt_f64 = {"f64", sizeof(double), NULL, NULL, NULL,
                         ari_val_eq_f64, ari_val_hash_f64, ari_val_fmt_f64};
static bool ari_val_eq_f32(const void *a, const void *b) {
  return *(const float *)a == *(const float *)b;
}
static uint64_t ari_val_hash_f32(const void *p) {
  double d = *(const float *)p;
  return ari_val_hash_f64(&d);
}
static void ari_val_fmt_f32(const void *p) { ar_fmt_f64(*(const float *)p); }
const ar_vt ar_vt_f32 = {"f32", sizeof(float), NULL, NULL, NULL,
                         ari_val_eq_f32, ari_val_hash_f32, ari_val_fmt_f32};

static void ari_val_str_drop(void *p) { ar_str_release(*(ar_str **)p); }
static void ari_val_str_share(void *d, const void *s) {
  *(ar_str **)d = ar_str_retain(*(ar_str *const *)s);
}
static bool ari_val_str_eq(const void *a, const void *b) {
  return ar_str_eq(*(ar_str *const *)a, *(ar_str *const *)b);
}
static uint64_t ari_val_str_hash(const void *p) {
  return ar_str_hash(*(ar_str *const *)p);
}
static void ari_val_str_fmt(const void *p) {
  const ar_str *s = *(ar_str *const *)p;
  ar_fmt_cstr("\"", 1);
  ar_fmt_str(s);
  ar_fmt_cstr("\"", 1);
}
const ar_vt ar_vt_str = {"str", sizeof(ar_str *), ari_val_str_drop,
                         ari_val_str_share, ari_val_str_share,
                         ari_val_str_eq, ari_val_str_hash, ari_val_str_fmt};

static void ari_val_actor_drop(void *p) {
  ar_actor *a = *(ar_actor **)p;
  if (a)
    ar_actor_release(a);
}
static void ari_val_actor_share(void *d, const void *s) {
  ar_actor *a = *(ar_actor *const *)s;
  if (a)
    ar_actor_retain(a);
  *(ar_actor **)d = a;
}
static bool ari_val_actor_eq(const void *a, const void *b) {
  return *(ar_actor *const *)a == *(ar_actor *const *)b;
}
static uint64_t ari_val_actor_hash(const void *p) {
  return (uint64_t)(uintptr_t) * (ar_actor *const *)p * 0x9e3779b97f4a7c15ull;
}
static void ari_val_actor_fmt(const void *p) {
  ar_fmt_actor(*(ar_actor *const *)p);
}
const ar_vt ar_vt_actor = {"actor", sizeof(ar_actor *), ari_val_actor_drop,
                           ari_val_actor_share, ari_val_actor_share,
                           ari_val_actor_eq, ari_val_actor_hash,
                           ari_val_actor_fmt};

/* ======================================================= lists */

static void ari_val_elem_share(const ar_vt *vt, void *d, const void *s) {
  if (vt->share)
    vt->share(d, s);
  else
    memcpy(d, s, vt->size);
}

static void ari_val_elem_deep(const ar_vt *vt, void *d, const void *s) {
  if (vt->deep)
    vt->deep(d, s);
  else
    memcpy(d, s, vt->size);
}

ar_list *ar_list_new(const ar_vt *vt, int64_t cap) {
  ar_list *l = ari_val_alloc(sizeof *l);
  atomic_init(&l->rc, 1);
  l->frozen = false;
  l->vt = vt;
  l->len = 0;
  l->cap = cap > 0 ? cap : 0;
  l->data = l->cap ? ari_val_alloc((size_t)l->cap * vt->size) : NULL;
  return l;
}

void ar_list_check_mut(const ar_list *l) {
  if (l->frozen)
    ar_fault("mutation of a frozen list");
}

void ar_list_push(ar_list *l, const void *elem) {
  ar_list_check_mut(l);
  if (l->len == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 4;
    l->data = ari_val_realloc(l->data, (size_t)l->cap * l->vt->size);
  }
  memcpy(l->data + (size_t)l->len * l->vt->size, elem, l->vt->size);
  l->len++;
}

bool ar_list_pop(ar_list *l, void *out) {
  ar_list_check_mut(l);
  if (l->len == 0)
    return false;
  l->len--;
  memcpy(out, l->data + (size_t)l->len * l->vt->size, l->vt->size);
  return true;
}

void ar_list_index_fault(void) { ar_fault("index out of range"); }

ar_list *ar_list_retain(ar_list *l) {
  if (l)
    atomic_fetch_add_explicit(&l->rc, 1, memory_order_relaxed);
  return l;
}

void ar_list_release(ar_list *l) {
  if (!l)
    return;
  /* acq_rel pairs with the other holders' releases: the last one frees */
  if (atomic_fetch_sub_explicit(&l->rc, 1, memory_order_acq_rel) != 1)
    return;
  if (l->vt->drop)
    for (int64_t i = 0; i < l->len; i++)
      l->vt->drop(l->data + (size_t)i * l->vt->size);
  free(l->data);
  free(l);
}

static void ari_val_count_copy(void);

ar_list *ar_list_copy(const ar_list *l) {
  ari_val_count_copy();
  ar_list *c = ar_list_new(l->vt, l->len);
  for (int64_t i = 0; i < l->len; i++)
    ari_val_elem_deep(l->vt, c->data + (size_t)i * l->vt->size,
                      l->data + (size_t)i * l->vt->size);
  c->len = l->len;
  return c;
}

ar_list *ar_list_freeze(ar_list *l) {
  if (!l || l->frozen)
    return l;
  l->frozen = true;
  if (l->vt == &ar_vt_list)
    for (int64_t i = 0; i < l->len; i++)
      ar_list_freeze(*(ar_list **)(l->data + (size_t)i * sizeof(ar_list *)));
  else if (l->vt == &ar_vt_map)
    for (int64_t i = 0; i < l->len; i++)
      ar_map_freeze(*(ar_map **)(l->data + (size_t)i * sizeof(ar_map *)));
  return l;
}

static void ari_val_list_drop(void *p) { ar_list_release(*(ar_list **)p); }
static void ari_val_list_share(void *d, const void *s) {
  *(ar_list **)d = ar_list_retain(*(ar_list *const *)s);
}
static void ari_val_list_deep(void *d, const void *s) {
  const ar_list *l = *(ar_list *const *)s;
  *(ar_list **)d = l ? ar_list_copy(l) : NULL;
}
static bool ari_val_list_eq(const void *a, const void *b) {
  const ar_list *x = *(ar_list *const *)a, *y = *(ar_list *const *)b;
  if (x == y)
    return true;
  if (!x || !y || x->len != y->len || !x->vt->eq)
    return false;
  for (int64_t i = 0; i < x->len; i++)
    if (!x->vt->eq(x->data + (size_t)i * x->vt->size,
                   y->data + (size_t)i * y->vt->size))
      return false;
  return true;
}
static uint64_t ari_val_list_hash(const void *p) {
  const ar_list *l = *(ar_list *const *)p;
  uint64_t h = 7;
  for (int64_t i = 0; l && l->vt->hash && i < l->len; i++)
    h = h * 31 + l->vt->hash(l->data + (size_t)i * l->vt->size);
  return h;
}
static void ari_val_list_fmt(const void *p) {
  const ar_list *l = *(ar_list *const *)p;
  ar_fmt_cstr("[", 1);
  for (int64_t i = 0; l && i < l->len; i++) {
    if (i)
      ar_fmt_cstr(", ", 2);
    ar_fmt_val(l->vt, l->data + (size_t)i * l->vt->size);
  }
  ar_fmt_cstr("]", 1);
}
const ar_vt ar_vt_list = {"list", sizeof(ar_list *), ari_val_list_drop,
                          ari_val_list_share, ari_val_list_deep,
                          ari_val_list_eq, ari_val_list_hash,
                          ari_val_list_fmt};

/* ======================================================= maps */

static uint64_t ari_val_hash(const ar_vt *vt, const void *k) {
  return vt->hash ? vt->hash(k) : 0;
}

static bool ari_val_eq(const ar_vt *vt, const void *a, const void *b) {
  return vt->eq ? vt->eq(a, b) : memcmp(a, b, vt->size) == 0;
}

ar_map *ar_map_new(const ar_vt *kvt, const ar_vt *vvt) {
  ar_map *m = ari_val_alloc(sizeof *m);
  memset(m, 0, sizeof *m);
  atomic_init(&m->rc, 1);
  m->kvt = kvt;
  m->vvt = vvt;
  return m;
}

void ar_map_check_mut(const ar_map *m) {
  if (m->frozen)
    ar_fault("mutation of a frozen map");
}

static char *ari_val_key(const ar_map *m, int64_t i) {
  return m->keys + (size_t)i * m->kvt->size;
}

static char *ari_val_v(const ar_map *m, int64_t i) {
  return m->vals + (size_t)i * m->vvt->size;
}

/* index slot holding k, or the first free slot for it (idx == -1) */
static uint32_t ari_val_probe(const ar_map *m, const void *k, bool *found) {
  uint32_t mask = m->idxcap - 1;
  uint32_t i = (uint32_t)ari_val_hash(m->kvt, k) & mask;
  int64_t tomb = -1;
  for (uint32_t step = 0; step <= mask; step++, i = (i + 1) & mask) {
    int32_t e = m->idx[i];
    if (e == -1) {
      *found = false;
      return tomb >= 0 ? (uint32_t)tomb : i;
    }
    if (e == -2) {
      if (tomb < 0)
        tomb = i;
      continue;
    }
    if (ari_val_eq(m->kvt, ari_val_key(m, e), k)) {
      *found = true;
      return i;
    }
  }
  *found = false;
  return (uint32_t)tomb;
}

static void ari_val_reindex(ar_map *m, uint32_t cap) {
  free(m->idx);
  m->idxcap = cap;
  m->idx = ari_val_alloc(sizeof(int32_t) * cap);
  for (uint32_t i = 0; i < cap; i++)
    m->idx[i] = -1;
  /* compact removed entries out of the arrays */
  int64_t w = 0;
  for (int64_t r = 0; r < m->n; r++) {
    if (!m->live[r])
      continue;
    if (w != r) {
      memcpy(ari_val_key(m, w), ari_val_key(m, r), m->kvt->size);
      memcpy(ari_val_v(m, w), ari_val_v(m, r), m->vvt->size);
      m->live[w] = 1;
    }
    w++;
  }
  m->n = w;
  for (int64_t e = 0; e < m->n; e++) {
    bool found;
    uint32_t s = ari_val_probe(m, ari_val_key(m, e), &found);
    m->idx[s] = (int32_t)e;
  }
}

void ar_map_insert(ar_map *m, const void *k, const void *v) {
  ar_map_check_mut(m);
  if (m->idxcap == 0 || (uint64_t)(m->n + 1) * 2 > m->idxcap)
    ari_val_reindex(m, m->idxcap ? m->idxcap * 2 : 8);
  bool found;
  uint32_t s = ari_val_probe(m, k, &found);
  if (found) {
    int32_t e = m->idx[s];
    if (m->kvt->drop)
      m->kvt->drop((void *)k);
    if (m->vvt->drop)
      m->vvt->drop(ari_val_v(m, e));
    memcpy(ari_val_v(m, e), v, m->vvt->size);
    return;
  }
  if (m->n == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 8;
    m->keys = ari_val_realloc(m->keys, (size_t)m->cap * m->kvt->size);
    m->vals = ari_val_realloc(m->vals, (size_t)m->cap * m->vvt->size);
    m->live = ari_val_realloc(m->live, (size_t)m->cap);
  }
  int64_t e = m->n++;
  memcpy(ari_val_key(m, e), k, m->kvt->size);
  memcpy(ari_val_v(m, e), v, m->vvt->size);
  m->live[e] = 1;
  m->idx[s] = (int32_t)e;
  m->len++;
}

void *ar_map_get(ar_map *m, const void *k) {
  if (!m->idxcap)
    return NULL;
  bool found;
  uint32_t s = ari_val_probe(m, k, &found);
  return found ? ari_val_v(m, m->idx[s]) : NULL;
}

bool ar_map_contains(ar_map *m, const void *k) {
  return ar_map_get(m, k) != NULL;
}

bool ar_map_remove(ar_map *m, const void *k, void *out_v) {
  ar_map_check_mut(m);
  if (!m->idxcap)
    return false;
  bool found;
  uint32_t s = ari_val_probe(m, k, &found);
  if (!found)
    return false;
  int32_t e = m->idx[s];
  m->idx[s] = -2;
  m->live[e] = 0;
  m->len--;
  if (m->kvt->drop)
    m->kvt->drop(ari_val_key(m, e));
  if (out_v)
    memcpy(out_v, ari_val_v(m, e), m->vvt->size);
  else if (m->vvt->drop)
    m->vvt->drop(ari_val_v(m, e));
  return true;
}

ar_list *ar_map_keys(ar_map *m) {
  ar_list *l = ar_list_new(m->kvt, m->len);
  for (int64_t e = 0; e < m->n; e++)
    if (m->live[e])
      ari_val_elem_share(m->kvt, l->data + (size_t)l->len++ * m->kvt->size,
                         ari_val_key(m, e));
  return l;
}

int64_t ar_map_len(const ar_map *m) { return m ? m->len : 0; }
int64_t ar_map_slots(const ar_map *m) { return m ? m->n : 0; }
bool ar_map_live(const ar_map *m, int64_t i) { return m->live[i] != 0; }
void *ar_map_key_at(ar_map *m, int64_t i) { return ari_val_key(m, i); }
void *ar_map_val_at(ar_map *m, int64_t i) { return ari_val_v(m, i); }

ar_map *ar_map_retain(ar_map *m) {
  if (m)
    atomic_fetch_add_explicit(&m->rc, 1, memory_order_relaxed);
  return m;
}

void ar_map_release(ar_map *m) {
  if (!m)
    return;
  /* acq_rel: see ar_list_release */
  if (atomic_fetch_sub_explicit(&m->rc, 1, memory_order_acq_rel) != 1)
    return;
  for (int64_t e = 0; e < m->n; e++) {
    if (!m->live[e])
      continue;
    if (m->kvt->drop)
      m->kvt->drop(ari_val_key(m, e));
    if (m->vvt->drop)
      m->vvt->drop(ari_val_v(m, e));
  }
  free(m->keys);
  free(m->vals);
  free(m->live);
  free(m->idx);
  free(m);
}

ar_map *ar_map_copy(const ar_map *m) {
  ari_val_count_copy();
  ar_map *c = ar_map_new(m->kvt, m->vvt);
  char *kb = ari_val_alloc(m->kvt->size), *vb = ari_val_alloc(m->vvt->size);
  for (int64_t e = 0; e < m->n; e++) {
    if (!m->live[e])
      continue;
    ari_val_elem_deep(m->kvt, kb, ari_val_key(m, e));
    ari_val_elem_deep(m->vvt, vb, ari_val_v(m, e));
    ar_map_insert(c, kb, vb);
  }
  free(kb);
  free(vb);
  return c;
}

ar_map *ar_map_freeze(ar_map *m) {
  if (!m || m->frozen)
    return m;
  m->frozen = true;
  for (int64_t e = 0; e < m->n; e++) {
    if (!m->live[e])
      continue;
    if (m->vvt == &ar_vt_list)
      ar_list_freeze(*(ar_list **)ari_val_v(m, e));
    else if (m->vvt == &ar_vt_map)
      ar_map_freeze(*(ar_map **)ari_val_v(m, e));
  }
  return m;
}

static void ari_val_map_drop(void *p) { ar_map_release(*(ar_map **)p); }
static void ari_val_map_share(void *d, const void *s) {
  *(ar_map **)d = ar_map_retain(*(ar_map *const *)s);
}
static void ari_val_map_deep(void *d, const void *s) {
  const ar_map *m = *(ar_map *const *)s;
  *(ar_map **)d = m ? ar_map_copy(m) : NULL;
}
static bool ari_val_map_eq(const void *a, const void *b) {
  return *(ar_map *const *)a == *(ar_map *const *)b;
}
static uint64_t ari_val_map_hash(const void *p) {
  return (uint64_t)(uintptr_t) * (ar_map *const *)p;
}
static void ari_val_map_fmt(const void *p) {
  ar_map *m = *(ar_map *const *)p;
  ar_fmt_cstr("[", 1);
  bool first = true;
  for (int64_t e = 0; m && e < m->n; e++) {
    if (!m->live[e])
      continue;
    if (!first)
      ar_fmt_cstr(", ", 2);
    first = false;
    ar_fmt_val(m->kvt, ari_val_key(m, e));
    ar_fmt_cstr(": ", 2);
    ar_fmt_val(m->vvt, ari_val_v(m, e));
  }
  if (first)
    ar_fmt_cstr(":", 1);
  ar_fmt_cstr("]", 1);
}
const ar_vt ar_vt_map = {"map", sizeof(ar_map *), ari_val_map_drop,
                         ari_val_map_share, ari_val_map_deep, ari_val_map_eq,
                         ari_val_map_hash, ari_val_map_fmt};

int64_t ar_f2i64(double v) {
  if (v != v)
    return 0;
  if (v >= 9223372036854775807.0)
    return INT64_MAX;
  if (v <= -9223372036854775808.0)
    return INT64_MIN;
  return (int64_t)v;
}

uint64_t ar_f2u64(double v) {
  if (v != v || v <= 0)
    return 0;
  if (v >= 18446744073709551615.0)
    return UINT64_MAX;
  return (uint64_t)v;
}

uint64_t ar_f64_bits(double v) {
  uint64_t s;
  memcpy(&s, &v, sizeof s);
  return s;
}

double ar_bits_f64(uint64_t s) {
  double v;
  memcpy(&v, &s, sizeof v);
  return v;
}

/* ======================================================= ask results */

void ar_askres_set(ar_askres *r, int kind, void *p) {
  r->kind = kind;
  r->reply = NULL;
  r->reason = NULL;
  if (kind == AR_EV_REPLY)
    r->reply = p;
  else if (kind == AR_EV_FAILED) {
    const char *why = p ? (const char *)p : "actor failed";
    r->reason = ar_str_new(why, strlen(why));
  }
}

/* ======================================================= helpers */

void *ar_take(void **place) {
  void *p = *place;
  *place = NULL;
  return p;
}

ar_list *ar_list_take(ar_list **place) {
  ar_list *l = *place;
  *place = ar_list_new(l ? l->vt : &ar_vt_i64, 0);
  return l;
}

ar_map *ar_map_take(ar_map **place) {
  ar_map *m = *place;
  *place = ar_map_new(m ? m->kvt : &ar_vt_i64, m ? m->vvt : &ar_vt_i64);
  return m;
}

ar_list *ar_list_of(const ar_vt *vt, int64_t n, const void *elems) {
  ar_list *l = ar_list_new(vt, n);
  if (n)
    memcpy(l->data, elems, (size_t)n * vt->size);
  l->len = n;
  return l;
}

ar_map *ar_map_of(const ar_vt *kvt, const ar_vt *vvt, int64_t n,
                  const void *keys, const void *vals) {
  ar_map *m = ar_map_new(kvt, vvt);
  for (int64_t i = 0; i < n; i++)
    ar_map_insert(m, (const char *)keys + (size_t)i * kvt->size,
                  (const char *)vals + (size_t)i * vvt->size);
  return m;
}

void *ar_map_at(ar_map *m, const void *k) {
  void *v = ar_map_get(m, k);
  if (!v)
    ar_fault("key not found in map");
  return v;
}

ar_actor *ar_ref_retain(ar_actor *a) {
  if (a)
    ar_actor_retain(a);
  return a;
}

void ar_ref_release(ar_actor *a) {
  if (a)
    ar_actor_release(a);
}

ar_str *ar_str_concat(const ar_str *a, const ar_str *b) {
  ar_fmt_begin();
  ar_fmt_str(a);
  ar_fmt_str(b);
  return ar_fmt_end();
}

/* ======================================================= string methods */

/* First occurrence of n[0..nl) in h[0..hl), or NULL (empty n: h). */
static const char *ari_str_find(const char *h, size_t hl, const char *n,
                                size_t nl) {
  if (nl == 0)
    return h;
  if (nl > hl)
    return NULL;
  for (size_t i = 0; i + nl <= hl; i++)
    if (h[i] == n[0] && memcmp(h + i, n, nl) == 0)
      return h + i;
  return NULL;
}

bool ar_str_contains(const ar_str *s, const ar_str *sub) {
  return ari_str_find(s->ptr, s->len, sub->ptr, sub->len) != NULL;
}

bool ar_str_starts_with(const ar_str *s, const ar_str *p) {
  return p->len <= s->len && memcmp(s->ptr, p->ptr, p->len) == 0;
}

bool ar_str_ends_with(const ar_str *s, const ar_str *p) {
  return p->len <= s->len &&
         memcmp(s->ptr + (s->len - p->len), p->ptr, p->len) == 0;
}

bool ar_str_index_of(const ar_str *s, const ar_str *sub, int64_t *out) {
  const char *f = ari_str_find(s->ptr, s->len, sub->ptr, sub->len);
  if (!f)
    return false;
  *out = (int64_t)(f - s->ptr);
  return true;
}

/* true when byte offset i of s starts a character (or is the end) */
static bool ari_str_boundary(const ar_str *s, int64_t i) {
  return i >= (int64_t)s->len || ((unsigned char)s->ptr[i] & 0xC0) != 0x80;
}

ar_str *ar_str_slice(const ar_str *s, int64_t a, int64_t b) {
  if (a < 0 || b < a || b > (int64_t)s->len)
    ar_fault("string slice out of range");
  if (!ari_str_boundary(s, a) || !ari_str_boundary(s, b))
    ar_fault("string slice inside a UTF-8 sequence");
  return ar_str_new(s->ptr + a, (size_t)(b - a));
}

static void ari_str_push_part(ar_list *l, const char *p, size_t n) {
  ar_str *part = ar_str_new(p, n);
  ar_list_push(l, &part);
}

ar_list *ar_str_split(const ar_str *s, const ar_str *sep) {
  ar_list *l = ar_list_new(&ar_vt_str, 0);
  const char *p = s->ptr, *end = s->ptr + s->len;
  if (sep->len == 0) { /* one part per UTF-8 character */
    while (p < end) {
      const char *q = p + 1;
      while (q < end && ((unsigned char)*q & 0xC0) == 0x80)
        q++;
      ari_str_push_part(l, p, (size_t)(q - p));
      p = q;
    }
    return l;
  }
  for (;;) {
    const char *f = ari_str_find(p, (size_t)(end - p), sep->ptr, sep->len);
    if (!f) {
      ari_str_push_part(l, p, (size_t)(end - p));
      return l;
    }
    ari_str_push_part(l, p, (size_t)(f - p));
    p = f + sep->len;
  }
}

static bool ari_str_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

ar_str *ar_str_trim(const ar_str *s) {
  size_t a = 0, b = s->len;
  while (a < b && ari_str_space(s->ptr[a]))
    a++;
  while (b > a && ari_str_space(s->ptr[b - 1]))
    b--;
  return ar_str_new(s->ptr + a, b - a);
}

bool ar_str_parse_i64(const ar_str *s, int64_t *out) {
  size_t i = 0, n = s->len;
  bool neg = false;
  if (i < n && (s->ptr[i] == '+' || s->ptr[i] == '-'))
    neg = s->ptr[i++] == '-';
  if (i == n)
    return false;
  uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; i < n; i++) {
    char c = s->ptr[i];
    if (c < '0' || c > '9')
      return false;
    uint64_t d = (uint64_t)(c - '0');
    if (v > (lim - d) / 10)
      return false;
    v = v * 10 + d;
  }
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

bool ar_str_parse_f64(const ar_str *s, double *out) {
  if (s->len == 0 || ari_str_space(s->ptr[0]))
    return false;
  char *end = NULL;
  double v = strtod(s->ptr, &end);
  if (end != s->ptr + s->len)
    return false;
  *out = v;
  return true;
}

ar_list *ar_str_bytes(const ar_str *s) {
  ar_list *l = ar_list_new(&ar_vt_u8, (int64_t)s->len);
  for (uint32_t i = 0; i < s->len; i++) {
    uint8_t b = (uint8_t)s->ptr[i];
    ar_list_push(l, &b);
  }
  return l;
}

/* ======================================================= statistics */

/* AR_VAL_STATS=1 prints how many containers were deep-copied when the
 * program exits: tests/run/move_no_copy uses it to prove that a send moves
 * a list by pointer (DESIGN.md "Ownership"). */
static _Atomic uint64_t ari_val_copies;

static void ari_val_count_copy(void) {
  atomic_fetch_add_explicit(&ari_val_copies, 1, memory_order_relaxed);
}

__attribute__((destructor)) static void ari_val_report(void) {
  /* acquire pairs with the release push in ar_fault_str */
  ari_val_reason *r = atomic_exchange_explicit(&ari_val_reasons, NULL,
                                               memory_order_acquire);
  while (r) {
    ari_val_reason *next = r->next;
    free(r);
    r = next;
  }
  const char *e = getenv("AR_VAL_STATS");
  if (e && *e == '1')
    fprintf(stderr, "values: %llu deep copies\n",
            (unsigned long long)atomic_load_explicit(&ari_val_copies,
                                                     memory_order_relaxed));
}
