/* test_backpressure.c — mailbox policies and overload backpressure
 * (SCHEDULER.md 6): a producer about 100x faster than its consumer; for
 * every policy the mailbox high-water mark stays bounded (memory does not
 * grow with the number of messages) and everything is accounted for:
 * delivered + dropped (+ refused) == sent. */
#include "ar.h"
#include "check.h"
#include "rt_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_ITEM = 1, M_NEXT };
#define CAP 64

typedef struct {
  ar_actor base;
  int64_t got;
  ar_actor_stats st;
} cons_st;
static cons_st cons_;

static void cons_dispatch(ar_actor *self, ar_msg *m) {
  cons_st *c = (cons_st *)self;
  ar_msg_free(m);
  c->got++;
  int64_t until = ar_now_ns() + 10000; /* 10 us of "work" */
  while (ar_now_ns() < until)
    ;
}
static void cons_stop(ar_actor *self) {
  cons_st *c = (cons_st *)self;
  ar_actor_get_stats(self, &c->st);
  memcpy(&cons_, c, sizeof cons_);
}

typedef struct {
  ar_actor base;
  ar_actor *to;
  int64_t n, sent, refused, dropped, full;
  ar_msg *pending; /* kept after AR_FULL, retried on SEND_READY */
} prod_st;
static prod_st prod_;

/* A burst of 2 x CAP items per turn: more than a bounded mailbox holds even
 * when the scheduler runs producer and consumer on one worker, turn about
 * (a loaded machine), so every policy meets a full mailbox. */
#define BURST (2 * CAP)

static void prod_step(prod_st *p) {
  for (int k = 0; p->sent < p->n; k++) {
    ar_msg *m = p->pending ? p->pending : ar_msg_alloc(M_ITEM, 8);
    p->pending = NULL;
    ar_status st = ar_send(p->to, m);
    if (st == AR_FULL) {
      p->full++;
      p->pending = m;
      ar_send_wait(&p->base, p->to);
      return; /* suspended until there is room */
    }
    p->sent++;
    if (st == AR_REFUSED)
      p->refused++;
    if (st == AR_DROPPED)
      p->dropped++;
    if (k + 1 < BURST)
      continue;
    /* then continue through our own mailbox, so that the runtime can
     * deschedule (mute) us between bursts */
    ar_send(&p->base, ar_msg_alloc(M_NEXT, 0));
    return;
  }
}
static void prod_dispatch(ar_actor *self, ar_msg *m) {
  ar_msg_free(m);
  prod_step((prod_st *)self);
}
static void prod_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  (void)u;
  (void)p;
  if (kind == AR_EV_SEND_READY)
    prod_step((prod_st *)self);
}
static void prod_start(ar_actor *self) { prod_step((prod_st *)self); }
static void prod_stop(ar_actor *self) { memcpy(&prod_, self, sizeof prod_); }
static const ar_actor_type prod_type = {.name = "producer",
                                        .size = sizeof(prod_st),
                                        .dispatch = prod_dispatch,
                                        .resume = prod_resume,
                                        .on_start = prod_start,
                                        .on_stop = prod_stop};

typedef struct {
  ar_actor_type ct;
  int64_t n;
} bp_case;

static void bp_start(void *arg) {
  bp_case *c = arg;
  ar_actor *cons = ar_spawn(&c->ct);
  prod_st *p = (prod_st *)ar_actor_new(&prod_type);
  p->to = cons;
  p->n = c->n;
  ar_actor_start(&p->base);
  ar_actor_release(&p->base);
}

static void run_policy(uint32_t cap, uint8_t policy, const char *name) {
  bp_case c = {.ct = {.name = "consumer",
                      .size = sizeof(cons_st),
                      .dispatch = cons_dispatch,
                      .on_stop = cons_stop,
                      .mailbox_capacity = cap,
                      .mailbox_policy = policy},
               .n = rt_scaled(10000)};
  memset(&cons_, 0, sizeof cons_);
  memset(&prod_, 0, sizeof prod_);
  CHECK_EQ_INT(ar_run_fn(bp_start, &c), 0);
  ar_runtime_stats st;
  ar_runtime_get_stats(&st);
  printf("  %-12s sent %lld delivered %lld dropped %llu refused %llu "
         "mailbox high-water %u, mutes %llu, full %lld\n",
         name, (long long)prod_.sent, (long long)cons_.got,
         (unsigned long long)cons_.st.dropped,
         (unsigned long long)cons_.st.refused, cons_.st.mailbox_hwm,
         (unsigned long long)st.mutes, (long long)prod_.full);
  CHECK_EQ_INT(prod_.sent, c.n);
  CHECK_EQ_INT(cons_.got + (int64_t)cons_.st.dropped +
                   (int64_t)cons_.st.refused,
               c.n);
  CHECK_EQ_INT(st.dropped, cons_.st.dropped);
  CHECK_EQ_INT(st.refused, cons_.st.refused);
}

static void test_block(void) {
  run_policy(CAP, AR_MB_BLOCK, "block");
  CHECK_EQ_INT(cons_.got, prod_.n); /* nothing lost */
  CHECK(prod_.full > 0);            /* the producer did wait */
  CHECK(cons_.st.mailbox_hwm <= CAP);
}

static void test_drop_newest(void) {
  run_policy(CAP, AR_MB_DROP_NEWEST, "drop_newest");
  CHECK(cons_.st.dropped > 0);
  CHECK_EQ_INT(prod_.dropped, (int64_t)cons_.st.dropped);
  CHECK(cons_.st.mailbox_hwm <= CAP);
}

static void test_drop_oldest(void) {
  run_policy(CAP, AR_MB_DROP_OLDEST, "drop_oldest");
  CHECK(cons_.st.dropped > 0);
  CHECK(cons_.st.mailbox_hwm <= CAP + 512); /* bounded, not ~n */
}

static void test_fail(void) {
  run_policy(CAP, AR_MB_FAIL, "fail");
  CHECK(cons_.st.refused > 0);
  CHECK_EQ_INT(prod_.refused, (int64_t)cons_.st.refused);
  CHECK(cons_.st.mailbox_hwm <= CAP);
}

static void test_unbounded_overload(void) {
  run_policy(0, 0, "unbounded");
  CHECK_EQ_INT(cons_.got, prod_.n);
  CHECK(cons_.st.mailbox_hwm > 0);
  /* without muting the backlog would reach ~n: overload backpressure keeps
   * it near one batch */
  CHECK(cons_.st.mailbox_hwm <= 2048);
}

int main(void) {
  RUN(test_block);
  RUN(test_drop_newest);
  RUN(test_drop_oldest);
  RUN(test_fail);
  RUN(test_unbounded_overload);
  return check_report();
}
