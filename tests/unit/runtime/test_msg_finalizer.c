/* test_msg_finalizer.c — ar_set_msg_finalizer: every user message the
 * runtime frees without delivering it (dead target, drop_newest, refused,
 * drop_oldest, still queued at shutdown, delayed send pending at shutdown)
 * goes through the finalizer, which drops the payload's owned pointer and
 * calls ar_msg_free (ar.h).  Leak-checked under ASan. */
#include "ar.h"
#include "check.h"
#include "rt_test.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { M_OWN = 1 };
#define MS 1000000LL

typedef struct {
  char *owned; /* malloc'd: only the finalizer or a handler frees it */
} own_payload;

static _Atomic int n_final_, n_alloc_, n_handled_;

static void fin(ar_msg *m) {
  if (m->type == M_OWN)
    free(AR_MSG_PAYLOAD(m, own_payload)->owned);
  atomic_fetch_add(&n_final_, 1);
  ar_msg_free(m);
}

static ar_msg *own_msg(void) {
  ar_msg *m = ar_msg_alloc(M_OWN, sizeof(own_payload));
  AR_MSG_PAYLOAD(m, own_payload)->owned = malloc(16);
  atomic_fetch_add(&n_alloc_, 1);
  return m;
}

static void sink_dispatch(ar_actor *self, ar_msg *m) {
  (void)self;
  free(AR_MSG_PAYLOAD(m, own_payload)->owned);
  atomic_fetch_add(&n_handled_, 1);
  ar_msg_free(m);
}
static void stop_start(ar_actor *self) { ar_stop(self); }
static const ar_actor_type dead_type = {.name = "dead",
                                        .size = sizeof(ar_actor),
                                        .dispatch = sink_dispatch,
                                        .on_start = stop_start};
static const ar_actor_type newest_type = {.name = "newest",
                                          .size = sizeof(ar_actor),
                                          .dispatch = sink_dispatch,
                                          .mailbox_capacity = 2,
                                          .mailbox_policy = AR_MB_DROP_NEWEST};
static const ar_actor_type refuse_type = {.name = "refuse",
                                          .size = sizeof(ar_actor),
                                          .dispatch = sink_dispatch,
                                          .mailbox_capacity = 2,
                                          .mailbox_policy = AR_MB_FAIL};
static const ar_actor_type oldest_type = {.name = "oldest",
                                          .size = sizeof(ar_actor),
                                          .dispatch = sink_dispatch,
                                          .mailbox_capacity = 2,
                                          .mailbox_policy = AR_MB_DROP_OLDEST};
static const ar_actor_type idle_type = {.name = "idle",
                                        .size = sizeof(ar_actor),
                                        .dispatch = sink_dispatch};

static void start(void *arg) {
  (void)arg;
  /* dead target: wait (bounded) until it stopped, then send */
  ar_actor *d = ar_spawn(&dead_type);
  int64_t t0 = ar_now_ns();
  while (!ar_actor_is_dead(d) && ar_now_ns() - t0 < 5000 * MS)
    ;
  CHECK_EQ_INT(ar_send(d, own_msg()), AR_DEAD);
  ar_actor_release(d);
  /* bounded policies, target not started yet: 2 fit, 3 more do not */
  ar_actor *nw = ar_actor_new(&newest_type);
  ar_actor *rf = ar_actor_new(&refuse_type);
  ar_actor *od = ar_actor_new(&oldest_type);
  for (int i = 0; i < 5; i++) {
    ar_send(nw, own_msg()); /* 3 AR_DROPPED */
    ar_send(rf, own_msg()); /* 3 AR_REFUSED */
    ar_send(od, own_msg()); /* accepted; 3 dropped when it runs */
  }
  ar_actor_start(nw);
  ar_actor_start(rf);
  ar_actor_start(od);
  ar_actor_release(nw);
  ar_actor_release(rf);
  ar_actor_release(od);
  /* never started: its 2 messages are still queued at shutdown; plus a
   * delayed send that is still pending then (ar_exit ends the run) */
  ar_actor *idle = ar_actor_new(&idle_type);
  ar_send(idle, own_msg());
  ar_send(idle, own_msg());
  ar_send_after(idle, own_msg(), 60000 * MS);
  (void)idle; /* its reference lives until shutdown */
}

static void exit_start(void *arg) {
  start(arg);
  ar_exit(0);
}

static void test_finalizer_sees_every_discarded_message(void) {
  atomic_store(&n_final_, 0);
  atomic_store(&n_alloc_, 0);
  atomic_store(&n_handled_, 0);
  ar_set_msg_finalizer(fin);
  CHECK_EQ_INT(ar_run_fn(exit_start, NULL), 0);
  ar_set_msg_finalizer(NULL);
  /* everything allocated was either handled or finalized: no leak */
  CHECK_EQ_INT(atomic_load(&n_alloc_), 1 + 15 + 3);
  CHECK_EQ_INT(atomic_load(&n_handled_) + atomic_load(&n_final_),
               atomic_load(&n_alloc_));
  /* at least 1 dead + 3 dropped + 3 refused + 3 idle at shutdown; the
   * bounded actors' other messages are handled, dropped (drop_oldest) or
   * still queued when ar_exit ends the run */
  CHECK(atomic_load(&n_final_) >= 10);
}

int main(void) {
  RUN(test_finalizer_sees_every_discarded_message);
  return check_report();
}
