/* intern.c — string interning: equal text ⇒ same pointer (ponyc stringtab).
 *
 * Open-addressing hash table (word-at-a-time hash kept per slot) whose slot
 * array is malloc'd and grown by doubling; the strings live in the table's
 * own arena, packed together, and stay valid until ac_ctx_free (intern_free
 * runs there, after the last phase).
 */
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* One slot: the hash is kept so probes and growth compare/rehash without
 * touching the string; 16 bytes, so a probe is one cache line. */
typedef struct intern_slot {
  const char *s;  /* NULL: empty */
  uint32_t len;
  uint32_t hash;
} intern_slot;

struct intern_table {
  intern_slot *slots;
  uint32_t cap;   /* power of two */
  uint32_t count;
  arena *text;    /* the strings, packed together (not between AST nodes),
                     so the memcmp of a lookup stays in cache */
};

/* Word-at-a-time multiplicative hash (identifiers are short). */
static uint32_t intern_hash(const char *s, size_t len) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)len;
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 29;
    s += 8;
    len -= 8;
  }
  if (len) {  /* 1..7 bytes: two overlapping loads, or three bytes */
    uint64_t w;
    if (len >= 4) {
      uint32_t lo, hi;
      memcpy(&lo, s, 4);
      memcpy(&hi, s + len - 4, 4);
      w = (uint64_t)lo | (uint64_t)hi << 32;
    } else {
      w = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[len >> 1] << 8 |
          (uint64_t)(unsigned char)s[len - 1] << 16;
    }
    h = (h ^ w) * 0xff51afd7ed558ccdull;
  }
  h ^= h >> 32;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 29;
  return (uint32_t)h;
}

/* memcmp(a, b, len) == 0 without a libc call for the usual short names:
 * two overlapping word loads per side, like intern_hash. */
static inline bool intern_eq(const char *a, const char *b, size_t len) {
  if (len > 16) return memcmp(a, b, len) == 0;
  if (len >= 8) {
    uint64_t a0, b0, a1, b1;
    memcpy(&a0, a, 8);
    memcpy(&b0, b, 8);
    memcpy(&a1, a + len - 8, 8);
    memcpy(&b1, b + len - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  if (len >= 4) {
    uint32_t a0, b0, a1, b1;
    memcpy(&a0, a, 4);
    memcpy(&b0, b, 4);
    memcpy(&a1, a + len - 4, 4);
    memcpy(&b1, b + len - 4, 4);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  for (size_t i = 0; i < len; i++)
    if (a[i] != b[i]) return false;
  return true;
}

static void intern_grow(struct intern_table *t) {
  uint32_t cap = t->cap ? t->cap * 2 : 1024;
  intern_slot *slots = calloc(cap, sizeof *slots);
  if (!slots) {
    fprintf(stderr, "actorc: out of memory (intern table)\n");
    abort();
  }
  for (uint32_t i = 0; i < t->cap; i++) {
    if (!t->slots[i].s) continue;
    uint32_t j = t->slots[i].hash & (cap - 1);
    while (slots[j].s) j = (j + 1) & (cap - 1);
    slots[j] = t->slots[i];
  }
  free(t->slots);
  t->slots = slots;
  t->cap = cap;
}

const char *intern(ac_ctx *cx, const char *s, size_t len) {
  struct intern_table *t = cx->strings;
  if (!t) {
    t = calloc(1, sizeof *t);
    if (!t) abort();
    t->text = arena_new();
    cx->strings = t;
  }
  if ((t->count + 1) * 2 > t->cap) intern_grow(t);
  uint32_t h = intern_hash(s, len);
  uint32_t j = h & (t->cap - 1);
  while (t->slots[j].s) {
    if (t->slots[j].hash == h && t->slots[j].len == len && intern_eq(t->slots[j].s, s, len))
      return t->slots[j].s;
    j = (j + 1) & (t->cap - 1);
  }
  const char *p = arena_strndup(t->text, s, len);
  t->slots[j].s = p;
  t->slots[j].len = (uint32_t)len;
  t->slots[j].hash = h;
  t->count++;
  return p;
}

const char *intern_cstr(ac_ctx *cx, const char *s) {
  return intern(cx, s, strlen(s));
}

void intern_free(struct intern_table *t) {
  if (!t) return;
  free(t->slots);
  arena_free(t->text);
  free(t);
}
