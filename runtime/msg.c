/* msg.c — message header, ids and message lifetime (ar_msg_*, ar_uuid_*).
 * Ids come from a per-thread xorshift128+ seeded once per thread from
 * getrandom(): no system call per message, and ids are assigned lazily on
 * first read (only one actor owns a message at a time).  Must not block.
 */
#include "ari.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>

int64_t ar_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t ari_rng_next(ari_thread *t) {
  if (ARI_UNLIKELY(t->rng[0] == 0 && t->rng[1] == 0)) {
    uint64_t s[2] = {0, 0};
    if (getrandom(s, sizeof s, 0) != (ssize_t)sizeof s) {
      s[0] = (uint64_t)ar_now_ns() ^ (uint64_t)(uintptr_t)t;
      s[1] = 0x9e3779b97f4a7c15ull * (uint64_t)(t->tid + 1);
    }
    t->rng[0] = s[0] | 1;
    t->rng[1] = s[1];
  }
  uint64_t x = t->rng[0];
  uint64_t const y = t->rng[1];
  t->rng[0] = y;
  x ^= x << 23;
  t->rng[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
  return t->rng[1] + y;
}

ar_uuid ar_uuid_new(void) {
  ari_thread *t = ari_me();
  uint64_t a = ari_rng_next(t), b = ari_rng_next(t);
  ar_uuid u;
  memcpy(u.b, &a, 8);
  memcpy(u.b + 8, &b, 8);
  u.b[6] = (uint8_t)((u.b[6] & 0x0f) | 0x40); /* version 4 */
  u.b[8] = (uint8_t)((u.b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  return u;
}

void ar_uuid_format(const ar_uuid *u, char *out37) {
  static const char hex[] = "0123456789abcdef";
  int o = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out37[o++] = '-';
    out37[o++] = hex[u->b[i] >> 4];
    out37[o++] = hex[u->b[i] & 15];
  }
  out37[o] = '\0';
}

bool ar_uuid_eq(const ar_uuid *a, const ar_uuid *b) {
  return memcmp(a->b, b->b, 16) == 0;
}

static inline ar_msg *ari_msg_alloc_x(uint32_t type, size_t payload_size,
                                      int may_wait) {
  uint8_t pool, cls;
  ar_msg *m = ari_pool_alloc_msg(sizeof(ar_msg) + payload_size, &pool, &cls,
                                 may_wait);
  atomic_store_explicit(&m->link, NULL, memory_order_relaxed);
  m->sender = NULL;
  m->type = type;
  m->priority = AR_PRIO_DEFAULT;
  m->flags = 0;
  m->pool = pool;
  m->cls = cls;
  m->ari_ext = NULL;
  return m;
}

ar_msg *ar_msg_alloc(uint32_t type, size_t payload_size) {
  return ari_msg_alloc_x(type, payload_size, 1);
}

ar_msg *ari_msg_alloc_internal(uint32_t type, size_t payload_size) {
  return ari_msg_alloc_x(type, payload_size, 0);
}

ari_msg_ext *ari_msg_ext_of(ar_msg *m) {
  if (m->ari_ext == NULL) {
    uint8_t pool, cls;
    ari_msg_ext *x = ari_pool_alloc(sizeof *x, &pool, &cls);
    x->waiter = NULL;
    x->pool = pool;
    x->cls = cls;
    m->ari_ext = x;
  }
  return m->ari_ext;
}

const ar_uuid *ar_msg_id(ar_msg *m) {
  ari_msg_ext *x = ari_msg_ext_of(m);
  if (!(m->flags & AR_MSGF_HAS_ID)) {
    x->id = ar_uuid_new();
    m->flags |= AR_MSGF_HAS_ID;
  }
  return &x->id;
}

bool ar_msg_has_correlation(const ar_msg *m) {
  return (m->flags & AR_MSGF_HAS_CORR) != 0;
}

const ar_uuid *ar_msg_correlation(const ar_msg *m) {
  return (m->flags & AR_MSGF_HAS_CORR) ? &m->ari_ext->correlation : NULL;
}

void ar_msg_set_correlation(ar_msg *m, const ar_uuid *corr) {
  ari_msg_ext_of(m)->correlation = *corr;
  m->flags |= AR_MSGF_HAS_CORR;
}

/* Sender references are released in batches (SCHEDULER.md 9): a thread
 * keeps a small direct-mapped cache of (actor, count) and applies a count
 * with one atomic when its slot is needed by another actor, or when the
 * thread idles or exits.  Many-to-one traffic (a mall, a sink, a server)
 * then costs one atomic per evicted sender instead of one per message.
 * Delaying a release is always safe; it only delays reclamation. */
static void ari_msg_release_slot(ari_thread *t, unsigned i) {
  ari_actor *a = t->rel_a[i];
  int32_t n = (int32_t)t->rel_n[i];
  t->rel_a[i] = NULL;
  t->rel_n[i] = 0;
  /* acq_rel: pairs with other holders' decrements so that the one reaching
   * zero sees every write made under their references */
  int32_t old = atomic_fetch_sub_explicit(&a->rc, n, memory_order_acq_rel);
  if (old == n)
    ari_actor_zero(a); /* reached zero: reap if dead */
}

void ari_msg_flush_releases(ari_thread *t) {
  for (unsigned i = 0; i < ARI_RELCACHE; i++)
    if (t->rel_a[i] != NULL)
      ari_msg_release_slot(t, i);
}

/* Before a thread idles or exits: everything it batched goes out. */
void ari_thread_flush(ari_thread *t) {
  ari_pool_flush_remote(t);
  ari_msg_flush_releases(t);
}

static inline void ari_release_sender_inl(ari_thread *t, ar_actor *s) {
  ari_actor *a = ARI_A(s);
  unsigned i = (unsigned)(((uintptr_t)a >> 7) ^ ((uintptr_t)a >> 13)) &
               (ARI_RELCACHE - 1);
  if (ARI_LIKELY(t->rel_a[i] == a)) {
    t->rel_n[i]++;
    return;
  }
  if (t->rel_a[i] != NULL)
    ari_msg_release_slot(t, i);
  t->rel_a[i] = a;
  t->rel_n[i] = 1;
}

void ari_msg_release_sender(ari_thread *t, ar_actor *s) {
  ari_release_sender_inl(t, s);
}

/* Frees storage only: no sender release, no ask failure (teardown). */
void ari_msg_free_raw(ar_msg *m) { ari_pool_free_x(m, m->pool, m->cls, 1); }

/* Written only while no runtime thread runs (ar_set_msg_finalizer's
 * contract: before ar_run); read by threads that ar_run creates afterwards
 * (pthread_create orders the write before them) and by the main thread.
 * So a plain pointer: no atomic is needed and none is used. */
static void (*ari_msg_fin_)(ar_msg *m);

void ar_set_msg_finalizer(void (*fn)(ar_msg *m)) { ari_msg_fin_ = fn; }

void ari_msg_discard(ar_msg *m) {
  /* SYS messages (DOWN/EXIT) have a runtime-owned payload: ar_msg_free
   * releases it */
  if (ari_msg_fin_ != NULL && !(m->flags & AR_MSGF_SYS))
    ari_msg_fin_(m); /* drops the payload, then calls ar_msg_free(m) */
  else
    ar_msg_free(m);
}

void ari_msg_discard_quiescent(ar_msg *m) {
  if (ari_msg_fin_ == NULL || (m->flags & AR_MSGF_SYS)) {
    ari_msg_free_raw(m);
    return;
  }
  /* make the finalizer's ar_msg_free a storage-only free: no sender
   * release (actors are freed wholesale), no ask failure (nothing runs
   * again) */
  m->sender = NULL;
  if (m->flags & AR_MSGF_ASK) {
    m->ari_ext->waiter = NULL;
    m->flags &= (uint8_t)~AR_MSGF_ASK;
  }
  ari_msg_fin_(m);
}

ar_msg *ar_msg_keep(ar_msg *m) {
  ari_thread *t = ari_me();
  if (m != NULL && t->cur_msg == m)
    t->cur_msg = NULL;
  return m;
}

/* Sanitizer builds: pool blocks are invisible to ASan, so a freed message
 * is marked and a second free of it (before the block is reused) panics. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ARI_MSG_FREED 0xF4EEDu
#define ARI_MSG_CHECK_LIVE(m)                                                 \
  do {                                                                        \
    if ((m)->type == ARI_MSG_FREED)                                           \
      ari_panic("ar_msg_free: message %p freed twice", (void *)(m));          \
  } while (0)
#define ARI_MSG_MARK_FREED(m) ((m)->type = ARI_MSG_FREED)
#else
#define ARI_MSG_CHECK_LIVE(m) ((void)0)
#define ARI_MSG_MARK_FREED(m) ((void)0)
#endif

void ar_msg_free(ar_msg *m) {
  ari_thread *t = ari_me();
  ARI_MSG_CHECK_LIVE(m);
  if (t->cur_msg == m)
    t->cur_msg = NULL;
  if (ARI_UNLIKELY(m->flags & (AR_MSGF_ASK | AR_MSGF_SYS))) {
    if (m->flags & AR_MSGF_ASK) {
      ar_waiter *w = m->ari_ext->waiter;
      m->ari_ext->waiter = NULL;
      m->flags &= (uint8_t)~AR_MSGF_ASK;
      if (ar_waiter_claim(w))
        ar_waiter_wake(w, AR_EV_FAILED, 0, (void *)"request dropped");
      ar_waiter_release(w);
    }
    if ((m->flags & AR_MSGF_SYS) &&
        (m->type == AR_MSG_DOWN || m->type == AR_MSG_EXIT)) {
      ar_down *d = AR_MSG_PAYLOAD(m, ar_down);
      if (d->who)
        ar_actor_release(d->who);
      d->who = NULL;
    }
  }
  if (m->sender != NULL)
    ari_release_sender_inl(t, m->sender);
  if (ARI_UNLIKELY(m->ari_ext != NULL))
    ari_pool_free(m->ari_ext, m->ari_ext->pool, m->ari_ext->cls);
  ARI_MSG_MARK_FREED(m);
  ari_pool_free_x(m, m->pool, m->cls, 1);
}
