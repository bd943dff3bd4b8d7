/* test_ask_reason.c — an ask whose target fails (ar_fail or a caught
 * signal path) fails the asker with the target's failure reason, both for
 * the request being handled and for asks still queued behind it
 * (SCHEDULER.md 5, 7.1; ar.h ar_ask). */
#include "ar.h"
#include "check.h"
#include "rt_test.h"

#include <stdatomic.h>
#include <string.h>

enum { M_REQ = 1 };
#define MS 1000000LL

static void boom_dispatch(ar_actor *self, ar_msg *m) {
  (void)m;
  ar_fail(self, "target exploded");
}
static const ar_actor_type boom_type = {
    .name = "boom", .size = sizeof(ar_actor), .dispatch = boom_dispatch};

typedef struct {
  ar_actor base;
  ar_actor *target;
} asker_st;

static _Atomic int n_asked_, n_resumed_, n_reason_ok_;

static void asker_start(ar_actor *self) {
  asker_st *s = (asker_st *)self;
  ar_ask(self, s->target, ar_msg_alloc(M_REQ, 0), 5000 * MS);
  atomic_fetch_add(&n_asked_, 1);
}
static void asker_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  (void)self;
  (void)u;
  atomic_fetch_add(&n_resumed_, 1);
  if (kind == AR_EV_FAILED && p && strcmp(p, "target exploded") == 0)
    atomic_fetch_add(&n_reason_ok_, 1);
}
static const ar_actor_type asker_type = {.name = "asker",
                                         .size = sizeof(asker_st),
                                         .resume = asker_resume,
                                         .on_start = asker_start};

/* the target is started only after every asker asked: the first request
 * is being handled when it fails, the others are queued behind it */
static void start(void *arg) {
  int n = *(int *)arg;
  ar_actor *t = ar_actor_new(&boom_type);
  for (int i = 0; i < n; i++) {
    asker_st *a = (asker_st *)ar_actor_new(&asker_type);
    a->target = t;
    ar_actor_start(&a->base);
    ar_actor_release(&a->base);
  }
  /* wait (bounded) until every asker asked the not yet started target */
  int64_t t0 = ar_now_ns();
  while (atomic_load(&n_asked_) < n && ar_now_ns() - t0 < 5000 * MS)
    ;
  ar_actor_start(t);
  ar_actor_release(t);
}

static void test_fault_reason_reaches_askers(void) {
  int n = 4;
  atomic_store(&n_asked_, 0);
  atomic_store(&n_resumed_, 0);
  atomic_store(&n_reason_ok_, 0);
  CHECK_EQ_INT(ar_run_fn(start, &n), 0);
  CHECK_EQ_INT(atomic_load(&n_resumed_), n);
  /* was "request dropped" for every one of them */
  CHECK_EQ_INT(atomic_load(&n_reason_ok_), n);
}

int main(void) {
  RUN(test_fault_reason_reaches_askers);
  return check_report();
}
