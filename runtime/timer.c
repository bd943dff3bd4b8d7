/* timer.c — the one timer facility: a timer thread with a binary min-heap
 * of deadlines under a mutex, sleeping on a CLOCK_MONOTONIC condition
 * variable.  Serves ask timeouts, `after`, sleeps (ar_waiter_timeout,
 * ar_sleep) and delayed sends (ar_send_after).  Every armed entry counts in
 * ari_rt_.armed until it fires or its waiter is claimed by someone else,
 * so quiescence waits for pending timers (SCHEDULER.md 8).
 * Never runs user code.
 */
#include "ari.h"

#include <errno.h>
#include <time.h>

typedef struct ari_tmr {
  int64_t deadline;
  uint64_t seq; /* FIFO among equal deadlines */
  ar_waiter *w; /* waiter entry (counted), or NULL */
  int kind;
  ari_actor *to; /* delayed send: counted target */
  ar_msg *m;
} ari_tmr;

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  ari_tmr *heap;
  size_t n, cap;
  uint64_t seq;
  bool stop;
  bool started;
  pthread_t th;
} ari_tm_ = {.mu = PTHREAD_MUTEX_INITIALIZER};

static bool ari_tmr_before(const ari_tmr *x, const ari_tmr *y) {
  return x->deadline != y->deadline ? x->deadline < y->deadline
                                    : x->seq < y->seq;
}

static void ari_tmr_push(ari_tmr e) {
  if (ari_tm_.n == ari_tm_.cap) {
    ari_tm_.cap = ari_tm_.cap ? ari_tm_.cap * 2 : 64;
    ari_tm_.heap = ari_xrealloc(ari_tm_.heap, ari_tm_.cap * sizeof(ari_tmr));
  }
  size_t i = ari_tm_.n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!ari_tmr_before(&e, &ari_tm_.heap[p]))
      break;
    ari_tm_.heap[i] = ari_tm_.heap[p];
    i = p;
  }
  ari_tm_.heap[i] = e;
}

static ari_tmr ari_tmr_pop(void) {
  ari_tmr top = ari_tm_.heap[0];
  ari_tmr e = ari_tm_.heap[--ari_tm_.n];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= ari_tm_.n)
      break;
    if (c + 1 < ari_tm_.n &&
        ari_tmr_before(&ari_tm_.heap[c + 1], &ari_tm_.heap[c]))
      c++;
    if (!ari_tmr_before(&ari_tm_.heap[c], &e))
      break;
    ari_tm_.heap[i] = ari_tm_.heap[c];
    i = c;
  }
  if (ari_tm_.n > 0)
    ari_tm_.heap[i] = e;
  return top;
}

static void ari_tmr_add(ari_tmr e) {
  pthread_mutex_lock(&ari_tm_.mu);
  e.seq = ari_tm_.seq++;
  bool earliest = ari_tm_.n == 0 || ari_tmr_before(&e, &ari_tm_.heap[0]);
  ari_tmr_push(e);
  if (earliest)
    pthread_cond_signal(&ari_tm_.cv);
  pthread_mutex_unlock(&ari_tm_.mu);
}

void ari_timer_arm_waiter(ar_waiter *w, int64_t ns, int kind) {
  ar_waiter_retain(w);
  /* seq_cst: counted before the entry exists, so a quiescence check that
   * reads armed == 0 cannot miss it (SCHEDULER.md 8) */
  atomic_fetch_add_explicit(&ari_rt_.armed, 1, memory_order_seq_cst);
  atomic_store_explicit(&w->timer, 1, memory_order_seq_cst);
  ari_tmr e = {.deadline = ar_now_ns() + (ns > 0 ? ns : 0), .w = w,
               .kind = kind};
  ari_tmr_add(e);
}

void ar_send_after(ar_actor *to, ar_msg *m, int64_t ns) {
  ari_thread *t = ari_me();
  if (t->cur_msg == m)
    t->cur_msg = NULL;
  /* record the sender now (the timer thread runs no actor) */
  if (m->sender != NULL)
    ari_msg_release_sender(t, m->sender);
  m->sender = ARI_PUB(t->cur);
  if (t->cur)
    t->debt++;
  ar_actor_retain(to);
  /* seq_cst: counted before the entry exists (SCHEDULER.md 8) */
  atomic_fetch_add_explicit(&ari_rt_.armed, 1, memory_order_seq_cst);
  ari_tmr e = {.deadline = ar_now_ns() + (ns > 0 ? ns : 0),
               .to = ARI_A(to), .m = m};
  ari_tmr_add(e);
}


static void ari_tmr_fire(ari_tmr *e) {
  if (e->w) {
    if (ar_waiter_claim(e->w))
      ar_waiter_wake(e->w, e->kind, 0, NULL); /* also drops `armed` */
    else if (/* seq_cst: pairs with the exchange in ar_waiter_wake and in
                ari_actor_stop; whichever reads 1 drops `armed`, exactly
                once.  Needed when the timer was armed after the waiter
                was published and its winner ran ar_waiter_wake first
                (it read timer == 0): without this `armed` stays > 0
                forever and ari_park never declares quiescence. */
             atomic_exchange_explicit(&e->w->timer, 0,
                                      memory_order_seq_cst) == 1)
      ari_sched_armed_done();
    ar_waiter_release(e->w);
  } else {
    ari_actor_send_keep_sender(e->to, e->m);
    ar_actor_release(ARI_PUB(e->to));
    /* seq_cst: after the push (SCHEDULER.md 8) */
    ari_sched_armed_done();
  }
}

static void *ari_timer_main(void *arg) {
  (void)arg;
  ari_thread *t = ari_me();
  pthread_mutex_lock(&ari_tm_.mu);
  while (!ari_tm_.stop) {
    if (ari_tm_.n == 0) {
      pthread_cond_wait(&ari_tm_.cv, &ari_tm_.mu);
      continue;
    }
    int64_t now = ar_now_ns();
    if (ari_tm_.heap[0].deadline <= now) {
      ari_tmr e = ari_tmr_pop();
      pthread_mutex_unlock(&ari_tm_.mu);
      ari_tmr_fire(&e);
      ari_thread_flush(t);
      pthread_mutex_lock(&ari_tm_.mu);
      continue;
    }
    int64_t d = ari_tm_.heap[0].deadline;
    struct timespec ts = {.tv_sec = d / 1000000000, .tv_nsec = d % 1000000000};
    pthread_cond_timedwait(&ari_tm_.cv, &ari_tm_.mu, &ts);
  }
  pthread_mutex_unlock(&ari_tm_.mu);
  ari_thread_flush(t);
  return NULL;
}

void ari_timer_start(void) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&ari_tm_.cv, &ca);
  pthread_condattr_destroy(&ca);
  ari_tm_.stop = false;
  ari_tm_.n = 0;
  if (pthread_create(&ari_tm_.th, NULL, ari_timer_main, NULL))
    ari_panic("pthread_create failed (timer)");
  ari_tm_.started = true;
}

/* Workers joined: stop the thread; pending delayed sends are undelivered. */
void ari_timer_stop_quiescent(void) {
  if (!ari_tm_.started)
    return;
  pthread_mutex_lock(&ari_tm_.mu);
  ari_tm_.stop = true;
  pthread_cond_signal(&ari_tm_.cv);
  pthread_mutex_unlock(&ari_tm_.mu);
  pthread_join(ari_tm_.th, NULL);
  ari_tm_.started = false;
  ari_thread *t = ari_me();
  for (size_t i = 0; i < ari_tm_.n; i++) {
    ari_tmr *e = &ari_tm_.heap[i];
    if (e->m) {
      ari_stat_inc(&t->undelivered);
      ari_msg_discard_quiescent(e->m);
    }
  }
  free(ari_tm_.heap);
  ari_tm_.heap = NULL;
  ari_tm_.n = ari_tm_.cap = 0;
  pthread_cond_destroy(&ari_tm_.cv);
}
