/* ari.h — internal header of libactor shared by the runtime's .c files (never included
 * by generated code).  Holds the real layout of the actor header, the
 * per-thread state, the worker, and the cross-module internal functions
 * (ari_<module>_*).  Protocols: runtime/SCHEDULER.md, runtime/MPSCQ.md.
 */
#ifndef ARI_H
#define ARI_H

/* Stress mode (SCHEDULER.md 11, STYLE B10.7): a runtime built with
 * -DARI_STRESS (make check-runtime-stress) perturbs the schedule at safe
 * points, driven by a per-thread generator seeded from AR_SEED (printed
 * once per process): turns of 1-3 messages, a thread yield inside the
 * windows that the protocols must survive (a push between its exchange and
 * its link store, a sender between its push and its look at the sched
 * flag, a runner between giving the flag up and re-checking its mailbox),
 * and idle-looking workers stealing first.  Without it the hooks are
 * constants and compile away. */
#ifdef ARI_STRESS
int ari_stress_hit(unsigned one_in); /* true with probability 1/one_in */
void ari_stress_yield(unsigned one_in);
#define ARI_MPSCQ_PUSH_WINDOW() ari_stress_yield(8)
#define ARI_TURN_BATCH (1 + ari_stress_hit(2) + ari_stress_hit(2))
#else
#define ari_stress_hit(one_in) 0
#define ari_stress_yield(one_in) ((void)0)
#define ARI_TURN_BATCH ARI_BATCH
#endif

#include "ar.h"
#include "mpscq.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define ARI_MAXTHREADS 255 /* threads that ever touch the runtime (u8) */
#define ARI_MAXW 64        /* worker threads */
#define ARI_BATCH 256      /* messages per actor turn (fairness) */
#define ARI_RING 256       /* per-worker run-queue ring */
#define ARI_PRIO_STARVE_K 8 /* SCHEDULER.md 4: overtakes of the oldest */
#define ARI_RELCACHE 256  /* slots of the per-thread release cache */
#define ARI_OVERLOAD_HI 1024 /* SCHEDULER.md 6.2: backlog that mutes senders */


#if defined(__GNUC__)
#define ARI_LIKELY(x) __builtin_expect(!!(x), 1)
#define ARI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define ARI_LIKELY(x) (x)
#define ARI_UNLIKELY(x) (x)
#endif

/* Cache hints (no ordering, never fault; PROFILE-NOTES "Runtime pass 3").
 * ari_prefetchw: fetch a line for writing (PREFETCHW, 0F 0D /1: a NOP on
 * x86-64 CPUs without it).  GCC emits PREFETCHW for
 * __builtin_prefetch(p, 1, ..) only with -mprfchw; without it, a read
 * prefetch, which brings a line another core wrote in shared state and
 * leaves the write to pay a second transfer (the upgrade).
 * ari_cldemote: move a line this core is done with towards the shared
 * cache (CLDEMOTE, NP 0F 1C /0: a NOP on CPUs without it), so that the
 * other core's next access is served there instead of by a snoop of this
 * core's private cache. */
#if defined(__x86_64__) && defined(__GNUC__)
static inline void ari_prefetchw(const void *p) {
  /* register operand, not "m"(*p): p may be NULL and must not be
   * treated as dereferenced */
  __asm__ volatile("prefetchw (%0)" : : "r"(p));
}
static inline void ari_cldemote(const void *p) {
  /* "memory": keep it after the stores it follows */
  __asm__ volatile("cldemote (%0)" : : "r"(p) : "memory");
}
#else
static inline void ari_prefetchw(const void *p) { __builtin_prefetch(p, 1, 3); }
static inline void ari_cldemote(const void *p) { (void)p; }
#endif

#define AR_ASSERT(e)                                                        \
  do {                                                                      \
    if (ARI_UNLIKELY(!(e)))                                                 \
      ari_panic("%s:%d: assertion failed: %s", __FILE__, __LINE__, #e);     \
  } while (0)

__attribute__((format(printf, 1, 2), noreturn)) void ari_panic(const char *fmt,
                                                                ...);
void *ari_xmalloc(size_t n);
void *ari_xcalloc(size_t n, size_t sz);
void *ari_xrealloc(void *p, size_t n);

/* ------------------------------------------------------------ actor */

/* Actor flag bits (ari_actor.flags).  Ordering rule (B10.2): RMWs on
 * `flags` are relaxed unless a comment at the site names a pairing.  The
 * relaxed ones set runner-private bits (STARTED, STOPREQ, TRAP, HOOKED,
 * SYSTEM before start) that need no cross-thread publication, or bits
 * whose readers synchronise through a stripe lock (OVERLOAD, MUTED,
 * ROOMWAIT clear) or tolerate staleness as a hint (OVERLOAD read by
 * senders).  DEAD, DRAINLK and ROOMWAIT (set) are seq_cst with documented
 * Dekker partners (SCHEDULER.md 5, 6). */
enum {
  ARI_AF_STARTED = 1u << 0,   /* on_start turn done (consumer) */
  ARI_AF_DEAD = 1u << 1,      /* stopped or failed: no more dispatch */
  ARI_AF_FAILED = 1u << 2,    /* stopped by a fault */
  ARI_AF_OVERLOAD = 1u << 3,  /* SCHEDULER.md 6: senders get muted */
  ARI_AF_ROOMWAIT = 1u << 4,  /* blocked senders wait for room */
  ARI_AF_BOUNDED = 1u << 5,   /* type has mailbox_capacity > 0 */
  ARI_AF_STOPREQ = 1u << 6,   /* ar_stop called (consumer) */
  ARI_AF_TRAP = 1u << 7,      /* traps exits (link) */
  ARI_AF_HOOKED = 1u << 8,    /* on_stop ran */
  ARI_AF_DRAINLK = 1u << 9,   /* dead-mailbox drain lock */
  ARI_AF_SYSTEM = 1u << 10,   /* runtime actor (supervisor) */
  ARI_AF_MUTED = 1u << 11     /* descheduled by overload backpressure */
};

typedef struct ari_ext ari_ext;
typedef struct ari_prioq ari_prioq;

/* The 128-byte actor header (ar_actor.ari_private).  Ownership table
 * (STYLE B10.1), SCHEDULER.md 2.1 for the layout argument:
 *   line 0 — written by senders (and rarely by others):
 *     mb_head   any sender (exchange, MPSCQ.md)
 *     rc        any holder (relaxed inc, acq_rel dec)
 *     count     bounded mailboxes: exact occupancy (senders +1 RMW,
 *               runner -1 RMW); unbounded: approximate enqueue count
 *               (senders relaxed load+store; lost updates only make the
 *               overload estimate low), see SCHEDULER.md 6.2
 *     hwm, dropped, refused   relaxed statistics
 *     ext       installed once by CAS; contents under the stripe lock
 *     rq        run-queue / graveyard link (whoever queues the actor)
 *     reg_*     registry links: the registry's owner thread
 *   line 1 — read by senders on every send, written by the runner only at
 *     turn boundaries (the runner keeps the mailbox tail in its thread
 *     struct during a turn, so this line is not bounced per message):
 *     mb_tail, stub  runner (consumer) only
 *     sched     senders flip 0->1; the runner stores 0 (SCHEDULER.md 3)
 *     flags     mostly the runner; DEAD/OVERLOAD/BOUNDED read by senders
 *     nprio     senders of non-default priority (+1), runner (-1); a hint
 *     deq       unbounded: messages dequeued, published by the runner every
 *               64 messages and at turn end (relaxed; an estimate)
 *     type, waiter, pq, handled, debt   runner
 */
typedef struct ari_actor {
  /* line 0 */
  ari_node *_Atomic mb_head;
  _Atomic int32_t rc;
  _Atomic uint32_t count;
  _Atomic uint32_t hwm;
  _Atomic uint32_t dropped;
  _Atomic uint32_t refused;
  uint8_t reg_tid;          /* registry (thread index) */
  uint8_t pool;             /* allocation owner pool */
  uint8_t cls;              /* allocation size class */
  uint8_t pad_;
  ari_ext *_Atomic ext;
  ari_node rq;
  struct ari_actor *reg_prev; /* registry owner thread */
  struct ari_actor *reg_next;
  /* line 1 */
  ari_node *mb_tail;
  ari_node stub;
  _Atomic uint32_t sched;
  _Atomic uint32_t flags;
  _Atomic int32_t nprio;
  _Atomic uint32_t deq;   /* unbounded: dequeued count, runner publishes */
  const ar_actor_type *type;
  ar_waiter *waiter;        /* runner: the pending wait */
  ari_prioq *pq;            /* runner: private priority heap or NULL */
  _Atomic uint32_t handled; /* runner writes (relaxed), stats read; wraps */
  uint32_t debt;            /* runner: deferred self-retains (9) */
} ari_actor;

_Static_assert(sizeof(ari_actor) == 128, "actor header must be 128 bytes");
_Static_assert(sizeof(ar_actor) == 128, "ar_actor must be 128 bytes");

#define ARI_A(x) ((ari_actor *)(void *)(x))
#define ARI_PUB(x) ((ar_actor *)(void *)(x))
#define ARI_ACTOR_OF_RQ(n) \
  ((ari_actor *)(void *)((char *)(n)-offsetof(ari_actor, rq)))

/* Lazily allocated actor extension; fields under ari_stripe_lock(actor)
 * unless noted. */
typedef struct ari_vec {
  void **v;
  int n, cap;
} ari_vec;
void ari_vec_push(ari_vec *v, void *p);
void ari_vec_free(ari_vec *v);

struct ari_ext {
  const char *fail_reason; /* written by the runner before DEAD (release) */
  ari_vec links;           /* counted ari_actor refs */
  ari_vec monitors;        /* counted ari_actor refs */
  ari_vec muted;           /* counted refs of descheduled senders */
  ari_vec roomwait;        /* ar_waiter refs waiting for mailbox room */
  bool dead;               /* set under lock at stop */
};

ari_ext *ari_actor_ext(ari_actor *a);
pthread_mutex_t *ari_stripe_lock(const void *p);

/* ------------------------------------------------------------ messages */

/* The side block of a message (msg.c): allocated on first use of the id,
 * the correlation, or an ask waiter; owned by the message. */
typedef struct ari_msg_ext {
  ar_uuid id;
  ar_uuid correlation;
  ar_waiter *waiter; /* AR_MSGF_ASK: the asker's waiter (one reference) */
  uint8_t pool, cls;
} ari_msg_ext;
ari_msg_ext *ari_msg_ext_of(ar_msg *m);

/* ------------------------------------------------------------ waiter */

struct ar_waiter {
  _Atomic int32_t rc;
  _Atomic uint32_t claimed; /* 0 -> 1 by exactly one claimer */
  _Atomic uint32_t arrive;  /* SCHEDULER.md 5: runner done + event stored */
  _Atomic uint32_t timer;   /* 1 while an armed timer counts for quiescence */
  ari_actor *actor;         /* counted ref */
  int kind;                 /* event, written by the winner before arrive */
  uint64_t u;
  void *p;
  uint8_t pool, cls;
};

/* ------------------------------------------------------------ threads */

typedef struct ari_worker ari_worker;

/* Trace event (trace.c). */
typedef struct ari_tev {
  int64_t ts, dur;
  const void *actor;
  const char *name;
  uint32_t type;
  uint8_t kind; /* 0 handler run, 1 send */
} ari_tev;

/* Per-thread runtime state: one per thread that touched the runtime during
 * the current ar_run (index = tid).  Owned by that thread; the `sent`,
 * `handled` counters are read by others relaxed (statistics only). */
typedef struct ari_thread {
  int tid;
  ari_worker *w;              /* NULL for non-worker threads */
  ari_actor *cur;             /* running actor */
  ar_msg *cur_msg;            /* message being dispatched, not yet disposed */
  ari_node *mb_tail;          /* cur's mailbox tail during its turn */
  int tail_live;              /* mb_tail holds the live tail */
  uint32_t debt;              /* deferred self-retains of cur (sends) */
  ari_actor *rel_a[ARI_RELCACHE]; /* batched sender releases (msg.c) */
  uint32_t rel_n[ARI_RELCACHE];
  ari_actor *mute_to;         /* overload: mute cur on this target (ref) */
  const char *fault;          /* reason of the fault being unwound */
  sigjmp_buf jb;              /* worker: fault landing pad */
  int in_handler;
  int helping;                /* inside ari_sched_help's nested turn */
  uint64_t stress;            /* stress mode: this thread's generator */
  int fmt_base;               /* interpolation depth the running turn
                                 started at (val.c): a fault unwinds to it */
  uint64_t rng[2];            /* xorshift128+ for uuids */
  /* pool (pool.c) */
  void *free_list[32]; /* per size class (pool.c, 28 classes) */
  /* foreign blocks freed here, batched per class for one owner, pushed as
   * one chain (pool.c, MPSCQ.md 5) */
  ari_node *rf_first[32], *rf_last[32];
  uint16_t rf_n[32];
  uint16_t rf_msgs[32]; /* messages among them (in-flight budget, pool.c) */
  /* in-flight budget per class (pool.c ari_pool_throttle): allocations
   * left before this thread re-counts its blocks still held elsewhere */
  int32_t budget[32];
  int32_t pool_base[32];   /* in flight == pool_base - budget */
  uint64_t seen_freed[32]; /* remote[c].freed when last counted */
  uint8_t rf_owner[32];
  /* remote frees: a Treiber stack per class, pushed (CAS) by other threads
   * with whole chains, emptied by the owner with one exchange (pool.c) */
  struct {
    _Alignas(AR_CACHELINE) ari_node *_Atomic top;
    /* blocks pushed so far (in-flight accounting, pool.c) */
    _Atomic uint64_t freed;
  } remote[32];
  /* registry (actor.c): owner-only list of actors created by this thread */
  ari_actor *reg_head;
  ari_mpscq grave;            /* dead actors with rc==0 to unlink+free */
  /* stats */
  _Atomic uint64_t sent, handled, undelivered, dropped, refused, late,
      failed, spawned, mutes, helped;
  /* trace */
  ari_tev *tev;
  size_t ntev, captev;
} ari_thread;

extern _Thread_local ari_thread *ari_me_;
ari_thread *ari_thread_slow(void);
static inline ari_thread *ari_me(void) {
  ari_thread *t = ari_me_;
  return ARI_LIKELY(t != NULL) ? t : ari_thread_slow();
}
static inline void ari_stat_inc(_Atomic uint64_t *c) {
  /* relaxed: thread-owned counter, others read it only for statistics */
  atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                        memory_order_relaxed);
}

/* Global runtime state (sched.c). */
typedef struct ari_rt {
  ari_thread *threads[ARI_MAXTHREADS];
  _Atomic int nthreads;
  pthread_mutex_t lock;   /* thread registration, slabs list */
  int nworkers;
  ari_worker *workers;
  _Atomic int running;    /* ar_run in progress */
  _Atomic uint32_t done;  /* futex: main waits for 1 */
  _Atomic int shutdown;   /* workers leave their loops */
  _Atomic int exit_code;
  _Atomic int exit_set;
  _Atomic int64_t armed;  /* timers/delayed sends, and ring requests in
                             flight (ring.c), that keep it alive */
  _Atomic int64_t external; /* foreign threads inside start() */
  bool trace_on;
  bool catch_signals;
  int argc;
  char **argv;
  unsigned gen;           /* incremented per ar_run */
} ari_rt;
extern ari_rt ari_rt_;

/* ------------------------------------------------------------ modules */

/* Contracts (B10.3).  "owner" = the thread that owns the object;
 * "runner" = the worker currently running the actor; "quiescent" = only
 * during ar_run's start-up or teardown, with no other runtime thread.
 *
 * pool.c — size-class pools.  alloc: any thread, from its own pool,
 * wait-free unless the pool must be refilled (then it may take the slab
 * list mutex, and a worker inside a handler whose pool is already large
 * may spin, bounded, for remote frees: pool.c ari_pool_wait_remote).
 * free: any thread; a foreign block is pushed on its owner's
 * remote stack (lock-free CAS, batched per 32 blocks).  The fast paths
 * are inline below. */
void *ari_pool_alloc_slow(size_t size, uint8_t *out_pool, uint8_t *out_cls);
void ari_pool_throttle(ari_thread *t, unsigned c);
void ari_pool_free_slow(void *p, uint8_t pool, uint8_t cls, unsigned msg);
extern uint8_t ari_pool_cls8_[1024 / 8 + 1];
void ari_pool_teardown_quiescent(void);
void ari_pool_thread_init(ari_thread *t); /* the thread itself, once */
void ari_pool_flush_remote(ari_thread *t); /* owner of t: push batches */

/* msg.c — sender references are released through a per-thread batch:
 * release_sender: owner thread of `t`; flush: owner thread of `t` (before it
 * idles/exits).  free_raw: quiescent (storage only, no side effects). */
void ari_msg_release_sender(ari_thread *t, ar_actor *s);
void ari_msg_flush_releases(ari_thread *t);
void ari_thread_flush(ari_thread *t); /* owner: releases + remote frees */
void ari_msg_free_raw(ar_msg *m);
/* ar_msg_alloc for messages the runtime itself sends (DOWN, EXIT, a ring's
 * failure): never helps or waits at the in-flight bound (pool.c). */
ar_msg *ari_msg_alloc_internal(uint32_t type, size_t payload_size);
/* A user message the runtime disposes of without handing it to a handler
 * (undelivered, dropped, refused, late reply): through the finalizer set
 * by ar_set_msg_finalizer, else ar_msg_free.  Any thread. */
void ari_msg_discard(ar_msg *m);
/* Same at teardown (main thread, workers joined): the finalizer, whose
 * ar_msg_free then only frees storage (as ari_msg_free_raw), else
 * ari_msg_free_raw.  Quiescent-only. */
void ari_msg_discard_quiescent(ar_msg *m);

/* actor.c
 * run: a worker that popped `a` from a run queue (it owns a's consumer
 *   side for the turn).  fault_landing: that worker, after siglongjmp.
 * zero: any thread whose decrement made rc reach 0 (lock-free).
 * reap: the owner thread of registry `t` (lock-free; frees memory).
 * stop: the runner of `a` (or teardown); blocking on a stripe lock briefly.
 * send_sys / send_keep_sender / monitor_by: any thread, like ar_send.
 * teardown: quiescent. */
void ari_actor_run(ari_thread *t, ari_actor *a);
void ari_actor_fault_landing(ari_thread *t);
void ari_actor_teardown_quiescent(void);
void ari_actor_zero(ari_actor *a);
void ari_actor_reap(ari_thread *t);
void ari_actor_stop(ari_thread *t, ari_actor *a, const char *reason);
ar_status ari_actor_send_sys(ari_actor *to, ar_msg *m);
void ari_actor_send_keep_sender(ari_actor *to, ar_msg *m);
void ari_actor_monitor_by(ari_actor *watcher, ari_actor *child);

/* sched.c
 * push / push_back: whoever owns a's scheduling flag (flipped it 0->1 or
 *   holds it); lock-free; may issue one futex wake.  push targets this
 *   worker's runnext, push_back its ring (or the inject queue from
 *   non-worker threads).
 * wake_all, hint_busy, armed_done: any thread; lock-free (futex wake).
 * local_idle: the worker itself (a relaxed hint). */
void ari_sched_push(ari_thread *t, ari_actor *a);
void ari_sched_push_back(ari_thread *t, ari_actor *a);
void ari_sched_wake_all(void);
void ari_sched_hint_busy(void);
void ari_sched_armed_done(void);
bool ari_sched_local_idle(ari_thread *t);
/* help: a worker thread inside a handler held at the in-flight bound
 * (pool.c ari_pool_throttle) runs one turn of an actor queued on its own
 * worker, nested (SCHEDULER.md 6.6); false if it may not or found none. */
bool ari_sched_help(ari_thread *t);

/* val.c — this thread's string-interpolation depth (ar_fmt_begin
 * pushes, ar_fmt_end/print pop); a fault that unwinds a handler in the
 * middle of an interpolation resets it (owner thread only). */
int ari_val_fmt_depth(void);
void ari_val_fmt_unwind(int depth);

/* timer.c — start/stop: quiescent.  arm_waiter: any thread; takes the
 * timer mutex briefly (blocking, bounded); counts in `armed`. */
void ari_timer_start(void);
void ari_timer_stop_quiescent(void);
void ari_timer_arm_waiter(ar_waiter *w, int64_t ns, int kind);

/* trace.c — init/write: quiescent; event: the owner thread of `t` only. */
void ari_trace_init(void);
void ari_trace_event(ari_thread *t, int kind, const void *actor,
                     const char *name, uint32_t type, int64_t ts, int64_t dur);
void ari_trace_write_quiescent(void);

/* super.c — any thread (pure). */
bool ari_super_is_kill(const char *reason);

/* actor.c — the owner of ask request m: claim its waiter and wake the
 * asker with AR_EV_FAILED and `why` (static or kept for the program's
 * life); m stays the caller's, no longer an ask. */
void ari_fail_ask(ar_msg *m, const char *why);
void ari_fault_unwind(ari_thread *t);

/* ring.c — stop_quiescent: the main thread in ar_run's teardown, after the
 * workers and the timer thread are joined and before actor teardown:
 * closes every live ring actor (kernel terminated, poller joined, requests
 * in flight discarded) so no bridge thread touches the runtime after it. */
void ari_ring_stop_quiescent(void);

/* ------------------------------------------------------------ inline pool */

/* Any thread.  A block of at least `size` bytes from this thread's pool
 * (64-byte aligned when size is a multiple of 64). */
static inline void *ari_pool_alloc(size_t size, uint8_t *out_pool,
                                   uint8_t *out_cls) {
  ari_thread *t = ari_me();
  if (ARI_LIKELY(size <= 1024)) {
    unsigned c = ari_pool_cls8_[(size + 7) / 8];
    ari_node *n = (ari_node *)t->free_list[c];
    if (ARI_LIKELY(n != NULL)) {
      ari_node *nx = atomic_load_explicit(&n->next, memory_order_relaxed);
      t->free_list[c] = nx;
      /* the next block of this class is usually cold (freed by another
       * core, MPSCQ.md 5): start fetching it for writing now, so the next
       * allocation does not stall on its `next` load (PROFILE-NOTES 3) */
      ari_prefetchw(nx);
      *out_pool = (uint8_t)t->tid;
      *out_cls = (uint8_t)c;
      return n;
    }
  }
  return ari_pool_alloc_slow(size, out_pool, out_cls);
}

/* Any thread.  Back to the owner pool (locally, or through the owner's
 * remote stack, MPSCQ.md 5). */
/* `msg`: a message block, counted in its owner's in-flight budget
 * (pool.c ari_pool_throttle); a constant at every call site. */
static inline void ari_pool_free_x(void *p, uint8_t pool, uint8_t cls,
                                   unsigned msg) {
  ari_thread *t = ari_me();
  ari_node *n = p;
  if (ARI_LIKELY(pool == t->tid && cls != 255)) {
    atomic_store_explicit(&n->next, (ari_node *)t->free_list[cls],
                          memory_order_relaxed);
    t->free_list[cls] = n;
    t->budget[cls] += (int32_t)msg; /* back home: no longer in flight */
    return;
  }
  /* foreign block joining the open batch for its owner (pool.c): private
   * links only; the slow path starts, switches and flushes batches */
  if (ARI_LIKELY(cls != 255 && t->rf_n[cls] != 0 && t->rf_n[cls] < 31 &&
                 t->rf_owner[cls] == pool)) {
    atomic_store_explicit(&n->next, t->rf_first[cls], memory_order_relaxed);
    /* done with this line: towards the shared cache, where its owner's
     * next allocation finds it (PROFILE-NOTES, pass 3) */
    ari_cldemote(n);
    t->rf_first[cls] = n;
    t->rf_n[cls]++;
    t->rf_msgs[cls] += (uint16_t)msg;
    return;
  }
  ari_pool_free_slow(p, pool, cls, msg);
}
static inline void ari_pool_free(void *p, uint8_t pool, uint8_t cls) {
  ari_pool_free_x(p, pool, cls, 0);
}

/* A message block: allocation counted against the in-flight budget of its
 * class; a worker running a handler that has too many of its messages in
 * flight waits (bounded) for some to come back (pool.c).  Message blocks
 * are whole cache lines (SCHEDULER.md 6.6): a message crosses cores, and
 * a block sharing a line with its neighbour makes the consumer's reads and
 * frees fight the producer's next allocations for that line. */
/* `may_wait` 0: counted, but never throttled (runtime-internal messages,
 * allocated by runtime code that may hold a lock: helping, 6.6, must not
 * run other handlers there; the next ordinary allocation counts again). */
static inline void *ari_pool_alloc_msg(size_t size, uint8_t *out_pool,
                                       uint8_t *out_cls, int may_wait) {
  void *p = ari_pool_alloc((size + 63) & ~(size_t)63, out_pool, out_cls);
  unsigned c = *out_cls;
  if (ARI_LIKELY(c != 255)) {
    ari_thread *t = ari_me();
    if (ARI_UNLIKELY(--t->budget[c] < 0) && may_wait)
      ari_pool_throttle(t, c);
  }
  return p;
}

#endif
