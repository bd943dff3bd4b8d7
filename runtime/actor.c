/* actor.c — actors: creation, references, mailboxes (priorities, bounded
 * policies, overload muting), sending, the actor turn (dispatch, suspension
 * and resume), stop/fault handling, links and monitors, and teardown.
 * Protocols: runtime/SCHEDULER.md sections 3-9.  Runs user code only from
 * ari_actor_run (worker threads) and from teardown (main thread).
 */
#include "ari.h"

#include <string.h>

/* ============================================================ helpers */

#define ARI_NSTRIPES 64
static pthread_mutex_t ari_stripes_[ARI_NSTRIPES] = {
#define ARI_M4 PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, \
               PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER
#define ARI_M16 ARI_M4, ARI_M4, ARI_M4, ARI_M4
    ARI_M16, ARI_M16, ARI_M16, ARI_M16};

/* The lock protecting an actor's ari_ext contents (and a supervisor's
 * child table): striped by address so that ari_ext needs no mutex. */
pthread_mutex_t *ari_stripe_lock(const void *p) {
  uintptr_t x = (uintptr_t)p >> 7;
  x ^= x >> 11;
  return &ari_stripes_[x % ARI_NSTRIPES];
}

ari_ext *ari_actor_ext(ari_actor *a) {
  /* acquire: pairs with the release CAS below; publishes the zeroed ext */
  ari_ext *e = atomic_load_explicit(&a->ext, memory_order_acquire);
  if (e)
    return e;
  ari_ext *n = ari_xcalloc(1, sizeof *n);
  ari_ext *expected = NULL;
  /* seq_cst: publishes the zeroed ext (release), and is the watcher's
   * side of the Dekker with ari_actor_stop (install ext; load DEAD) vs
   * (set DEAD; load ext): see ari_dead_locked */
  if (atomic_compare_exchange_strong_explicit(&a->ext, &expected, n,
                                              memory_order_seq_cst,
                                              memory_order_acquire))
    return n;
  free(n);
  return expected;
}

static inline uint32_t ari_flags(ari_actor *a) {
  return atomic_load_explicit(&a->flags, memory_order_relaxed);
}

/* Under a's stripe lock, with e = ari_actor_ext(a): is `a` dead for a
 * watcher that wants to register in e (links, monitors, muted, roomwait)?
 * ari_actor_stop skips the locked hand-over when `a` has no ext (the
 * common case: no watcher ever came), so `e->dead` alone is not enough: a
 * watcher that installed or found the ext after the stopper looked also
 * checks DEAD.  seq_cst: Dekker with ari_actor_stop (fetch_or DEAD; load
 * ext) against (ext install CAS in ari_actor_ext; this load); either the
 * stopper sees the ext and hands it over under the lock (e->dead), or we
 * see DEAD. */
static inline bool ari_dead_locked(ari_actor *a, ari_ext *e) {
  return e->dead ||
         (atomic_load_explicit(&a->flags, memory_order_seq_cst) &
          ARI_AF_DEAD) != 0;
}

/* ============================================================ priorities */

/* Runner-private priority structure (SCHEDULER.md 4): messages in arrival
 * order in a ring indexed by a sequence number, plus a binary heap of
 * (priority desc, seq asc).  Entries taken out of order leave NULL in the
 * ring; heap entries whose ring slot is gone are skipped (lazy deletion). */
typedef struct ari_pqe {
  uint64_t seq;
  uint32_t prio;
} ari_pqe;

struct ari_prioq {
  ari_pqe *heap;
  uint32_t n, cap;
  ar_msg **ring;
  uint64_t head, tail; /* seqs: live messages are in [head, tail) */
  uint64_t ringcap;    /* power of two */
  uint32_t live;
  uint32_t skips;      /* consecutive deliveries that overtook the oldest */
};

static bool ari_pqe_before(ari_pqe x, ari_pqe y) {
  return x.prio != y.prio ? x.prio > y.prio : x.seq < y.seq;
}

static void ari_pq_add(ari_actor *a, ar_msg *m) {
  ari_prioq *q = a->pq;
  if (q == NULL) {
    q = a->pq = ari_xcalloc(1, sizeof *q);
    q->ringcap = 64;
    q->ring = ari_xcalloc(q->ringcap, sizeof(ar_msg *));
  }
  if (q->tail - q->head == q->ringcap) {
    uint64_t nc = q->ringcap * 2;
    ar_msg **nr = ari_xcalloc(nc, sizeof(ar_msg *));
    for (uint64_t s = q->head; s < q->tail; s++)
      nr[s & (nc - 1)] = q->ring[s & (q->ringcap - 1)];
    free(q->ring);
    q->ring = nr;
    q->ringcap = nc;
  }
  uint64_t seq = q->tail++;
  q->ring[seq & (q->ringcap - 1)] = m;
  q->live++;
  if (q->n == q->cap) {
    q->cap = q->cap ? q->cap * 2 : 64;
    q->heap = ari_xrealloc(q->heap, q->cap * sizeof(ari_pqe));
  }
  ari_pqe e = {seq, m->priority};
  uint32_t i = q->n++;
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (!ari_pqe_before(e, q->heap[p]))
      break;
    q->heap[i] = q->heap[p];
    i = p;
  }
  q->heap[i] = e;
}

static void ari_pq_pop_top(ari_prioq *q) {
  ari_pqe e = q->heap[--q->n];
  uint32_t i = 0;
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= q->n)
      break;
    if (c + 1 < q->n && ari_pqe_before(q->heap[c + 1], q->heap[c]))
      c++;
    if (!ari_pqe_before(q->heap[c], e))
      break;
    q->heap[i] = q->heap[c];
    i = c;
  }
  if (q->n > 0)
    q->heap[i] = e;
}

static ar_msg *ari_pq_take_seq(ari_prioq *q, uint64_t seq) {
  ar_msg **slot = &q->ring[seq & (q->ringcap - 1)];
  ar_msg *m = *slot;
  *slot = NULL;
  q->live--;
  while (q->head < q->tail && q->ring[q->head & (q->ringcap - 1)] == NULL)
    q->head++;
  if (q->live == 0) {
    q->n = 0; /* only tombstones left */
    q->head = q->tail;
  }
  return m;
}

/* The next message by priority, with the starvation bound: after
 * ARI_PRIO_STARVE_K consecutive deliveries that overtook the oldest waiting
 * message, the oldest goes next. */
static ar_msg *ari_pq_take(ari_prioq *q) {
  if (q == NULL || q->live == 0)
    return NULL;
  for (;;) {
    ari_pqe top = q->heap[0];
    if (top.seq < q->head || q->ring[top.seq & (q->ringcap - 1)] == NULL) {
      ari_pq_pop_top(q); /* tombstone */
      continue;
    }
    if (top.seq == q->head) {
      q->skips = 0;
      ari_pq_pop_top(q);
      return ari_pq_take_seq(q, top.seq);
    }
    if (q->skips >= ARI_PRIO_STARVE_K) {
      q->skips = 0;
      return ari_pq_take_seq(q, q->head); /* its heap entry is a tombstone */
    }
    q->skips++;
    ari_pq_pop_top(q);
    return ari_pq_take_seq(q, top.seq);
  }
}

/* ============================================================ mailbox */

static inline ar_msg *ari_mb_pop(ari_actor *a, ari_node **tailp) {
  ar_msg *m =
      (ar_msg *)(void *)ari_mpscq_pop_parts(&a->mb_head, tailp, &a->stub);
  /* the next message was written by a sender, usually on another core: fetch
   * its line while this one is dispatched (the next pop loads its `next`) */
  __builtin_prefetch(*tailp, 0, 3);
  return m;
}

/* Runner only: the slow part of ari_mb_take: `m` (popped already, non-
 * default priority) or NULL, then everything visible goes through the
 * private priority structure (SCHEDULER.md 4). */
static __attribute__((noinline)) ar_msg *ari_mb_take_slow(ari_actor *a,
                                                           ari_node **tailp,
                                                           ar_msg *m) {
  if (m != NULL) {
    /* relaxed: nprio is a hint (see ari_mb_take) */
    atomic_fetch_sub_explicit(&a->nprio, 1, memory_order_relaxed);
    ari_pq_add(a, m);
  }
  /* drain what is visible (bounded) so priorities can be compared */
  for (int i = 0; i < 4096; i++) {
    m = ari_mb_pop(a, tailp);
    if (m == NULL)
      break;
    if (m->priority != AR_PRIO_DEFAULT)
      atomic_fetch_sub_explicit(&a->nprio, 1, memory_order_relaxed);
    ari_pq_add(a, m);
  }
  return ari_pq_take(a->pq);
}

/* Runner only: the next message to dispatch, or NULL.  Fast path (inline):
 * no priority traffic pending -> plain MPSC pop (SCHEDULER.md 4). */
static inline ar_msg *ari_mb_take(ari_actor *a, ari_node **tailp,
                                  bool soft) {
  /* relaxed: a hint; a stale zero only delays priority ordering until the
   * non-default message is popped below */
  if (ARI_LIKELY((a->pq == NULL || a->pq->live == 0) &&
                 atomic_load_explicit(&a->nprio, memory_order_relaxed) ==
                     0)) {
    ar_msg *m;
    if (soft) {
      m = (ar_msg *)(void *)ari_mpscq_pop_soft_parts(tailp, &a->stub);
      __builtin_prefetch(*tailp, 0, 3); /* as in ari_mb_pop */
    } else {
      m = ari_mb_pop(a, tailp);
    }
    if (m == NULL || ARI_LIKELY(m->priority == AR_PRIO_DEFAULT))
      return m;
    return ari_mb_take_slow(a, tailp, m);
  }
  return ari_mb_take_slow(a, tailp, NULL);
}

/* ============================================================ references */

static void ari_registry_add(ari_thread *t, ari_actor *a) {
  a->reg_tid = (uint8_t)t->tid;
  a->reg_prev = NULL;
  a->reg_next = t->reg_head;
  if (t->reg_head)
    t->reg_head->reg_prev = a;
  t->reg_head = a;
}

static void ari_actor_free_ext(ari_actor *a) {
  /* acquire: pairs with the release CAS in ari_actor_ext */
  ari_ext *e = atomic_load_explicit(&a->ext, memory_order_acquire);
  if (e) {
    ari_vec_free(&e->links);
    ari_vec_free(&e->monitors);
    ari_vec_free(&e->muted);
    ari_vec_free(&e->roomwait);
    free(e);
    atomic_store_explicit(&a->ext, NULL, memory_order_relaxed);
  }
  if (a->pq) {
    free(a->pq->heap);
    free(a->pq->ring);
    free(a->pq);
    a->pq = NULL;
  }
}

/* Owner of the registry: unlink and free actors whose count reached zero. */
void ari_actor_reap(ari_thread *t) {
  ari_node *n;
  while ((n = ari_mpscq_pop(&t->grave)) != NULL) {
    ari_actor *a = ARI_ACTOR_OF_RQ(n);
    if (a->reg_prev)
      a->reg_prev->reg_next = a->reg_next;
    else
      t->reg_head = a->reg_next;
    if (a->reg_next)
      a->reg_next->reg_prev = a->reg_prev;
    ari_actor_free_ext(a);
    ari_pool_free(a, a->pool, a->cls);
  }
}

/* The count reached zero.  Only a dead actor is reclaimed: while an actor
 * lives, its runtime reference may be "borrowed" by deferred self-retains
 * (SCHEDULER.md 9), so a transient zero is not the end. */
void ari_actor_zero(ari_actor *a) {
  /* acquire: pairs with the seq_cst fetch_or that set DEAD in stop */
  if (!(atomic_load_explicit(&a->flags, memory_order_acquire) & ARI_AF_DEAD))
    return;
  ari_thread *o = ari_rt_.threads[a->reg_tid];
  ari_mpscq_push(&o->grave, &a->rq);
}

void ar_actor_retain(ar_actor *x) {
  /* relaxed: the caller already holds a reference (shared_ptr idiom) */
  atomic_fetch_add_explicit(&ARI_A(x)->rc, 1, memory_order_relaxed);
}

void ar_actor_release(ar_actor *x) {
  ari_actor *a = ARI_A(x);
  /* acq_rel: the thread that reaches zero must see all writes made under
   * the other references */
  if (atomic_fetch_sub_explicit(&a->rc, 1, memory_order_acq_rel) == 1)
    ari_actor_zero(a);
}

/* The running actor's deferred self-retains (one per send, SCHEDULER.md 9)
 * move from the thread to the actor's runner-private `debt` at the end of
 * each turn (no atomic); they are applied to `rc` only when large or when
 * the actor stops (ari_apply_debt), which is always done by its runner. */
static inline void ari_flush_debt(ari_thread *t, ari_actor *a) {
  if (t->debt) {
    a->debt += t->debt;
    t->debt = 0;
    if (ARI_UNLIKELY(a->debt >= (1u << 20))) {
      /* relaxed: increments by a holder (the runtime reference) */
      atomic_fetch_add_explicit(&a->rc, (int32_t)a->debt,
                                memory_order_relaxed);
      a->debt = 0;
    }
  }
}

/* Runner, before the actor can die: make `rc` exact. */
static void ari_apply_debt(ari_thread *t, ari_actor *a) {
  a->debt += t->debt;
  t->debt = 0;
  if (a->debt) {
    /* relaxed: increments by a holder (the runtime reference); the seq_cst
     * fetch_or(DEAD) that follows orders it before any final decrement */
    atomic_fetch_add_explicit(&a->rc, (int32_t)a->debt, memory_order_relaxed);
    a->debt = 0;
  }
}

ar_actor *ar_actor_new(const ar_actor_type *type) {
  AR_ASSERT(type != NULL && type->size >= sizeof(ar_actor));
  ari_thread *t = ari_me();
  uint8_t pool, cls;
  ari_actor *a = ari_pool_alloc(type->size, &pool, &cls);
  memset((char *)a + sizeof(ari_actor), 0, type->size - sizeof(ari_actor));
  ari_mpscq_init_parts(&a->mb_head, &a->mb_tail, &a->stub);
  /* held at 1 until ar_actor_start schedules the first turn */
  atomic_store_explicit(&a->sched, 1, memory_order_relaxed);
  atomic_store_explicit(&a->rc, 2, memory_order_relaxed); /* caller+alive */
  a->type = type;
  uint32_t fl = 0;
  if (type->mailbox_capacity > 0)
    fl |= ARI_AF_BOUNDED; /* exactly counted mailbox */
  atomic_store_explicit(&a->flags, fl, memory_order_relaxed);
  atomic_store_explicit(&a->nprio, 0, memory_order_relaxed);
  atomic_store_explicit(&a->deq, 0, memory_order_relaxed);
  atomic_store_explicit(&a->count, 0, memory_order_relaxed);
  atomic_store_explicit(&a->hwm, 0, memory_order_relaxed);
  atomic_store_explicit(&a->dropped, 0, memory_order_relaxed);
  atomic_store_explicit(&a->refused, 0, memory_order_relaxed);
  atomic_store_explicit(&a->ext, NULL, memory_order_relaxed);
  atomic_store_explicit(&a->rq.next, NULL, memory_order_relaxed);
  a->waiter = NULL;
  atomic_store_explicit(&a->handled, 0, memory_order_relaxed);
  a->debt = 0;
  a->pq = NULL;
  a->pool = pool;
  a->cls = cls;
  ari_registry_add(t, a);
  ari_stat_inc(&t->spawned);
  return ARI_PUB(a);
}

void ar_actor_start(ar_actor *x) {
  ari_thread *t = ari_me();
  /* the spawner holds sched = 1 since ar_actor_new; hand the actor to the
   * run queue (the queue push publishes the initialised state).  Behind
   * the local queue, not in runnext: a spawning handler usually goes on
   * spawning, and thieves can take from the ring (SCHEDULER.md 2.2) */
  ari_sched_push_back(t, ARI_A(x));
}

ar_actor *ar_spawn(const ar_actor_type *type) {
  ar_actor *a = ar_actor_new(type);
  ar_actor_start(a);
  return a;
}

ar_actor *ar_self(void) { return ARI_PUB(ari_me()->cur); }
const ar_actor_type *ar_actor_type_of(const ar_actor *a) {
  return ((const ari_actor *)(const void *)a)->type;
}
bool ar_actor_is_dead(const ar_actor *x) {
  ari_actor *a = ARI_A((void *)(uintptr_t)x);
  /* acquire: pairs with the seq_cst fetch_or(DEAD) in ari_actor_stop */
  return (atomic_load_explicit(&a->flags, memory_order_acquire) &
          ARI_AF_DEAD) != 0;
}
const char *ar_actor_fail_reason(const ar_actor *x) {
  ari_actor *a = ARI_A((void *)(uintptr_t)x);
  /* acquire: pairs with the seq_cst fetch_or of DEAD, after which
   * fail_reason is never written again */
  if (!(atomic_load_explicit(&a->flags, memory_order_acquire) & ARI_AF_DEAD))
    return NULL;
  ari_ext *e = atomic_load_explicit(&a->ext, memory_order_acquire);
  return e ? e->fail_reason : NULL;
}

void ar_actor_get_stats(const ar_actor *x, ar_actor_stats *out) {
  ari_actor *a = ARI_A((void *)(uintptr_t)x);
  out->handled = atomic_load_explicit(&a->handled, memory_order_relaxed);
  out->mailbox_hwm = atomic_load_explicit(&a->hwm, memory_order_relaxed);
  out->dropped = atomic_load_explicit(&a->dropped, memory_order_relaxed);
  out->refused = atomic_load_explicit(&a->refused, memory_order_relaxed);
}

/* ============================================================ sending */

static void ari_count_undelivered(ari_thread *t, ar_msg *m) {
  ari_stat_inc(&t->undelivered);
  ari_msg_discard(m); /* the payload finalizer (ar_set_msg_finalizer) */
}


/* Whoever holds the drain lock of a dead actor consumes its mailbox
 * (SCHEDULER.md 6.3): the stopper right after setting DEAD, and any sender
 * that pushed and then saw DEAD. */
static void ari_drain_dead(ari_thread *t, ari_actor *a) {
  for (;;) {
    /* acquire: pairs with the release below: the consumer role (mb_tail,
     * pq) moves between lock holders */
    uint32_t old = atomic_fetch_or_explicit(&a->flags, ARI_AF_DRAINLK,
                                            memory_order_acquire);
    if (old & ARI_AF_DRAINLK)
      return; /* the holder re-checks after unlocking */
    /* asks queued behind a fault fail with the actor's reason (published
     * by the DEAD fetch_or that every drainer has seen) */
    const char *why = ar_actor_fail_reason(ARI_PUB(a));
    if (why == NULL)
      why = "actor is dead";
    ar_msg *m;
    while ((m = ari_pq_take(a->pq)) != NULL) {
      if (m->flags & AR_MSGF_ASK)
        ari_fail_ask(m, why);
      ari_count_undelivered(t, m);
    }
    while ((m = ari_mb_pop(a, &a->mb_tail)) != NULL) {
      if (a->type->mailbox_capacity > 0)
        atomic_fetch_sub_explicit(&a->count, 1, memory_order_relaxed);
      if (m->flags & AR_MSGF_ASK)
        ari_fail_ask(m, why);
      ari_count_undelivered(t, m);
    }
    /* the consumer-side state is read before unlocking: right after the
     * unlock another thread may hold the lock and pop */
    ari_node *tail = a->mb_tail;
    /* seq_cst: the unlock must be ordered before the emptiness re-check
     * (Dekker with senders: push; fetch_or DRAINLK) */
    atomic_fetch_and_explicit(&a->flags, ~(uint32_t)ARI_AF_DRAINLK,
                              memory_order_seq_cst);
    if (!ari_mpscq_maybe_nonempty(&a->mb_head, tail))
      return; /* the private structure was emptied above, under the lock */
  }
}

/* m->sender := the running actor (counted, deferred), releasing a previous
 * sender (a forwarded message). */
static inline void ari_set_sender(ari_thread *t, ar_msg *m) {
  if (m->sender != NULL)
    ari_msg_release_sender(t, m->sender);
  m->sender = ARI_PUB(t->cur);
  if (t->cur != NULL)
    t->debt++;
}

void ari_fail_ask(ar_msg *m, const char *why) {
  ar_waiter *w = m->ari_ext->waiter;
  m->ari_ext->waiter = NULL;
  m->flags &= (uint8_t)~AR_MSGF_ASK;
  if (ar_waiter_claim(w))
    ar_waiter_wake(w, AR_EV_FAILED, 0, (void *)why);
  ar_waiter_release(w);
}

static void ari_note_mute(ari_thread *t, ari_actor *a);

/* A sender saw a backlog above ARI_OVERLOAD_HI: mark the target overloaded
 * and ask for the sender to be muted after its handler (6.2). */
static __attribute__((noinline)) void ari_overloaded(ari_thread *t,
                                                     ari_actor *a) {
  if (!(atomic_load_explicit(&a->flags, memory_order_relaxed) &
        ARI_AF_OVERLOAD))
    atomic_fetch_or_explicit(&a->flags, ARI_AF_OVERLOAD,
                             memory_order_relaxed);
  ari_note_mute(t, a);
}

/* The push + schedule common to every send. */
static inline void ari_push(ari_thread *t, ari_actor *a, ar_msg *m,
                            uint32_t fl) {
  if (ARI_LIKELY(!(fl & ARI_AF_BOUNDED))) {
    /* relaxed load + store, deliberately not an RMW (a lock-prefixed add
     * here cost ~25% of counting's throughput): an estimate for overload
     * detection (6.2).  Concurrent senders may lose increments; the runner
     * re-synchronises it whenever the mailbox drains, so the error never
     * accumulates.  Not a publication: the queue publishes the message. */
    uint32_t c = atomic_load_explicit(&a->count, memory_order_relaxed) + 1;
    atomic_store_explicit(&a->count, c, memory_order_relaxed);
    if (ARI_UNLIKELY((int32_t)(c - atomic_load_explicit(
                                       &a->deq, memory_order_relaxed)) >
                     ARI_OVERLOAD_HI)) {
      if (t->mute_to != a) /* already marked: skip the call (notes 1) */
        ari_overloaded(t, a);
    }
  }
  ari_mpscq_push_parts(&a->mb_head, (ari_node *)(void *)m);
  ari_stress_yield(8); /* pushed, the sched flag not looked at yet */
  ari_stat_inc(&t->sent);
  /* seq_cst load/exchange: Dekker with the runner's seq_cst store of 0 and
   * re-check of the mailbox in ari_end_turn (SCHEDULER.md 3): either we see
   * 0 and schedule, or the runner sees our push */
  if (atomic_load_explicit(&a->sched, memory_order_seq_cst) == 0 &&
      atomic_exchange_explicit(&a->sched, 1, memory_order_seq_cst) == 0) {
    ari_sched_push(t, a);
    return;
  }
  /* already scheduled, suspended, muted, or dead: if dead, nobody will pop
   * our message; seq_cst pairs with the stopper's fetch_or(DEAD) */
  if (ARI_UNLIKELY(atomic_load_explicit(&a->flags, memory_order_seq_cst) &
                   ARI_AF_DEAD))
    ari_drain_dead(t, a);
  /* a long-sending handler: let a parked worker come and steal */
  if (ARI_UNLIKELY((t->debt & 255) == 255))
    ari_sched_hint_busy();
}

static void ari_note_mute(ari_thread *t, ari_actor *a) {
  ari_actor *self = t->cur;
  if (self == NULL || self == a || t->mute_to != NULL ||
      (ari_flags(self) & ARI_AF_SYSTEM) || self->waiter != NULL)
    return;
  ar_actor_retain(ARI_PUB(a));
  t->mute_to = a;
}

static ar_status ari_send_slow(ari_thread *t, ari_actor *a, ar_msg *m,
                               uint32_t fl, bool sys) {
  if (fl & ARI_AF_DEAD) {
    if (m->flags & AR_MSGF_ASK) {
      /* a failed target reports its reason (published by the DEAD
       * fetch_or our seq_cst flags load saw) */
      const char *why = ar_actor_fail_reason(ARI_PUB(a));
      ari_fail_ask(m, why ? why : "actor is dead");
    }
    ari_count_undelivered(t, m);
    return AR_DEAD;
  }
  if (ari_rt_.trace_on)
    ari_trace_event(t, 1, a, a->type->name, m->type, ar_now_ns(), 0);
  if (!sys && (fl & ARI_AF_BOUNDED)) {
    uint32_t cap = a->type->mailbox_capacity;
    /* relaxed: the count is a capacity gate, not a publication; the
     * messages themselves are published by the queue */
    uint32_t c = atomic_fetch_add_explicit(&a->count, 1,
                                           memory_order_relaxed);
    if (cap > 0 && c >= cap) {
      switch (a->type->mailbox_policy) {
      case AR_MB_BLOCK:
        atomic_fetch_sub_explicit(&a->count, 1, memory_order_relaxed);
        if (m->sender == ARI_PUB(t->cur) && t->cur) {
          /* undo ari_set_sender: the caller keeps m and retries */
          m->sender = NULL;
          t->debt--;
        }
        return AR_FULL;
      case AR_MB_DROP_NEWEST:
        atomic_fetch_sub_explicit(&a->count, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&a->dropped, 1, memory_order_relaxed);
        ari_stat_inc(&t->dropped);
        if (m->flags & AR_MSGF_ASK)
          ari_fail_ask(m, "message dropped (mailbox full)");
        ari_msg_discard(m);
        return AR_DROPPED;
      case AR_MB_FAIL:
        atomic_fetch_sub_explicit(&a->count, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&a->refused, 1, memory_order_relaxed);
        ari_stat_inc(&t->refused);
        if (m->flags & AR_MSGF_ASK)
          ari_fail_ask(m, "message refused (mailbox full)");
        ari_msg_discard(m);
        return AR_REFUSED;
      default: /* DROP_OLDEST: accept; the runner drops the oldest, and the
                  sender is muted so memory stays bounded */
        ari_overloaded(t, a);
        break;
      }
    }
    /* relaxed max: a statistic, nothing is published through it */
    uint32_t h = atomic_load_explicit(&a->hwm, memory_order_relaxed);
    while (c + 1 > h &&
           !atomic_compare_exchange_weak_explicit(
               &a->hwm, &h, c + 1, memory_order_relaxed, memory_order_relaxed))
      ;
  }
  if (!sys && (fl & ARI_AF_OVERLOAD))
    ari_note_mute(t, a);
  if (m->priority != AR_PRIO_DEFAULT)
    /* relaxed: sequenced before the push, whose release link store
     * publishes it to the runner together with the message */
    atomic_fetch_add_explicit(&a->nprio, 1, memory_order_relaxed);
  ari_push(t, a, m, fl);
  return AR_OK;
}

static ar_status ari_send(ari_thread *t, ari_actor *a, ar_msg *m, bool sys) {
  if (t->cur_msg == m)
    t->cur_msg = NULL;
  uint32_t fl = ari_flags(a);
  /* OVERLOAD needs the slow path only to note a mute (ari_note_mute does
   * nothing once this thread has one pending) */
  if (ARI_UNLIKELY((fl & (ARI_AF_DEAD | ARI_AF_BOUNDED)) ||
                   ((fl & ARI_AF_OVERLOAD) && t->mute_to == NULL) ||
                   m->priority != AR_PRIO_DEFAULT || ari_rt_.trace_on || sys))
    return ari_send_slow(t, a, m, fl, sys);
  ari_push(t, a, m, fl);
  return AR_OK;
}

ar_status ar_send(ar_actor *to, ar_msg *m) {
  ari_thread *t = ari_me();
  if (ARI_UNLIKELY(m->sender == to && to != NULL)) {
    /* a message sent back to its own sender (`reply g` of the request
     * itself): replacing the sender drops the reference that may be the
     * only one keeping a stopped `to` alive before the send reads it */
    ar_actor_retain(to);
    ari_set_sender(t, m);
    ar_status st = ari_send(t, ARI_A(to), m, false);
    ar_actor_release(to);
    return st;
  }
  ari_set_sender(t, m);
  return ari_send(t, ARI_A(to), m, false);
}

ar_status ar_send_anon(ar_actor *to, ar_msg *m) {
  if (ARI_UNLIKELY(m->sender != NULL))
    return ar_send(to, m);
  return ari_send(ari_me(), ARI_A(to), m, false);
}

ar_status ari_actor_send_sys(ari_actor *to, ar_msg *m) {
  ari_thread *t = ari_me();
  m->flags |= AR_MSGF_SYS;
  return ari_send(t, to, m, true);
}

/* Timer thread: a delayed send whose sender was recorded at arm time. */
void ari_actor_send_keep_sender(ari_actor *to, ar_msg *m) {
  (void)ari_send(ari_me(), to, m, false);
}

ar_status ar_reply(ar_msg *request, ar_msg *reply) {
  ari_thread *t = ari_me();
  ar_msg_set_correlation(reply, ar_msg_id(request));
  if (request->flags & AR_MSGF_ASK) {
    ar_waiter *w = request->ari_ext->waiter;
    request->ari_ext->waiter = NULL;
    request->flags &= (uint8_t)~AR_MSGF_ASK;
    if (t->cur_msg == reply)
      t->cur_msg = NULL;
    if (ar_waiter_claim(w)) {
      ari_set_sender(t, reply);
      ar_waiter_wake(w, AR_EV_REPLY, 0, reply);
      ar_waiter_release(w);
      return AR_OK;
    }
    ar_waiter_release(w);
    ari_stat_inc(&t->late);
    ari_msg_discard(reply);
    return AR_TIMEOUT;
  }
  if (request->sender == NULL) {
    if (t->cur_msg == reply)
      t->cur_msg = NULL;
    ari_count_undelivered(t, reply);
    return AR_DEAD;
  }
  return ar_send(request->sender, reply);
}

/* ============================================================ waiters */

ar_waiter *ar_wait_begin(ar_actor *self) {
  ari_thread *t = ari_me();
  ari_actor *a = ARI_A(self);
  AR_ASSERT(t->cur == a && a->waiter == NULL);
  uint8_t pool, cls;
  ar_waiter *w = ari_pool_alloc(sizeof *w, &pool, &cls);
  atomic_store_explicit(&w->rc, 2, memory_order_relaxed); /* caller+runtime */
  atomic_store_explicit(&w->claimed, 0, memory_order_relaxed);
  atomic_store_explicit(&w->arrive, 0, memory_order_relaxed);
  atomic_store_explicit(&w->timer, 0, memory_order_relaxed);
  w->actor = a;
  t->debt++; /* w->actor is a counted reference (deferred self-retain) */
  w->kind = 0;
  w->u = 0;
  w->p = NULL;
  w->pool = pool;
  w->cls = cls;
  a->waiter = w;
  return w;
}

bool ar_waiter_claim(ar_waiter *w) {
  uint32_t expected = 0;
  /* acq_rel: the single winner orders its event stores after the claim;
   * losers learn nothing else */
  return atomic_compare_exchange_strong_explicit(
      &w->claimed, &expected, 1, memory_order_acq_rel, memory_order_relaxed);
}

void ar_waiter_wake(ar_waiter *w, int kind, uint64_t u, void *p) {
  ari_thread *t = ari_me();
  w->kind = kind;
  w->u = u;
  w->p = p;
  ari_actor *a = w->actor;
  /* acq_rel: release publishes kind/u/p to the runner's acquire
   * fetch_add; whichever side arrives second schedules the resume
   * (SCHEDULER.md 5) */
  if (atomic_fetch_add_explicit(&w->arrive, 1, memory_order_acq_rel) == 1) {
    ari_stat_inc(&t->sent);
    ari_sched_push(t, a);
  }
  /* the armed timer no longer keeps the program alive; seq_cst: after the
   * push above, pairs with the quiescence check in ari_park */
  if (atomic_exchange_explicit(&w->timer, 0, memory_order_seq_cst) == 1)
    ari_sched_armed_done();
}

void ar_waiter_retain(ar_waiter *w) {
  atomic_fetch_add_explicit(&w->rc, 1, memory_order_relaxed);
}

void ar_waiter_release(ar_waiter *w) {
  /* acq_rel: the last releaser sees every use of w */
  if (atomic_fetch_sub_explicit(&w->rc, 1, memory_order_acq_rel) == 1) {
    ar_actor_release(ARI_PUB(w->actor));
    ari_pool_free(w, w->pool, w->cls);
  }
}

ar_actor *ar_waiter_actor(const ar_waiter *w) { return ARI_PUB(w->actor); }


void ar_waiter_timeout(ar_waiter *w, int64_t ns) {
  ari_timer_arm_waiter(w, ns, AR_EV_TIMEOUT);
}

/* A roomwait entry (ari_ext.roomwait) is an ar_waiter reference from
 * ar_send_wait or, with this bit set, an ask request parked by ar_ask until
 * the target's bounded `block` mailbox has room (SCHEDULER.md 6.1). */
#define ARI_RW_ASK ((uintptr_t)1)

/* Send an ask request (its sender already recorded); if the target's
 * mailbox is full under policy block, park the request in the target's
 * roomwait list instead of failing the ask: the runner that makes room
 * re-sends it (ari_wake_roomwait), a stop fails it.  Any thread that may
 * send; takes the target's stripe lock; loops only while other senders
 * keep refilling the mailbox between our checks. */
/* Any thread that may send to `a`: queue `item` (a waiter, or an ask
 * request tagged ARI_RW_ASK) on a's roomwait list unless the mailbox has
 * room again or `a` is dead.  Returns true when the item was queued (the
 * list owns it and ari_wake_roomwait hands it back), false when the caller
 * must act now (retry / wake).  Takes the target's stripe lock. */
static bool ari_roomwait_park(ari_actor *a, void *item) {
  pthread_mutex_t *mu = ari_stripe_lock(a);
  pthread_mutex_lock(mu);
  ari_ext *e = ari_actor_ext(a);
  /* seq_cst: Dekker with the runner (fetch_sub count; load ROOMWAIT):
   * either we see the room or the runner sees the flag and takes the list
   * (under this lock) after our push */
  atomic_fetch_or_explicit(&a->flags, ARI_AF_ROOMWAIT, memory_order_seq_cst);
  bool room = atomic_load_explicit(&a->count, memory_order_seq_cst) <
              a->type->mailbox_capacity;
  bool parked = !room && !ari_dead_locked(a, e);
  if (parked)
    ari_vec_push(&e->roomwait, item);
  pthread_mutex_unlock(mu);
  return parked;
}

static void ari_ask_send(ari_thread *t, ari_actor *a, ar_msg *m) {
  while (ari_send(t, a, m, false) == AR_FULL) {
    if (m->sender == NULL)
      ari_set_sender(t, m); /* AR_FULL undid it: m->sender was t->cur */
    /* parked: the request (and its waiter reference) belongs to the list;
     * otherwise room, or dead: ari_send fails the ask */
    if (ari_roomwait_park(a, (void *)((uintptr_t)m | ARI_RW_ASK)))
      return;
  }
}

void ar_ask(ar_actor *self, ar_actor *target, ar_msg *request,
            int64_t timeout_ns) {
  ar_waiter *w = ar_wait_begin(self);
  if (timeout_ns >= 0)
    ar_waiter_timeout(w, timeout_ns);
  (void)ar_msg_id(request);
  request->flags |= AR_MSGF_ASK;
  /* the caller's reference moves to the request (ar_msg_id made the ext) */
  request->ari_ext->waiter = w;
  ari_thread *t = ari_me();
  ari_set_sender(t, request);
  ari_ask_send(t, ARI_A(target), request);
}

void ar_sleep(ar_actor *self, int64_t ns) {
  ar_waiter *w = ar_wait_begin(self);
  ari_timer_arm_waiter(w, ns, AR_EV_TIMER);
  ar_waiter_release(w);
}

void ar_send_wait(ar_actor *self, ar_actor *to) {
  ari_actor *a = ARI_A(to);
  ar_waiter *w = ar_wait_begin(self);
  if (ari_roomwait_park(a, w)) /* the list owns the caller's reference */
    return;
  if (ar_waiter_claim(w))
    ar_waiter_wake(w, AR_EV_SEND_READY, 0, NULL);
  ar_waiter_release(w);
}

/* Runner: wake blocked senders once there is room (policy block). */
static void ari_wake_roomwait(ari_actor *a) {
  pthread_mutex_t *mu = ari_stripe_lock(a);
  pthread_mutex_lock(mu);
  ari_ext *e = ari_actor_ext(a);
  ari_vec v = e->roomwait;
  memset(&e->roomwait, 0, sizeof e->roomwait);
  atomic_fetch_and_explicit(&a->flags, ~(uint32_t)ARI_AF_ROOMWAIT,
                            memory_order_relaxed);
  pthread_mutex_unlock(mu);
  ari_thread *t = ari_me();
  for (int i = 0; i < v.n; i++) {
    if ((uintptr_t)v.v[i] & ARI_RW_ASK) {
      ari_ask_send(t, a, (ar_msg *)((uintptr_t)v.v[i] & ~ARI_RW_ASK));
      continue;
    }
    ar_waiter *w = v.v[i];
    if (ar_waiter_claim(w))
      ar_waiter_wake(w, AR_EV_SEND_READY, 0, NULL);
    ar_waiter_release(w);
  }
  ari_vec_free(&v);
}

/* ============================================================ overload */

/* Runner of a sender that sent to an overloaded actor: deschedule it
 * (keep sched = 1) until the target catches up.  True if muted.  Both
 * stripe locks are held (address order) so that two actors can never mute
 * on each other: a sender is not muted on a target that is itself muted
 * (SCHEDULER.md 6.2). */
static bool ari_mute(ari_thread *t, ari_actor *self) {
  ari_actor *to = t->mute_to;
  t->mute_to = NULL;
  bool muted = false;
  pthread_mutex_t *m1 = ari_stripe_lock(self), *m2 = ari_stripe_lock(to);
  if (m1 > m2) {
    pthread_mutex_t *x = m1;
    m1 = m2;
    m2 = x;
  }
  pthread_mutex_lock(m1);
  if (m2 != m1)
    pthread_mutex_lock(m2);
  ari_ext *e = ari_actor_ext(to);
  uint32_t tf = ari_flags(to);
  if (!ari_dead_locked(to, e) && (tf & ARI_AF_OVERLOAD) &&
      !(tf & ARI_AF_MUTED)) {
    atomic_fetch_or_explicit(&self->flags, ARI_AF_MUTED,
                             memory_order_relaxed);
    atomic_fetch_add_explicit(&self->rc, 1, memory_order_relaxed);
    ari_vec_push(&e->muted, self);
    muted = true;
  }
  if (m2 != m1)
    pthread_mutex_unlock(m2);
  pthread_mutex_unlock(m1);
  if (muted)
    ari_stat_inc(&t->mutes);
  ar_actor_release(ARI_PUB(to));
  return muted;
}

/* Runner of an actor leaving overload (or stopping): reschedule every
 * muted sender.  The stripe lock orders this against ari_mute. */
static void ari_unmute_all(ari_thread *t, ari_actor *a) {
  pthread_mutex_t *mu = ari_stripe_lock(a);
  pthread_mutex_lock(mu);
  atomic_fetch_and_explicit(&a->flags, ~(uint32_t)ARI_AF_OVERLOAD,
                            memory_order_relaxed);
  ari_ext *e = atomic_load_explicit(&a->ext, memory_order_acquire);
  ari_vec v = {0};
  if (e) {
    v = e->muted;
    memset(&e->muted, 0, sizeof e->muted);
  }
  pthread_mutex_unlock(mu);
  for (int i = 0; i < v.n; i++) {
    ari_actor *s = v.v[i];
    atomic_fetch_and_explicit(&s->flags, ~(uint32_t)ARI_AF_MUTED,
                              memory_order_relaxed);
    ari_sched_push(t, s); /* it still holds sched = 1 */
    ar_actor_release(ARI_PUB(s));
  }
  ari_vec_free(&v);
}

/* ============================================================ stop, links */

static ar_msg *ari_down_msg(uint32_t type, ari_actor *who, const char *why) {
  ar_msg *m = ari_msg_alloc_internal(type, sizeof(ar_down));
  ar_down *d = AR_MSG_PAYLOAD(m, ar_down);
  ar_actor_retain(ARI_PUB(who));
  d->who = ARI_PUB(who);
  d->reason = why;
  m->flags |= AR_MSGF_SYS;
  return m;
}

/* Dispose of an event stored in a waiter that will never be resumed. */
static void ari_drop_event(ar_waiter *w) {
  if (w->kind == AR_EV_REPLY && w->p != NULL)
    ari_msg_discard(w->p);
  w->p = NULL;
}

void ari_actor_stop(ari_thread *t, ari_actor *a, const char *reason) {
  if (ari_flags(a) & ARI_AF_DEAD)
    return;
  if (reason) {
    ari_ext *e = ari_actor_ext(a);
    if (e->fail_reason == NULL) {
      e->fail_reason = reason;
      ari_stat_inc(&t->failed);
    }
  }
  ar_waiter *w = a->waiter;
  if (w != NULL) {
    /* cancel the pending wait: win the claim, or take the runner's side of
     * the arrival so a late waker's push finds a dead actor (run ignores
     * it and drops the event) */
    if (ar_waiter_claim(w)) {
      a->waiter = NULL;
      if (atomic_exchange_explicit(&w->timer, 0, memory_order_seq_cst) == 1)
        ari_sched_armed_done();
      ar_waiter_release(w);
    } else if (/* acq_rel: the runner's side of the arrival (5); pairs
                  with the waker's fetch_add, acquires its event */
               atomic_fetch_add_explicit(&w->arrive, 1,
                                         memory_order_acq_rel) == 1) {
      a->waiter = NULL;
      ari_drop_event(w);
      ar_waiter_release(w);
    }
  }
  uint32_t fl = atomic_fetch_or_explicit(&a->flags, ARI_AF_HOOKED,
                                         memory_order_relaxed);
  if (!(fl & ARI_AF_HOOKED) && a->type->on_stop) {
    t->in_handler = 1;
    a->type->on_stop(ARI_PUB(a));
    t->in_handler = 0;
  }
  if (t->mute_to) {
    ar_actor_release(ARI_PUB(t->mute_to));
    t->mute_to = NULL;
  }
  ari_apply_debt(t, a);
  /* seq_cst: Dekker with senders (push; load flags) in ari_push; also
   * publishes fail_reason to ar_actor_fail_reason's acquire */
  atomic_fetch_or_explicit(&a->flags,
                           ARI_AF_DEAD | (reason ? ARI_AF_FAILED : 0),
                           memory_order_seq_cst);
  atomic_thread_fence(memory_order_seq_cst);
  ari_drain_dead(t, a);
  ari_vec links = {0}, mons = {0}, muted = {0}, room = {0};
  /* seq_cst: Dekker with watchers (see ari_dead_locked): no ext now means
   * nobody registered and any later watcher sees DEAD; then neither the
   * stripe lock nor an ext allocation is needed (fjcreate) */
  if (atomic_load_explicit(&a->ext, memory_order_seq_cst) != NULL) {
    pthread_mutex_t *mu = ari_stripe_lock(a);
    pthread_mutex_lock(mu);
    ari_ext *e = ari_actor_ext(a);
    e->dead = true;
    links = e->links;
    mons = e->monitors;
    muted = e->muted;
    room = e->roomwait;
    memset(&e->links, 0, sizeof e->links);
    memset(&e->monitors, 0, sizeof e->monitors);
    memset(&e->muted, 0, sizeof e->muted);
    memset(&e->roomwait, 0, sizeof e->roomwait);
    pthread_mutex_unlock(mu);
  }
  for (int i = 0; i < mons.n; i++) {
    ari_actor *o = mons.v[i];
    ari_actor_send_sys(o, ari_down_msg(AR_MSG_DOWN, a, reason));
    ar_actor_release(ARI_PUB(o));
  }
  for (int i = 0; i < links.n; i++) {
    ari_actor *o = links.v[i];
    ari_actor_send_sys(o, ari_down_msg(AR_MSG_EXIT, a, reason));
    ar_actor_release(ARI_PUB(o));
  }
  for (int i = 0; i < muted.n; i++) {
    atomic_fetch_and_explicit(&((ari_actor *)muted.v[i])->flags,
                              ~(uint32_t)ARI_AF_MUTED, memory_order_relaxed);
    ari_sched_push(t, muted.v[i]);
    ar_actor_release(ARI_PUB(muted.v[i]));
  }
  for (int i = 0; i < room.n; i++) {
    if ((uintptr_t)room.v[i] & ARI_RW_ASK) {
      ar_msg *rm = (ar_msg *)((uintptr_t)room.v[i] & ~ARI_RW_ASK);
      ari_fail_ask(rm, reason ? reason : "actor is dead");
      ari_count_undelivered(t, rm);
      continue;
    }
    ar_waiter *rw = room.v[i];
    if (ar_waiter_claim(rw))
      ar_waiter_wake(rw, AR_EV_SEND_READY, 0, NULL);
    ar_waiter_release(rw);
  }
  ari_vec_free(&links);
  ari_vec_free(&mons);
  ari_vec_free(&muted);
  ari_vec_free(&room);
  /* the runtime's "alive" reference, through the batched-release cache so
   * that `a` stays valid until this thread is done with the turn */
  ari_msg_release_sender(t, ARI_PUB(a));
}

void ar_stop(ar_actor *self) {
  atomic_fetch_or_explicit(&ARI_A(self)->flags, ARI_AF_STOPREQ,
                           memory_order_relaxed);
}

/* Unwind chain (ar.h, SCHEDULER.md 7.1): the frames of the handler's C
 * functions that own values. */
_Thread_local ar_frame *ar_frame_top;

/* A handler faults (t->fault set) and is about to be left by siglongjmp,
 * still on its stack (ar_fail) or on the signal stack above it: fail the
 * request's ask with the fault's reason, the same pointer
 * ar_actor_fail_reason reports (a frame's unwind or the landing pad may
 * free the request, which alone would say "request dropped"), then run
 * the registered unwinds, innermost first.  The chain is emptied first, so a fault inside
 * an unwind lands directly. */
void ari_fault_unwind(ari_thread *t) {
  ar_msg *m = t->cur_msg;
  if (m != NULL && (m->flags & AR_MSGF_ASK))
    ari_fail_ask(m, t->fault);
  ar_frame *f = ar_frame_top;
  ar_frame_top = NULL;
  while (f != NULL) {
    ar_frame *up = f->up;
    f->unwind(f);
    f = up;
  }
}

void ar_fail(ar_actor *self, const char *reason) {
  ari_thread *t = ari_me();
  if (t->in_handler && t->cur == ARI_A(self)) {
    t->fault = reason ? reason : "failed";
    ari_fault_unwind(t);
    siglongjmp(t->jb, 1);
  }
  ari_panic("ar_fail outside the running actor's handler: %s",
            reason ? reason : "");
}

void ar_trap_exit(ar_actor *self, bool on) {
  if (on)
    atomic_fetch_or_explicit(&ARI_A(self)->flags, ARI_AF_TRAP,
                             memory_order_relaxed);
  else
    atomic_fetch_and_explicit(&ARI_A(self)->flags, ~(uint32_t)ARI_AF_TRAP,
                              memory_order_relaxed);
}

/* Register `self` in other's list (links or monitors); if other is already
 * dead, tell self at once. */
static void ari_watch(ari_actor *self, ari_actor *other, bool link) {
  pthread_mutex_t *mu = ari_stripe_lock(other);
  pthread_mutex_lock(mu);
  ari_ext *e = ari_actor_ext(other);
  bool dead = ari_dead_locked(other, e);
  if (!dead) {
    atomic_fetch_add_explicit(&self->rc, 1, memory_order_relaxed);
    ari_vec_push(link ? &e->links : &e->monitors, self);
  }
  pthread_mutex_unlock(mu);
  if (dead)
    ari_actor_send_sys(self, ari_down_msg(link ? AR_MSG_EXIT : AR_MSG_DOWN,
                                          other, e->fail_reason));
}

void ar_link(ar_actor *self, ar_actor *other) {
  ari_watch(ARI_A(self), ARI_A(other), true);
  ari_watch(ARI_A(other), ARI_A(self), true);
}

void ar_monitor(ar_actor *self, ar_actor *other) {
  ari_watch(ARI_A(self), ARI_A(other), false);
}

/* Supervisors (super.c) watch their children without running as them. */
void ari_actor_monitor_by(ari_actor *watcher, ari_actor *child) {
  ari_watch(watcher, child, false);
}

/* ============================================================ the turn */

static void ari_resume(ari_thread *t, ari_actor *a, ar_waiter *w) {
  a->waiter = NULL;
  atomic_store_explicit(&a->handled,
                        atomic_load_explicit(&a->handled,
                                             memory_order_relaxed) + 1,
                        memory_order_relaxed);
  ari_stat_inc(&t->handled);
  int kind = w->kind;
  uint64_t u = w->u;
  void *p = w->p;
  ar_waiter_release(w); /* the runtime's reference */
  AR_ASSERT(a->type->resume != NULL);
  t->in_handler = 1;
  a->type->resume(ARI_PUB(a), kind, u, p);
  t->in_handler = 0;
}

/* After a handler returned: stop, suspend, resume or mute.  Returns true
 * when the turn is over and the actor must NOT be unscheduled (it is dead,
 * suspended, or muted: sched stays 1). */
static bool ari_settle(ari_thread *t, ari_actor *a) {
  for (;;) {
    if (ARI_UNLIKELY(ari_flags(a) & ARI_AF_STOPREQ)) {
      ari_actor_stop(t, a, NULL);
      return true;
    }
    ar_waiter *w = a->waiter;
    if (ARI_LIKELY(w == NULL))
      break;
    /* Everything that touches `a` happens BEFORE our arrival: once we have
     * arrived, a waker may reschedule `a` on another worker at once. */
    ari_flush_debt(t, a);
    if (t->mute_to) {
      ar_actor_release(ARI_PUB(t->mute_to));
      t->mute_to = NULL;
    }
    /* a suspended actor must not keep its senders muted: it may be
     * waiting for one of them (SCHEDULER.md 6.2) */
    if (ARI_UNLIKELY(ari_flags(a) & ARI_AF_OVERLOAD))
      ari_unmute_all(t, a);
    /* acq_rel: pairs with the waker's fetch_add in ar_waiter_wake (5) */
    if (atomic_fetch_add_explicit(&w->arrive, 1, memory_order_acq_rel) == 0)
      return true; /* suspended; the waker reschedules; `a` is not ours */
    ari_resume(t, a, w);
  }
  if (ARI_UNLIKELY(t->mute_to != NULL)) {
    /* same rule: after ari_mute registered us, the target may unmute and
     * reschedule us on another worker */
    ari_flush_debt(t, a);
    if (ari_mute(t, a))
      return true;
  }
  return false;
}

static void ari_sys_dispatch(ari_thread *t, ari_actor *a, ar_msg *m) {
  if (m->type == AR_MSG_EXIT) {
    const char *why = AR_MSG_PAYLOAD(m, ar_down)->reason;
    bool kill = ari_super_is_kill(why);
    if (kill || !(ari_flags(a) & ARI_AF_TRAP)) {
      ar_msg_free(m);
      t->cur_msg = NULL;
      if (kill)
        ari_actor_stop(t, a, NULL);
      else if (why)
        ari_actor_stop(t, a, "linked actor failed");
      return;
    }
  }
  t->in_handler = 1;
  a->type->dispatch(ARI_PUB(a), m);
  t->in_handler = 0;
}

static void ari_end_turn(ari_thread *t, ari_actor *a, bool exhausted) {
  ari_flush_debt(t, a);
  t->cur = NULL;
  if (exhausted) {
    ari_sched_push_back(t, a); /* fairness: behind the others */
    return;
  }
  if (ARI_UNLIKELY(ari_flags(a) & ARI_AF_OVERLOAD))
    ari_unmute_all(t, a);
  /* read the consumer-private tail before giving up the consumer role */
  ari_node *tail = a->mb_tail;
  /* seq_cst: Dekker with senders (push; load sched) in ari_push */
  atomic_store_explicit(&a->sched, 0, memory_order_seq_cst);
  ari_stress_yield(8); /* flag given up, mailbox not re-checked yet */
  if (ari_mpscq_maybe_nonempty(&a->mb_head, tail) &&
      atomic_exchange_explicit(&a->sched, 1, memory_order_seq_cst) == 0)
    ari_sched_push_back(t, a);
}

/* The runner keeps the mailbox tail in its thread struct during a batch
 * (SCHEDULER.md 2.1); it is written back before anything else may use it
 * (stop, settle, end of turn, fault landing). */
static inline void ari_tail_get(ari_thread *t, ari_actor *a) {
  t->mb_tail = a->mb_tail;
  t->tail_live = 1;
}
static inline void ari_tail_put(ari_thread *t, ari_actor *a) {
  a->mb_tail = t->mb_tail;
  t->tail_live = 0;
}

/* The busy consumer's catch-up wait (SCHEDULER.md 2.2): at most
 * ARI_CATCHUP_POLLS * ARI_CATCHUP_SPACING pauses (512: about 12 us here). */
#define ARI_CATCHUP_POLLS 2
#define ARI_CATCHUP_SPACING 256

void ari_actor_run(ari_thread *t, ari_actor *a) {
  uint32_t fl = ari_flags(a);
  if (ARI_UNLIKELY(fl & ARI_AF_DEAD)) {
    /* a waker pushed a dead actor (stop took the runner's arrival) */
    ar_waiter *w = a->waiter;
    if (w) {
      a->waiter = NULL;
      ari_drop_event(w);
      ar_waiter_release(w);
    }
    return;
  }
  t->cur = a;
  const ar_actor_type *ty = a->type;
  if (ARI_UNLIKELY(!(fl & ARI_AF_STARTED))) {
    atomic_fetch_or_explicit(&a->flags, ARI_AF_STARTED, memory_order_relaxed);
    atomic_store_explicit(&a->handled, 1, memory_order_relaxed);
    if (ty->on_start) {
      t->in_handler = 1;
      ty->on_start(ARI_PUB(a));
      t->in_handler = 0;
    }
    if (ari_settle(t, a)) {
      t->cur = NULL;
      return;
    }
  } else if (ARI_UNLIKELY(a->waiter != NULL)) {
    ari_resume(t, a, a->waiter);
    if (ari_settle(t, a)) {
      t->cur = NULL;
      return;
    }
  }
  bool counted = (fl & ARI_AF_BOUNDED) != 0;
  bool trace = ari_rt_.trace_on;
  uint32_t handled = atomic_load_explicit(&a->handled, memory_order_relaxed);
  /* unbounded: dequeue count for the overload estimate (6.2); the backlog
   * seen at turn start feeds the high-water mark */
  uint32_t deq = atomic_load_explicit(&a->deq, memory_order_relaxed);
  ari_tail_get(t, a);
  for (int n = 0; n < ARI_TURN_BATCH; n++) {
    /* soft: keep the last node for now (see the wait below); not for the
     * turn's first message, which no wait precedes (a one-message turn,
     * every hop of a ring, then takes it at once instead of after a failed
     * soft pop) */
    ar_msg *m = ari_mb_take(a, &t->mb_tail, n > 0);
    if (ARI_UNLIKELY(m == NULL)) {
      /* Two bounded waits before giving up the actor (SCHEDULER.md 2.5):
       * - a busy consumer that caught up with its producer(s) waits a
       *   little for more, instead of giving up the actor, which would make
       *   the next send schedule it on the producer's worker;
       * - any consumer whose pop failed while a push is in flight (head
       *   moved past our tail, the link store is a few instructions away,
       *   MPSCQ.md 3) waits for that push rather than paying a whole
       *   end-of-turn / reschedule round trip (PROFILE-NOTES 2). */
      /* (not in a nested turn, SCHEDULER.md 6.6: the producer it would
       * wait for is the handler this turn interrupted) */
      bool wait = n >= 32 && !t->helping && ari_sched_local_idle(t);
      /* A last node is there and complete (the soft pop leaves it): then
       * `mb_head` is not read at all.  It is the producer's hottest line
       * (its exchange target), and a consumer that keeps catching up with
       * its producer would pull it away once per catch-up. */
      bool last = t->mb_tail != &a->stub;
      bool inflight =
          !last && ari_mpscq_maybe_nonempty(&a->mb_head, t->mb_tail);
      if (wait || inflight) {
        /* caught up: wait for the producer's next link store, reading
         * only the last node's link, and that only every
         * ARI_CATCHUP_SPACING pauses (every pause when a push is known to
         * be in flight).  Every poll (and taking the last node behind a
         * re-pushed stub) pulls a line the producer is about to write, so
         * the batch a catch-up leaves to accumulate decides how many
         * messages pay for it: polling every 16 pauses (~7 messages of
         * counting's producer) kept the pair in a near-lockstep at about
         * twice the C peer's time; every 256 pauses (~100 messages) put
         * counting at 0.7-0.9x of the C peer (PROFILE-NOTES, pass 2). */
        int polls = inflight ? 64 : ARI_CATCHUP_POLLS;
        for (int k = 0; k < polls && m == NULL; k++) {
          for (int p = inflight ? 1 : ARI_CATCHUP_SPACING; p > 0; p--) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
          }
          m = ari_mb_take(a, &t->mb_tail, true);
        }
      }
      if (m == NULL)
        m = ari_mb_take(a, &t->mb_tail, false);
    }
    if (!counted && m != NULL && (++deq & 63) == 0) {
      atomic_store_explicit(&a->deq, deq, memory_order_relaxed);
      /* sample the backlog estimate for the high-water mark (every 64
       * messages, not per turn: `count` lives on the senders' line) */
      uint32_t backlog =
          atomic_load_explicit(&a->count, memory_order_relaxed) - deq + 1;
      if (backlog < 0x80000000u &&
          backlog > atomic_load_explicit(&a->hwm, memory_order_relaxed))
        atomic_store_explicit(&a->hwm, backlog, memory_order_relaxed);
    }
    if (m == NULL) {
      if (!counted) {
        atomic_store_explicit(&a->deq, deq, memory_order_relaxed);
        /* drained: the true count is deq; drop any drift (6.2) */
        atomic_store_explicit(&a->count, deq, memory_order_relaxed);
      }
      ari_tail_put(t, a);
      atomic_store_explicit(&a->handled, handled, memory_order_relaxed);
      ari_end_turn(t, a, false);
      return;
    }
    if (ARI_UNLIKELY(counted)) {
      /* seq_cst: Dekker with ar_send_wait (set ROOMWAIT; load count) */
      uint32_t c = atomic_fetch_sub_explicit(&a->count, 1,
                                             memory_order_seq_cst);
      uint32_t cap = ty->mailbox_capacity;
      if (cap > 0 && c > cap && ty->mailbox_policy == AR_MB_DROP_OLDEST) {
        atomic_fetch_add_explicit(&a->dropped, 1, memory_order_relaxed);
        ari_stat_inc(&t->dropped);
        if (m->flags & AR_MSGF_ASK)
          ari_fail_ask(m, "message dropped (mailbox full)");
        ari_msg_discard(m);
        continue;
      }
      /* seq_cst: Dekker with ar_send_wait (set ROOMWAIT; load count) */
      if (ARI_UNLIKELY(atomic_load_explicit(&a->flags, memory_order_seq_cst) &
                       ARI_AF_ROOMWAIT))
        ari_wake_roomwait(a);
    }
    handled++;
    ari_stat_inc(&t->handled);
    t->cur_msg = m;
    int64_t t0 = trace ? ar_now_ns() : 0;
    uint32_t mtype = m->type; /* m may be gone after dispatch */
    if (ARI_UNLIKELY(m->flags & AR_MSGF_SYS)) {
      atomic_store_explicit(&a->deq, deq, memory_order_relaxed);
      ari_tail_put(t, a);
      ari_sys_dispatch(t, a, m);
      if (ari_flags(a) & ARI_AF_DEAD) {
        t->cur_msg = NULL;
        t->cur = NULL;
        return;
      }
      ari_tail_get(t, a);
    } else {
      t->in_handler = 1;
      ty->dispatch(ARI_PUB(a), m);
      t->in_handler = 0;
    }
    if (trace)
      ari_trace_event(t, 0, a, ty->name, mtype, t0, ar_now_ns() - t0);
    t->cur_msg = NULL;
    if (ARI_UNLIKELY(a->waiter != NULL || t->mute_to != NULL ||
                     (ari_flags(a) & ARI_AF_STOPREQ))) {
      atomic_store_explicit(&a->deq, deq, memory_order_relaxed);
      ari_tail_put(t, a);
      atomic_store_explicit(&a->handled, handled, memory_order_relaxed);
      if (ari_settle(t, a)) {
        t->cur = NULL;
        return;
      }
      handled = atomic_load_explicit(&a->handled, memory_order_relaxed);
      ari_tail_get(t, a);
    }
  }
  if (!counted)
    atomic_store_explicit(&a->deq, deq, memory_order_relaxed);
  ari_tail_put(t, a);
  atomic_store_explicit(&a->handled, handled, memory_order_relaxed);
  ari_end_turn(t, a, true);
}

/* A fault unwound to the worker's landing pad (SCHEDULER.md 7). */
void ari_actor_fault_landing(ari_thread *t) {
  ari_actor *a = t->cur;
  t->in_handler = 0;
  /* a fault inside `"{...}"` left its builder pushed */
  ari_val_fmt_unwind(t->fmt_base);
  AR_ASSERT(a != NULL);
  if (t->tail_live)
    ari_tail_put(t, a);
  ar_msg *m = t->cur_msg;
  t->cur_msg = NULL;
  const char *why = t->fault ? t->fault : "failed";
  /* its ask, if any, was already failed with the fault's reason by
   * ari_fault_unwind, which every way here passes through */
  if (m)
    ar_msg_free(m);
  ari_actor_stop(t, a, why);
  t->cur = NULL;
  t->fault = NULL;
}

/* ============================================================ teardown */

/* on_stop at teardown; a fault inside it lands here (nothing is modified
 * after sigsetjmp in this frame). */
static __attribute__((noinline)) void ari_on_stop_protected(ari_thread *me,
                                                             ari_actor *a) {
  me->cur = a;
  me->in_handler = 1;
  if (sigsetjmp(me->jb, 0) == 0)
    a->type->on_stop(ARI_PUB(a));
  else
    ari_val_fmt_unwind(me->fmt_base);
  me->in_handler = 0;
  me->cur = NULL;
  me->debt = 0;
}

/* Main thread, workers joined: run on_stop of live actors, count what is
 * left in mailboxes, free per-actor malloc'd parts (pools go wholesale). */
void ari_actor_teardown_quiescent(void) {
  ari_thread *me = ari_me();
  int nt = atomic_load(&ari_rt_.nthreads);
  for (int i = 0; i < nt; i++) {
    ari_thread *o = ari_rt_.threads[i];
    for (ari_actor *a = o->reg_head; a; a = a->reg_next) {
      uint32_t fl = ari_flags(a);
      if (fl & (ARI_AF_DEAD | ARI_AF_HOOKED))
        continue;
      atomic_fetch_or_explicit(&a->flags, ARI_AF_HOOKED | ARI_AF_DEAD,
                               memory_order_relaxed);
      if (a->type->on_stop == NULL)
        continue;
      ari_on_stop_protected(me, a);
    }
  }
  for (int i = 0; i < nt; i++) {
    ari_thread *o = ari_rt_.threads[i];
    for (ari_actor *a = o->reg_head; a; a = a->reg_next) {
      ar_msg *m;
      while ((m = ari_pq_take(a->pq)) != NULL) {
        ari_stat_inc(&me->undelivered);
        ari_msg_discard_quiescent(m);
      }
      while ((m = ari_mb_pop(a, &a->mb_tail)) != NULL) {
        if (!(m->flags & AR_MSGF_SYS))
          ari_stat_inc(&me->undelivered);
        ari_msg_discard_quiescent(m);
      }
      ar_waiter *w = a->waiter;
      if (w && w->kind == AR_EV_REPLY && w->p &&
          atomic_load(&w->arrive) >= 1)
        ari_msg_discard_quiescent(w->p);
      /* relaxed: single-threaded here (workers joined) */
      ari_ext *e = atomic_load_explicit(&a->ext, memory_order_relaxed);
      for (int k = 0; e && k < e->roomwait.n; k++)
        if ((uintptr_t)e->roomwait.v[k] & ARI_RW_ASK) {
          ari_stat_inc(&me->undelivered); /* an ask parked on a full mailbox */
          ari_msg_discard_quiescent(
              (ar_msg *)((uintptr_t)e->roomwait.v[k] & ~ARI_RW_ASK));
        }
      ari_actor_free_ext(a);
    }
  }
  /* big (malloc'd) actors; pool slabs are freed wholesale afterwards */
  for (int i = 0; i < nt; i++) {
    ari_thread *o = ari_rt_.threads[i];
    ari_actor *a = o->reg_head;
    while (a) {
      ari_actor *next = a->reg_next;
      if (a->cls == 255)
        free(a);
      a = next;
    }
    o->reg_head = NULL;
  }
}
