/* test_prio.c — mailbox priorities (SCHEDULER.md 4): higher first, FIFO
 * within a priority, a high-priority message overtakes a queued backlog,
 * and the anti-starvation bound: the oldest waiting message is overtaken
 * at most ARI_PRIO_STARVE_K (= 8) times. */
#include "ar.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXREC 5000
typedef struct {
  int prio;
  int seq;
} rec;
static rec got_[MAXREC];
static int ngot_;

static void rec_dispatch(ar_actor *self, ar_msg *m) {
  (void)self;
  if (ngot_ < MAXREC) {
    got_[ngot_].prio = m->priority;
    got_[ngot_].seq = *AR_MSG_PAYLOAD(m, int);
    ngot_++;
  }
  ar_msg_free(m);
}
static const ar_actor_type rec_type = {
    .name = "rec", .size = sizeof(ar_actor), .dispatch = rec_dispatch};

typedef struct {
  const int *prios;
  int n;
} plan;

/* the receiver is created but started only after everything is queued */
static void plan_start(void *arg) {
  plan *p = arg;
  ar_actor *r = ar_actor_new(&rec_type);
  for (int i = 0; i < p->n; i++) {
    ar_msg *m = ar_msg_alloc(1, sizeof(int));
    m->priority = (uint8_t)p->prios[i];
    *AR_MSG_PAYLOAD(m, int) = i;
    ar_send(r, m);
  }
  ar_actor_start(r);
  ar_actor_release(r);
}

static void run_plan(const int *prios, int n) {
  ngot_ = 0;
  plan p = {prios, n};
  CHECK_EQ_INT(ar_run_fn(plan_start, &p), 0);
  CHECK_EQ_INT(ngot_, n);
}

static void test_priority_order(void) {
  static const int prios[] = {128, 200, 10, 255, 128, 200};
  run_plan(prios, 6);
  static const int expect_seq[] = {3, 1, 5, 0, 4, 2};
  for (int i = 0; i < 6; i++)
    CHECK_EQ_INT(got_[i].seq, expect_seq[i]);
}

static void test_fifo_within_priority(void) {
  int prios[300];
  for (int i = 0; i < 300; i++)
    prios[i] = (i % 3 == 0) ? 50 : 128;
  run_plan(prios, 300);
  int last50 = -1, last128 = -1;
  for (int i = 0; i < ngot_; i++) {
    if (got_[i].prio == 50) {
      CHECK(got_[i].seq > last50);
      last50 = got_[i].seq;
    } else {
      CHECK(got_[i].seq > last128);
      last128 = got_[i].seq;
    }
  }
}

static void test_high_overtakes_backlog(void) {
  int prios[1001];
  for (int i = 0; i < 1000; i++)
    prios[i] = 128;
  prios[1000] = 255;
  run_plan(prios, 1001);
  CHECK_EQ_INT(got_[0].seq, 1000); /* the urgent one first */
  for (int i = 1; i < 1001; i++)
    CHECK_EQ_INT(got_[i].seq, i - 1); /* the rest in order */
}

static void test_starvation_bound(void) {
  enum { K = 8, N = 2000 };
  int prios[N + 1];
  prios[0] = 0; /* the lowest, oldest */
  for (int i = 1; i <= N; i++)
    prios[i] = 255;
  run_plan(prios, N + 1);
  int pos = -1;
  for (int i = 0; i < ngot_; i++)
    if (got_[i].seq == 0)
      pos = i;
  printf("  low-priority message delivered at position %d (bound %d)\n", pos,
         K);
  CHECK(pos >= 0 && pos <= K);
  /* a second low one behind many highs: also within the bound once it is
   * the oldest */
  prios[1000] = 1;
  run_plan(prios, N + 1);
  int p0 = -1, p1 = -1;
  for (int i = 0; i < ngot_; i++) {
    if (got_[i].seq == 0)
      p0 = i;
    if (got_[i].seq == 1000)
      p1 = i;
  }
  CHECK(p0 >= 0 && p0 <= K);
  /* seq 1000 becomes the oldest after 999 older highs are delivered; those
   * go at most (K+1) deliveries apart: bounded, and well before the end */
  CHECK(p1 > p0 && p1 < N);
}

int main(void) {
  RUN(test_priority_order);
  RUN(test_fifo_within_priority);
  RUN(test_high_overtakes_backlog);
  RUN(test_starvation_bound);
  return check_report();
}
