/* pool.c — per-thread size-class pools for messages, actors and waiters
 * (STYLE.md B8).  Each thread allocates from its own free lists without
 * atomics; a block freed on a foreign thread goes back to its owner through
 * the owner's remote stack for that class (MPSCQ.md 5).  Slabs are
 * never returned to the system while the runtime runs; ar_run frees them
 * all at teardown.  Blocks are 64-byte aligned.
 */
#include "ari.h"

#include <sched.h>
#include <stdarg.h>
#include <string.h>

/* Up to 128 bytes, 8-byte steps (messages are 32 bytes + payload); from
 * 128 on, multiples of 64 only, so that every block of a size that is a
 * multiple of 64 (actors) is 64-byte aligned (slabs are).  Blocks of the
 * small classes are 8-byte aligned. */
static const uint32_t ari_pool_sizes_[] = {
    32,  40,  48,  56,   64,   72,   80,   88,   96,   104,  112,  120,
    128, 192, 256, 320,  384,  512,  768,  1024, 1536, 2048, 3072, 4096,
    6144, 8192, 12288, 16384};
#define ARI_NCLS ((int)(sizeof ari_pool_sizes_ / sizeof ari_pool_sizes_[0]))
#define ARI_CLS_MALLOC 255
#define ARI_SLAB_BYTES (64 * 1024)

/* all slabs, freed at teardown; guarded by ari_rt_.lock */
static void **ari_slabs_;
static size_t ari_nslabs_, ari_capslabs_;

void ari_panic(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("libactor: fatal: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  abort();
}

void *ari_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    ari_panic("out of memory (%zu bytes)", n);
  return p;
}
void *ari_xcalloc(size_t n, size_t sz) {
  void *p = calloc(n ? n : 1, sz ? sz : 1);
  if (!p)
    ari_panic("out of memory (%zu x %zu bytes)", n, sz);
  return p;
}
void *ari_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q)
    ari_panic("out of memory (%zu bytes)", n);
  return q;
}

void ari_vec_push(ari_vec *v, void *p) {
  if (v->n == v->cap) {
    v->cap = v->cap ? v->cap * 2 : 4;
    v->v = ari_xrealloc(v->v, (size_t)v->cap * sizeof(void *));
  }
  v->v[v->n++] = p;
}
void ari_vec_free(ari_vec *v) {
  free(v->v);
  v->v = NULL;
  v->n = v->cap = 0;
}


/* size -> class for sizes up to 1024, in 8-byte steps (built once) */
uint8_t ari_pool_cls8_[1024 / 8 + 1];
static pthread_once_t ari_pool_once_ = PTHREAD_ONCE_INIT;

static void ari_pool_init_table(void) {
  for (int i = 0; i <= 1024 / 8; i++) {
    size_t size = (size_t)i * 8;
    int c = 0;
    while (size > ari_pool_sizes_[c])
      c++;
    ari_pool_cls8_[i] = (uint8_t)c;
  }
}

static int32_t ari_pool_limit(unsigned c);

void ari_pool_thread_init(ari_thread *t) {
  pthread_once(&ari_pool_once_, ari_pool_init_table);
  for (int c = 0; c < ARI_NCLS; c++) {
    t->free_list[c] = NULL;
    atomic_store_explicit(&t->remote[c].top, NULL, memory_order_relaxed);
    atomic_store_explicit(&t->remote[c].freed, 0, memory_order_relaxed);
    t->seen_freed[c] = 0;
    t->budget[c] = t->pool_base[c] = ari_pool_limit((unsigned)c);
  }
}

static int ari_pool_class(size_t size) {
  if (ARI_LIKELY(size <= 1024))
    return ari_pool_cls8_[(size + 7) / 8];
  for (int c = 0; c < ARI_NCLS; c++)
    if (size <= ari_pool_sizes_[c])
      return c;
  return ARI_CLS_MALLOC;
}

/* In-flight bound for messages (SCHEDULER.md 6.4).  A handler that sends
 * faster than its consumers free (one long sending turn: fjthrput,
 * counting) would otherwise run millions of messages ahead: every message
 * then misses in cache on both sides and memory grows without bound
 * (muting acts only after the handler returns).  Each thread keeps, per
 * class, a budget: message allocations decrement it, local message frees
 * and message blocks other threads gave back (`remote[c].freed`, read when
 * the budget runs out) increment it, so `pool_base - budget` is the number
 * of its messages alive (in flight).  When the budget runs out and more
 * than `limit` are in flight, a worker thread inside a handler waits
 * (bounded) for its consumers to give messages back.  The wait ends when
 * at most 3/4 of the limit is in flight, or when nothing came back for
 * ARI_POOL_WAIT_PAUSES pauses (the messages are really kept, or nobody can
 * consume now: the consumer waits in this worker's queue, or was
 * preempted); then the thread goes on for another `limit` messages and
 * counts again.  Unlike the earlier bound on slabs, a timeout does not
 * raise the bound for the rest of the run: the next count compares with
 * `limit` again, so once the consumers are back the producer is held to
 * `limit` messages ahead.  Keeping messages for
 * good costs one timeout (about 0.1 ms) per `limit` messages kept. */
#define ARI_POOL_INFLIGHT_BYTES (4 * 1024 * 1024)
#define ARI_POOL_INFLIGHT_MIN 1024
#define ARI_POOL_WAIT_PAUSES 4096

static int32_t ari_pool_limit(unsigned c) {
  int32_t lim = (int32_t)(ARI_POOL_INFLIGHT_BYTES / ari_pool_sizes_[c]);
  return lim < ARI_POOL_INFLIGHT_MIN ? ARI_POOL_INFLIGHT_MIN : lim;
}

/* Add the blocks other threads gave back since the last count.  relaxed:
 * a counter for pacing only; the blocks themselves are handed over by the
 * remote stack's release CAS / acquire exchange (MPSCQ.md 5).  Pairs with
 * the relaxed fetch_add in ari_pool_flush_class. */
static bool ari_pool_count_freed(ari_thread *t, unsigned c) {
  uint64_t f = atomic_load_explicit(&t->remote[c].freed, memory_order_relaxed);
  if (f == t->seen_freed[c])
    return false;
  t->budget[c] += (int32_t)(f - t->seen_freed[c]);
  t->seen_freed[c] = f;
  return true;
}

void ari_pool_throttle(ari_thread *t, unsigned c) {
  int32_t lim = ari_pool_limit(c);
  ari_pool_count_freed(t, c);
  int32_t inflight = t->pool_base[c] - t->budget[c];
  if (inflight <= lim || t->w == NULL || t->cur == NULL)
    goto rebase; /* within the bound, or may not wait here */
  /* first run the consumers queued on this worker (SCHEDULER.md 6.6); a
   * nested turn's frees of these messages are local (into `budget`).
   * With one worker this is the only way they make progress before the
   * handler returns. */
  for (int helped = 0; helped < 4096 && inflight > lim - lim / 4 &&
                       ari_sched_help(t);
       helped++) {
    ari_pool_count_freed(t, c);
    inflight = t->pool_base[c] - t->budget[c];
  }
  if (inflight <= lim - lim / 4 || ari_rt_.nworkers < 2)
    goto rebase; /* back under the bound, or nobody else to wait for */
  ari_sched_hint_busy(); /* a parked worker may be the consumer */
  int idle = 0;
  for (int k = 1;; k++) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    /* on an oversubscribed machine the consumer may be waiting for this
     * very core: give it a chance now and then */
    if ((k & 511) == 0)
      sched_yield();
    if ((k & 15) != 0)
      continue;
    bool back = ari_pool_count_freed(t, c);
    if (back || (k & 255) == 0) {
      /* a consumer pushed back on this worker's queue can be helped now */
      if (!back && ari_sched_help(t))
        ari_pool_count_freed(t, c);
      int32_t now = t->pool_base[c] - t->budget[c];
      if (now < inflight)
        idle = 0;
      inflight = now;
      if (inflight <= lim - lim / 4)
        break;
    } else if ((idle += 16) >= ARI_POOL_WAIT_PAUSES) {
      break; /* nothing comes back: go on, count again after `lim` more */
    }
  }
rebase:
  /* next count after max(lim - inflight, lim) more allocations net of
   * frees; `inflight` stays pool_base - budget */
  t->budget[c] = inflight <= lim ? lim - inflight : lim;
  t->pool_base[c] = inflight + t->budget[c];
}

static void ari_pool_refill(ari_thread *t, int c) {
  /* first take back every block other threads freed, with one exchange:
   * the stack is already a linked list, it becomes the free list without
   * being walked (each block is touched only when it is handed out).
   * acquire: pairs with the release CAS of the pushers (MPSCQ.md 5); it
   * publishes the chains' links. */
  ari_node *n = atomic_exchange_explicit(&t->remote[c].top, NULL,
                                         memory_order_acquire);
  if (n != NULL)
    t->free_list[c] = n;
  if (t->free_list[c])
    return;
  size_t sz = ari_pool_sizes_[c];
  size_t bytes = sz * 16 > ARI_SLAB_BYTES ? sz * 16 : ARI_SLAB_BYTES;
  bytes = bytes / sz * sz; /* whole blocks only */
  size_t alloc = (bytes + 63) & ~(size_t)63;
  char *slab = aligned_alloc(64, alloc);
  if (!slab)
    ari_panic("out of memory (slab of %zu bytes)", alloc);
  pthread_mutex_lock(&ari_rt_.lock);
  if (ari_nslabs_ == ari_capslabs_) {
    ari_capslabs_ = ari_capslabs_ ? ari_capslabs_ * 2 : 256;
    ari_slabs_ = ari_xrealloc(ari_slabs_, ari_capslabs_ * sizeof(void *));
  }
  ari_slabs_[ari_nslabs_++] = slab;
  pthread_mutex_unlock(&ari_rt_.lock);
  /* carve so that the free list hands out ascending addresses */
  for (size_t off = bytes; off >= sz; off -= sz) {
    ari_node *b = (ari_node *)(void *)(slab + off - sz);
    atomic_store_explicit(&b->next, (ari_node *)t->free_list[c],
                          memory_order_relaxed);
    t->free_list[c] = b;
  }
}

void *ari_pool_alloc_slow(size_t size, uint8_t *out_pool, uint8_t *out_cls) {
  int c = ari_pool_class(size);
  ari_thread *t = ari_me();
  *out_pool = (uint8_t)t->tid;
  if (ARI_UNLIKELY(c == ARI_CLS_MALLOC)) {
    void *p = aligned_alloc(64, (size + 63) & ~(size_t)63);
    if (!p)
      ari_panic("out of memory (%zu bytes)", size);
    *out_cls = ARI_CLS_MALLOC;
    return p;
  }
  *out_cls = (uint8_t)c;
  ari_node *n = t->free_list[c];
  if (ARI_UNLIKELY(n == NULL)) {
    ari_pool_refill(t, c);
    n = t->free_list[c];
  }
  t->free_list[c] = atomic_load_explicit(&n->next, memory_order_relaxed);
  return n;
}

/* The owner thread struct lives until teardown, which happens with no
 * runtime thread left. */
static void ari_pool_flush_class(ari_thread *t, int c) {
  ari_thread *o = ari_rt_.threads[t->rf_owner[c]];
  AR_ASSERT(o != NULL);
  /* Treiber push of a whole chain; no ABA issue because the owner only
   * ever takes the entire stack (exchange), never single nodes.  release:
   * pairs with the owner's acquire exchange; publishes the chain's links */
  ari_node *top = atomic_load_explicit(&o->remote[c].top, memory_order_relaxed);
  do {
    atomic_store_explicit(&t->rf_last[c]->next, top, memory_order_relaxed);
  } while (!atomic_compare_exchange_weak_explicit(
      &o->remote[c].top, &top, t->rf_first[c], memory_order_release,
      memory_order_relaxed));
  /* relaxed: pacing counter only (pairs with the relaxed load in
   * ari_pool_count_freed); same line as `top`, already ours */
  if (t->rf_msgs[c] != 0)
    atomic_fetch_add_explicit(&o->remote[c].freed, t->rf_msgs[c],
                              memory_order_relaxed);
  t->rf_msgs[c] = 0;
  t->rf_n[c] = 0;
  t->rf_first[c] = t->rf_last[c] = NULL;
}

void ari_pool_free_slow(void *p, uint8_t pool, uint8_t cls, unsigned msg) {
  if (ARI_UNLIKELY(cls == ARI_CLS_MALLOC)) {
    free(p);
    return;
  }
  ari_thread *t = ari_me();
  ari_node *n = p;
  /* own blocks never get here: ari_pool_free_x puts them back inline */
  AR_ASSERT(pool != t->tid);
  /* foreign block: back to its owner (MPSCQ.md 5), batched: up to 32
   * blocks of one class for one owner go back as one chain (one exchange,
   * one cross-core link store instead of 32) */
  if (t->rf_n[cls] != 0 && t->rf_owner[cls] != pool)
    ari_pool_flush_class(t, cls);
  if (t->rf_n[cls] == 0) {
    t->rf_first[cls] = t->rf_last[cls] = n;
    t->rf_owner[cls] = pool;
  } else {
    atomic_store_explicit(&n->next, t->rf_first[cls], memory_order_relaxed);
    t->rf_first[cls] = n;
  }
  ari_cldemote(n); /* as in ari_pool_free_x */
  t->rf_msgs[cls] += (uint16_t)msg;
  if (++t->rf_n[cls] >= 32)
    ari_pool_flush_class(t, cls);
}

void ari_pool_flush_remote(ari_thread *t) {
  for (int c = 0; c < ARI_NCLS; c++)
    if (t->rf_n[c] != 0)
      ari_pool_flush_class(t, c);
}

void ari_pool_teardown_quiescent(void) {
  for (size_t i = 0; i < ari_nslabs_; i++)
    free(ari_slabs_[i]);
  free(ari_slabs_);
  ari_slabs_ = NULL;
  ari_nslabs_ = ari_capslabs_ = 0;
}
