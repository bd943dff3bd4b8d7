/* test_help.c — helping (SCHEDULER.md 6.6): a sender held at the in-flight
 * bound runs the turns of consumers queued on its own worker, nested.  A
 * fan-out of K slow consumers, one of which faults part-way (inside a
 * nested turn or not) and one of which suspends on an ask every few
 * thousand messages: every healthy consumer gets every payload once, in
 * order; the faulting one stops alone; the asks are all answered.  With
 * one worker the consumers can only run as nested turns (and memory stays
 * bounded); with two, nested and ordinary turns mix.  Also under TSan and
 * ASan. */
#include "ar.h"
#include "check.h"
#include "rt_test.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_VAL = 1, M_GO, M_REQ, M_REP };
#define K 16
#define FAULTY 3
#define ASKER 5
#define ASK_EVERY 4000
#define FAULT_AT 1500

typedef struct {
  ar_actor base;
  int idx;
  int64_t n, seen, sum, next_expected;
  int order_ok;
  uint64_t acc[8];
} cons_st;

static int64_t sums_[K], seen_[K], order_ok_[K];
static _Atomic int answers_, asks_;
static ar_actor *echo_;

static void cons_dispatch(ar_actor *self, ar_msg *m) {
  cons_st *s = (cons_st *)self;
  int64_t v = *AR_MSG_PAYLOAD(m, int64_t);
  ar_msg_free(m);
  if (v != s->next_expected)
    s->order_ok = 0;
  s->next_expected = v + 1;
  s->sum += v;
  s->seen++;
  /* slower than the sender, so its messages pile up to the bound (memory
   * work, so that sanitizers slow it down as much as the runtime) */
  volatile uint64_t *acc = s->acc;
  for (int i = 0; i < 200; i++)
    acc[i & 7] = acc[i & 7] * 31u + (uint64_t)v;
  if (s->idx == FAULTY && s->seen == FAULT_AT)
    ar_fail(self, "consumer fault on purpose");
  if (s->idx == ASKER && s->seen % ASK_EVERY == 0) {
    ar_msg *q = ar_msg_alloc(M_REQ, sizeof(int64_t));
    *AR_MSG_PAYLOAD(q, int64_t) = s->seen;
    atomic_fetch_add(&asks_, 1);
    ar_ask(self, echo_, q, -1);
  }
}
static void cons_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  cons_st *s = (cons_st *)self;
  (void)u;
  if (kind == AR_EV_REPLY) {
    ar_msg *r = p;
    if (*AR_MSG_PAYLOAD(r, int64_t) == s->seen + 1)
      atomic_fetch_add(&answers_, 1);
    ar_msg_free(r);
  }
}
static void cons_stop(ar_actor *self) {
  cons_st *s = (cons_st *)self;
  sums_[s->idx] = s->sum;
  seen_[s->idx] = s->seen;
  order_ok_[s->idx] = s->order_ok;
}
static const ar_actor_type cons_type = {.name = "consumer",
                                        .size = sizeof(cons_st),
                                        .dispatch = cons_dispatch,
                                        .resume = cons_resume,
                                        .on_stop = cons_stop};

static void echo_dispatch(ar_actor *self, ar_msg *m) {
  (void)self;
  ar_msg *r = ar_msg_alloc(M_REP, sizeof(int64_t));
  *AR_MSG_PAYLOAD(r, int64_t) = *AR_MSG_PAYLOAD(m, int64_t) + 1;
  ar_reply(m, r);
  ar_msg_free(m);
}
static const ar_actor_type echo_type = {
    .name = "echo", .size = sizeof(ar_actor), .dispatch = echo_dispatch};

typedef struct {
  ar_actor base;
  ar_actor *c[K];
  int64_t n;
} send_st;

static void send_dispatch(ar_actor *self, ar_msg *m) {
  send_st *s = (send_st *)self;
  ar_msg_free(m);
  for (int64_t r = 0; r < s->n; r++)
    for (int i = 0; i < K; i++) {
      ar_msg *v = ar_msg_alloc(M_VAL, sizeof(int64_t));
      *AR_MSG_PAYLOAD(v, int64_t) = r;
      ar_send(s->c[i], v);
    }
  for (int i = 0; i < K; i++) {
    ar_actor_release(s->c[i]);
    s->c[i] = NULL;
  }
}
static const ar_actor_type send_type = {
    .name = "sender", .size = sizeof(send_st), .dispatch = send_dispatch};

static void fan_start(void *arg) {
  int64_t n = *(int64_t *)arg;
  echo_ = ar_spawn(&echo_type);
  ar_actor_release(echo_); /* alive until shutdown; consumers use the pointer */
  send_st *s = (send_st *)ar_actor_new(&send_type);
  s->n = n;
  for (int i = 0; i < K; i++) {
    cons_st *c = (cons_st *)ar_actor_new(&cons_type);
    c->idx = i;
    c->n = n;
    c->order_ok = 1;
    s->c[i] = &c->base;
    ar_actor_start(&c->base);
  }
  ar_actor_start(&s->base);
  ar_send(&s->base, ar_msg_alloc(M_GO, 0));
  ar_actor_release(&s->base);
}

static void fanout(int threads) {
  char th[8];
  snprintf(th, sizeof th, "%d", threads);
  setenv("ACTOR_THREADS", th, 1);
  int64_t n = rt_scaled(60000);
  if (n < 20000)
    n = 20000; /* K * n well above the bound of 65536 messages in flight */
  memset(sums_, 0, sizeof sums_);
  memset(seen_, 0, sizeof seen_);
  atomic_store(&answers_, 0);
  atomic_store(&asks_, 0);
  CHECK_EQ_INT(ar_run_fn(fan_start, &n), 0);
  for (int i = 0; i < K; i++) {
    if (i == FAULTY) {
      CHECK_EQ_INT(seen_[i], FAULT_AT);
      continue;
    }
    CHECK_EQ_INT(seen_[i], n);
    CHECK_EQ_INT(sums_[i], n * (n - 1) / 2);
    CHECK_EQ_INT(order_ok_[i], 1);
  }
  CHECK_EQ_INT(atomic_load(&asks_), n / ASK_EVERY);
  CHECK_EQ_INT(atomic_load(&answers_), n / ASK_EVERY);
  ar_runtime_stats st;
  ar_runtime_get_stats(&st);
  CHECK_EQ_INT(st.failed_actors, 1);
  printf("# %d workers: %lld turns helped\n", threads, (long long)st.helped);
  /* one worker: the consumers can only run nested in the sender's
   * handler (with two, the other worker may get to all of them first) */
  if (threads == 1)
    CHECK(st.helped > 0);
}

static void test_fanout_one_worker(void) { fanout(1); }
static void test_fanout_two_workers(void) { fanout(2); }

int main(void) {
  RUN(test_fanout_one_worker);
  RUN(test_fanout_two_workers);
  unsetenv("ACTOR_THREADS");
  return check_report();
}
