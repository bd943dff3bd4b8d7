/* test_fault.c — faults and supervision (SCHEDULER.md 7): a crashing actor
 * under load stops alone, signals inside a handler (SIGFPE, SIGSEGV; not
 * under sanitizers, which own those signals) become faults, links and
 * monitors are told, supervisors restart children one-for-one,
 * one-for-all and rest-for-one within an intensity limit. */
#include "ar.h"
#include "check.h"
#include "rt_test.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RT_SANITIZED 1
#endif
#endif

enum { M_WORK = 1, M_BOOM, M_FPE, M_GO };
#define MS 1000000LL

/* ------------------------------------------------------------ under load */

typedef struct {
  ar_actor base;
  int64_t handled;
  int crash_at; /* 0: never */
  int how;      /* 1 ar_fail, 2 SIGFPE */
} worker_st;
static _Atomic int64_t handled_total_;
static _Atomic int stops_;

static void worker_dispatch(ar_actor *self, ar_msg *m) {
  worker_st *w = (worker_st *)self;
  ar_msg_free(m);
  w->handled++;
  atomic_fetch_add_explicit(&handled_total_, 1, memory_order_relaxed);
  if (w->crash_at && w->handled == w->crash_at) {
    if (w->how == 2)
      raise(SIGFPE);
    if (w->how == 3) {
      volatile int *volatile p = NULL;
      *p = 1; /* SIGSEGV inside the handler */
    }
    ar_fail(self, "worker crashed on purpose");
  }
}
static void worker_stop(ar_actor *self) {
  (void)self;
  atomic_fetch_add(&stops_, 1);
}
static const ar_actor_type worker_type = {.name = "worker",
                                          .size = sizeof(worker_st),
                                          .dispatch = worker_dispatch,
                                          .on_stop = worker_stop};

#define NW 4
typedef struct {
  ar_actor base;
  ar_actor *w[NW];
  int64_t n;
  int downs;
  const char *reasons[NW];
} driver_st;
static driver_st driver_;

static void driver_start(ar_actor *self) {
  driver_st *d = (driver_st *)self;
  for (int i = 0; i < NW; i++) {
    worker_st *w = (worker_st *)ar_actor_new(&worker_type);
    if (i == 1) {
      w->crash_at = 1000;
      w->how = 1;
    }
#ifndef RT_SANITIZED
    if (i == 2) {
      w->crash_at = 2000;
      w->how = 2;
    }
    if (i == 3) {
      w->crash_at = 2500;
      w->how = 3;
    }
#endif
    d->w[i] = &w->base;
    ar_monitor(self, d->w[i]);
    ar_actor_start(d->w[i]);
  }
  for (int64_t k = 0; k < d->n; k++)
    for (int i = 0; i < NW; i++)
      ar_send(d->w[i], ar_msg_alloc(M_WORK, 8));
}
static void driver_dispatch(ar_actor *self, ar_msg *m) {
  driver_st *d = (driver_st *)self;
  if (m->type == AR_MSG_DOWN) {
    ar_down *dn = AR_MSG_PAYLOAD(m, ar_down);
    for (int i = 0; i < NW; i++)
      if (dn->who == d->w[i])
        d->reasons[i] = dn->reason;
    d->downs++;
  }
  ar_msg_free(m);
}
static void driver_stop(ar_actor *self) {
  memcpy(&driver_, self, sizeof driver_);
}
static const ar_actor_type driver_type = {.name = "driver",
                                          .size = sizeof(driver_st),
                                          .dispatch = driver_dispatch,
                                          .on_start = driver_start,
                                          .on_stop = driver_stop};

static void load_start(void *arg) {
  driver_st *d = (driver_st *)ar_actor_new(&driver_type);
  d->n = *(int64_t *)arg;
  ar_actor_start(&d->base);
  ar_actor_release(&d->base);
}

static void test_crash_under_load(void) {
  int64_t n = rt_scaled(50000);
  if (n < 3000)
    n = 3000;
  memset(&driver_, 0, sizeof driver_);
  atomic_store(&handled_total_, 0);
  atomic_store(&stops_, 0);
  CHECK_EQ_INT(ar_run_fn(load_start, &n), 0);
#ifdef RT_SANITIZED
  int crashed = 1;
#else
  int crashed = 3;
#endif
  CHECK_EQ_INT(driver_.downs, crashed);
  CHECK(driver_.reasons[1] != NULL &&
        strcmp(driver_.reasons[1], "worker crashed on purpose") == 0);
#ifndef RT_SANITIZED
  CHECK(driver_.reasons[2] != NULL && strstr(driver_.reasons[2], "SIGFPE"));
  CHECK(driver_.reasons[3] != NULL && strstr(driver_.reasons[3], "SIGSEGV"));
  int64_t expect = n + 1000 + 2000 + 2500;
#else
  CHECK(driver_.reasons[3] == NULL);
  int64_t expect = 3 * n + 1000;
#endif
  CHECK(driver_.reasons[0] == NULL);
  /* healthy workers handled everything; crashed ones stopped at their
   * crash point; on_stop ran once per worker (crashed ones at the crash) */
  CHECK_EQ_INT(atomic_load(&handled_total_), expect);
  CHECK_EQ_INT(atomic_load(&stops_), NW);
  ar_runtime_stats st;
  ar_runtime_get_stats(&st);
  CHECK_EQ_INT(st.failed_actors, crashed);
  CHECK(st.undelivered > 0); /* messages queued to the dead, counted */
}

/* ------------------------------------------------------------ links */

typedef struct {
  ar_actor base;
  ar_actor *other;
  int trap;
  int exits;
  const char *exit_reason;
} linker_st;
static linker_st linkres_[3];

static void linker_start(ar_actor *self) {
  linker_st *s = (linker_st *)self;
  if (s->trap)
    ar_trap_exit(self, true);
  if (s->other)
    ar_link(self, s->other);
}
static void linker_dispatch(ar_actor *self, ar_msg *m) {
  linker_st *s = (linker_st *)self;
  if (m->type == AR_MSG_EXIT) {
    s->exits++;
    s->exit_reason = AR_MSG_PAYLOAD(m, ar_down)->reason;
    ar_msg_free(m);
    return;
  }
  int boom = m->type == M_BOOM;
  ar_msg_free(m);
  if (boom)
    ar_fail(self, "boom");
}
static int linker_idx(ar_actor *self);
static void linker_stop(ar_actor *self) {
  int i = linker_idx(self);
  if (i >= 0)
    memcpy(&linkres_[i], self, sizeof(linker_st));
}
static const ar_actor_type linker_type = {.name = "linker",
                                          .size = sizeof(linker_st),
                                          .dispatch = linker_dispatch,
                                          .on_start = linker_start,
                                          .on_stop = linker_stop};
static ar_actor *linkers_[3];
static int linker_idx(ar_actor *self) {
  for (int i = 0; i < 3; i++)
    if (linkers_[i] == self)
      return i;
  return -1;
}

typedef struct {
  ar_actor base;
  int step;
} linkdrv_st;
static void linkdrv_start(ar_actor *self) { ar_sleep(self, 20 * MS); }
static void linkdrv_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  (void)self;
  (void)kind;
  (void)u;
  (void)p;
  ar_send(linkers_[0], ar_msg_alloc(M_BOOM, 0)); /* 0 fails */
}
static const ar_actor_type linkdrv_type = {.name = "linkdrv",
                                           .size = sizeof(linkdrv_st),
                                           .resume = linkdrv_resume,
                                           .on_start = linkdrv_start};

static void links_start(void *arg) {
  (void)arg;
  /* 0 is linked with 1 (not trapping) and with 2 (trapping) */
  for (int i = 0; i < 3; i++)
    linkers_[i] = ar_actor_new(&linker_type);
  ((linker_st *)linkers_[1])->other = linkers_[0];
  ((linker_st *)linkers_[2])->other = linkers_[0];
  ((linker_st *)linkers_[2])->trap = 1;
  for (int i = 0; i < 3; i++)
    ar_actor_start(linkers_[i]);
  ar_actor_release(ar_spawn(&linkdrv_type));
}

static void test_links(void) {
  memset(linkres_, 0, sizeof linkres_);
  CHECK_EQ_INT(ar_run_fn(links_start, NULL), 0);
  /* 1 died with its partner; 2 trapped the exit and got the reason */
  CHECK_EQ_INT(linkres_[2].exits, 1);
  CHECK(linkres_[2].exit_reason && strcmp(linkres_[2].exit_reason, "boom") == 0);
  ar_runtime_stats st;
  ar_runtime_get_stats(&st);
  CHECK_EQ_INT(st.failed_actors, 2); /* 0 (boom) and 1 (linked) */
}

/* ------------------------------------------------------------ supervisors */

static _Atomic int starts_[3];
static void child_init(ar_actor *child, void *arg) {
  (void)child;
  atomic_fetch_add(&starts_[(intptr_t)arg], 1);
}
static void child_dispatch(ar_actor *self, ar_msg *m) {
  int boom = m->type == M_BOOM;
  ar_msg_free(m);
  if (boom)
    ar_fail(self, "child boom");
}
static const ar_actor_type child_type = {
    .name = "child", .size = sizeof(ar_actor), .dispatch = child_dispatch};

typedef struct {
  ar_actor base;
  ar_actor *sup;
  ar_restart strategy;
  int intensity;
  int booms, done;
  int target;
  ar_actor *before[3], *after[3];
  bool sup_dead;
  uint64_t restarts;
} supdrv_st;
static supdrv_st supres_;

static void supdrv_start(ar_actor *self) {
  supdrv_st *s = (supdrv_st *)self;
  s->sup = ar_supervisor_new(s->strategy, s->intensity, 10000 * MS);
  for (intptr_t i = 0; i < 3; i++)
    ar_supervisor_add_child(s->sup, &child_type, child_init, (void *)i);
  for (int i = 0; i < 3; i++) {
    /* keep these references: a released actor's memory may be reused by
     * its replacement, which would make the comparison meaningless */
    s->before[i] = ar_supervisor_child(s->sup, i);
  }
  ar_sleep(self, 5 * MS);
}
static void supdrv_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  (void)kind;
  (void)u;
  (void)p;
  supdrv_st *s = (supdrv_st *)self;
  if (s->booms < s->done) {
    ar_actor *c = ar_supervisor_child(s->sup, s->target);
    if (c) {
      ar_send(c, ar_msg_alloc(M_BOOM, 0));
      ar_actor_release(c);
    }
    s->booms++;
    ar_sleep(self, 10 * MS);
    return;
  }
  for (int i = 0; i < 3; i++) {
    s->after[i] = ar_supervisor_child(s->sup, i);
    if (s->after[i])
      ar_actor_release(s->after[i]);
  }
  s->sup_dead = ar_actor_is_dead(s->sup);
  s->restarts = ar_supervisor_restarts(s->sup);
  memcpy(&supres_, s, sizeof supres_);
  ar_exit(0);
}
static const ar_actor_type supdrv_type = {.name = "supdrv",
                                          .size = sizeof(supdrv_st),
                                          .resume = supdrv_resume,
                                          .on_start = supdrv_start};

typedef struct {
  ar_restart strategy;
  int intensity, booms, target;
} sup_case;
static void sup_start(void *arg) {
  sup_case *c = arg;
  supdrv_st *s = (supdrv_st *)ar_actor_new(&supdrv_type);
  s->strategy = c->strategy;
  s->intensity = c->intensity;
  s->done = c->booms;
  s->target = c->target;
  ar_actor_start(&s->base);
  ar_actor_release(&s->base);
}
static void run_sup(ar_restart st, int intensity, int booms, int target) {
  memset(&supres_, 0, sizeof supres_);
  for (int i = 0; i < 3; i++)
    atomic_store(&starts_[i], 0);
  sup_case c = {st, intensity, booms, target};
  CHECK_EQ_INT(ar_run_fn(sup_start, &c), 0);
}

static void test_supervisor_one_for_one(void) {
  run_sup(AR_ONE_FOR_ONE, 5, 3, 1);
  CHECK_EQ_INT(supres_.restarts, 3);
  CHECK(!supres_.sup_dead);
  CHECK_EQ_INT(atomic_load(&starts_[0]), 1);
  CHECK_EQ_INT(atomic_load(&starts_[1]), 4);
  CHECK_EQ_INT(atomic_load(&starts_[2]), 1);
  CHECK(supres_.after[0] == supres_.before[0]);
  CHECK(supres_.after[1] != supres_.before[1]);
}

static void test_supervisor_one_for_all(void) {
  run_sup(AR_ONE_FOR_ALL, 5, 1, 1);
  CHECK_EQ_INT(supres_.restarts, 1);
  for (int i = 0; i < 3; i++)
    CHECK_EQ_INT(atomic_load(&starts_[i]), 2);
}

static void test_supervisor_rest_for_one(void) {
  run_sup(AR_REST_FOR_ONE, 5, 1, 1);
  CHECK_EQ_INT(atomic_load(&starts_[0]), 1);
  CHECK_EQ_INT(atomic_load(&starts_[1]), 2);
  CHECK_EQ_INT(atomic_load(&starts_[2]), 2);
}

static void test_supervisor_intensity_limit(void) {
  /* at most 2 restarts in the period: the 3rd failure kills the supervisor
   * and its children */
  run_sup(AR_ONE_FOR_ONE, 2, 4, 0);
  CHECK_EQ_INT(supres_.restarts, 2);
  CHECK(supres_.sup_dead);
  for (int i = 0; i < 3; i++)
    CHECK(supres_.after[i] == NULL);
}

/* ------------------------------------------------------------ unwind */

/* A handler with two registered frames (its own and a callee's) faults:
 * both unwinds run once, innermost first, before the actor stops; a frame
 * popped normally is not unwound; the chain is empty in the next handler;
 * a request kept in the state (ar_msg_keep) is freed once, by on_stop. */
typedef struct {
  ar_frame fr;
  int id;
  char *owned; /* malloc'd: leaks (LSan) unless the unwind frees it */
} uw_frame;
typedef struct {
  ar_actor base;
  ar_msg *kept;
} uw_st;
static int uw_order_[4], uw_n_;
static int uw_chain_empty_, uw_stops_;
static void uw_unwind(ar_frame *f) {
  uw_frame *u = (uw_frame *)(void *)f;
  if (uw_n_ < 4)
    uw_order_[uw_n_++] = u->id;
  free(u->owned);
  u->owned = NULL;
}
static void uw_inner(ar_actor *self, int how) {
  uw_frame fr = {.id = 2, .owned = malloc(32)};
  ar_frame_push(&fr.fr, uw_unwind);
  if (how == 1)
    ar_fail(self, "unwind boom");
#ifndef RT_SANITIZED
  if (how == 2) {
    volatile int *volatile p = NULL;
    *p = 1;
  }
#endif
  ar_frame_pop(&fr.fr);
  free(fr.owned);
}
static void uw_dispatch(ar_actor *self, ar_msg *m) {
  uw_st *s = (uw_st *)self;
  uw_chain_empty_ += ar_frame_top == NULL;
  int how = (int)m->type - M_GO;
  /* keep the request in the state: the fault must not free it too */
  s->kept = ar_msg_keep(m);
  uw_frame fr = {.id = 1, .owned = malloc(16)};
  ar_frame_push(&fr.fr, uw_unwind);
  {
    uw_frame done = {.id = 9, .owned = NULL};
    ar_frame_push(&done.fr, uw_unwind); /* popped normally: never unwound */
    ar_frame_pop(&done.fr);
  }
  uw_inner(self, how);
  ar_frame_pop(&fr.fr);
  free(fr.owned);
}
static void uw_stop(ar_actor *self) {
  uw_st *s = (uw_st *)self;
  if (s->kept)
    ar_msg_free(s->kept);
  s->kept = NULL;
  uw_stops_++;
}
static const ar_actor_type uw_type = {.name = "unwinder",
                                      .size = sizeof(uw_st),
                                      .dispatch = uw_dispatch,
                                      .on_stop = uw_stop};
static void uw_start(void *arg) {
  ar_actor *a = ar_spawn(&uw_type);
  ar_send(a, ar_msg_alloc((uint32_t)(M_GO + *(int *)arg), 8));
  ar_actor_release(a);
}
static void unwind_case(int how) {
  uw_n_ = uw_chain_empty_ = uw_stops_ = 0;
  memset(uw_order_, 0, sizeof uw_order_);
  CHECK_EQ_INT(ar_run_fn(uw_start, &how), 0);
  CHECK_EQ_INT(uw_n_, 2);
  CHECK_EQ_INT(uw_order_[0], 2); /* innermost first */
  CHECK_EQ_INT(uw_order_[1], 1);
  CHECK_EQ_INT(uw_chain_empty_, 1);
  CHECK_EQ_INT(uw_stops_, 1);
  ar_runtime_stats st;
  ar_runtime_get_stats(&st);
  CHECK_EQ_INT(st.failed_actors, 1);
}
static void test_unwind_chain(void) {
  unwind_case(1); /* ar_fail */
#ifndef RT_SANITIZED
  unwind_case(2); /* SIGSEGV: the unwinds run on the signal stack */
#endif
}

int main(void) {
  RUN(test_unwind_chain);
  RUN(test_crash_under_load);
  RUN(test_links);
  RUN(test_supervisor_one_for_one);
  RUN(test_supervisor_one_for_all);
  RUN(test_supervisor_rest_for_one);
  RUN(test_supervisor_intensity_limit);
  return check_report();
}
