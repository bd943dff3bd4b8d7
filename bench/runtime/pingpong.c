/* pingpong N: N strict round trips between two actors; result N. */
#include "bench.h"

enum { START = 1, PING, PONG };

typedef struct ping_actor {
  ar_actor base;
  ar_actor *pong;
  int64_t n;
  int64_t got;
} ping_actor;

static void pong_dispatch(ar_actor *self, ar_msg *m) {
  (void)self;
  ar_actor *from = m->sender; /* the message holds a reference */
  ar_msg *r = bench_msg(PONG, BENCH_PL(m)->a, NULL);
  ar_send(from, r);
  ar_msg_free(m);
}

static void ping_dispatch(ar_actor *self, ar_msg *m) {
  ping_actor *s = (ping_actor *)self;
  if (m->type == PONG) {
    if (BENCH_PL(m)->a != s->got)
      abort();
    s->got++;
  }
  ar_msg_free(m);
  if (s->got == s->n)
    bench_finish(s->got);
  ar_send(s->pong, bench_msg(PING, s->got, NULL));
}

static const ar_actor_type pong_type = {"pong", sizeof(ar_actor),
                                        pong_dispatch, NULL, NULL, NULL, 0, 0};
static const ar_actor_type ping_type = {"ping", sizeof(ping_actor),
                                        ping_dispatch, NULL, NULL, NULL, 0, 0};

static int64_t N;

static void start(void *arg) {
  (void)arg;
  bench_t0 = bench_now();
  ar_actor *pong = ar_actor_new(&pong_type);
  ar_actor_start(pong);
  ping_actor *ping = BENCH_NEW(ping_actor, &ping_type);
  ping->pong = pong;
  ping->n = N;
  ar_actor_start(&ping->base);
  ar_send(&ping->base, bench_msg(START, 0, NULL));
}

int main(int argc, char **argv) {
  N = bench_arg(argc, argv, 1, 3000000);
  return ar_run_fn(start, NULL);
}
