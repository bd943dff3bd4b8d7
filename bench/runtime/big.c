/* big W N: W workers each send N pings, one at a time, to pseudo-random
 * workers and wait for the pong; result W*N.  PRNG as in every peer:
 * x = x*48271 mod (2^31-1), seed id+1, target = x mod W. */
#include "bench.h"

#include <stdint.h>

enum { PING = 1, PONG, DONE };

typedef struct big_actor {
  ar_actor base;
  int64_t id;
  int64_t pings;
  int64_t pongs;
  int64_t bad;
  int64_t expect;
  int64_t rng;
} big_actor;

typedef struct sink_actor {
  ar_actor base;
  int64_t left;
  int64_t total;
} sink_actor;

static ar_actor **workers;
static int64_t W, N;
static ar_actor *sink;

static void big_dispatch(ar_actor *self, ar_msg *m) {
  big_actor *s = (big_actor *)self;
  int64_t from = BENCH_PL(m)->a;
  uint32_t type = m->type;
  ar_msg_free(m);
  if (type == PING) {
    ar_send(workers[from], bench_msg(PONG, s->id, NULL));
    return;
  }
  if (from >= 0) {
    s->pongs++;
    if (from != s->expect)
      s->bad++;
  }
  if (s->pings == N) {
    ar_send(sink,
            bench_msg(DONE, s->bad ? -(INT64_C(1) << 40) : s->pongs, NULL));
    return;
  }
  s->rng = s->rng * 48271 % 2147483647;
  int64_t target = s->rng % W;
  s->expect = target;
  s->pings++;
  ar_send(workers[target], bench_msg(PING, s->id, NULL));
}

static void sink_dispatch(ar_actor *self, ar_msg *m) {
  sink_actor *s = (sink_actor *)self;
  s->total += BENCH_PL(m)->a;
  ar_msg_free(m);
  if (--s->left == 0)
    bench_finish(s->total);
}

static const ar_actor_type big_type = {"big", sizeof(big_actor), big_dispatch,
                                       NULL, NULL, NULL, 0, 0};
static const ar_actor_type sink_type = {"sink", sizeof(sink_actor),
                                        sink_dispatch, NULL, NULL, NULL, 0, 0};

static void start(void *arg) {
  (void)arg;
  bench_t0 = bench_now();
  sink_actor *sk = BENCH_NEW(sink_actor, &sink_type);
  sk->left = W;
  sink = &sk->base;
  ar_actor_start(sink);
  workers = malloc(sizeof(ar_actor *) * (size_t)W);
  for (int64_t i = 0; i < W; i++) {
    big_actor *b = BENCH_NEW(big_actor, &big_type);
    b->id = i;
    b->rng = i + 1;
    b->expect = -1;
    workers[i] = &b->base;
  }
  for (int64_t i = 0; i < W; i++)
    ar_actor_start(workers[i]);
  for (int64_t i = 0; i < W; i++)
    ar_send(workers[i], bench_msg(PONG, -1, NULL));
}

int main(int argc, char **argv) {
  W = bench_arg(argc, argv, 1, 120);
  N = bench_arg(argc, argv, 2, 40000);
  return ar_run_fn(start, NULL);
}
