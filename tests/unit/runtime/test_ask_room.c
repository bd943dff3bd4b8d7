/* test_ask_room.c — ar_ask to a full bounded `block` mailbox waits for
 * room instead of failing (ar.h ar_ask, SCHEDULER.md 6.1). */
#include "ar.h"
#include "check.h"
#include "rt_test.h"

#include <stdatomic.h>
#include <string.h>

enum { M_FILL = 1, M_REQ, M_REP };
#define MS 1000000LL

static void svc_dispatch(ar_actor *self, ar_msg *m) {
  (void)self;
  if (m->type == M_REQ) {
    ar_msg *r = ar_msg_alloc(M_REP, sizeof(int64_t));
    *AR_MSG_PAYLOAD(r, int64_t) = *AR_MSG_PAYLOAD(m, int64_t) + 1;
    ar_reply(m, r);
  }
  ar_msg_free(m);
}
static const ar_actor_type svc_type = {.name = "svc",
                                       .size = sizeof(ar_actor),
                                       .dispatch = svc_dispatch,
                                       .mailbox_capacity = 2,
                                       .mailbox_policy = AR_MB_BLOCK};

typedef struct {
  ar_actor base;
  ar_actor *svc;
  int fill_full;
  int kind;
  int64_t value;
} asker_st;
static asker_st res_;

static void asker_start(ar_actor *self) {
  asker_st *s = (asker_st *)self;
  /* the service is not started yet: fill its mailbox to capacity */
  ar_msg *f;
  while (ar_send(s->svc, f = ar_msg_alloc(M_FILL, 0)) == AR_OK)
    ;
  ar_msg_free(f); /* AR_FULL: the refused fill is still ours */
  s->fill_full = 1;
  ar_msg *q = ar_msg_alloc(M_REQ, sizeof(int64_t));
  *AR_MSG_PAYLOAD(q, int64_t) = 41;
  ar_ask(self, s->svc, q, 5000 * MS);
  ar_actor_start(s->svc); /* now it drains and makes room */
}
static void asker_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  (void)u;
  asker_st *s = (asker_st *)self;
  s->kind = kind;
  if (kind == AR_EV_REPLY) {
    s->value = *AR_MSG_PAYLOAD((ar_msg *)p, int64_t);
    ar_msg_free(p);
  }
  memcpy(&res_, s, sizeof res_);
}
static const ar_actor_type asker_type = {.name = "asker",
                                         .size = sizeof(asker_st),
                                         .resume = asker_resume,
                                         .on_start = asker_start};

static void start(void *arg) {
  (void)arg;
  asker_st *a = (asker_st *)ar_actor_new(&asker_type);
  a->svc = ar_actor_new(&svc_type);
  ar_actor_start(&a->base);
  ar_actor_release(&a->base);
}

static void test_ask_waits_for_room(void) {
  memset(&res_, 0, sizeof res_);
  CHECK_EQ_INT(ar_run_fn(start, NULL), 0);
  CHECK_EQ_INT(res_.kind, AR_EV_REPLY); /* was AR_EV_FAILED at once */
  CHECK_EQ_INT(res_.value, 42);
}

int main(void) {
  RUN(test_ask_waits_for_room);
  return check_report();
}
