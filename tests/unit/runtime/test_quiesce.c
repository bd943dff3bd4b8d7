/* test_quiesce.c — quiescence at start-up (SCHEDULER.md 8): ar_run_fn's
 * start function runs on the main thread (not a worker) and spawns actors
 * while the workers are spinning, parking or parked.  The program must
 * not be declared finished before every spawned actor had its turn and
 * every message chain it started ran to the end.  Regression test for the
 * stale-`sleepers` race: a parker that joined while every other worker was
 * counted as parked, but one of them left meanwhile and took the work
 * before the parker's peeks, declared quiescence with that work running
 * (test_backpressure then saw "sent 0 delivered 0"), and the inject
 * queue's stranded tail (sched.c ari_inject_nonempty).  Many short runs,
 * with random delays so that the spawns land in every phase of parking. */
#include "ar.h"
#include "check.h"
#include "rt_test.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { M_HOP = 1 };
#define HOPS 4

static _Atomic int started_, hops_, stopped_early_;

typedef struct {
  ar_actor base;
  int left;
} q_actor;

static void q_dispatch(ar_actor *self, ar_msg *m) {
  q_actor *q = (q_actor *)self;
  ar_msg_free(m);
  atomic_fetch_add_explicit(&hops_, 1, memory_order_relaxed);
  if (--q->left > 0)
    ar_send(self, ar_msg_alloc(M_HOP, 0));
}
static void q_start(ar_actor *self) {
  q_actor *q = (q_actor *)self;
  atomic_fetch_add_explicit(&started_, 1, memory_order_relaxed);
  q->left = HOPS;
  ar_send(self, ar_msg_alloc(M_HOP, 0));
}
static void q_stop(ar_actor *self) {
  q_actor *q = (q_actor *)self;
  if (q->left != 0) /* on_stop at teardown before the chain ended */
    atomic_fetch_add_explicit(&stopped_early_, 1, memory_order_relaxed);
}
static const ar_actor_type q_type = {.name = "quiesce",
                                     .size = sizeof(q_actor),
                                     .dispatch = q_dispatch,
                                     .on_start = q_start,
                                     .on_stop = q_stop};

typedef struct {
  int n;        /* actors to spawn */
  long wait_ns; /* before spawning: workers spin, park or are parked */
} q_case;

static void q_start_fn(void *arg) {
  q_case *c = arg;
  if (c->wait_ns > 0) {
    struct timespec ts = {0, c->wait_ns};
    nanosleep(&ts, NULL);
  }
  /* short, uneven gaps: a worker drains the global queue between spawns,
   * so its pops race the next push (the stranded-tail case, sched.c
   * ari_inject_nonempty) */
  for (int i = 0; i < c->n; i++) {
    ar_actor_release(ar_spawn(&q_type));
    int64_t until = ar_now_ns() + (int64_t)((unsigned)i * 2654435761u % 1500);
    while (ar_now_ns() < until)
      ;
  }
}

/* One program: every actor started and finished its chain. */
static int q_run(int n, long wait_ns) {
  q_case c = {n, wait_ns};
  atomic_store(&started_, 0);
  atomic_store(&hops_, 0);
  atomic_store(&stopped_early_, 0);
  int rc = ar_run_fn(q_start_fn, &c);
  return rc == 0 && atomic_load(&started_) == n &&
         atomic_load(&hops_) == n * HOPS &&
         atomic_load(&stopped_early_) == 0;
}

static void run_many(const char *threads) {
  setenv("ACTOR_THREADS", threads, 1);
  int runs = (int)rt_scaled(3000), bad = 0, first_bad = -1;
  unsigned seed = 12345;
  for (int r = 0; r < runs; r++) {
    seed = seed * 1103515245u + 12345u;
    int n = 1 + (int)((seed >> 8) % 48);
    /* 0 (spawn while workers start), a few us (while they spin), or up to
     * 300 us (after they parked) */
    long w = (seed >> 16) % 3 == 0 ? 0 : (long)((seed >> 12) % 300000);
    if (!q_run(n, w)) {
      if (first_bad < 0)
        first_bad = r;
      bad++;
    }
  }
  unsetenv("ACTOR_THREADS");
  printf("  %s workers: %d runs, %d ended early (first at run %d)\n",
         threads, runs, bad, first_bad);
  CHECK_EQ_INT(bad, 0);
}

static void test_start_spawns_2(void) { run_many("2"); }
static void test_start_spawns_4(void) { run_many("4"); }

int main(void) {
  RUN(test_start_spawns_2);
  RUN(test_start_spawns_4);
  return check_report();
}
