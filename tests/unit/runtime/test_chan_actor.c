/* test_chan_actor.c — channels driven by real actors on the real scheduler
 * (libactor.a): suspension through ar_wait_begin / resume, wake-ups from
 * other actors, the `after` timer, close.  test_chan.c covers the protocol
 * with a mock; this file checks the integration.  Sizes shrink under
 * -DCHAN_TEST_SMALL (sanitizer builds).
 */
#include "ar.h"
#include "check.h"

#include <stdatomic.h>
#include <stdlib.h>

#ifdef CHAN_TEST_SMALL
#define SCALE 20
#else
#define SCALE 1
#endif

#define MAXP 8
#define BATCH 64 /* channel ops per handler turn before yielding */

enum { MSG_GO = 1 };

/* ---------------------------------------------------------------- state */

typedef struct world {
  ar_chan *c[2];
  int nprod;
  uint64_t per;
  _Atomic int producers_left[2];
  _Atomic int consumers_left;
  _Atomic uint64_t got;
  _Atomic uint64_t sum;
  _Atomic int bad;
  _Atomic int timeouts;
} world;

static world W;

typedef struct prod_actor {
  ar_actor base;
  int id;
  int ch;
  uint64_t next;
  ar_chan_op *op;
} prod_actor;

typedef struct cons_actor {
  ar_actor base;
  bool use_select;
  int open; /* select: bit i = channel i still open */
  ar_chan_op *op;
  uint64_t got;
  uint64_t sum;
  int64_t last[2][MAXP];
} cons_actor;

static void kick(ar_actor *self) {
  ar_send(self, ar_msg_alloc(MSG_GO, 0));
}

/* ---------------------------------------------------------------- producers */

static void prod_finish(prod_actor *s) {
  if (atomic_fetch_sub(&W.producers_left[s->ch], 1) == 1)
    CHECK(ar_chan_close(W.c[s->ch]) == AR_OK);
}

static void prod_loop(prod_actor *s) {
  for (int k = 0; k < BATCH; k++) {
    if (s->next == W.per) {
      prod_finish(s);
      return;
    }
    uint64_t v = (uint64_t)s->id << 40 | s->next;
    ar_chan_op *op = NULL;
    ar_status st = ar_chan_send(&s->base, W.c[s->ch], v, &op);
    if (st == AR_AGAIN) {
      s->op = op;
      return;
    }
    if (st != AR_OK) {
      atomic_fetch_add(&W.bad, 1);
      return;
    }
    s->next++;
  }
  kick(&s->base);
}

static void prod_dispatch(ar_actor *self, ar_msg *m) {
  ar_msg_free(m);
  prod_loop((prod_actor *)self);
}

static void prod_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  prod_actor *s = (prod_actor *)self;
  (void)u;
  if (kind != AR_EV_CHAN_SEND || p != s->op)
    atomic_fetch_add(&W.bad, 1);
  int32_t idx;
  ar_status st = ar_chan_op_end(s->op, &idx, NULL);
  s->op = NULL;
  if (st != AR_OK) {
    atomic_fetch_add(&W.bad, 1);
    return;
  }
  s->next++;
  prod_loop(s);
}

static const ar_actor_type prod_type = {"prod", sizeof(prod_actor),
                                        prod_dispatch, prod_resume, NULL,
                                        NULL, 0, 0};

/* ---------------------------------------------------------------- consumers */

static void cons_take(cons_actor *s, int ch, uint64_t v) {
  uint64_t id = v >> 40;
  uint64_t seq = v & ((1ull << 40) - 1);
  if (id >= MAXP || (int64_t)seq <= s->last[ch][id])
    atomic_fetch_add(&W.bad, 1);
  else
    s->last[ch][id] = (int64_t)seq;
  s->got++;
  s->sum += v;
}

static void cons_done(cons_actor *s) {
  atomic_fetch_add(&W.got, s->got);
  atomic_fetch_add(&W.sum, s->sum);
  if (atomic_fetch_sub(&W.consumers_left, 1) == 1)
    ar_exit(0);
}

/* one step; returns false when the actor suspended or finished */
static bool cons_step(cons_actor *s) {
  uint64_t v = 0;
  int32_t idx = 0;
  ar_chan_op *op = NULL;
  ar_status st;
  if (s->use_select) {
    ar_select_case sc[2] = {{(s->open & 1) ? W.c[0] : NULL, 0, false},
                            {(s->open & 2) ? W.c[1] : NULL, 0, false}};
    st = ar_select(&s->base, sc, 2, AR_SELECT_AFTER, 50000000, &idx, &v,
                   &op);
  } else {
    st = ar_chan_recv(&s->base, W.c[0], &v, &op);
  }
  if (st == AR_AGAIN) {
    s->op = op;
    return false;
  }
  if (st == AR_TIMEOUT) {
    atomic_fetch_add(&W.timeouts, 1);
    return true;
  }
  if (st == AR_CLOSED) {
    s->open &= ~(1 << idx);
    if (!s->use_select || !s->open) {
      cons_done(s);
      return false;
    }
    return true;
  }
  cons_take(s, idx, v);
  return true;
}

static void cons_loop(cons_actor *s) {
  for (int k = 0; k < BATCH; k++)
    if (!cons_step(s))
      return;
  kick(&s->base);
}

static void cons_dispatch(ar_actor *self, ar_msg *m) {
  ar_msg_free(m);
  cons_loop((cons_actor *)self);
}

static void cons_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  cons_actor *s = (cons_actor *)self;
  int32_t idx = -9;
  uint64_t v = 0;
  ar_status st = ar_chan_op_end(s->op, &idx, &v);
  s->op = NULL;
  if (kind == AR_EV_TIMEOUT) {
    if (st != AR_TIMEOUT)
      atomic_fetch_add(&W.bad, 1);
    atomic_fetch_add(&W.timeouts, 1);
  } else if (st == AR_CLOSED) {
    if (kind != (s->use_select ? AR_EV_SELECT : AR_EV_CHAN_CLOSED) || !p)
      atomic_fetch_add(&W.bad, 1);
    s->open &= ~(1 << idx);
    if (!s->use_select || !s->open) {
      cons_done(s);
      return;
    }
  } else if (st == AR_OK) {
    if (s->use_select ? (kind != AR_EV_SELECT || u != (uint64_t)idx)
                      : (kind != AR_EV_CHAN_RECV || u != v))
      atomic_fetch_add(&W.bad, 1);
    cons_take(s, idx, v);
  } else {
    atomic_fetch_add(&W.bad, 1);
  }
  cons_loop(s);
}

static const ar_actor_type cons_type = {"cons", sizeof(cons_actor),
                                        cons_dispatch, cons_resume, NULL,
                                        NULL, 0, 0};

/* ---------------------------------------------------------------- tests */

typedef struct scenario {
  uint32_t cap[2];
  int nprod;      /* per channel */
  int ncons;      /* plain receivers on channel 0 */
  int nsel;       /* select receivers on both channels */
  uint64_t per;   /* values per producer */
} scenario;

static void start_world(void *arg) {
  const scenario *sc = arg;
  for (int ch = 0; ch < 2; ch++) {
    for (int i = 0; i < sc->nprod; i++) {
      prod_actor *p = (prod_actor *)(void *)ar_actor_new(&prod_type);
      p->id = i;
      p->ch = ch;
      ar_actor_start(&p->base);
      kick(&p->base);
      ar_actor_release(&p->base);
    }
  }
  for (int i = 0; i < sc->ncons + sc->nsel; i++) {
    cons_actor *c = (cons_actor *)(void *)ar_actor_new(&cons_type);
    c->use_select = i >= sc->ncons;
    c->open = 3;
    for (int ch = 0; ch < 2; ch++)
      for (int j = 0; j < MAXP; j++)
        c->last[ch][j] = -1;
    ar_actor_start(&c->base);
    kick(&c->base);
    ar_actor_release(&c->base);
  }
}

static void run_world(const scenario *sc) {
  W.c[0] = ar_chan_new(sc->cap[0], NULL);
  W.c[1] = ar_chan_new(sc->cap[1], NULL);
  W.nprod = sc->nprod;
  W.per = sc->per;
  atomic_store(&W.producers_left[0], sc->nprod);
  atomic_store(&W.producers_left[1], sc->nprod);
  atomic_store(&W.consumers_left, sc->ncons + sc->nsel);
  atomic_store(&W.got, 0);
  atomic_store(&W.sum, 0);
  atomic_store(&W.bad, 0);
  atomic_store(&W.timeouts, 0);
  /* channel 1 only has select consumers; without them nobody drains it */
  REQUIRE(sc->nsel > 0 || sc->nprod == 0);
  int rc = ar_run_fn(start_world, (void *)sc);
  CHECK_EQ_INT(rc, 0);
  uint64_t per = sc->per;
  uint64_t expect_sum = 0;
  for (uint64_t id = 0; id < (uint64_t)sc->nprod; id++)
    expect_sum += 2 * ((id << 40) * per + per * (per - 1) / 2);
  CHECK_EQ_INT(atomic_load(&W.got), 2 * (uint64_t)sc->nprod * per);
  CHECK(atomic_load(&W.sum) == expect_sum);
  CHECK_EQ_INT(atomic_load(&W.bad), 0);
  ar_chan_release(W.c[0]);
  ar_chan_release(W.c[1]);
}

static void test_actors_buffered(void) {
  scenario sc = {{32, 8}, 3, 2, 2, 100000 / SCALE};
  run_world(&sc);
}

static void test_actors_rendezvous(void) {
  scenario sc = {{0, 0}, 2, 2, 2, 20000 / SCALE};
  run_world(&sc);
}

/* `after` through the scheduler's timer: nothing is ever sent */
typedef struct lonely_actor {
  ar_actor base;
  ar_chan_op *op;
  int rounds;
} lonely_actor;

static ar_chan *lonely_chan;
static _Atomic int lonely_bad;
static _Atomic int lonely_timeouts;

static void lonely_wait(lonely_actor *s) {
  ar_select_case sc = {lonely_chan, 0, false};
  int32_t idx;
  uint64_t v;
  ar_status st = ar_select(&s->base, &sc, 1, AR_SELECT_AFTER, 2000000, &idx,
                           &v, &s->op);
  if (st != AR_AGAIN)
    atomic_fetch_add(&lonely_bad, 1);
}

static void lonely_dispatch(ar_actor *self, ar_msg *m) {
  ar_msg_free(m);
  lonely_wait((lonely_actor *)self);
}

static void lonely_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  lonely_actor *s = (lonely_actor *)self;
  (void)u;
  (void)p;
  int32_t idx;
  ar_status st = ar_chan_op_end(s->op, &idx, NULL);
  if (kind != AR_EV_TIMEOUT || st != AR_TIMEOUT ||
      idx != AR_SELECT_IDX_TIMEOUT)
    atomic_fetch_add(&lonely_bad, 1);
  atomic_fetch_add(&lonely_timeouts, 1);
  if (++s->rounds == 5) {
    ar_exit(0);
    return;
  }
  lonely_wait(s);
}

static const ar_actor_type lonely_type = {"lonely", sizeof(lonely_actor),
                                          lonely_dispatch, lonely_resume,
                                          NULL, NULL, 0, 0};

static void start_lonely(void *arg) {
  (void)arg;
  ar_actor *a = ar_spawn(&lonely_type);
  kick(a);
  ar_actor_release(a);
}

static void test_actor_select_after(void) {
  lonely_chan = ar_chan_new(0, NULL);
  CHECK_EQ_INT(ar_run_fn(start_lonely, NULL), 0);
  CHECK_EQ_INT(atomic_load(&lonely_timeouts), 5);
  CHECK_EQ_INT(atomic_load(&lonely_bad), 0);
  /* every timed-out select unlinked itself: no stale receiver is left */
  CHECK(ar_chan_try_send(lonely_chan, 1) == AR_FULL);
  ar_chan_release(lonely_chan);
}

int main(void) {
  RUN(test_actors_buffered);
  RUN(test_actors_rendezvous);
  RUN(test_actor_select_after);
  return check_report();
}
