/* test_shutdown.c — program end (SCHEDULER.md 8, 10): ar_exit with
 * messages in flight (counted as undelivered in the report), on_stop runs
 * exactly once for every actor (stopped early or live at shutdown), the
 * shutdown report goes to stderr only when non-empty, per-actor counters,
 * and ACTOR_TRACE writes Chrome trace-event JSON. */
#include "ar.h"
#include "check.h"
#include "rt_test.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { M_WORK = 1, M_QUIT };
#define NA 200
#define MS 1000000LL

typedef struct {
  ar_actor base;
  int id;
  int64_t handled;
} st_actor;
static _Atomic int stop_calls_[NA];
static _Atomic int64_t handled_all_;

static void st_dispatch(ar_actor *self, ar_msg *m) {
  st_actor *s = (st_actor *)self;
  int quit = m->type == M_QUIT;
  ar_msg_free(m);
  s->handled++;
  atomic_fetch_add_explicit(&handled_all_, 1, memory_order_relaxed);
  if (quit)
    ar_stop(self);
  int64_t until = ar_now_ns() + 2000; /* slow: the backlog stays */
  while (ar_now_ns() < until)
    ;
}
static void st_stop(ar_actor *self) {
  atomic_fetch_add(&stop_calls_[((st_actor *)self)->id], 1);
}
static const ar_actor_type st_type = {.name = "st",
                                      .size = sizeof(st_actor),
                                      .dispatch = st_dispatch,
                                      .on_stop = st_stop};

typedef struct {
  ar_actor base;
} boss_st;
static void boss_start(ar_actor *self) {
  for (int i = 0; i < NA; i++) {
    st_actor *a = (st_actor *)ar_actor_new(&st_type);
    a->id = i;
    ar_actor_start(&a->base);
    if (i % 2 == 0)
      ar_send(&a->base, ar_msg_alloc(M_QUIT, 0)); /* stops early */
    for (int k = 0; k < 200; k++)
      ar_send(&a->base, ar_msg_alloc(M_WORK, 0));
    ar_actor_release(&a->base);
  }
  ar_sleep(self, 20 * MS);
}
static void boss_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  (void)self;
  (void)kind;
  (void)u;
  (void)p;
  ar_exit(7); /* with plenty still queued */
}
static const ar_actor_type boss_type = {.name = "boss",
                                        .size = sizeof(boss_st),
                                        .resume = boss_resume,
                                        .on_start = boss_start};

/* run with stderr captured into a temporary file; returns its text */
static char *run_capturing(const ar_actor_type *t, int *out_code) {
  char path[] = "/tmp/ar_test_stderr_XXXXXX";
  int fd = mkstemp(path);
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  *out_code = ar_run(t, 0, NULL);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  off_t n = lseek(fd, 0, SEEK_END);
  char *buf = calloc(1, (size_t)n + 1);
  if (pread(fd, buf, (size_t)n, 0) < 0)
    buf[0] = '\0';
  close(fd);
  unlink(path);
  return buf;
}

static void test_exit_with_messages_in_flight(void) {
  for (int i = 0; i < NA; i++)
    atomic_store(&stop_calls_[i], 0);
  atomic_store(&handled_all_, 0);
  int code = -1;
  char *err = run_capturing(&boss_type, &code);
  CHECK_EQ_INT(code, 7);
  for (int i = 0; i < NA; i++)
    CHECK_EQ_INT(atomic_load(&stop_calls_[i]), 1);
  ar_runtime_stats st;
  ar_runtime_get_stats(&st);
  /* everything sent was either handled or counted as undelivered */
  int64_t sent = NA * 200 + NA / 2;
  CHECK_EQ_INT((int64_t)st.undelivered + atomic_load(&handled_all_), sent);
  CHECK(st.undelivered > 0);
  CHECK(strstr(err, "shutdown report") != NULL);
  CHECK(strstr(err, "undelivered") != NULL);
  free(err);
}

/* ------------------------------------------------------------ clean run */

typedef struct {
  ar_actor base;
  int left;
} quiet_st;
static ar_actor_stats quiet_stats_;
static void quiet_dispatch(ar_actor *self, ar_msg *m) {
  quiet_st *q = (quiet_st *)self;
  ar_msg_free(m);
  if (--q->left > 0)
    ar_send(self, ar_msg_alloc(M_WORK, 0));
}
static void quiet_start(ar_actor *self) {
  ((quiet_st *)self)->left = 1000;
  ar_send(self, ar_msg_alloc(M_WORK, 0));
}
static void quiet_stop(ar_actor *self) {
  ar_actor_get_stats(self, &quiet_stats_);
}
static const ar_actor_type quiet_type = {.name = "quiet",
                                         .size = sizeof(quiet_st),
                                         .dispatch = quiet_dispatch,
                                         .on_start = quiet_start,
                                         .on_stop = quiet_stop};

static void test_clean_run_reports_nothing(void) {
  int code = -1;
  memset(&quiet_stats_, 0, sizeof quiet_stats_);
  char *err = run_capturing(&quiet_type, &code);
  CHECK_EQ_INT(code, 0);
  CHECK_EQ_INT(strlen(err), 0);
  CHECK_EQ_INT(quiet_stats_.handled, 1001); /* start + 1000 messages */
  CHECK(quiet_stats_.mailbox_hwm >= 1);
  free(err);
}

static void test_trace_file(void) {
  char path[] = "/tmp/ar_test_trace_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  setenv("ACTOR_TRACE", path, 1);
  CHECK_EQ_INT(ar_run(&quiet_type, 0, NULL), 0);
  unsetenv("ACTOR_TRACE");
  FILE *f = fopen(path, "r");
  REQUIRE(f != NULL);
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  unlink(path);
  CHECK(strncmp(buf, "{\"traceEvents\":[", 16) == 0);
  CHECK(strstr(buf, "\"ph\":\"X\"") != NULL); /* handler runs */
  CHECK(strstr(buf, "\"ph\":\"i\"") != NULL); /* sends */
  CHECK(strstr(buf, "\"name\":\"quiet\"") != NULL);
  CHECK(n > 4 && strcmp(buf + n - 4, "\n]}\n") == 0);
}

int main(void) {
  RUN(test_exit_with_messages_in_flight);
  RUN(test_clean_run_reports_nothing);
  RUN(test_trace_file);
  return check_report();
}
