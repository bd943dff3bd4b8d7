/* chan.c — MPMC channels and select (DESIGN.md "Channels and select").
 *
 * Buffered and rendezvous channels of 64-bit slots, close, and select with a
 * uniform random choice among ready cases plus `after`/`default`.  A waiting
 * actor is parked through the suspension API of the scheduler
 * (ar_wait_begin/ar_waiter_*); this file never blocks a worker thread except
 * for the short per-channel critical sections.  Plain OS threads park on a
 * futex (the *_blocking helpers).  Protocol, invariants and lock order:
 * runtime/CHANNELS.md.  Must not know anything about mailboxes or actors
 * beyond the ar_waiter calls.
 */
#include "ar.h"

#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ================================================================ types */

typedef struct chan_entry chan_entry;

/* One case of one op, queued on one channel (CHANNELS.md §2).
 *   field    written by                       read by
 *   prev/next, linked   holder of chan->mu      holder of chan->mu
 *   wnext    the claimer, under chan->mu, then only by that claimer (CHANNELS.md §3)
 *   op, chan, val, idx, is_send   the op's creator before linking; immutable
 */
struct chan_entry {
  chan_entry *prev;
  chan_entry *next;
  chan_entry *wnext;
  ar_chan_op *op;
  ar_chan *chan;
  uint64_t val;
  uint32_t idx;
  bool is_send;
  bool linked;
};

typedef struct chan_wq {
  chan_entry *head;
  chan_entry *tail;
} chan_wq;

/* A channel.  Everything but `refs`, `cap`, `drop` and `buf` (the pointer)
 * is guarded by `mu`.  Invariants, with mu held (CHANNELS.md §1):
 *   count > 0   => recvq holds no claimable entry
 *   count < cap => sendq holds no claimable entry
 *   closed      => sendq and recvq are empty
 * Stale entries (whose op was claimed through another case, a timeout or a
 * cancel) may sit in either queue until someone pops or unlinks them. */
struct ar_chan {
  _Atomic uint32_t mu; /* the lock: 0 free, 1 held (chan_lock) */
  uint64_t *buf;
  uint32_t cap;
  uint32_t head;
  uint32_t count;
  bool closed;
  chan_wq recvq;
  chan_wq sendq;
  ar_chan_drop_fn drop;
  _Atomic uint32_t refs; /* any thread; relaxed up, acq_rel down */
};

enum { OP_WAITING = 0, OP_CLAIMED = 1, OP_DONE = 2 };

/* A pending operation: one entry per case (1 for send/recv).
 *   refs        any thread (owner holds 1 until ar_chan_op_end; a claimer
 *               holds 1 from its claim until after its wake-up call)
 *   w           creator; immutable (NULL: a plain-thread op)
 *   tstate      thread ops only: the claim word and futex; CAS by claimers
 *   res_*       the claimer, under the entry's chan->mu, before `fired`
 *   fired       the claimer stores true (release) after res_* and after
 *               unlinking the fired entry; the owner loads it (acquire) in
 *               ar_chan_op_end, which makes res_* and that entry's `linked`
 *               visible without the lock (the wake-up publishes them too).
 */
struct ar_chan_op {
  _Atomic uint32_t refs;
  _Atomic uint32_t tstate;
  ar_waiter *w;
  bool is_select;
  _Atomic bool fired;
  ar_status res_status;
  int32_t res_index;
  uint64_t res_val;
  uint32_t n;
  chan_entry e[];
};

/* ============================================================== helpers */

#if defined(__x86_64__) || defined(__i386__)
#define chan_relax() __builtin_ia32_pause()
#else
#define chan_relax() ((void)0)
#endif

static void *chan_xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) {
    fprintf(stderr, "libactor: out of memory (%zu bytes) in chan.c\n", n);
    abort();
  }
  return p;
}

static long chan_futex(_Atomic uint32_t *addr, int op, uint32_t val,
                       const struct timespec *ts) {
  return syscall(SYS_futex, (uint32_t *)addr, op | FUTEX_PRIVATE_FLAG, val, ts,
                 NULL, 0);
}

static int64_t chan_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Per-thread splitmix64 for select's random choice; seeded lazily from a
 * global counter and the clock, so threads get distinct streams. */
static _Thread_local uint64_t chan_rng_state;
static _Atomic uint64_t chan_rng_seed;

static uint64_t chan_rng_next(void) {
  if (chan_rng_state == 0) {
    /* relaxed: the counter only has to hand out distinct values */
    uint64_t s = atomic_fetch_add_explicit(&chan_rng_seed, 1,
                                           memory_order_relaxed);
    chan_rng_state = (s + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t)chan_now_ns();
    if (chan_rng_state == 0)
      chan_rng_state = 1;
  }
  uint64_t z = (chan_rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* uniform in [0, k) (Lemire's multiply; bias < k / 2^32, irrelevant here) */
static uint32_t chan_rng_below(uint32_t k) {
  return (uint32_t)(((chan_rng_next() >> 32) * (uint64_t)k) >> 32);
}

/* ========================================================== wait queues */

static void wq_push(chan_wq *q, chan_entry *e) {
  e->next = NULL;
  e->prev = q->tail;
  if (q->tail)
    q->tail->next = e;
  else
    q->head = e;
  q->tail = e;
  e->linked = true;
}

static void wq_unlink(chan_wq *q, chan_entry *e) {
  if (e->prev)
    e->prev->next = e->next;
  else
    q->head = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    q->tail = e->prev;
  e->prev = e->next = NULL;
  e->linked = false;
}

/* ================================================================== ops */

static ar_chan_op *op_new(uint32_t n, bool is_select) {
  ar_chan_op *op = chan_xmalloc(sizeof *op + sizeof(chan_entry) * n);
  atomic_init(&op->refs, 1);
  atomic_init(&op->tstate, OP_WAITING);
  op->w = NULL;
  op->is_select = is_select;
  atomic_init(&op->fired, false);
  op->res_status = AR_AGAIN;
  op->res_index = AR_SELECT_IDX_TIMEOUT;
  op->res_val = 0;
  op->n = 0; /* entries are counted as they are linked */
  return op;
}

static void op_retain(ar_chan_op *op) {
  /* relaxed: the caller already holds a reference (or the channel lock
   * that keeps the owner's reference alive), as for any refcount */
  atomic_fetch_add_explicit(&op->refs, 1, memory_order_relaxed);
}

static void op_release(ar_chan_op *op) {
  /* acq_rel: the last releaser must see every other holder's writes
   * before freeing (pairs with the release half of the others' decrements) */
  if (atomic_fetch_sub_explicit(&op->refs, 1, memory_order_acq_rel) != 1)
    return;
  for (uint32_t i = 0; i < op->n; i++)
    ar_chan_release(op->e[i].chan);
  if (op->w)
    ar_waiter_release(op->w);
  free(op);
}

/* Exactly one claimer wins per op: a counterpart, the timer, a plain
 * thread's own timeout, or ar_chan_op_end cancelling. */
static bool op_claim(ar_chan_op *op) {
  if (op->w)
    return ar_waiter_claim(op->w);
  uint32_t expect = OP_WAITING;
  /* acq_rel is more than needed: every claimer either created the op or
   * found it under the channel lock the creator released after linking,
   * and results travel through that lock or the OP_DONE release/acquire
   * pair.  Kept conservative; on x86 every CAS is a full barrier anyway. */
  return atomic_compare_exchange_strong_explicit(
      &op->tstate, &expect, OP_CLAIMED, memory_order_acq_rel,
      memory_order_relaxed);
}

/* Record the result of a claimed op and queue it for waking once the
 * channel lock is dropped.  Called with e->chan->mu held, after a
 * successful op_claim(e->op). */
static void op_fire(chan_entry *e, ar_status st, uint64_t val,
                    chan_entry **wl) {
  ar_chan_op *op = e->op;
  /* before `fired`: an owner cancelling concurrently (frame teardown) may
   * drop its reference as soon as it sees fired; ours keeps the op alive
   * until chan_flush_wakes is done with it */
  op_retain(op);
  op->res_status = st;
  op->res_index = (int32_t)e->idx;
  op->res_val = val;
  /* release: publishes res_* and e->linked == false (wq_pop_claimed
   * unlinked e) to the acquire load in ar_chan_op_end */
  atomic_store_explicit(&op->fired, true, memory_order_release);
  e->wnext = *wl;
  *wl = e;
}

static void op_wake(ar_chan_op *op) {
  if (op->w) {
    int kind;
    if (op->is_select)
      kind = AR_EV_SELECT;
    else if (op->res_status == AR_CLOSED)
      kind = AR_EV_CHAN_CLOSED;
    else if (op->e[0].is_send)
      kind = AR_EV_CHAN_SEND;
    else
      kind = AR_EV_CHAN_RECV;
    ar_waiter_wake(op->w, kind,
                   op->is_select ? (uint64_t)op->res_index : op->res_val, op);
    return;
  }
  /* release: publishes fired/res_* to the parked thread (pairs with the
   * acquire load in thread_park) */
  atomic_store_explicit(&op->tstate, OP_DONE, memory_order_release);
  chan_futex(&op->tstate, FUTEX_WAKE, 1, NULL);
}

/* Wake everything op_fire queued; call with no channel lock held.  An
 * entry's `wnext` is only ever touched by the claimer that queued it. */
static void chan_flush_wakes(chan_entry *wl) {
  while (wl) {
    chan_entry *next = wl->wnext;
    ar_chan_op *op = wl->op;
    op_wake(op);
    op_release(op);
    wl = next;
  }
}

/* Pop the first claimable entry, discarding stale ones.  mu held. */
static chan_entry *wq_pop_claimed(chan_wq *q) {
  chan_entry *e;
  while ((e = q->head)) {
    wq_unlink(q, e);
    if (op_claim(e->op))
      return e;
  }
  return NULL;
}

/* ========================================================= core (locked) */

/* The channel lock: test-and-test-and-set with a bounded `pause` spin,
 * then sched_yield (a preempted holder gets the CPU back).  Critical
 * sections are O(1) (select: O(cases)) and never call out, so a spinlock
 * beats a pthread mutex here: chanactor pipe 71-81 vs 114-202 ns/elem. */
#define CHAN_LOCK_SPIN 100

static void chan_lock(ar_chan *c) {
  for (unsigned i = 0;; i++) {
    /* acquire: pairs with the release store in chan_unlock; everything the
     * previous holder wrote under the lock is visible to us */
    if (!atomic_load_explicit(&c->mu, memory_order_relaxed) &&
        !atomic_exchange_explicit(&c->mu, 1, memory_order_acquire))
      return;
    if (i < CHAN_LOCK_SPIN)
      chan_relax();
    else
      sched_yield();
  }
}

static void chan_unlock(ar_chan *c) {
  /* release: publishes the critical section to the next acquirer */
  atomic_store_explicit(&c->mu, 0, memory_order_release);
}

/* AR_OK (taken by a waiting receiver or buffered), AR_CLOSED, or AR_AGAIN
 * (the sender would have to wait).  mu held. */
static ar_status send_locked(ar_chan *c, uint64_t v, chan_entry **wl) {
  if (c->closed)
    return AR_CLOSED;
  chan_entry *r = wq_pop_claimed(&c->recvq);
  if (r) {
    op_fire(r, AR_OK, v, wl);
    return AR_OK;
  }
  if (c->count < c->cap) {
    uint32_t t = c->head + c->count;
    if (t >= c->cap)
      t -= c->cap;
    c->buf[t] = v;
    c->count++;
    return AR_OK;
  }
  return AR_AGAIN;
}

/* AR_OK (*out set), AR_CLOSED (closed and drained) or AR_AGAIN.  mu held. */
static ar_status recv_locked(ar_chan *c, uint64_t *out, chan_entry **wl) {
  if (c->count > 0) {
    *out = c->buf[c->head];
    c->head = c->head + 1 == c->cap ? 0 : c->head + 1;
    c->count--;
    /* a slot freed up: move the oldest waiting sender into the buffer so
     * FIFO order over the whole channel is kept */
    chan_entry *s = wq_pop_claimed(&c->sendq);
    if (s) {
      uint32_t t = c->head + c->count;
      if (t >= c->cap)
        t -= c->cap;
      c->buf[t] = s->val;
      c->count++;
      op_fire(s, AR_OK, 0, wl);
    }
    return AR_OK;
  }
  chan_entry *s = wq_pop_claimed(&c->sendq);
  if (s) {
    *out = s->val;
    op_fire(s, AR_OK, 0, wl);
    return AR_OK;
  }
  return c->closed ? AR_CLOSED : AR_AGAIN;
}

/* ============================================================= channels */

AR_API ar_chan *ar_chan_new(uint32_t capacity, ar_chan_drop_fn drop) {
  ar_chan *c = chan_xmalloc(sizeof *c);
  atomic_init(&c->mu, 0);
  c->buf = capacity ? chan_xmalloc(sizeof(uint64_t) * capacity) : NULL;
  c->cap = capacity;
  c->head = 0;
  c->count = 0;
  c->closed = false;
  c->recvq.head = c->recvq.tail = NULL;
  c->sendq.head = c->sendq.tail = NULL;
  c->drop = drop;
  atomic_init(&c->refs, 1);
  return c;
}

AR_API void ar_chan_retain(ar_chan *c) {
  /* relaxed: the caller holds a reference already */
  atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

AR_API void ar_chan_release(ar_chan *c) {
  /* acq_rel: the freeing thread must see all writes made under other
   * references (pairs with the release half of their decrements) */
  if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
    return;
  if (c->drop) {
    for (uint32_t i = 0; i < c->count; i++) {
      uint32_t at = c->head + i;
      if (at >= c->cap)
        at -= c->cap;
      c->drop(c->buf[at]);
    }
  }
  free(c->buf);
  free(c);
}

AR_API uint32_t ar_chan_len(ar_chan *c) {
  chan_lock(c);
  uint32_t n = c->count;
  chan_unlock(c);
  return n;
}

AR_API uint32_t ar_chan_cap(ar_chan *c) {
  return c->cap;
}

AR_API ar_status ar_chan_try_send(ar_chan *c, uint64_t v) {
  chan_entry *wl = NULL;
  chan_lock(c);
  ar_status st = send_locked(c, v, &wl);
  chan_unlock(c);
  chan_flush_wakes(wl);
  return st == AR_AGAIN ? AR_FULL : st;
}

AR_API ar_status ar_chan_try_recv(ar_chan *c, uint64_t *out) {
  chan_entry *wl = NULL;
  chan_lock(c);
  ar_status st = recv_locked(c, out, &wl);
  chan_unlock(c);
  chan_flush_wakes(wl);
  return st;
}

AR_API ar_status ar_chan_close(ar_chan *c) {
  chan_entry *wl = NULL;
  chan_lock(c);
  if (c->closed) {
    chan_unlock(c);
    return AR_CLOSED;
  }
  c->closed = true;
  chan_entry *e;
  /* waiting receivers exist only when the buffer is empty: they get nil */
  while ((e = wq_pop_claimed(&c->recvq)))
    op_fire(e, AR_CLOSED, 0, &wl);
  /* waiting senders exist only when the buffer is full: their send faults */
  while ((e = wq_pop_claimed(&c->sendq)))
    op_fire(e, AR_CLOSED, 0, &wl);
  chan_unlock(c);
  chan_flush_wakes(wl);
  return AR_OK;
}

/* Link entry `i` of `op` for case (c, is_send, v).  mu of c held. */
static void op_link(ar_chan_op *op, ar_chan *c, bool is_send, uint64_t v,
                    uint32_t idx) {
  chan_entry *e = &op->e[op->n++];
  e->op = op;
  e->chan = c;
  e->val = v;
  e->idx = idx;
  e->is_send = is_send;
  e->wnext = NULL;
  ar_chan_retain(c); /* dropped in op_release */
  wq_push(is_send ? &c->sendq : &c->recvq, e);
}

/* ========================================================= thread parking */

#define CHAN_PARK_SPIN 400 /* ~ 2-10 us of polling before the futex */


/* Park a plain thread until its op is done.  With a deadline (>= 0), claim
 * the op ourselves when it passes; returns true if we timed out that way. */
static bool thread_park(ar_chan_op *op, int64_t deadline_ns) {
  /* brief spin first: the counterpart is often running on another core,
   * and a futex sleep + wake costs microseconds */
  for (int i = 0; i < CHAN_PARK_SPIN; i++) {
    /* acquire: as below */
    if (atomic_load_explicit(&op->tstate, memory_order_acquire) == OP_DONE)
      return false;
    chan_relax();
  }
  for (;;) {
    /* acquire: pairs with the release store of OP_DONE in op_wake, so the
     * claimer's fired/res_* writes are visible */
    uint32_t s = atomic_load_explicit(&op->tstate, memory_order_acquire);
    if (s == OP_DONE)
      return false;
    struct timespec ts;
    struct timespec *tsp = NULL;
    if (s == OP_WAITING && deadline_ns >= 0) {
      int64_t left = deadline_ns - chan_now_ns();
      if (left <= 0) {
        if (op_claim(op))
          return true;
        continue; /* a counterpart won: it will store OP_DONE shortly */
      }
      ts.tv_sec = left / 1000000000;
      ts.tv_nsec = left % 1000000000;
      tsp = &ts;
    }
    chan_futex(&op->tstate, FUTEX_WAIT, s, tsp);
  }
}

/* ================================================================ select */

/* Sort the distinct non-NULL channels of the cases by address: the global
 * lock order (CHANNELS.md §3). Returns how many. */
static uint32_t select_lock_order(const ar_select_case *cases, uint32_t n,
                                  ar_chan **out) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++) {
    ar_chan *c = cases[i].chan;
    if (!c)
      continue;
    uint32_t j = k;
    while (j > 0 && (uintptr_t)out[j - 1] > (uintptr_t)c)
      j--;
    if (j > 0 && out[j - 1] == c)
      continue;
    memmove(&out[j + 1], &out[j], sizeof(ar_chan *) * (k - j));
    out[j] = c;
    k++;
  }
  return k;
}

/* The shared body of ar_select / ar_select_blocking / the single suspending
 * ops.  `self` NULL means a plain-thread op (no ar_waiter). */
static ar_status select_core(ar_actor *self, const ar_select_case *cases,
                             uint32_t n, uint32_t flags, int64_t after_ns,
                             bool is_select, int32_t *out_index,
                             uint64_t *out_val, ar_chan_op **out_op) {
  ar_chan *locks[AR_SELECT_MAX];
  uint32_t perm[AR_SELECT_MAX];
  if (n > AR_SELECT_MAX) {
    fprintf(stderr, "libactor: select with %u cases (max %d)\n", n,
            AR_SELECT_MAX);
    abort();
  }
  /* random poll order: the first ready case in a uniformly random
   * permutation is a uniform choice among the ready cases */
  uint32_t np = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (!cases[i].chan)
      continue;
    uint32_t j = chan_rng_below(np + 1);
    perm[np] = perm[j];
    perm[j] = i;
    np++;
  }
  uint32_t nl = select_lock_order(cases, n, locks);
  for (uint32_t i = 0; i < nl; i++)
    chan_lock(locks[i]);

  chan_entry *wl = NULL;
  for (uint32_t k = 0; k < np; k++) {
    const ar_select_case *sc = &cases[perm[k]];
    uint64_t v = 0;
    ar_status st = sc->is_send ? send_locked(sc->chan, sc->send_val, &wl)
                               : recv_locked(sc->chan, &v, &wl);
    if (st != AR_AGAIN) {
      for (uint32_t i = nl; i-- > 0;)
        chan_unlock(locks[i]);
      chan_flush_wakes(wl);
      *out_index = (int32_t)perm[k];
      if (out_val)
        *out_val = v;
      return st;
    }
  }
  if ((flags & AR_SELECT_DEFAULT) ||
      ((flags & AR_SELECT_AFTER) && after_ns <= 0)) {
    for (uint32_t i = nl; i-- > 0;)
      chan_unlock(locks[i]);
    if (flags & AR_SELECT_DEFAULT) {
      *out_index = AR_SELECT_IDX_DEFAULT;
      return AR_OK;
    }
    *out_index = AR_SELECT_IDX_TIMEOUT;
    return AR_TIMEOUT;
  }
  ar_chan_op *op = op_new(np, is_select);
  if (self) {
    op->w = ar_wait_begin(self); /* one reference, dropped in op_release */
    /* arm the timeout before op_link publishes the waiter: a waker that
     * claims it must find w->timer == 1 in ar_waiter_wake, or nobody drops
     * `armed` and the program never quiesces (SCHEDULER.md 5, 8).  Takes
     * the timer mutex under the channel locks; the timer thread never
     * takes a channel lock, so the order chan -> timer cannot deadlock. */
    if (flags & AR_SELECT_AFTER)
      ar_waiter_timeout(op->w, after_ns);
  }
  for (uint32_t i = 0; i < n; i++) {
    const ar_select_case *sc = &cases[i];
    if (sc->chan)
      op_link(op, sc->chan, sc->is_send, sc->send_val, i);
  }
  for (uint32_t i = nl; i-- > 0;)
    chan_unlock(locks[i]);
  *out_op = op;
  return AR_AGAIN;
}

AR_API ar_status ar_select(ar_actor *self, const ar_select_case *cases,
                           uint32_t n, uint32_t flags, int64_t after_ns,
                           int32_t *out_index, uint64_t *out_val,
                           ar_chan_op **out_op) {
  if (!self && !(flags & AR_SELECT_DEFAULT)) {
    fprintf(stderr, "libactor: ar_select without an actor needs a default\n");
    abort();
  }
  return select_core(self, cases, n, flags, after_ns, true, out_index,
                     out_val, out_op);
}

AR_API ar_status ar_chan_send(ar_actor *self, ar_chan *c, uint64_t v,
                              ar_chan_op **out_op) {
  chan_entry *wl = NULL;
  chan_lock(c);
  ar_status st = send_locked(c, v, &wl);
  if (st == AR_AGAIN) {
    ar_chan_op *op = op_new(1, false);
    op->w = ar_wait_begin(self);
    op_link(op, c, true, v, 0);
    *out_op = op;
  }
  chan_unlock(c);
  chan_flush_wakes(wl);
  return st;
}

AR_API ar_status ar_chan_recv(ar_actor *self, ar_chan *c, uint64_t *out,
                              ar_chan_op **out_op) {
  chan_entry *wl = NULL;
  chan_lock(c);
  ar_status st = recv_locked(c, out, &wl);
  if (st == AR_AGAIN) {
    ar_chan_op *op = op_new(1, false);
    op->w = ar_wait_begin(self);
    op_link(op, c, false, 0, 0);
    *out_op = op;
  }
  chan_unlock(c);
  chan_flush_wakes(wl);
  return st;
}

AR_API ar_status ar_chan_op_end(ar_chan_op *op, int32_t *out_index,
                                uint64_t *out_val) {
  /* cancel if still pending; fails harmlessly if a counterpart, the timer
   * or our own timeout already claimed it */
  bool cancelled = op_claim(op);
  /* acquire: pairs with the release store in op_fire (res_*, and the fired
   * entry is already unlinked) */
  bool fired = !cancelled &&
               atomic_load_explicit(&op->fired, memory_order_acquire);
  for (uint32_t i = 0; i < op->n; i++) {
    chan_entry *e = &op->e[i];
    /* the fired entry was unlinked by its claimer: no lock needed (the
     * common single send/recv resumes without touching the channel) */
    if (fired && (int32_t)e->idx == op->res_index)
      continue;
    ar_chan *c = e->chan;
    chan_lock(c);
    if (e->linked)
      wq_unlink(e->is_send ? &c->sendq : &c->recvq, e);
    chan_unlock(c);
  }
  ar_status st;
  int32_t idx;
  uint64_t v = 0;
  if (cancelled) {
    st = AR_AGAIN;
    idx = AR_SELECT_IDX_TIMEOUT;
  } else if (fired) {
    st = op->res_status;
    idx = op->res_index;
    v = op->res_val;
  } else {
    st = AR_TIMEOUT; /* claimed by the timer: the `after` case */
    idx = AR_SELECT_IDX_TIMEOUT;
  }
  if (out_index)
    *out_index = idx;
  if (out_val)
    *out_val = v;
  op_release(op);
  return st;
}

/* ====================================================== blocking helpers */

static ar_status chan_block(const ar_select_case *cases, uint32_t n,
                            uint32_t flags, int64_t after_ns, bool is_select,
                            int32_t *out_index, uint64_t *out_val) {
  ar_chan_op *op = NULL;
  int64_t deadline = -1;
  if (flags & AR_SELECT_AFTER)
    deadline = chan_now_ns() + (after_ns > 0 ? after_ns : 0);
  ar_status st = select_core(NULL, cases, n, flags, after_ns, is_select,
                             out_index, out_val, &op);
  if (st != AR_AGAIN)
    return st;
  thread_park(op, deadline);
  return ar_chan_op_end(op, out_index, out_val);
}

AR_API ar_status ar_chan_send_blocking(ar_chan *c, uint64_t v) {
  ar_select_case sc = {c, v, true};
  int32_t idx;
  return chan_block(&sc, 1, 0, 0, false, &idx, NULL);
}

AR_API ar_status ar_chan_recv_blocking(ar_chan *c, uint64_t *out) {
  ar_select_case sc = {c, 0, false};
  int32_t idx;
  uint64_t v = 0;
  ar_status st = chan_block(&sc, 1, 0, 0, false, &idx, &v);
  if (st == AR_OK)
    *out = v;
  return st;
}

AR_API ar_status ar_select_blocking(const ar_select_case *cases, uint32_t n,
                                    uint32_t flags, int64_t after_ns,
                                    int32_t *out_index, uint64_t *out_val) {
  return chan_block(cases, n, flags, after_ns, true, out_index, out_val);
}
