/* arena.c — chunked bump allocator for the compiler (STYLE.md B8).
 *
 * Every AST node, symbol, type and interned string lives in an arena and is
 * released all at once by arena_free.  Memory is zeroed and 16-byte aligned;
 * out of memory aborts with a message (no NULL returns).  This and intern.c
 * are the only places in compiler/ that call malloc/free.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ac.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#endif
#ifdef ARENA_ASAN
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define ARENA_POISON(p, n) __asan_poison_memory_region((p), (n))
#define ARENA_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define ARENA_POISON(p, n) ((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

typedef struct arena_chunk {
  struct arena_chunk *prev;
  size_t size;   /* usable bytes in data */
  size_t used;
  size_t clean;  /* data[clean..size) is known to be zero (never handed out) */
  size_t map_len;/* mmap'd: length of the mapping at `map`; 0: malloc'd */
  void *map;
  _Alignas(16) unsigned char data[];
} arena_chunk;

struct arena {
  arena_chunk *cur;
  arena_chunk *spare;  /* chunks released by arena_reset, reused first */
  size_t total;        /* usable bytes of every chunk owned (sizes the next one) */
};

/* Chunk sizes grow with the arena: 64 KiB for the small arenas of tests and
 * the fuzzer, up to 4 MiB for a big program.  Chunks from 1 MiB up are
 * mmap'd, 2 MiB-aligned and marked MADV_HUGEPAGE, so a large AST costs a
 * few page faults instead of thousands and needs no memset (fresh mappings
 * are zero; `clean` tracks what was never handed out). */
#define ARENA_CHUNK (64 * 1024)
#define ARENA_CHUNK_MAX (4 * 1024 * 1024)
#define ARENA_MAP_MIN (1024 * 1024)
#define ARENA_HUGE (2 * 1024 * 1024)

static _Noreturn void arena_oom(size_t n) {
  fprintf(stderr, "actorc: out of memory (allocating %zu bytes)\n", n);
  abort();
}

static void *arena_xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) arena_oom(n);
  return p;
}

static arena_chunk *arena_chunk_new(size_t size) {
  arena_chunk *c;
  size_t bytes = sizeof *c + size;
  if (bytes >= ARENA_MAP_MIN) {
    size_t len = (bytes + ARENA_HUGE - 1) & ~(size_t)(ARENA_HUGE - 1);
    size_t map_len = len + ARENA_HUGE;  /* room to align the start */
    unsigned char *m = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) arena_oom(bytes);
    uintptr_t at = ((uintptr_t)m + ARENA_HUGE - 1) & ~(uintptr_t)(ARENA_HUGE - 1);
#ifdef MADV_HUGEPAGE
    madvise((void *)at, len, MADV_HUGEPAGE);
#endif
    c = (arena_chunk *)at;
    c->map = m;
    c->map_len = map_len;
    c->size = len - sizeof *c;
    c->clean = 0;
  } else {
    c = arena_xmalloc(bytes);
    c->map = NULL;
    c->map_len = 0;
    c->size = size;
    c->clean = size;  /* malloc'd memory is not zero: clear on hand-out */
  }
  c->used = 0;
  return c;
}

static void arena_chunk_free(arena_chunk *c) {
  ARENA_UNPOISON(c->data, c->size);
  if (c->map_len) munmap(c->map, c->map_len);
  else free(c);
}

arena *arena_new(void) {
  arena *a = arena_xmalloc(sizeof *a);
  a->cur = NULL;
  a->spare = NULL;
  a->total = 0;
  return a;
}

void arena_free(arena *a) {
  if (!a) return;
  for (int list = 0; list < 2; list++) {
    arena_chunk *c = list ? a->spare : a->cur;
    while (c) {
      arena_chunk *prev = c->prev;
      arena_chunk_free(c);
      c = prev;
    }
  }
  free(a);
}

/* Make a->cur a chunk with at least n free bytes (slow path). */
static arena_chunk *arena_grow(arena *a, size_t n) {
  arena_chunk **link = &a->spare;
  while (*link && (*link)->size < n) link = &(*link)->prev;
  arena_chunk *c = *link;
  if (c) {
    *link = c->prev;
  } else {
    size_t size = a->total < ARENA_CHUNK ? ARENA_CHUNK : a->total;
    if (size > ARENA_CHUNK_MAX) size = ARENA_CHUNK_MAX;
    if (n > size) size = n;
    c = arena_chunk_new(size);
    a->total += c->size;
    ARENA_POISON(c->data, c->size);
  }
  c->used = 0;
  c->prev = a->cur;
  a->cur = c;
  return c;
}

/* Slow path: a new chunk, or memory handed out before (reset) to clear. */
static __attribute__((noinline)) void *arena_alloc_slow(arena *a, size_t n) {
  arena_chunk *c = a->cur;
  if (!c || c->size - c->used < n) c = arena_grow(a, n);
  unsigned char *p = c->data + c->used;
  size_t end = c->used + n;
  ARENA_UNPOISON(p, n);
  if (c->used < c->clean) memset(p, 0, (end < c->clean ? end : c->clean) - c->used);
  if (end > c->clean) c->clean = end;
  c->used = end;
  return p;
}

void *arena_alloc(arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n == 0) n = 16;
  arena_chunk *c = a->cur;
  /* fast path (a leaf): never-used memory of the current chunk, already zero */
  if (c && c->used == c->clean && c->size - c->used >= n) {
    unsigned char *p = c->data + c->used;
    c->used += n;
    c->clean = c->used;
    ARENA_UNPOISON(p, n);
    return p;
  }
  return arena_alloc_slow(a, n);
}

char *arena_strndup(arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *arena_sprintf(arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  char *p = arena_alloc(a, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

arena_mark arena_mark_get(arena *a) {
  arena_mark m = {a->cur, a->cur ? a->cur->used : 0};
  return m;
}

void arena_reset(arena *a, arena_mark m) {
  while (a->cur && a->cur != (arena_chunk *)m.chunk) {
    arena_chunk *c = a->cur;
    a->cur = c->prev;
    ARENA_POISON(c->data, c->size);
    c->used = 0;
    c->prev = a->spare;  /* kept for reuse: no unmap / re-fault per reset */
    a->spare = c;
  }
  if (a->cur) {
    ARENA_POISON(a->cur->data + m.used, a->cur->size - m.used);
    a->cur->used = m.used;
  }
}

void ast_list_push(arena *a, ast_list *l, void *item) {
  if (l->len == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 4;
    void **items = arena_alloc(a, cap * sizeof *items);
    if (l->len) memcpy(items, l->items, l->len * sizeof *items);
    l->items = items;
    l->cap = cap;
  }
  l->items[l->len++] = item;
}
