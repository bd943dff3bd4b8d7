/* test_chan.c — validation tests for runtime/chan.c (channels and select).
 *
 * Linked against chan.c alone: the suspension API (ar_wait_begin,
 * ar_waiter_*) is replaced by a small mock below, so the channel protocol is
 * tested independently of the scheduler.  Multi-threaded tests use plain
 * threads (the *_blocking helpers) and "mock actors" (threads that use the
 * suspending API and wait on the mock waiter).  Sizes shrink under
 * -DCHAN_TEST_SMALL (the TSan build).  Not a benchmark (STYLE B10.7).
 */
#include "ar.h"
#include "check.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#ifdef CHAN_TEST_SMALL
#define SCALE 20
#else
#define SCALE 1
#endif

/* ====================================================== mock suspension */

struct ar_waiter {
  _Atomic int refs;
  _Atomic int claimed;
  _Atomic int woken; /* release-stored after kind/u/p */
  int kind;
  uint64_t u;
  void *p;
  int64_t timeout_ns;
};

/* ar_wait_begin runs on the (mock) actor's own thread: thread-local */
static _Thread_local ar_waiter *mock_last;
static int fake_actor_storage;

ar_waiter *ar_wait_begin(ar_actor *self) {
  (void)self;
  ar_waiter *w = calloc(1, sizeof *w);
  atomic_init(&w->refs, 2); /* caller's + the test's (mock_take) */
  w->timeout_ns = -1;
  mock_last = w;
  return w;
}

bool ar_waiter_claim(ar_waiter *w) {
  int e = 0;
  return atomic_compare_exchange_strong(&w->claimed, &e, 1);
}

void ar_waiter_wake(ar_waiter *w, int kind, uint64_t u, void *p) {
  CHECK(atomic_load(&w->claimed) == 1);
  w->kind = kind;
  w->u = u;
  w->p = p;
  atomic_store_explicit(&w->woken, 1, memory_order_release);
}

void ar_waiter_retain(ar_waiter *w) {
  atomic_fetch_add(&w->refs, 1);
}

void ar_waiter_release(ar_waiter *w) {
  if (atomic_fetch_sub(&w->refs, 1) == 1)
    free(w);
}

void ar_waiter_timeout(ar_waiter *w, int64_t ns) {
  w->timeout_ns = ns;
}

/* the waiter created by the last ar_wait_begin on this thread's op */
static ar_waiter *mock_take(void) {
  ar_waiter *w = mock_last;
  mock_last = NULL;
  return w;
}

static void mock_wait_woken(ar_waiter *w) {
  while (!atomic_load_explicit(&w->woken, memory_order_acquire))
    sched_yield();
}

/* a fake actor pointer: the mock never dereferences it */
static ar_actor *const fake_self = (ar_actor *)&fake_actor_storage;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ============================================================ basics */

static void test_buffered_fifo(void) {
  ar_chan *c = ar_chan_new(4, NULL);
  uint64_t v;
  CHECK(ar_chan_cap(c) == 4);
  CHECK(ar_chan_try_recv(c, &v) == AR_AGAIN);
  for (uint64_t i = 0; i < 4; i++)
    CHECK(ar_chan_try_send(c, i + 10) == AR_OK);
  CHECK(ar_chan_try_send(c, 99) == AR_FULL);
  CHECK(ar_chan_len(c) == 4);
  for (uint64_t i = 0; i < 4; i++) {
    CHECK(ar_chan_try_recv(c, &v) == AR_OK);
    CHECK_EQ_INT(v, i + 10);
  }
  /* wrap-around */
  for (uint64_t r = 0; r < 10; r++) {
    CHECK(ar_chan_try_send(c, r) == AR_OK);
    CHECK(ar_chan_try_send(c, r + 100) == AR_OK);
    CHECK(ar_chan_try_recv(c, &v) == AR_OK && v == r);
    CHECK(ar_chan_try_recv(c, &v) == AR_OK && v == r + 100);
  }
  ar_chan_release(c);
}

static void test_rendezvous_try(void) {
  ar_chan *c = ar_chan_new(0, NULL);
  uint64_t v;
  CHECK(ar_chan_try_send(c, 1) == AR_FULL);
  CHECK(ar_chan_try_recv(c, &v) == AR_AGAIN);
  ar_chan_release(c);
}

static int drop_count;
static void count_drop(uint64_t v) {
  drop_count += (int)v;
}

static void test_close_drain(void) {
  ar_chan *c = ar_chan_new(8, count_drop);
  uint64_t v;
  CHECK(ar_chan_try_send(c, 1) == AR_OK);
  CHECK(ar_chan_try_send(c, 2) == AR_OK);
  CHECK(ar_chan_close(c) == AR_OK);
  CHECK(ar_chan_close(c) == AR_CLOSED);
  CHECK(ar_chan_try_send(c, 3) == AR_CLOSED);
  CHECK(ar_chan_try_recv(c, &v) == AR_OK && v == 1);
  CHECK(ar_chan_try_recv(c, &v) == AR_OK && v == 2);
  CHECK(ar_chan_try_recv(c, &v) == AR_CLOSED);
  CHECK(ar_chan_recv_blocking(c, &v) == AR_CLOSED);
  ar_chan_release(c);
  /* the destructor runs on slots still buffered at the last release */
  c = ar_chan_new(8, count_drop);
  drop_count = 0;
  ar_chan_try_send(c, 5);
  ar_chan_try_send(c, 7);
  ar_chan_release(c);
  CHECK_EQ_INT(drop_count, 12);
}

/* ====================================================== plain threads */

typedef struct closer_arg {
  ar_chan *c;
  int delay_ms;
} closer_arg;

static void *closer_main(void *p) {
  closer_arg *a = p;
  struct timespec ts = {0, (long)a->delay_ms * 1000000L};
  nanosleep(&ts, NULL);
  ar_chan_close(a->c);
  return NULL;
}

static void test_close_wakes_waiters(void) {
  /* a parked receiver gets AR_CLOSED */
  ar_chan *c = ar_chan_new(0, NULL);
  closer_arg a = {c, 20};
  pthread_t th;
  pthread_create(&th, NULL, closer_main, &a);
  uint64_t v;
  CHECK(ar_chan_recv_blocking(c, &v) == AR_CLOSED);
  pthread_join(th, NULL);
  ar_chan_release(c);
  /* a parked sender on a full channel gets AR_CLOSED (a fault) */
  c = ar_chan_new(1, NULL);
  CHECK(ar_chan_try_send(c, 1) == AR_OK);
  a.c = c;
  pthread_create(&th, NULL, closer_main, &a);
  CHECK(ar_chan_send_blocking(c, 2) == AR_CLOSED);
  pthread_join(th, NULL);
  CHECK(ar_chan_try_recv(c, &v) == AR_OK && v == 1);
  CHECK(ar_chan_try_recv(c, &v) == AR_CLOSED);
  ar_chan_release(c);
}

typedef struct rv_arg {
  ar_chan *c;
  _Atomic int stage;
} rv_arg;

static void *rv_receiver(void *p) {
  rv_arg *a = p;
  struct timespec ts = {0, 20000000};
  nanosleep(&ts, NULL);
  atomic_store(&a->stage, 1);
  uint64_t v = 0;
  ar_chan_recv_blocking(a->c, &v);
  CHECK(v == 42);
  return NULL;
}

static void test_rendezvous_blocks(void) {
  rv_arg a;
  a.c = ar_chan_new(0, NULL);
  atomic_init(&a.stage, 0);
  pthread_t th;
  pthread_create(&th, NULL, rv_receiver, &a);
  /* the sender can only complete once the receiver is there */
  CHECK(ar_chan_send_blocking(a.c, 42) == AR_OK);
  CHECK(atomic_load(&a.stage) == 1);
  pthread_join(th, NULL);
  ar_chan_release(a.c);
}

/* MPMC stress: P producers x PER values, C consumers; value =
 * producer << 40 | seq.  Checks: count, checksum, no duplicate (bitmap),
 * per-producer order as seen by each consumer. */
#define MAXP 8
typedef struct mpmc {
  ar_chan *c;
  int np;
  int nc;
  uint64_t per;
  _Atomic uint64_t got;
  _Atomic uint64_t sum;
  _Atomic int producers_left;
  _Atomic uint8_t *seen;
  _Atomic int bad_order;
  _Atomic int dup;
  _Atomic int next_id;
  bool use_select; /* consumers receive through a 1-case blocking select */
} mpmc;

static void *mpmc_producer(void *p) {
  mpmc *m = p;
  uint64_t id = (uint64_t)atomic_fetch_add(&m->next_id, 1);
  for (uint64_t i = 0; i < m->per; i++) {
    if (ar_chan_send_blocking(m->c, id << 40 | i) != AR_OK)
      atomic_store(&m->bad_order, 1000);
  }
  if (atomic_fetch_sub(&m->producers_left, 1) == 1)
    ar_chan_close(m->c);
  return NULL;
}

static void *mpmc_consumer(void *p) {
  mpmc *m = p;
  int64_t last[MAXP];
  for (int i = 0; i < MAXP; i++)
    last[i] = -1;
  uint64_t got = 0;
  uint64_t sum = 0;
  for (;;) {
    uint64_t v = 0;
    ar_status st;
    if (m->use_select) {
      ar_select_case sc = {m->c, 0, false};
      int32_t idx;
      st = ar_select_blocking(&sc, 1, 0, 0, &idx, &v);
    } else {
      st = ar_chan_recv_blocking(m->c, &v);
    }
    if (st == AR_CLOSED)
      break;
    uint64_t id = v >> 40;
    uint64_t seq = v & ((1ull << 40) - 1);
    if (id >= MAXP || (int64_t)seq <= last[id])
      atomic_fetch_add(&m->bad_order, 1);
    else
      last[id] = (int64_t)seq;
    uint64_t slot = id * m->per + seq;
    if (id < MAXP && seq < m->per && atomic_exchange(&m->seen[slot], 1))
      atomic_fetch_add(&m->dup, 1);
    got++;
    sum += v;
  }
  atomic_fetch_add(&m->got, got);
  atomic_fetch_add(&m->sum, sum);
  return NULL;
}

static void run_mpmc(uint32_t cap, int np, int nc, uint64_t per,
                     bool use_select) {
  mpmc m;
  m.c = ar_chan_new(cap, NULL);
  m.np = np;
  m.nc = nc;
  m.per = per;
  atomic_init(&m.got, 0);
  atomic_init(&m.sum, 0);
  atomic_init(&m.producers_left, np);
  atomic_init(&m.bad_order, 0);
  atomic_init(&m.dup, 0);
  atomic_init(&m.next_id, 0);
  m.use_select = use_select;
  m.seen = calloc((size_t)np * per, 1);
  pthread_t th[2 * MAXP];
  for (int i = 0; i < nc; i++)
    pthread_create(&th[i], NULL, mpmc_consumer, &m);
  for (int i = 0; i < np; i++)
    pthread_create(&th[nc + i], NULL, mpmc_producer, &m);
  for (int i = 0; i < np + nc; i++)
    pthread_join(th[i], NULL);
  uint64_t expect_sum = 0;
  for (uint64_t id = 0; id < (uint64_t)np; id++)
    expect_sum += (id << 40) * per + per * (per - 1) / 2;
  CHECK_EQ_INT(atomic_load(&m.got), (uint64_t)np * per);
  CHECK(atomic_load(&m.sum) == expect_sum);
  CHECK_EQ_INT(atomic_load(&m.dup), 0);
  CHECK_EQ_INT(atomic_load(&m.bad_order), 0);
  free((void *)m.seen);
  ar_chan_release(m.c);
}

static void test_mpmc_buffered(void) {
  /* 4 producers x 500k = 2M elements through a 64-slot channel */
  run_mpmc(64, 4, 4, 500000 / SCALE, false);
}

static void test_mpmc_small_buffer(void) {
  run_mpmc(1, 3, 3, 100000 / SCALE, false);
}

static void test_mpmc_rendezvous(void) {
  run_mpmc(0, 4, 4, 50000 / SCALE, false);
}

static void test_mpmc_select_recv(void) {
  run_mpmc(16, 4, 2, 200000 / SCALE, true);
}

/* ============================================================== select */

/* chi-square statistic of counts against a uniform distribution */
static double chi_square(const uint64_t *counts, int k, uint64_t total) {
  double e = (double)total / k;
  double x = 0;
  for (int i = 0; i < k; i++)
    x += ((double)counts[i] - e) * ((double)counts[i] - e) / e;
  return x;
}

/* critical values of chi-square at p = 1e-6 for df = 1..3: a fair select
 * fails a check about once in a million runs, while a biased one (e.g.
 * "first ready case") scores in the tens of thousands over 40000 trials */
static const double chi_crit[] = {0, 23.93, 27.63, 30.66};

static void test_select_fairness(void) {
  enum { K = 4, TRIALS = 40000 };
  ar_chan *ch[K];
  ar_select_case cases[K];
  for (int i = 0; i < K; i++) {
    ch[i] = ar_chan_new(4, NULL);
    cases[i] = (ar_select_case){ch[i], 0, false};
  }
  /* all 4 ready, then only 0 and 2, then 3 of 4 with one disabled case */
  uint64_t cnt[K] = {0};
  for (int t = 0; t < TRIALS; t++) {
    for (int i = 0; i < K; i++)
      while (ar_chan_try_send(ch[i], (uint64_t)i) == AR_OK) {
      }
    int32_t idx;
    uint64_t v;
    REQUIRE(ar_select(NULL, cases, K, AR_SELECT_DEFAULT, 0, &idx, &v,
                      NULL) == AR_OK);
    REQUIRE(idx >= 0 && idx < K && v == (uint64_t)idx);
    cnt[idx]++;
  }
  double x = chi_square(cnt, K, TRIALS);
  printf("     select 4 ready: %llu %llu %llu %llu chi2=%.2f (crit %.2f)\n",
         (unsigned long long)cnt[0], (unsigned long long)cnt[1],
         (unsigned long long)cnt[2], (unsigned long long)cnt[3], x,
         chi_crit[K - 1]);
  CHECK(x < chi_crit[K - 1]);

  /* drain 1 and 3: only 0 and 2 ready */
  uint64_t v;
  while (ar_chan_try_recv(ch[1], &v) == AR_OK) {
  }
  while (ar_chan_try_recv(ch[3], &v) == AR_OK) {
  }
  uint64_t c2[2] = {0};
  for (int t = 0; t < TRIALS; t++) {
    ar_chan_try_send(ch[0], 0);
    ar_chan_try_send(ch[2], 2);
    int32_t idx;
    REQUIRE(ar_select(NULL, cases, K, AR_SELECT_DEFAULT, 0, &idx, &v,
                      NULL) == AR_OK);
    REQUIRE(idx == 0 || idx == 2);
    c2[idx / 2]++;
  }
  x = chi_square(c2, 2, TRIALS);
  CHECK(x < chi_crit[1]);

  /* send cases mixed with receive cases, one case disabled (nil chan) */
  ar_chan *sink = ar_chan_new(TRIALS + 1, NULL);
  ar_select_case mixed[4] = {{ch[0], 0, false},
                             {sink, 7, true},
                             {NULL, 0, false},
                             {ch[2], 0, false}};
  uint64_t c3[4] = {0};
  for (int t = 0; t < TRIALS; t++) {
    ar_chan_try_send(ch[0], 0);
    ar_chan_try_send(ch[2], 2);
    int32_t idx;
    REQUIRE(ar_select(NULL, mixed, 4, AR_SELECT_DEFAULT, 0, &idx, &v,
                      NULL) == AR_OK);
    REQUIRE(idx == 0 || idx == 1 || idx == 3);
    c3[idx]++;
  }
  uint64_t c3r[3] = {c3[0], c3[1], c3[3]};
  x = chi_square(c3r, 3, TRIALS);
  CHECK(x < chi_crit[2]);
  CHECK(ar_chan_len(sink) == c3[1]);
  ar_chan_release(sink);
  for (int i = 0; i < K; i++)
    ar_chan_release(ch[i]);
}

/* Repeated fairness trials: the max deviation from n/K over many small
 * experiments stays within a 6-sigma bound (false alarm about 3e-7 over
 * the 150 comparisons); catches a fixed bias that a single chi-square
 * might miss by luck. */
static void test_select_fairness_deviation(void) {
  enum { K = 3, RUNS = 50, PER = 3000 };
  ar_chan *ch[K];
  ar_select_case cases[K];
  for (int i = 0; i < K; i++) {
    ch[i] = ar_chan_new(1, NULL);
    cases[i] = (ar_select_case){ch[i], 0, false};
  }
  double p = 1.0 / K;
  double sigma = sqrt(PER * p * (1 - p));
  double worst = 0;
  for (int r = 0; r < RUNS; r++) {
    uint64_t cnt[K] = {0};
    for (int t = 0; t < PER; t++) {
      for (int i = 0; i < K; i++)
        ar_chan_try_send(ch[i], 0);
      int32_t idx;
      uint64_t v;
      REQUIRE(ar_select(NULL, cases, K, AR_SELECT_DEFAULT, 0, &idx, &v,
                        NULL) == AR_OK);
      cnt[idx]++;
    }
    for (int i = 0; i < K; i++) {
      double d = fabs((double)cnt[i] - PER * p) / sigma;
      if (d > worst)
        worst = d;
    }
  }
  CHECK(worst < 6.0);
  for (int i = 0; i < K; i++)
    ar_chan_release(ch[i]);
}

static void test_select_default_and_after(void) {
  ar_chan *a = ar_chan_new(0, NULL);
  ar_chan *b = ar_chan_new(2, NULL);
  ar_select_case cases[2] = {{a, 0, false}, {b, 0, false}};
  int32_t idx = 99;
  uint64_t v;
  CHECK(ar_select(NULL, cases, 2, AR_SELECT_DEFAULT, 0, &idx, &v, NULL) ==
        AR_OK);
  CHECK_EQ_INT(idx, AR_SELECT_IDX_DEFAULT);
  /* after: times out when nothing is ready */
  double t0 = now_s();
  CHECK(ar_select_blocking(cases, 2, AR_SELECT_AFTER, 30000000, &idx, &v) ==
        AR_TIMEOUT);
  double dt = now_s() - t0;
  CHECK_EQ_INT(idx, AR_SELECT_IDX_TIMEOUT);
  CHECK(dt >= 0.029 && dt < 2.0);
  /* after 0 is an immediate timeout */
  CHECK(ar_select_blocking(cases, 2, AR_SELECT_AFTER, 0, &idx, &v) ==
        AR_TIMEOUT);
  CHECK_EQ_INT(idx, AR_SELECT_IDX_TIMEOUT);
  /* a ready case wins over after */
  ar_chan_try_send(b, 5);
  CHECK(ar_select_blocking(cases, 2, AR_SELECT_AFTER, 30000000, &idx, &v) ==
        AR_OK);
  CHECK(idx == 1 && v == 5);
  /* after the timeout no stale receiver is left on the rendezvous chan */
  CHECK(ar_chan_try_send(a, 1) == AR_FULL);
  /* a closed receive case is ready and reports AR_CLOSED */
  ar_chan_close(b);
  CHECK(ar_select(NULL, cases, 2, AR_SELECT_DEFAULT, 0, &idx, &v, NULL) ==
        AR_CLOSED);
  CHECK_EQ_INT(idx, 1);
  /* a send case on a closed channel is a fault reported as AR_CLOSED */
  ar_select_case sc = {b, 1, true};
  CHECK(ar_select(NULL, &sc, 1, AR_SELECT_DEFAULT, 0, &idx, &v, NULL) ==
        AR_CLOSED);
  ar_chan_release(a);
  ar_chan_release(b);
}

typedef struct sel_arg {
  ar_chan *c;
  uint64_t v;
} sel_arg;

static void *delayed_send(void *p) {
  sel_arg *a = p;
  struct timespec ts = {0, 20000000};
  nanosleep(&ts, NULL);
  CHECK(ar_chan_send_blocking(a->c, a->v) == AR_OK);
  return NULL;
}

static void test_select_blocking_wakes_once(void) {
  ar_chan *ch[3];
  ar_select_case cases[3];
  for (int i = 0; i < 3; i++) {
    ch[i] = ar_chan_new(0, NULL);
    cases[i] = (ar_select_case){ch[i], 0, false};
  }
  sel_arg a = {ch[1], 77};
  pthread_t th;
  pthread_create(&th, NULL, delayed_send, &a);
  int32_t idx;
  uint64_t v;
  CHECK(ar_select_blocking(cases, 3, 0, 0, &idx, &v) == AR_OK);
  CHECK(idx == 1 && v == 77);
  pthread_join(th, NULL);
  for (int i = 0; i < 3; i++) {
    CHECK(ar_chan_try_send(ch[i], 1) == AR_FULL); /* no stale receivers */
    ar_chan_release(ch[i]);
  }
}

/* Select with send and receive cases under contention: worker threads
 * each select {in -> x : forward x to out, out <- token}; totals match. */
typedef struct fan {
  ar_chan *in;
  ar_chan *out;
  uint64_t per;
  _Atomic uint64_t moved;
} fan;

static void *fan_worker(void *p) {
  fan *f = p;
  for (;;) {
    uint64_t v;
    ar_status st = ar_chan_recv_blocking(f->in, &v);
    if (st == AR_CLOSED)
      break;
    /* forward through a select whose other case (a nil channel) never
     * fires, plus a timeout case that must not lose the value */
    for (;;) {
      ar_select_case sc[2] = {{f->out, v, true}, {NULL, 0, false}};
      int32_t idx;
      uint64_t dummy;
      st = ar_select_blocking(sc, 2, AR_SELECT_AFTER, 1000000, &idx, &dummy);
      if (st == AR_OK && idx == 0)
        break;
      CHECK(st == AR_TIMEOUT && idx == AR_SELECT_IDX_TIMEOUT);
    }
    atomic_fetch_add(&f->moved, 1);
  }
  return NULL;
}

static void test_select_send_cases_mt(void) {
  fan f;
  f.in = ar_chan_new(8, NULL);
  f.out = ar_chan_new(0, NULL);
  f.per = 40000 / SCALE;
  atomic_init(&f.moved, 0);
  pthread_t th[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&th[i], NULL, fan_worker, &f);
  uint64_t sum = 0;
  uint64_t got = 0;
  uint64_t sent = 0;
  /* this thread feeds `in` and drains `out` with one select */
  while (got < f.per) {
    ar_select_case sc[2] = {{f.in, sent, true}, {f.out, 0, false}};
    int32_t nsc = sent < f.per ? 2 : 1;
    ar_select_case *use = nsc == 2 ? sc : &sc[1];
    int32_t idx;
    uint64_t v;
    REQUIRE(ar_select_blocking(use, (uint32_t)nsc, 0, 0, &idx, &v) == AR_OK);
    if (nsc == 2 && idx == 0) {
      sent++;
    } else {
      sum += v;
      got++;
    }
  }
  ar_chan_close(f.in);
  for (int i = 0; i < 3; i++)
    pthread_join(th[i], NULL);
  CHECK_EQ_INT(got, f.per);
  CHECK(sum == f.per * (f.per - 1) / 2);
  CHECK_EQ_INT(atomic_load(&f.moved), f.per);
  ar_chan_release(f.in);
  ar_chan_release(f.out);
}

/* ====================================================== actor (mock) path */

static void test_actor_recv_suspends(void) {
  ar_chan *c = ar_chan_new(0, NULL);
  ar_chan_op *op = NULL;
  uint64_t v = 0;
  CHECK(ar_chan_recv(fake_self, c, &v, &op) == AR_AGAIN);
  ar_waiter *w = mock_take();
  REQUIRE(op && w);
  CHECK(ar_chan_try_send(c, 123) == AR_OK); /* hands it to the waiter */
  CHECK(atomic_load(&w->woken) == 1);
  CHECK(w->kind == AR_EV_CHAN_RECV && w->u == 123 && w->p == op);
  int32_t idx;
  CHECK(ar_chan_op_end(op, &idx, &v) == AR_OK);
  CHECK(idx == 0 && v == 123);
  ar_waiter_release(w);
  /* send side: full buffer, suspended sender is moved into the buffer */
  ar_chan_release(c);
  c = ar_chan_new(1, NULL);
  CHECK(ar_chan_send(fake_self, c, 1, &op) == AR_OK);
  CHECK(ar_chan_send(fake_self, c, 2, &op) == AR_AGAIN);
  w = mock_take();
  CHECK(ar_chan_try_recv(c, &v) == AR_OK && v == 1);
  CHECK(atomic_load(&w->woken) == 1 && w->kind == AR_EV_CHAN_SEND);
  CHECK(ar_chan_op_end(op, &idx, NULL) == AR_OK);
  CHECK(ar_chan_try_recv(c, &v) == AR_OK && v == 2);
  ar_waiter_release(w);
  /* close wakes a suspended sender with AR_EV_CHAN_CLOSED */
  CHECK(ar_chan_send(fake_self, c, 3, &op) == AR_OK);
  CHECK(ar_chan_send(fake_self, c, 4, &op) == AR_AGAIN);
  w = mock_take();
  ar_chan_close(c);
  CHECK(w->kind == AR_EV_CHAN_CLOSED);
  CHECK(ar_chan_op_end(op, &idx, NULL) == AR_CLOSED);
  ar_waiter_release(w);
  ar_chan_release(c);
}

static void test_actor_select_timeout_and_cancel(void) {
  ar_chan *a = ar_chan_new(0, NULL);
  ar_chan *b = ar_chan_new(0, NULL);
  ar_select_case cases[2] = {{a, 0, false}, {b, 9, true}};
  ar_chan_op *op = NULL;
  int32_t idx;
  uint64_t v;
  CHECK(ar_select(fake_self, cases, 2, AR_SELECT_AFTER, 5000000, &idx, &v,
                  &op) == AR_AGAIN);
  ar_waiter *w = mock_take();
  REQUIRE(w);
  CHECK(w->timeout_ns == 5000000);
  /* the timer fires: claim + wake, as the scheduler's timer does */
  CHECK(ar_waiter_claim(w));
  ar_waiter_wake(w, AR_EV_TIMEOUT, 0, NULL);
  CHECK(ar_chan_op_end(op, &idx, &v) == AR_TIMEOUT);
  CHECK_EQ_INT(idx, AR_SELECT_IDX_TIMEOUT);
  ar_waiter_release(w);
  /* no stale entries left behind */
  CHECK(ar_chan_try_send(a, 1) == AR_FULL);
  CHECK(ar_chan_try_recv(b, &v) == AR_AGAIN);

  /* the send case fires through a receiver */
  CHECK(ar_select(fake_self, cases, 2, 0, 0, &idx, &v, &op) == AR_AGAIN);
  w = mock_take();
  CHECK(ar_chan_try_recv(b, &v) == AR_OK && v == 9);
  CHECK(w->kind == AR_EV_SELECT);
  CHECK(ar_chan_op_end(op, &idx, &v) == AR_OK && idx == 1);
  ar_waiter_release(w);
  CHECK(ar_chan_try_send(a, 1) == AR_FULL);

  /* cancel: op_end without any event */
  CHECK(ar_select(fake_self, cases, 2, 0, 0, &idx, &v, &op) == AR_AGAIN);
  w = mock_take();
  CHECK(ar_chan_op_end(op, &idx, &v) == AR_AGAIN);
  CHECK(!ar_waiter_claim(w)); /* cancelled ops stay claimed */
  CHECK(ar_chan_try_send(a, 1) == AR_FULL);
  ar_waiter_release(w);
  ar_chan_release(a);
  ar_chan_release(b);
}

/* Mock actors under contention: "actor" threads use the suspending API and
 * wait on their waiter; plain threads produce and close.  Exercises claim
 * races between a select registered on two channels, producers on both, and
 * close. */
typedef struct mact {
  ar_chan *c[2];
  uint64_t per;
  _Atomic uint64_t got;
  _Atomic uint64_t sum;
} mact;

typedef struct mact_prod {
  mact *m;
  int which;
} mact_prod;

static void *mact_producer(void *p) {
  mact_prod *pp = p;
  for (uint64_t i = 0; i < pp->m->per; i++)
    CHECK(ar_chan_send_blocking(pp->m->c[pp->which], i) == AR_OK);
  ar_chan_close(pp->m->c[pp->which]);
  return NULL;
}

static void *mact_actor(void *p) {
  mact *m = p;
  int open = 3; /* bit i: channel i not yet seen closed */
  uint64_t got = 0;
  uint64_t sum = 0;
  while (open) {
    ar_select_case sc[2] = {{(open & 1) ? m->c[0] : NULL, 0, false},
                            {(open & 2) ? m->c[1] : NULL, 0, false}};
    ar_chan_op *op = NULL;
    int32_t idx = -5;
    uint64_t v = 0;
    ar_status st = ar_select(fake_self, sc, 2, 0, 0, &idx, &v, &op);
    if (st == AR_AGAIN) {
      ar_waiter *w = mock_take();
      mock_wait_woken(w);
      CHECK(w->kind == AR_EV_SELECT && w->p == op && w->u <= 1);
      st = ar_chan_op_end(op, &idx, &v);
      ar_waiter_release(w);
    }
    if (idx < 0 || idx > 1) {
      CHECK(!"bad select index");
      break;
    }
    if (st == AR_CLOSED) {
      open &= ~(1 << idx);
      continue;
    }
    CHECK(st == AR_OK);
    got++;
    sum += v;
  }
  atomic_fetch_add(&m->got, got);
  atomic_fetch_add(&m->sum, sum);
  return NULL;
}

static void test_actor_select_mt(void) {
  mact m;
  m.c[0] = ar_chan_new(0, NULL);
  m.c[1] = ar_chan_new(4, NULL);
  m.per = 100000 / SCALE;
  atomic_init(&m.got, 0);
  atomic_init(&m.sum, 0);
  mact_prod pp[2] = {{&m, 0}, {&m, 1}};
  pthread_t th[4];
  pthread_create(&th[0], NULL, mact_actor, &m);
  pthread_create(&th[1], NULL, mact_actor, &m);
  pthread_create(&th[2], NULL, mact_producer, &pp[0]);
  pthread_create(&th[3], NULL, mact_producer, &pp[1]);
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  CHECK_EQ_INT(atomic_load(&m.got), 2 * m.per);
  CHECK(atomic_load(&m.sum) == m.per * (m.per - 1));
  ar_chan_release(m.c[0]);
  ar_chan_release(m.c[1]);
}

int main(void) {
  RUN(test_buffered_fifo);
  RUN(test_rendezvous_try);
  RUN(test_close_drain);
  RUN(test_close_wakes_waiters);
  RUN(test_rendezvous_blocks);
  RUN(test_mpmc_buffered);
  RUN(test_mpmc_small_buffer);
  RUN(test_mpmc_rendezvous);
  RUN(test_mpmc_select_recv);
  RUN(test_select_fairness);
  RUN(test_select_fairness_deviation);
  RUN(test_select_default_and_after);
  RUN(test_select_blocking_wakes_once);
  RUN(test_select_send_cases_mt);
  RUN(test_actor_recv_suspends);
  RUN(test_actor_select_timeout_and_cancel);
  RUN(test_actor_select_mt);
  return check_report();
}
