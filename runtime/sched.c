/* sched.c — the M:N scheduler: worker threads, per-worker run queues with a
 * runnext slot, work stealing, futex parking, quiescence detection and the
 * program entry points ar_run / ar_run_fn / ar_exit.  Protocols in
 * runtime/SCHEDULER.md (sections 1-3, 8).  Must not call user code except
 * through ari_actor_run.
 */
#include "ari.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Per-worker state.  Ownership (B10.1):
 *   runnext   owner exchanges, or stores into an empty slot; thieves
 *             exchange (non-NULL to NULL) only when stale (2.3)
 *   ticks     owner increments (relaxed); thieves read it to see staleness
 *   head      consumers (owner pop, thieves) advance by CAS
 *   tail      owner only stores (release); thieves load (acquire)
 *   buf       owner writes slots in [tail, head+RING); readers validate by
 *             the CAS on head (Go's runqsteal argument, SCHEDULER.md 2.2)
 */
struct ari_worker {
  _Alignas(AR_CACHELINE) ari_actor *_Atomic runnext;
  _Atomic uint64_t ticks;
  _Alignas(AR_CACHELINE) _Atomic uint32_t head;
  _Alignas(AR_CACHELINE) _Atomic uint32_t tail;
  ari_actor *_Atomic buf[ARI_RING];
  _Alignas(AR_CACHELINE) ari_actor *seen_rn[ARI_MAXW];
  uint64_t seen_ticks[ARI_MAXW];
  pthread_t th;
  int idx;
  uint32_t rng;
  ari_thread *t;
  void *altstack;
};

ari_rt ari_rt_ = {.lock = PTHREAD_MUTEX_INITIALIZER};
_Thread_local ari_thread *ari_me_;
static _Thread_local unsigned ari_me_gen_;

/* Scheduler globals other than ari_rt_. */
static struct {
  ari_mpscq inject; /* foreign threads + overflow; consumer = lock holder */
  _Alignas(AR_CACHELINE) _Atomic int inject_lock;
  /* the lock holder left the consumer tail on a node (not the stub): the
   * queue holds that node even when head == stub (ari_inject_nonempty) */
  _Atomic int inject_held;
  /* parked workers: low 32 bits count them, high 32 bits count departures
   * from the park (ARI_SLEEP_LEAVE), so one load tells the quiescence
   * check whether anybody left since it joined (SCHEDULER.md 8) */
  _Alignas(AR_CACHELINE) _Atomic uint64_t sleepers;
  _Atomic int spinners;
  _Atomic uint32_t wake_seq; /* futex word for parked workers */
  _Atomic int waking;        /* a wake-up is on its way (2.4) */
} ari_s_;

#define ARI_SPIN_POLLS 2048 /* idle polls before parking (2.4) */
/* Added to `sleepers` on leaving the park: count - 1, departures + 1 in one
 * RMW (the count is >= 1 then, so no borrow crosses into the high half). */
#define ARI_SLEEP_LEAVE ((UINT64_C(1) << 32) - 1)
#define ARI_SLEEP_COUNT(v) ((int)(uint32_t)(v))

static long ari_futex(_Atomic uint32_t *addr, int op, uint32_t val) {
  return syscall(SYS_futex, (uint32_t *)addr, op | FUTEX_PRIVATE_FLAG, val,
                 NULL, NULL, 0);
}

/* ------------------------------------------------------------ threads */

ari_thread *ari_thread_slow(void) {
  if (ari_me_ != NULL && ari_me_gen_ == ari_rt_.gen)
    return ari_me_;
  if (!atomic_load_explicit(&ari_rt_.running, memory_order_acquire))
    ari_panic("libactor used outside ar_run / ar_run_fn");
  ari_thread *t = aligned_alloc(AR_CACHELINE, (sizeof *t + 63) & ~(size_t)63);
  if (t == NULL)
    ari_panic("out of memory (thread state)");
  memset(t, 0, sizeof *t);
  ari_pool_thread_init(t);
  ari_mpscq_init(&t->grave);
  pthread_mutex_lock(&ari_rt_.lock);
  int n = atomic_load_explicit(&ari_rt_.nthreads, memory_order_relaxed);
  if (n >= ARI_MAXTHREADS)
    ari_panic("more than %d threads used the runtime", ARI_MAXTHREADS);
  t->tid = n;
  ari_rt_.threads[n] = t;
  /* release: pairs with the acquire load in readers that iterate threads
   * (stats, teardown): publishes the initialised struct */
  atomic_store_explicit(&ari_rt_.nthreads, n + 1, memory_order_release);
  pthread_mutex_unlock(&ari_rt_.lock);
  ari_me_ = t;
  ari_me_gen_ = ari_rt_.gen;
  return t;
}

/* ------------------------------------------------------------ queues */

static void ari_wake_one(void) {
  /* seq_cst: the increment must be ordered after the caller's queue push
   * so a parker that reads the old value re-checks and sees the push */
  atomic_fetch_add_explicit(&ari_s_.wake_seq, 1, memory_order_seq_cst);
  ari_futex(&ari_s_.wake_seq, FUTEX_WAKE, 1);
}

void ari_sched_wake_all(void) {
  /* seq_cst: as in ari_wake_one */
  atomic_fetch_add_explicit(&ari_s_.wake_seq, 1, memory_order_seq_cst);
  ari_futex(&ari_s_.wake_seq, FUTEX_WAKE, INT_MAX);
}

/* After making work visible: wake a parked worker unless one is spinning
 * (SCHEDULER.md 2.4).  seq_cst fence: Dekker with the parker's
 * sleepers++ / re-check sequence in ari_park. */
static void ari_maybe_wake(void) {
  atomic_thread_fence(memory_order_seq_cst);
  /* `waking`: one wake-up at a time; the woken worker clears it once it
   * spins (ari_park), so a burst of pushes costs one futex call, not one
   * each.  Skipping is safe: the waking worker searches after clearing it,
   * hence after our push. */
  if (ARI_SLEEP_COUNT(atomic_load_explicit(&ari_s_.sleepers,
                                           memory_order_relaxed)) > 0 &&
      atomic_load_explicit(&ari_s_.spinners, memory_order_relaxed) == 0 &&
      atomic_load_explicit(&ari_s_.waking, memory_order_relaxed) == 0 &&
      atomic_exchange_explicit(&ari_s_.waking, 1, memory_order_seq_cst) == 0)
    ari_wake_one();
}

static void ari_inject_push(ari_actor *a) {
  ari_mpscq_push(&ari_s_.inject, &a->rq);
}

/* Could the inject queue hold an actor?  Any thread.  ari_mpscq_peek_nonempty
 * alone is not enough here: a pop that races a push can re-push the stub
 * behind the pushed node and return NULL with the consumer tail left on
 * that node (MPSCQ.md 3).  Then head == stub and stub.next == NULL, so the
 * peek says "empty" while the queue holds the node, and more behind it.
 * Every worker would skip the queue and the quiescence check would end the
 * program with actors that never ran (SCHEDULER.md 8: test_backpressure's
 * "sent 0 delivered 0").  The lock holder therefore publishes whether it
 * left the tail off the stub (`inject_held`); seq_cst load: part of the
 * peeks of ari_work_visible (8). */
static bool ari_inject_nonempty(void) {
  return ari_mpscq_peek_nonempty(&ari_s_.inject) ||
         atomic_load_explicit(&ari_s_.inject_held, memory_order_seq_cst);
}

static ari_actor *ari_inject_pop(void) {
  if (!ari_inject_nonempty())
    return NULL;
  /* acquire: pairs with the release unlock below; the queue's consumer
   * side (tail) is handed from one lock holder to the next */
  if (atomic_exchange_explicit(&ari_s_.inject_lock, 1, memory_order_acquire))
    return NULL;
  ari_node *n = ari_mpscq_pop(&ari_s_.inject);
  /* a tail off the stub is a node not yet returned (it is what the next
   * pop returns).  Written only when it changes (lock holders only, so the
   * relaxed load reads the last holder's store).  seq_cst store, before
   * the unlock: read by peekers without the lock (ari_inject_nonempty) */
  int held = ari_s_.inject.tail != &ari_s_.inject.stub;
  if (atomic_load_explicit(&ari_s_.inject_held, memory_order_relaxed) != held)
    atomic_store_explicit(&ari_s_.inject_held, held, memory_order_seq_cst);
  atomic_store_explicit(&ari_s_.inject_lock, 0, memory_order_release);
  return n ? ARI_ACTOR_OF_RQ(n) : NULL;
}

/* Owner only. */
static bool ari_ring_put(ari_worker *w, ari_actor *a) {
  uint32_t t = atomic_load_explicit(&w->tail, memory_order_relaxed);
  /* acquire: pairs with the CAS on head by consumers, which release the
   * slot we are about to overwrite */
  uint32_t h = atomic_load_explicit(&w->head, memory_order_acquire);
  if (t - h >= ARI_RING)
    return false;
  atomic_store_explicit(&w->buf[t % ARI_RING], a, memory_order_relaxed);
  /* release: pairs with the acquire loads of tail in pop/steal; publishes
   * the slot */
  atomic_store_explicit(&w->tail, t + 1, memory_order_release);
  return true;
}

/* Owner only. */
static ari_actor *ari_ring_pop(ari_worker *w) {
  for (;;) {
    uint32_t h = atomic_load_explicit(&w->head, memory_order_acquire);
    uint32_t t = atomic_load_explicit(&w->tail, memory_order_relaxed);
    if (t == h)
      return NULL;
    ari_actor *a = atomic_load_explicit(&w->buf[h % ARI_RING],
                                        memory_order_relaxed);
    /* acq_rel: pairs with thieves' CAS on head; a successful CAS makes the
     * slot ours (the relaxed slot read is validated by it) */
    if (atomic_compare_exchange_weak_explicit(&w->head, &h, h + 1,
                                              memory_order_acq_rel,
                                              memory_order_acquire))
      return a;
  }
}

/* Thief: take about half of victim v's ring; returns one actor and puts the
 * rest into self's ring. */
static ari_actor *ari_ring_steal(ari_worker *self, ari_worker *v) {
  ari_actor *got[ARI_RING / 2];
  for (;;) {
    uint32_t h = atomic_load_explicit(&v->head, memory_order_acquire);
    /* acquire: pairs with the owner's release store of tail */
    uint32_t t = atomic_load_explicit(&v->tail, memory_order_acquire);
    uint32_t n = t - h;
    if (n == 0 || n > ARI_RING)
      return NULL;
    n = n - n / 2;
    if (n > ARI_RING / 2)
      n = ARI_RING / 2;
    for (uint32_t i = 0; i < n; i++)
      got[i] = atomic_load_explicit(&v->buf[(h + i) % ARI_RING],
                                    memory_order_relaxed);
    /* acq_rel: validates the slot reads above (no consumer moved head) */
    if (atomic_compare_exchange_weak_explicit(&v->head, &h, h + n,
                                              memory_order_acq_rel,
                                              memory_order_acquire)) {
      for (uint32_t i = 1; i < n; i++)
        if (!ari_ring_put(self, got[i]))
          ari_inject_push(got[i]);
      return got[0];
    }
  }
}

/* The caller flipped a->sched 0 -> 1 (or holds it): make `a` runnable.
 * From a worker, `a` goes to that worker's runnext slot (chatty pairs stay
 * on one core); the displaced actor goes to the ring. */
void ari_sched_push(ari_thread *t, ari_actor *a) {
  ari_worker *w = t->w;
  if (w != NULL) {
    /* An empty slot needs no exchange: only this worker (the owner) ever
     * puts an actor into its runnext, and thieves only exchange a
     * non-NULL slot to NULL, so nobody can change a NULL slot between our
     * load and our store (saves one locked instruction per hop of
     * pingpong/threadring).  relaxed load: the owner's own last write or
     * a thief's NULL; release store: pairs with the acq_rel exchange of
     * the owner/thief that takes the slot, publishing the actor's state */
    if (atomic_load_explicit(&w->runnext, memory_order_relaxed) == NULL) {
      atomic_store_explicit(&w->runnext, a, memory_order_release);
      return; /* the owner runs it next: no wake-up (2.4) */
    }
    /* acq_rel: pairs with the exchange by the owner/thief that takes the
     * slot; publishes the actor's state to whoever runs it */
    ari_actor *old = atomic_exchange_explicit(&w->runnext, a,
                                              memory_order_acq_rel);
    if (old == NULL)
      return; /* a thief took the previous one meanwhile */
    if (!ari_ring_put(w, old))
      ari_inject_push(old);
  } else {
    ari_inject_push(a);
  }
  ari_maybe_wake();
}

/* One armed timer less.  The last one may be all that kept a parked
 * worker from declaring quiescence: wake one to re-check (8). */
void ari_sched_armed_done(void) {
  /* seq_cst: after the timer's push; pairs with the loads in ari_park */
  if (atomic_fetch_sub_explicit(&ari_rt_.armed, 1, memory_order_seq_cst) ==
      1)
    ari_wake_one();
}

/* A handler on this worker keeps sending to actors that wait in this
 * worker's run queues: if every other worker is parked, wake one so that it
 * can steal (SCHEDULER.md 2.4).  relaxed loads: a hint; a missed wake costs
 * only parallelism, never progress. */
void ari_sched_hint_busy(void) {
  if (ARI_SLEEP_COUNT(atomic_load_explicit(&ari_s_.sleepers,
                                           memory_order_relaxed)) > 0 &&
      atomic_load_explicit(&ari_s_.spinners, memory_order_relaxed) == 0 &&
      atomic_load_explicit(&ari_s_.waking, memory_order_relaxed) == 0 &&
      atomic_exchange_explicit(&ari_s_.waking, 1, memory_order_seq_cst) == 0)
    ari_wake_one();
}

/* Worker threads: nothing else is waiting in this worker's own queues. */
bool ari_sched_local_idle(ari_thread *t) {
  ari_worker *w = t->w;
  return w != NULL &&
         atomic_load_explicit(&w->runnext, memory_order_relaxed) == NULL &&
         atomic_load_explicit(&w->tail, memory_order_relaxed) ==
             atomic_load_explicit(&w->head, memory_order_relaxed);
}

#ifdef ARI_STRESS
/* Stress mode (ari.h, SCHEDULER.md 11).  The seed comes from AR_SEED (else
 * the clock) and is printed once per process, so a failing run can be
 * repeated with the same sequence of choices per thread (thread timing
 * still varies: this widens windows, it does not serialise threads). */
static uint64_t ari_stress_seed(void) {
  static _Atomic uint64_t seed; /* 0: not chosen yet */
  uint64_t s = atomic_load_explicit(&seed, memory_order_relaxed);
  if (s != 0)
    return s;
  const char *e = getenv("AR_SEED");
  uint64_t want = e && *e ? strtoull(e, NULL, 10) : (uint64_t)ar_now_ns();
  if (want == 0)
    want = 1;
  uint64_t expected = 0;
  /* relaxed CAS: the first chooser wins; nothing else is published */
  if (atomic_compare_exchange_strong_explicit(&seed, &expected, want,
                                              memory_order_relaxed,
                                              memory_order_relaxed)) {
    fprintf(stderr, "libactor: stress mode, rerun with AR_SEED=%llu\n",
            (unsigned long long)want);
    return want;
  }
  return expected;
}

int ari_stress_hit(unsigned one_in) {
  ari_thread *t = ari_me_;
  if (t == NULL)
    return 0;
  if (t->stress == 0)
    t->stress = ari_stress_seed() ^ (0x9e3779b97f4a7c15ull * (t->tid + 1u));
  /* splitmix64 step */
  uint64_t z = (t->stress += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return one_in <= 1 || z % one_in == 0;
}

void ari_stress_yield(unsigned one_in) {
  if (ari_stress_hit(one_in))
    sched_yield();
}
#endif

/* Helping (SCHEDULER.md 6.6).  A handler held at the in-flight bound
 * (pool.c ari_pool_throttle) runs a turn of an actor queued on its own
 * worker, nested, instead of spinning until another worker gets to it:
 * in a fan-out (fjthrput) those are the consumers of the very messages
 * this core just wrote, and they read them from its cache.  Own queues
 * only: an actor another worker runs or queued (counting's consumer) is
 * left where its state is.  The nested turn is an ordinary one (the sched
 * flag came with the queue entry); the outer turn's per-thread state, its
 * landing pad and its unwind chain are saved around it, and a fault in
 * the nested handler lands here and stops that actor only.  One level: a
 * nested turn never helps. */
static __attribute__((noinline)) void ari_help_turn(ari_thread *t,
                                                    ari_actor *a) {
  /* nothing in this frame changes after sigsetjmp */
  if (sigsetjmp(t->jb, 0)) {
    ari_actor_fault_landing(t);
    return;
  }
  ari_actor_run(t, a);
}

bool ari_sched_help(ari_thread *t) {
  ari_worker *w = t->w;
  if (w == NULL || t->helping || !t->in_handler || t->cur == NULL)
    return false;
  ari_actor *a = NULL;
  /* relaxed peek, then acq_rel exchange: as in ari_find_work */
  if (atomic_load_explicit(&w->runnext, memory_order_relaxed) != NULL)
    a = atomic_exchange_explicit(&w->runnext, NULL, memory_order_acq_rel);
  if (a == NULL)
    a = ari_ring_pop(w);
  if (a == NULL)
    return false;
  /* the outer turn's state (ari_actor_run and the fault landing leave the
   * nested turn's fields cleared) */
  ari_actor *cur = t->cur;
  ar_msg *cur_msg = t->cur_msg;
  ari_node *mb_tail = t->mb_tail;
  int tail_live = t->tail_live;
  uint32_t debt = t->debt;
  ari_actor *mute_to = t->mute_to;
  int fmt_base = t->fmt_base;
  ar_frame *frames = ar_frame_top;
  sigjmp_buf jb;
  memcpy(&jb, &t->jb, sizeof jb);
  t->cur = NULL;
  t->cur_msg = NULL;
  t->tail_live = 0;
  t->debt = 0;
  t->mute_to = NULL;
  t->in_handler = 0;
  t->helping = 1;
  ar_frame_top = NULL; /* a nested fault unwinds only the nested frames */
  /* the outer handler may be inside an interpolation: a nested fault
   * unwinds the interpolation stack to here, not to 0 */
  t->fmt_base = ari_val_fmt_depth();
  /* relaxed: progress hint for thieves (ari_steal), as in the loop */
  atomic_store_explicit(
      &w->ticks, atomic_load_explicit(&w->ticks, memory_order_relaxed) + 1,
      memory_order_relaxed);
  ari_stat_inc(&t->helped);
  ari_help_turn(t, a);
  t->helping = 0;
  ar_frame_top = frames;
  t->fmt_base = fmt_base;
  memcpy(&t->jb, &jb, sizeof jb);
  t->cur = cur;
  t->cur_msg = cur_msg;
  t->mb_tail = mb_tail;
  t->tail_live = tail_live;
  t->debt = debt;
  t->mute_to = mute_to;
  t->fault = NULL;
  t->in_handler = 1;
  return true;
}

/* Same, but behind everything already queued on this worker (end of a
 * batch: fairness). */
void ari_sched_push_back(ari_thread *t, ari_actor *a) {
  ari_worker *w = t->w;
  if (w == NULL || !ari_ring_put(w, a))
    ari_inject_push(a);
  ari_maybe_wake();
}

/* ------------------------------------------------------------ workers */

static ari_actor *ari_steal(ari_worker *self) {
  int n = ari_rt_.nworkers;
  self->rng = self->rng * 1103515245u + 12345u;
  int start = (int)((self->rng >> 8) % (uint32_t)n);
  for (int k = 0; k < n; k++) {
    int i = (start + k) % n;
    ari_worker *o = &ari_rt_.workers[i];
    if (o == self)
      continue;
    ari_actor *a = ari_ring_steal(self, o);
    if (a)
      return a;
    /* runnext only when stale: the owner made no progress since we last
     * looked (it is stuck in a long handler), SCHEDULER.md 2.3 */
    ari_actor *r = atomic_load_explicit(&o->runnext, memory_order_relaxed);
    uint64_t tk = atomic_load_explicit(&o->ticks, memory_order_relaxed);
    if (r != NULL && r == self->seen_rn[i] && tk == self->seen_ticks[i]) {
      self->seen_rn[i] = NULL;
      /* acq_rel: pairs with the exchange in ari_sched_push */
      ari_actor *got = atomic_exchange_explicit(&o->runnext, NULL,
                                                memory_order_acq_rel);
      if (got)
        return got;
    } else {
      self->seen_rn[i] = r;
      self->seen_ticks[i] = tk;
    }
  }
  return NULL;
}

/* Any work visible anywhere?  A peek: takes nothing (2.5).  seq_cst loads:
 * the parker's side of the Dekker pairs with ari_maybe_wake (push; fence;
 * load sleepers) and with the quiescence argument (8). */
static bool ari_work_visible(void) {
  if (ari_inject_nonempty())
    return true;
  for (int i = 0; i < ari_rt_.nworkers; i++) {
    ari_worker *o = &ari_rt_.workers[i];
    if (atomic_load_explicit(&o->runnext, memory_order_seq_cst) != NULL)
      return true;
    if (atomic_load_explicit(&o->tail, memory_order_seq_cst) !=
        atomic_load_explicit(&o->head, memory_order_seq_cst))
      return true;
  }
  return false;
}

static void ari_finish(void) {
  /* release: pairs with the acquire load in ari_wait_done; publishes the
   * exit code */
  atomic_store_explicit(&ari_rt_.done, 1, memory_order_release);
  ari_futex(&ari_rt_.done, FUTEX_WAKE, INT_MAX);
}

/* Park until woken; returns when the caller should look for work again.
 * The last worker to park checks quiescence (SCHEDULER.md 8). */
static void ari_park(ari_worker *w) {
  ari_thread_flush(w->t);
  ari_actor_reap(w->t);
  atomic_fetch_sub_explicit(&ari_s_.spinners, 1, memory_order_seq_cst);
  /* seq_cst: Dekker with ari_maybe_wake (push; fence; load sleepers) */
  uint64_t joined = atomic_fetch_add_explicit(&ari_s_.sleepers, 1,
                                              memory_order_seq_cst) + 1;
  uint32_t seq = atomic_load_explicit(&ari_s_.wake_seq, memory_order_seq_cst);
  bool work = ari_work_visible();
  if (!work && ARI_SLEEP_COUNT(joined) == ari_rt_.nworkers &&
      !atomic_load_explicit(&ari_rt_.shutdown, memory_order_relaxed)) {
    /* seq_cst loads: timers decrement `armed` only after their push, and
     * foreign threads leave `external` only after their sends, so reading
     * both as zero and then seeing no work means nothing can run again --
     * provided no worker left the park meanwhile: `joined` said everybody
     * was parked when we joined, but another parker may have left since
     * (its own peek saw work) and taken that work before our peeks, then
     * be running it where no peek can see it (SCHEDULER.md 8).  seq_cst
     * re-load: a leaver's RMW precedes its take, and our peek that missed
     * the work follows that take, so this load sees the departure. */
    if (atomic_load_explicit(&ari_rt_.armed, memory_order_seq_cst) == 0 &&
        atomic_load_explicit(&ari_rt_.external, memory_order_seq_cst) == 0 &&
        !ari_work_visible() &&
        atomic_load_explicit(&ari_s_.sleepers, memory_order_seq_cst) ==
            joined)
      ari_finish();
  }
  /* seq_cst: pairs with the store of shutdown + wake_all in teardown */
  if (!work && !atomic_load_explicit(&ari_rt_.shutdown, memory_order_seq_cst))
    ari_futex(&ari_s_.wake_seq, FUTEX_WAIT, seq);
  /* seq_cst: leave the sleepers count, and bump its departure count, in
   * one RMW before searching (2.4, 8): a parker that joined while we were
   * counted must see this before it may declare quiescence */
  atomic_fetch_add_explicit(&ari_s_.sleepers, ARI_SLEEP_LEAVE,
                            memory_order_seq_cst);
  atomic_fetch_add_explicit(&ari_s_.spinners, 1, memory_order_seq_cst);
  /* seq_cst: after becoming a spinner; pairs with the exchange in
   * ari_maybe_wake (a pusher that saw waking == 1 relies on our search
   * coming after this store) */
  atomic_store_explicit(&ari_s_.waking, 0, memory_order_seq_cst);
}

static ari_actor *ari_find_work(ari_worker *w) {
  ari_actor *a;
  /* stress mode: take work from another worker first, now and then */
  if (ari_stress_hit(4) && ari_rt_.nworkers > 1 && (a = ari_steal(w)))
    return a;
  /* relaxed peek, then acq_rel exchange: pairs with ari_sched_push's
   * exchange and publishes the actor's state to this runner */
  if (atomic_load_explicit(&w->runnext, memory_order_relaxed) != NULL &&
      (a = atomic_exchange_explicit(&w->runnext, NULL, memory_order_acq_rel)))
    return a;
  uint64_t tk = atomic_load_explicit(&w->ticks, memory_order_relaxed);
  if (tk % 61 == 0 && (a = ari_inject_pop()))
    return a; /* global fairness, as Go does */
  if ((a = ari_ring_pop(w)))
    return a;
  return ari_inject_pop();
}

/* Spin (bounded), then park.  `spinners` counts workers inside this
 * function and not parked: pushers skip the futex wake while one spins. */
static ari_actor *ari_idle(ari_worker *w) {
  /* seq_cst: read by ari_maybe_wake after its fence (Dekker, 2.4) */
  atomic_fetch_add_explicit(&ari_s_.spinners, 1, memory_order_seq_cst);
  for (unsigned spin = 1;; spin++) {
    ari_actor *a = NULL;
    if (atomic_load_explicit(&ari_rt_.shutdown, memory_order_relaxed) ||
        (a = ari_find_work(w)) != NULL ||
        ((spin & 15) == 0 && ari_rt_.nworkers > 1 &&
         (a = ari_steal(w)) != NULL)) {
      atomic_fetch_sub_explicit(&ari_s_.spinners, 1, memory_order_seq_cst);
      return a;
    }
    if (spin >= ARI_SPIN_POLLS) {
      ari_park(w);
      spin = 0;
      continue;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

static void ari_signal_handler(int sig, siginfo_t *si, void *uc) {
  (void)si;
  (void)uc;
  ari_thread *t = ari_me_;
  if (t != NULL && t->w != NULL && t->in_handler && t->cur != NULL) {
    t->fault = sig == SIGFPE    ? "arithmetic fault (SIGFPE)"
               : sig == SIGBUS  ? "bus error (SIGBUS)"
                                : "invalid memory access (SIGSEGV)";
    /* on the signal stack: the handler's frames below are intact (7.1) */
    ari_fault_unwind(t);
    siglongjmp(t->jb, 1);
  }
  /* not inside a handler: restore the default action and re-raise */
  signal(sig, SIG_DFL);
  raise(sig);
}

static void *ari_worker_main(void *arg) {
  ari_worker *w = arg;
  char name[16];
  snprintf(name, sizeof name, "ar-worker-%d", w->idx);
  pthread_setname_np(pthread_self(), name); /* for perf/gdb; may fail */
  ari_thread *t = ari_thread_slow();
  t->w = w;
  w->t = t;
  stack_t old_ss;
  memset(&old_ss, 0, sizeof old_ss);
  bool alt = false;
  if (ari_rt_.catch_signals) {
    stack_t ss = {.ss_sp = w->altstack, .ss_size = 64 * 1024, .ss_flags = 0};
    alt = sigaltstack(&ss, &old_ss) == 0;
  }
  /* the fault landing pad: set once; a fault unwinds here (SCHEDULER.md 7)
   * and the loop is re-entered.  Only `w` and `t` are used after it and
   * neither is modified. */
  if (sigsetjmp(t->jb, 0))
    ari_actor_fault_landing(t);
  for (;;) {
    if (atomic_load_explicit(&ari_rt_.shutdown, memory_order_relaxed))
      break;
    ari_actor *a = ari_find_work(w);
    if (!a && !(a = ari_idle(w)))
      break;
    atomic_store_explicit(
        &w->ticks, atomic_load_explicit(&w->ticks, memory_order_relaxed) + 1,
        memory_order_relaxed);
    ari_actor_run(t, a);
  }
  ari_thread_flush(t);
  /* give back the previous alternate stack (sanitizers unmap their own at
   * thread exit) */
  if (alt) {
    if (old_ss.ss_sp == NULL)
      old_ss.ss_flags = SS_DISABLE;
    sigaltstack(&old_ss, NULL);
  }
  return NULL;
}

/* ------------------------------------------------------------ program */

static int ari_env_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  const char *e = getenv("ACTOR_THREADS");
  if (e && atoi(e) > 0)
    n = atoi(e);
  if (n < 1)
    n = 1;
  if (n > ARI_MAXW)
    n = ARI_MAXW;
  return (int)n;
}

static void ari_start(int argc, char **argv) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&ari_rt_.running, &expected, 1))
    ari_panic("ar_run called while the runtime is running");
  ari_rt_.gen++;
  ari_rt_.argc = argc;
  ari_rt_.argv = argv;
  atomic_store(&ari_rt_.nthreads, 0);
  atomic_store(&ari_rt_.done, 0);
  atomic_store(&ari_rt_.shutdown, 0);
  atomic_store(&ari_rt_.exit_code, 0);
  atomic_store(&ari_rt_.exit_set, 0);
  atomic_store(&ari_rt_.armed, 0);
  atomic_store(&ari_rt_.external, 1); /* the starting thread, until started */
  const char *cs = getenv("ACTOR_CATCH_SIGNALS");
  ari_rt_.catch_signals = !(cs && *cs == '0');
  memset(&ari_s_, 0, sizeof ari_s_);
  ari_mpscq_init(&ari_s_.inject);
  ari_trace_init();
  (void)ari_thread_slow(); /* the main thread gets tid 0 */
  int n = ari_env_threads();
  ari_rt_.nworkers = n;
  ari_rt_.workers = aligned_alloc(AR_CACHELINE, sizeof(ari_worker) * (size_t)n);
  if (!ari_rt_.workers)
    ari_panic("out of memory (workers)");
  memset(ari_rt_.workers, 0, sizeof(ari_worker) * (size_t)n);
  if (ari_rt_.catch_signals) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = ari_signal_handler;
    /* SA_NODEFER: we leave the handler by siglongjmp without restoring the
     * mask, so the signal must not be blocked inside it */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
  }
  ari_timer_start();
  for (int i = 0; i < n; i++) {
    ari_worker *w = &ari_rt_.workers[i];
    w->idx = i;
    w->rng = (uint32_t)i * 2654435761u + 1;
    w->altstack = ari_xmalloc(64 * 1024);
    if (pthread_create(&w->th, NULL, ari_worker_main, w))
      ari_panic("pthread_create failed");
  }
}

static void ari_main_started(void) {
  /* seq_cst: pairs with the quiescence check in ari_park; every send made
   * by the starting thread precedes this decrement */
  atomic_fetch_sub_explicit(&ari_rt_.external, 1, memory_order_seq_cst);
  ari_thread_flush(ari_me());
  /* a program that started nothing is quiescent at once: let a parked
   * worker re-check */
  ari_sched_wake_all();
}

static int ari_wait_and_teardown(void) {
  /* acquire: pairs with the release store in ari_finish */
  while (atomic_load_explicit(&ari_rt_.done, memory_order_acquire) == 0)
    ari_futex(&ari_rt_.done, FUTEX_WAIT, 0);
  atomic_store_explicit(&ari_rt_.shutdown, 1, memory_order_seq_cst);
  ari_sched_wake_all();
  for (int i = 0; i < ari_rt_.nworkers; i++)
    pthread_join(ari_rt_.workers[i].th, NULL);
  if (ari_rt_.catch_signals) {
    signal(SIGSEGV, SIG_DFL);
    signal(SIGFPE, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
  }
  ari_timer_stop_quiescent();
  ari_ring_stop_quiescent(); /* ring pollers and kernels (RING.md 7) */
  /* single-threaded from here */
  ari_actor_teardown_quiescent();
  ari_trace_write_quiescent();
  ar_runtime_stats st;
  ar_runtime_get_stats(&st);
  if (st.undelivered || st.dropped || st.refused || st.late_replies ||
      st.failed_actors) {
    fprintf(stderr,
            "actor runtime: shutdown report: %llu undelivered, %llu dropped, "
            "%llu refused, %llu late replies, %llu failed actors\n",
            (unsigned long long)st.undelivered,
            (unsigned long long)st.dropped, (unsigned long long)st.refused,
            (unsigned long long)st.late_replies,
            (unsigned long long)st.failed_actors);
  }
  ari_pool_teardown_quiescent();
  int nt = atomic_load(&ari_rt_.nthreads);
  for (int i = 0; i < nt; i++) {
    free(ari_rt_.threads[i]->tev);
    free(ari_rt_.threads[i]);
    ari_rt_.threads[i] = NULL;
  }
  for (int i = 0; i < ari_rt_.nworkers; i++)
    free(ari_rt_.workers[i].altstack);
  free(ari_rt_.workers);
  ari_rt_.workers = NULL;
  ari_me_ = NULL;
  int code = atomic_load(&ari_rt_.exit_code);
  atomic_store(&ari_rt_.running, 0);
  return code;
}

/* last runtime stats of the previous run, kept for ar_runtime_get_stats
 * after ar_run returned */
static ar_runtime_stats ari_last_stats_;

void ar_runtime_get_stats(ar_runtime_stats *out) {
  memset(out, 0, sizeof *out);
  if (!atomic_load(&ari_rt_.running)) {
    *out = ari_last_stats_;
    return;
  }
  /* acquire: pairs with the release store in ari_thread_slow */
  int nt = atomic_load_explicit(&ari_rt_.nthreads, memory_order_acquire);
  for (int i = 0; i < nt; i++) {
    ari_thread *t = ari_rt_.threads[i];
    if (!t)
      continue;
#define ARI_SUM(f) out->f += atomic_load_explicit(&t->f, memory_order_relaxed)
    ARI_SUM(sent);
    ARI_SUM(handled);
    ARI_SUM(undelivered);
    ARI_SUM(dropped);
    ARI_SUM(refused);
    out->late_replies += atomic_load_explicit(&t->late, memory_order_relaxed);
    out->failed_actors +=
        atomic_load_explicit(&t->failed, memory_order_relaxed);
    ARI_SUM(spawned);
    ARI_SUM(mutes);
    ARI_SUM(helped);
#undef ARI_SUM
  }
  ari_last_stats_ = *out;
}

int ar_run(const ar_actor_type *main_type, int argc, char **argv) {
  ari_start(argc, argv);
  if (main_type) {
    ar_actor *m = ar_spawn(main_type);
    ar_actor_release(m);
  }
  ari_main_started();
  return ari_wait_and_teardown();
}

int ar_run_fn(void (*start)(void *arg), void *arg) {
  ari_start(0, NULL);
  if (start)
    start(arg);
  ari_main_started();
  return ari_wait_and_teardown();
}

void ar_exit(int code) {
  int expected = 0;
  /* acq_rel: the first caller wins; its exit code is published by the
   * release store of `done` in ari_finish */
  if (atomic_compare_exchange_strong_explicit(&ari_rt_.exit_set, &expected, 1,
                                              memory_order_acq_rel,
                                              memory_order_relaxed)) {
    atomic_store_explicit(&ari_rt_.exit_code, code, memory_order_relaxed);
    ari_finish();
  }
}

int ar_argc(void) { return ari_rt_.argc; }
char **ar_argv(void) { return ari_rt_.argv; }
int ar_workers(void) { return ari_rt_.nworkers; }
