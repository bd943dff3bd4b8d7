/* super.c — OTP-style supervisors usable from C (ar_supervisor_*).  A
 * supervisor is a runtime actor that monitors its children and, when one
 * fails, restarts it (one_for_one), all children (one_for_all) or it and
 * the children added after it (rest_for_one).  More than `intensity`
 * restarts within `period_ns` make the supervisor stop its children and
 * fail itself.  Children that stop normally are not restarted (OTP
 * "transient").  SCHEDULER.md section 7.3.
 */
#include "ari.h"

#include <string.h>

typedef struct ari_child {
  const ar_actor_type *type;
  ar_child_init init;
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
  int64_t *stamps; /* runner only: recent restart times (ring) */
  int nstamps, stamp_next;
  _Atomic uint64_t restarts;
} ari_sup;

/* A non-trappable EXIT reason used to stop siblings (normal stop). */
static const char ari_kill_reason_[] = "stopped by supervisor";

static ari_actor *ari_sup_make_child(ari_sup *s, int i) {
  pthread_mutex_t *mu = ari_stripe_lock(s);
  pthread_mutex_lock(mu);
  ari_child c = s->kids[i];
  pthread_mutex_unlock(mu);
  ar_actor *k = ar_actor_new(c.type);
  if (c.init)
    c.init(k, c.arg);
  ari_actor_monitor_by(ARI_A(s), ARI_A(k));
  ar_actor_start(k);
  return ARI_A(k);
}

static void ari_sup_set(ari_sup *s, int i, ari_actor *k) {
  pthread_mutex_t *mu = ari_stripe_lock(s);
  pthread_mutex_lock(mu);
  ari_actor *old = s->kids[i].cur;
  s->kids[i].cur = k;
  pthread_mutex_unlock(mu);
  if (old)
    ar_actor_release(ARI_PUB(old));
}

static void ari_sup_kill(ari_sup *s, int i) {
  pthread_mutex_t *mu = ari_stripe_lock(s);
  pthread_mutex_lock(mu);
  ari_actor *k = s->kids[i].cur; /* only the runner replaces entries */
  pthread_mutex_unlock(mu);
  if (k == NULL)
    return;
  ar_msg *m = ar_msg_alloc(AR_MSG_EXIT, sizeof(ar_down));
  ar_down *d = AR_MSG_PAYLOAD(m, ar_down);
  ar_actor_retain(ARI_PUB(s));
  d->who = ARI_PUB(s);
  d->reason = ari_kill_reason_;
  ari_actor_send_sys(k, m);
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
  for (int k = 0; k < s->n; k++)
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
    for (int k = 0; k < s->n; k++)
      ari_sup_kill(s, k);
    ar_fail(self, "supervisor: restart intensity exceeded");
  }
  int from = i, to = i + 1;
  if (s->strategy == AR_ONE_FOR_ALL) {
    from = 0;
    to = s->n;
  } else if (s->strategy == AR_REST_FOR_ONE) {
    to = s->n;
  }
  ari_sup_set(s, i, NULL);
  for (int k = from; k < to; k++)
    if (k != i)
      ari_sup_kill(s, k);
  for (int k = from; k < to; k++)
    ari_sup_set(s, k, ari_sup_make_child(s, k));
  /* relaxed: a statistic */
  atomic_fetch_add_explicit(&s->restarts, 1, memory_order_relaxed);
}

static void ari_sup_on_stop(ar_actor *self) {
  ari_sup *s = (ari_sup *)(void *)self;
  pthread_mutex_t *mu = ari_stripe_lock(s);
  pthread_mutex_lock(mu);
  ari_child *kids = s->kids;
  int n = s->n;
  s->kids = NULL;
  s->n = s->cap = 0;
  pthread_mutex_unlock(mu);
  for (int k = 0; k < n; k++)
    if (kids[k].cur)
      ar_actor_release(ARI_PUB(kids[k].cur));
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

int ar_supervisor_add_child(ar_actor *sup, const ar_actor_type *type,
                            ar_child_init init, void *arg) {
  ari_sup *s = (ari_sup *)(void *)sup;
  pthread_mutex_t *mu = ari_stripe_lock(s);
  pthread_mutex_lock(mu);
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 4;
    s->kids = ari_xrealloc(s->kids, (size_t)s->cap * sizeof(ari_child));
  }
  int i = s->n++;
  s->kids[i] = (ari_child){type, init, arg, NULL};
  pthread_mutex_unlock(mu);
  ari_sup_set(s, i, ari_sup_make_child(s, i));
  return i;
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
