/* bench.h — shared scaffolding for the runtime benchmarks (bench/runtime).
 *
 * Each program is one of ../shared/bench-peers' seven benchmarks written
 * against runtime/ar.h only, with the same parameters, the same single
 * output line `result=<int> elapsed=<seconds>` and the same result.
 * `elapsed` runs from just before the first actor is created until the
 * result is known; the program then prints and leaves with _exit (no
 * teardown), exactly as the peers do.  Actors in these programs never stop
 * (except fjcreate's workers), so raw ar_actor* kept in state or payloads are
 * borrowed from the references returned by ar_actor_new, which are held
 * until exit.  Not part of libactor.
 */
#ifndef BENCH_H
#define BENCH_H

#include "ar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double bench_t0;

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int64_t bench_arg(int argc, char **argv, int i, int64_t def) {
  return argc > i ? (int64_t)atoll(argv[i]) : def;
}

/* Any thread: print the result line and leave without teardown. */
static inline void bench_finish(int64_t result) {
  double t = bench_now() - bench_t0;
  printf("result=%lld elapsed=%.6f\n", (long long)result, t);
  fflush(stdout);
  _exit(0);
}

/* A message carrying up to three integers / one actor. */
typedef struct bench_pl {
  int64_t a;
  int64_t b;
  ar_actor *who;
} bench_pl;

static inline ar_msg *bench_msg(uint32_t type, int64_t a, ar_actor *who) {
  ar_msg *m = ar_msg_alloc(type, sizeof(bench_pl));
  bench_pl *p = AR_MSG_PAYLOAD(m, bench_pl);
  p->a = a;
  p->who = who;
  return m;
}

#define BENCH_PL(m) AR_MSG_PAYLOAD(m, bench_pl)

/* new + start; the caller fills the state between the two through `init` */
#define BENCH_NEW(T, type) ((T *)(void *)ar_actor_new(type))

#endif
