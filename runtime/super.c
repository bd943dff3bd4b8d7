/* super.c — OTP-style supervisors usable from C (ar_supervisor_*).  A
 * supervisor is a runtime actor that monitors its children and, when one
 * fails, restarts it (one_for_one), all children (one_for_all) or it and
 * the children added after it (rest_for_one).  More than `intensity`
 * restarts within `period_ns` make the supervisor stop its children and
 * fail itself.  Children that stop normally are not restarted (OTP
 * "transient").  A child is an actor type (+ init) or a spawn function
 * (ar_supervisor_add_child_fn: a nested supervisor, a ring actor, ...);
 * a child supervisor that gives up fails, which its parent sees as a child
 * failure.  A supervisor that stops while the program runs (killed by its
 * own parent, or failed) stops its live children first, so a whole tree
 * goes down with its root.  SCHEDULER.md section 7.3.
 */
#include "ari.h"

#include <string.h>

typedef struct ari_child {
  const ar_actor_type *type; /* NULL: spawn */
  ar_child_init init;
  ar_actor *(*spawn)(void *arg);
  void *arg;
  ari_actor *cur; /* counted; under the stripe lock of the supervisor */
} ari_child;

typedef struct ari_sup {
  ar_actor base;
  ar_restart strategy;
  int intensity;
  int64_t period;
  ari_child *kids; /* under ari_stripe_lock(sup) */
  int n, cap;
  bool stopped;    /* under ari_stripe_lock(sup): on_stop ran */
  int64_t *stamps; /* runner only: recent restart times (ring) */
  int nstamps, stamp_next;
  _Atomic uint64_t restarts;
} ari_sup;

/* A non-trappable EXIT reason used to stop siblings (normal stop). */
static const char ari_kill_reason_[] = "stopped by supervisor";

/* Sends the non-trappable EXIT to `k` (the child stops normally: its
 * on_stop runs, its monitors get DOWN with reason NULL). */
static void ari_sup_send_kill(ari_sup *s, ari_actor *k) {
  ar_msg *m = ari_msg_alloc_internal(AR_MSG_EXIT, sizeof(ar_down));
  ar_down *d = AR_MSG_PAYLOAD(m, ar_down);
  ar_actor_retain(ARI_PUB(s));
  d->who = ARI_PUB(s);
  d->reason = ari_kill_reason_;
  ari_actor_send_sys(k, m);
}

/* Installs `k` (a counted reference, or NULL) as child i's incarnation and
 * releases the one it replaces.  A supervisor that has already stopped
 * keeps nothing: a new incarnation is stopped at once and released. */
static void ari_sup_set(ari_sup *s, int i, ari_actor *k) {
  pthread_mutex_t *mu = ari_stripe_lock(s);
  pthread_mutex_lock(mu);
  bool stopped = s->stopped;
  ari_actor *old = NULL;
  if (!stopped) {
    old = s->kids[i].cur;
    s->kids[i].cur = k;
  }
  pthread_mutex_unlock(mu);
  if (old && k) {
    /* two starts of the same child raced (an add_child caller's first
     * start against a restart by the runner): keep the later one */
    ari_sup_send_kill(s, old);
  }
  if (old)
    ar_actor_release(ARI_PUB(old));
  if (stopped && k) {
    ari_sup_send_kill(s, k);
    ar_actor_release(ARI_PUB(k));
  }
}

/* Creates child i's next incarnation, installs it, then monitors it.  The
 * order matters: the DOWN of an incarnation that dies at once (even before
 * ari_watch) must find it in kids[i].cur, or the failure would be taken
 * for an old incarnation's and lost.  Called by the runner (restarts) or by
 * the add_child caller (first start); the latter may run concurrently with
 * the runner, hence the lock around every kids[] access. */
static void ari_sup_make_child(ari_sup *s, int i) {
  pthread_mutex_t *mu = ari_stripe_lock(s);
  pthread_mutex_lock(mu);
  ari_child c = s->kids[i];
  pthread_mutex_unlock(mu);
  ar_actor *k;
  if (c.spawn) {
    k = c.spawn(c.arg); /* a counted reference to a started actor, or NULL */
  } else {
    k = ar_actor_new(c.type);
    if (c.init)
      c.init(k, c.arg);
    ar_actor_start(k);
  }
  if (k == NULL)
    return; /* no incarnation: the slot stays empty (not restarted) */
  ari_sup_set(s, i, ARI_A(k));
  ari_actor_monitor_by(ARI_A(s), ARI_A(k));
}

static void ari_sup_kill(ari_sup *s, int i) {
  pthread_mutex_t *mu = ari_stripe_lock(s);
  pthread_mutex_lock(mu);
  ari_actor *k = s->kids[i].cur; /* only the runner replaces entries */
  pthread_mutex_unlock(mu);
  if (k == NULL)
    return;
  ari_sup_send_kill(s, k);
  ari_sup_set(s, i, NULL);
}

static bool ari_sup_intensity_ok(ari_sup *s) {
  int64_t now = ar_now_ns();
  int cap = s->intensity + 1;
  if (s->stamps == NULL)
    s->stamps = ari_xcalloc((size_t)cap, sizeof(int64_t));
  s->stamps[s->stamp_next] = now;
  s->stamp_next = (s->stamp_next + 1) % cap;
  if (s->nstamps < cap)
    s->nstamps++;
  int recent = 0;
  for (int k = 0; k < s->nstamps; k++)
    if (now - s->stamps[k] <= s->period)
      recent++;
  return recent <= s->intensity;
}

static void ari_sup_dispatch(ar_actor *self, ar_msg *m) {
  ari_sup *s = (ari_sup *)(void *)self;
  if (m->type != AR_MSG_DOWN) {
    ar_msg_free(m);
    return;
  }
  ar_down *d = AR_MSG_PAYLOAD(m, ar_down);
  int i = -1;
  pthread_mutex_t *mu = ari_stripe_lock(s);
  pthread_mutex_lock(mu);
  int n = s->n; /* add_child may append concurrently: a snapshot */
  for (int k = 0; k < n; k++)
    if (s->kids[k].cur != NULL && ARI_PUB(s->kids[k].cur) == d->who)
      i = k;
  pthread_mutex_unlock(mu);
  const char *why = d->reason;
  ar_msg_free(m);
  if (i < 0)
    return; /* an old incarnation we replaced or stopped */
  if (why == NULL || why == ari_kill_reason_) {
    ari_sup_set(s, i, NULL); /* normal exit: transient, not restarted */
    return;
  }
  if (s->intensity < 0 || !ari_sup_intensity_ok(s)) {
    for (int k = 0; k < n; k++)
      ari_sup_kill(s, k);
    /* does not return; the parent (if any) gets DOWN with this reason */
    ar_fail(self, "supervisor: restart intensity exceeded");
  }
  int from = i, to = i + 1;
  if (s->strategy == AR_ONE_FOR_ALL) {
    from = 0;
    to = n;
  } else if (s->strategy == AR_REST_FOR_ONE) {
    to = n;
  }
  ari_sup_set(s, i, NULL);
  for (int k = from; k < to; k++)
    if (k != i)
      ari_sup_kill(s, k);
  for (int k = from; k < to; k++)
    ari_sup_make_child(s, k);
  /* relaxed: a statistic */
  atomic_fetch_add_explicit(&s->restarts, 1, memory_order_relaxed);
}

static void ari_sup_on_stop(ar_actor *self) {
  ari_sup *s = (ari_sup *)(void *)self;
  /* At run time (killed by its parent, or failed) the live children are stopped with the non-trappable
   * EXIT: each runs its on_stop once, a child supervisor stops its own
   * children the same way.  At teardown (ar_run's quiescent pass marks
   * the actor DEAD before calling on_stop; workers are joined) nothing is
   * sent: the pass runs every live actor's on_stop itself.
   * relaxed: DEAD is read by its own runner (set by stop after this hook)
   * or by the main thread that set it just before calling on_stop. */
  bool teardown = atomic_load_explicit(&ARI_A(self)->flags,
                                       memory_order_relaxed) &
                  ARI_AF_DEAD;
  pthread_mutex_t *mu = ari_stripe_lock(s);
  pthread_mutex_lock(mu);
  ari_child *kids = s->kids;
  int n = s->n;
  s->kids = NULL;
  s->n = s->cap = 0;
  s->stopped = true;
  pthread_mutex_unlock(mu);
  for (int k = 0; k < n; k++)
    if (kids[k].cur) {
      if (!teardown)
        ari_sup_send_kill(s, kids[k].cur);
      ar_actor_release(ARI_PUB(kids[k].cur));
    }
  free(kids);
  free(s->stamps);
  s->stamps = NULL;
}

static const ar_actor_type ari_sup_type_ = {
    .name = "supervisor",
    .size = sizeof(ari_sup),
    .dispatch = ari_sup_dispatch,
    .on_stop = ari_sup_on_stop,
};

ar_actor *ar_supervisor_new(ar_restart strategy, int intensity,
                            int64_t period_ns) {
  ar_actor *a = ar_actor_new(&ari_sup_type_);
  ari_sup *s = (ari_sup *)(void *)a;
  s->strategy = strategy;
  s->intensity = intensity;
  s->period = period_ns;
  /* relaxed: set before ar_actor_start publishes the actor */
  atomic_fetch_or_explicit(&ARI_A(a)->flags, ARI_AF_SYSTEM,
                           memory_order_relaxed);
  ar_actor_start(a);
  return a;
}

static int ari_sup_add(ar_actor *sup, ari_child spec) {
  ari_sup *s = (ari_sup *)(void *)sup;
  pthread_mutex_t *mu = ari_stripe_lock(s);
  pthread_mutex_lock(mu);
  if (s->stopped) {
    pthread_mutex_unlock(mu);
    return -1;
  }
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 4;
    s->kids = ari_xrealloc(s->kids, (size_t)s->cap * sizeof(ari_child));
  }
  int i = s->n++;
  s->kids[i] = spec;
  pthread_mutex_unlock(mu);
  ari_sup_make_child(s, i);
  return i;
}

int ar_supervisor_add_child(ar_actor *sup, const ar_actor_type *type,
                            ar_child_init init, void *arg) {
  return ari_sup_add(sup, (ari_child){type, init, NULL, arg, NULL});
}

int ar_supervisor_add_child_fn(ar_actor *sup, ar_actor *(*spawn)(void *arg),
                               void *arg) {
  return ari_sup_add(sup, (ari_child){NULL, NULL, spawn, arg, NULL});
}

ar_actor *ar_supervisor_child(ar_actor *sup, int i) {
  ari_sup *s = (ari_sup *)(void *)sup;
  pthread_mutex_t *mu = ari_stripe_lock(s);
  pthread_mutex_lock(mu);
  ari_actor *k = (i >= 0 && i < s->n) ? s->kids[i].cur : NULL;
  if (k)
    ar_actor_retain(ARI_PUB(k));
  pthread_mutex_unlock(mu);
  return ARI_PUB(k);
}

uint64_t ar_supervisor_restarts(ar_actor *sup) {
  /* relaxed: a statistic */
  return atomic_load_explicit(&((ari_sup *)(void *)sup)->restarts,
                              memory_order_relaxed);
}

/* Exit reason check used by actor.c's EXIT handling. */
bool ari_super_is_kill(const char *reason) {
  return reason == ari_kill_reason_;
}
