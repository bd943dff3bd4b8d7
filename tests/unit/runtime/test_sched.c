/* test_sched.c — scheduler, actors and sending through the public ABI
 * (runtime/ar.h): ping-pong, a ring, many senders into one mailbox with
 * per-sender order and checksums, fan-out, spawning a million actors
 * (prints bytes per idle actor and spawn time), quiescence, ar_exit,
 * ACTOR_THREADS, and idle workers parking (no CPU while waiting). */
#include "ar.h"
#include "check.h"
#include "rt_test.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum { M_START = 1, M_PING, M_PONG, M_TOKEN, M_DATA, M_DONE, M_HELLO };

/* ------------------------------------------------------------ ping-pong */

typedef struct {
  ar_actor base;
  ar_actor *peer;
  int64_t n, got;
  int64_t bad;
} pinger;

static int64_t pp_result_;
static int64_t pp_bad_;

static void pong_dispatch(ar_actor *self, ar_msg *m) {
  (void)self;
  ar_msg *r = ar_msg_alloc(M_PONG, sizeof(int64_t));
  *AR_MSG_PAYLOAD(r, int64_t) = *AR_MSG_PAYLOAD(m, int64_t);
  ar_send(m->sender, r);
  ar_msg_free(m);
}

static void ping_next(pinger *s) {
  if (s->got == s->n) {
    pp_result_ = s->got;
    pp_bad_ = s->bad;
    return;
  }
  ar_msg *r = ar_msg_alloc(M_PING, sizeof(int64_t));
  *AR_MSG_PAYLOAD(r, int64_t) = s->got;
  ar_send(s->peer, r);
}

static void ping_dispatch(ar_actor *self, ar_msg *m) {
  pinger *s = (pinger *)self;
  if (*AR_MSG_PAYLOAD(m, int64_t) != s->got)
    s->bad++;
  s->got++;
  ar_msg_free(m);
  ping_next(s);
}

static void ping_start(ar_actor *self) { ping_next((pinger *)self); }

static const ar_actor_type pong_type = {
    .name = "pong", .size = sizeof(ar_actor), .dispatch = pong_dispatch};
static const ar_actor_type ping_type = {.name = "ping",
                                        .size = sizeof(pinger),
                                        .dispatch = ping_dispatch,
                                        .on_start = ping_start};

static void pp_start(void *arg) {
  pinger *p = (pinger *)ar_actor_new(&ping_type);
  p->n = *(int64_t *)arg;
  p->peer = ar_spawn(&pong_type);
  ar_actor_start(&p->base);
  ar_actor_release(&p->base);
}

static void test_pingpong(void) {
  int64_t n = rt_scaled(1000000);
  pp_result_ = -1;
  int64_t t0 = ar_now_ns();
  int code = ar_run_fn(pp_start, &n);
  double s = rt_secs(ar_now_ns() - t0);
  CHECK_EQ_INT(code, 0);
  CHECK_EQ_INT(pp_result_, n);
  CHECK_EQ_INT(pp_bad_, 0);
  ar_runtime_stats st;
  ar_runtime_get_stats(&st);
  CHECK_EQ_INT(st.undelivered, 0);
  printf("  pingpong: %lld round trips in %.3f s (%.0f ns each)\n",
         (long long)n, s, s * 1e9 / (double)n);
}

/* ------------------------------------------------------------ ring */

typedef struct {
  ar_actor base;
  ar_actor *next;
  int idx;
} ringer;

static int ring_winner_;

static void ring_dispatch(ar_actor *self, ar_msg *m) {
  ringer *r = (ringer *)self;
  int64_t *tok = AR_MSG_PAYLOAD(m, int64_t);
  if (*tok == 0) {
    ring_winner_ = r->idx;
    ar_msg_free(m);
    return;
  }
  *tok -= 1;
  ar_send(r->next, m); /* forward the same message */
}

static const ar_actor_type ring_type = {
    .name = "ring", .size = sizeof(ringer), .dispatch = ring_dispatch};

typedef struct {
  int n;
  int64_t hops;
} ring_arg;

static void ring_start(void *arg) {
  ring_arg *ra = arg;
  ringer **rs = calloc((size_t)ra->n, sizeof *rs);
  for (int i = 0; i < ra->n; i++) {
    rs[i] = (ringer *)ar_actor_new(&ring_type);
    rs[i]->idx = i;
  }
  for (int i = 0; i < ra->n; i++) {
    rs[i]->next = &rs[(i + 1) % ra->n]->base;
    ar_actor_start(&rs[i]->base);
  }
  ar_msg *m = ar_msg_alloc(M_TOKEN, sizeof(int64_t));
  *AR_MSG_PAYLOAD(m, int64_t) = ra->hops;
  ar_send(&rs[0]->base, m);
  free(rs);
}

static void test_threadring(void) {
  ring_arg ra = {100, rt_scaled(1000000)};
  ring_winner_ = -1;
  CHECK_EQ_INT(ar_run_fn(ring_start, &ra), 0);
  CHECK_EQ_INT(ring_winner_, ra.hops % ra.n);
}

/* ------------------------------------------------------------ many senders */

#define NSEND 8
typedef struct {
  ar_actor base;
  int64_t next[NSEND];
  int64_t got;
  uint64_t sum;
  int64_t order_bad;
} sink_st;

typedef struct {
  ar_actor base;
  ar_actor *sink;
  int id;
  int64_t n, sent;
} sender_st;

typedef struct {
  int id;
  int64_t seq;
} data_pl;

static sink_st sink_result_;

static void sink_dispatch(ar_actor *self, ar_msg *m) {
  sink_st *s = (sink_st *)self;
  data_pl *d = AR_MSG_PAYLOAD(m, data_pl);
  if (d->seq != s->next[d->id])
    s->order_bad++;
  s->next[d->id] = d->seq + 1;
  s->sum += (uint64_t)d->seq * 7u + (uint64_t)d->id;
  s->got++;
  ar_msg_free(m);
}

static void sink_stop(ar_actor *self) {
  memcpy(&sink_result_, self, sizeof sink_result_);
}

/* each sender sends in chunks of 100 per turn (it messages itself to
 * continue), so senders interleave and overload muting can kick in */
static void sender_dispatch(ar_actor *self, ar_msg *m) {
  sender_st *s = (sender_st *)self;
  ar_msg_free(m);
  for (int k = 0; k < 100 && s->sent < s->n; k++, s->sent++) {
    ar_msg *d = ar_msg_alloc(M_DATA, sizeof(data_pl));
    AR_MSG_PAYLOAD(d, data_pl)->id = s->id;
    AR_MSG_PAYLOAD(d, data_pl)->seq = s->sent;
    ar_send(s->sink, d);
  }
  if (s->sent < s->n)
    ar_send(self, ar_msg_alloc(M_START, 0));
}

static const ar_actor_type sink_type = {.name = "sink",
                                        .size = sizeof(sink_st),
                                        .dispatch = sink_dispatch,
                                        .on_stop = sink_stop};
static const ar_actor_type sender_type = {
    .name = "sender", .size = sizeof(sender_st), .dispatch = sender_dispatch};

static void many_start(void *arg) {
  int64_t n = *(int64_t *)arg;
  ar_actor *sink = ar_spawn(&sink_type);
  for (int i = 0; i < NSEND; i++) {
    sender_st *s = (sender_st *)ar_actor_new(&sender_type);
    s->sink = sink;
    s->id = i;
    s->n = n;
    ar_actor_start(&s->base);
    ar_send(&s->base, ar_msg_alloc(M_START, 0));
    ar_actor_release(&s->base);
  }
}

static void test_many_senders_one_mailbox(void) {
  int64_t n = rt_scaled(250000);
  memset(&sink_result_, 0, sizeof sink_result_);
  CHECK_EQ_INT(ar_run_fn(many_start, &n), 0);
  CHECK_EQ_INT(sink_result_.got, n * NSEND);
  CHECK_EQ_INT(sink_result_.order_bad, 0);
  uint64_t expect = 0;
  for (int i = 0; i < NSEND; i++)
    expect += 7u * (uint64_t)n * (uint64_t)(n - 1) / 2 + (uint64_t)i * (uint64_t)n;
  CHECK(sink_result_.sum == expect);
  for (int i = 0; i < NSEND; i++)
    CHECK_EQ_INT(sink_result_.next[i], n);
}

/* ------------------------------------------------------------ fan-out */

#define NFAN 60
typedef struct {
  ar_actor base;
  int64_t sum, got, n;
} fan_worker;
static _Atomic int64_t fan_total_;
static _Atomic int fan_done_;

static void fanw_dispatch(ar_actor *self, ar_msg *m) {
  fan_worker *w = (fan_worker *)self;
  w->sum += *AR_MSG_PAYLOAD(m, int64_t);
  ar_msg_free(m);
  if (++w->got == w->n) {
    atomic_fetch_add(&fan_total_, w->sum);
    atomic_fetch_add(&fan_done_, 1);
  }
}
static const ar_actor_type fanw_type = {
    .name = "fanw", .size = sizeof(fan_worker), .dispatch = fanw_dispatch};

typedef struct {
  ar_actor base;
  ar_actor *w[NFAN];
  int64_t n;
} fan_src;

static void fans_start(ar_actor *self) {
  fan_src *s = (fan_src *)self;
  for (int i = 0; i < NFAN; i++) {
    s->w[i] = ar_actor_new(&fanw_type);
    ((fan_worker *)s->w[i])->n = s->n;
    ar_actor_start(s->w[i]);
  }
  for (int64_t r = 0; r < s->n; r++)
    for (int i = 0; i < NFAN; i++) {
      ar_msg *m = ar_msg_alloc(M_DATA, sizeof(int64_t));
      *AR_MSG_PAYLOAD(m, int64_t) = r;
      ar_send(s->w[i], m);
    }
}
static const ar_actor_type fans_type = {
    .name = "fansrc", .size = sizeof(fan_src), .on_start = fans_start};

static void fan_start(void *arg) {
  fan_src *s = (fan_src *)ar_actor_new(&fans_type);
  s->n = *(int64_t *)arg;
  ar_actor_start(&s->base);
  ar_actor_release(&s->base);
}

static void test_fanout(void) {
  int64_t n = rt_scaled(20000);
  atomic_store(&fan_total_, 0);
  atomic_store(&fan_done_, 0);
  CHECK_EQ_INT(ar_run_fn(fan_start, &n), 0);
  CHECK_EQ_INT(atomic_load(&fan_done_), NFAN);
  CHECK_EQ_INT(atomic_load(&fan_total_), (int64_t)NFAN * n * (n - 1) / 2);
}

/* ------------------------------------------------------------ 1M actors */

static long rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, res = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
      res = 0;
    fclose(f);
  }
  return res * sysconf(_SC_PAGESIZE);
}

typedef struct {
  ar_actor base;
  int64_t n;
} spawner_st;
static double spawn_ns_per_;
static double bytes_per_;
static _Atomic int64_t idle_started_;

static void idle_start(ar_actor *self) {
  (void)self;
  atomic_fetch_add_explicit(&idle_started_, 1, memory_order_relaxed);
}
static const ar_actor_type idle_type = {
    .name = "idle", .size = sizeof(ar_actor), .on_start = idle_start};

static void spawner_start(ar_actor *self) {
  spawner_st *s = (spawner_st *)self;
  long r0 = rss_bytes();
  int64_t t0 = ar_now_ns();
  for (int64_t i = 0; i < s->n; i++)
    ar_actor_release(ar_spawn(&idle_type));
  int64_t t1 = ar_now_ns();
  long r1 = rss_bytes();
  spawn_ns_per_ = (double)(t1 - t0) / (double)s->n;
  bytes_per_ = (double)(r1 - r0) / (double)s->n;
}
static const ar_actor_type spawner_type = {
    .name = "spawner", .size = sizeof(spawner_st), .on_start = spawner_start};

static void spawn_start(void *arg) {
  spawner_st *s = (spawner_st *)ar_actor_new(&spawner_type);
  s->n = *(int64_t *)arg;
  ar_actor_start(&s->base);
  ar_actor_release(&s->base);
}

static void test_spawn_million(void) {
  int64_t n = rt_scaled(1000000);
  atomic_store(&idle_started_, 0);
  int64_t t0 = ar_now_ns();
  CHECK_EQ_INT(ar_run_fn(spawn_start, &n), 0);
  double total = rt_secs(ar_now_ns() - t0);
  CHECK_EQ_INT(atomic_load(&idle_started_), n);
  printf("  spawn: %lld actors, %.1f ns per spawn (%.1f ms per million), "
         "%.1f bytes per idle actor (RSS delta; header %zu bytes), "
         "run incl. first turns + teardown %.3f s\n",
         (long long)n, spawn_ns_per_, spawn_ns_per_ /* ns each = ms per 1M */,
         bytes_per_, sizeof(ar_actor), total);
  CHECK(sizeof(ar_actor) <= 128);
  if (n >= 1000000)
    CHECK(bytes_per_ <= 160.0);
}

/* ------------------------------------------------------------ quiescence */

typedef struct {
  ar_actor base;
  int left;
} selfer;
static int selfer_stops_;
static void selfer_dispatch(ar_actor *self, ar_msg *m) {
  selfer *s = (selfer *)self;
  ar_msg_free(m);
  if (--s->left > 0)
    ar_send(self, ar_msg_alloc(M_HELLO, 0));
}
static void selfer_start(ar_actor *self) {
  ((selfer *)self)->left = 10;
  ar_send(self, ar_msg_alloc(M_HELLO, 0));
}
static void selfer_stop(ar_actor *self) {
  (void)self;
  selfer_stops_++;
}
static const ar_actor_type selfer_type = {.name = "main",
                                          .size = sizeof(selfer),
                                          .dispatch = selfer_dispatch,
                                          .on_start = selfer_start,
                                          .on_stop = selfer_stop};

static void exit_start(ar_actor *self) {
  (void)self;
  ar_exit(3);
}
static const ar_actor_type exit_type = {
    .name = "main", .size = sizeof(ar_actor), .on_start = exit_start};

static void test_quiescence_and_exit(void) {
  CHECK_EQ_INT(ar_run_fn(NULL, NULL), 0); /* nothing at all */
  selfer_stops_ = 0;
  CHECK_EQ_INT(ar_run(&selfer_type, 0, NULL), 0);
  CHECK_EQ_INT(selfer_stops_, 1); /* live at shutdown: on_stop once */
  char *argv[] = {"prog", "x", NULL};
  CHECK_EQ_INT(ar_run(&exit_type, 2, argv), 3);
}

static int threads_seen_;
static void threads_start(ar_actor *self) {
  (void)self;
  threads_seen_ = ar_workers();
}
static const ar_actor_type threads_type = {
    .name = "main", .size = sizeof(ar_actor), .on_start = threads_start};

static void test_actor_threads_env(void) {
  setenv("ACTOR_THREADS", "3", 1);
  CHECK_EQ_INT(ar_run(&threads_type, 0, NULL), 0);
  CHECK_EQ_INT(threads_seen_, 3);
  setenv("ACTOR_THREADS", "1", 1);
  int64_t n = rt_scaled(100000);
  pp_result_ = -1;
  CHECK_EQ_INT(ar_run_fn(pp_start, &n), 0); /* one worker works too */
  CHECK_EQ_INT(pp_result_, n);
  unsetenv("ACTOR_THREADS");
}

/* ------------------------------------------------------------ parking */

static void sleeper_start(ar_actor *self) { ar_sleep(self, 300000000); }
static int sleeper_resumed_;
static void sleeper_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  (void)self;
  (void)u;
  (void)p;
  sleeper_resumed_ = kind;
}
static const ar_actor_type sleeper_type = {.name = "sleeper",
                                           .size = sizeof(ar_actor),
                                           .resume = sleeper_resume,
                                           .on_start = sleeper_start};

static double cpu_secs(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void test_idle_workers_park(void) {
  sleeper_resumed_ = 0;
  double c0 = cpu_secs();
  int64_t t0 = ar_now_ns();
  CHECK_EQ_INT(ar_run(&sleeper_type, 0, NULL), 0);
  double wall = rt_secs(ar_now_ns() - t0);
  double cpu = cpu_secs() - c0;
  CHECK_EQ_INT(sleeper_resumed_, AR_EV_TIMER);
  CHECK(wall >= 0.29);
  printf("  idle: %.3f s wall, %.3f s CPU while one actor sleeps\n", wall,
         cpu);
  CHECK(cpu < 0.15); /* bounded spinning, then futex parking */
}

int main(void) {
  RUN(test_pingpong);
  RUN(test_threadring);
  RUN(test_many_senders_one_mailbox);
  RUN(test_fanout);
  RUN(test_spawn_million);
  RUN(test_quiescence_and_exit);
  RUN(test_actor_threads_env);
  RUN(test_idle_workers_park);
  return check_report();
}
