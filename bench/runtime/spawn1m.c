/* spawn1m [N]: time to spawn N (default 1,000,000) actors from inside an
 * actor (the local path), and bytes per idle actor (RSS growth / N, after
 * every actor has run its first turn and is idle).  Prints one line:
 *   spawn n=<N> seconds=<s> ns_per_spawn=<ns> bytes_per_idle_actor=<b>
 *   header_bytes=<sizeof(ar_actor)>
 */
#include "bench.h"

#include <stdatomic.h>

typedef struct idle_actor {
  ar_actor base;
} idle_actor;

/* N on_start turns + the spawner's end both count; the one that brings it
 * to N + 1 reports.  acq_rel: the spawner's release publishes t_spawn to
 * the reporter's acquire (and vice versa for nothing else). */
static _Atomic int64_t parts;
static int64_t N;
static long rss0;
static double t_spawn;

static long rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0;
  long res = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
      res = 0;
    fclose(f);
  }
  return res * sysconf(_SC_PAGESIZE);
}

static void report_if_last(void) {
  if (atomic_fetch_add_explicit(&parts, 1, memory_order_acq_rel) + 1 == N + 1) {
    long rss = rss_bytes();
    printf("spawn n=%lld seconds=%.6f ns_per_spawn=%.1f "
           "bytes_per_idle_actor=%.1f header_bytes=%zu\n",
           (long long)N, t_spawn, t_spawn * 1e9 / (double)N,
           (double)(rss - rss0) / (double)N, sizeof(ar_actor));
    fflush(stdout);
    _exit(0);
  }
}

static void idle_start(ar_actor *self) {
  (void)self;
  report_if_last();
}

static void idle_dispatch(ar_actor *self, ar_msg *m) {
  (void)self;
  ar_msg_free(m);
}

static const ar_actor_type idle_type = {"idle", sizeof(idle_actor),
                                        idle_dispatch, NULL, idle_start,
                                        NULL, 0, 0};

static void spawner_dispatch(ar_actor *self, ar_msg *m) {
  (void)self;
  ar_msg_free(m);
  double t0 = bench_now();
  for (int64_t i = 0; i < N; i++)
    ar_actor_release(ar_spawn(&idle_type)); /* actors stay alive: not stopped */
  t_spawn = bench_now() - t0;
  report_if_last();
}

static const ar_actor_type spawner_type = {
    "spawner", sizeof(ar_actor), spawner_dispatch, NULL, NULL, NULL, 0, 0};

static void start(void *arg) {
  (void)arg;
  rss0 = rss_bytes();
  ar_actor *s = ar_spawn(&spawner_type);
  ar_send(s, ar_msg_alloc(1, 0));
}

int main(int argc, char **argv) {
  N = bench_arg(argc, argv, 1, 1000000);
  return ar_run_fn(start, NULL);
}
