/* fjthrput K N: a sender sends N rounds of one message to each of K workers;
 * each sums the payloads and reports after N; result K*N*(N-1)/2. */
#include "bench.h"

enum { START = 1, VAL, SUM };

typedef struct worker_actor {
  ar_actor base;
  int64_t seen;
  int64_t sum;
  int64_t n;
  ar_actor *collector;
} worker_actor;

typedef struct sender_actor {
  ar_actor base;
  ar_actor **workers;
  int64_t k;
  int64_t n;
} sender_actor;

typedef struct collector_actor {
  ar_actor base;
  int64_t left;
  int64_t total;
} collector_actor;

static void worker_dispatch(ar_actor *self, ar_msg *m) {
  worker_actor *s = (worker_actor *)self;
  s->sum += BENCH_PL(m)->a;
  ar_msg_free(m);
  if (++s->seen == s->n)
    ar_send(s->collector, bench_msg(SUM, s->sum, NULL));
}

static void sender_dispatch(ar_actor *self, ar_msg *m) {
  sender_actor *s = (sender_actor *)self;
  ar_msg_free(m);
  for (int64_t j = 0; j < s->n; j++)
    for (int64_t i = 0; i < s->k; i++)
      ar_send(s->workers[i], bench_msg(VAL, j, NULL));
}

static void collector_dispatch(ar_actor *self, ar_msg *m) {
  collector_actor *s = (collector_actor *)self;
  s->total += BENCH_PL(m)->a;
  ar_msg_free(m);
  if (--s->left == 0)
    bench_finish(s->total);
}

static const ar_actor_type worker_type = {
    "worker", sizeof(worker_actor), worker_dispatch, NULL, NULL, NULL, 0, 0};
static const ar_actor_type sender_type = {
    "sender", sizeof(sender_actor), sender_dispatch, NULL, NULL, NULL, 0, 0};
static const ar_actor_type collector_type = {"collector",
                                             sizeof(collector_actor),
                                             collector_dispatch,
                                             NULL,
                                             NULL,
                                             NULL,
                                             0,
                                             0};

static int64_t K, N;

static void start(void *arg) {
  (void)arg;
  bench_t0 = bench_now();
  collector_actor *coll = BENCH_NEW(collector_actor, &collector_type);
  coll->left = K;
  ar_actor_start(&coll->base);
  sender_actor *snd = BENCH_NEW(sender_actor, &sender_type);
  snd->k = K;
  snd->n = N;
  snd->workers = malloc(sizeof(ar_actor *) * (size_t)K);
  for (int64_t i = 0; i < K; i++) {
    worker_actor *w = BENCH_NEW(worker_actor, &worker_type);
    w->n = N;
    w->collector = &coll->base;
    ar_actor_start(&w->base);
    snd->workers[i] = &w->base;
  }
  ar_actor_start(&snd->base);
  ar_send(&snd->base, bench_msg(START, 0, NULL));
}

int main(int argc, char **argv) {
  K = bench_arg(argc, argv, 1, 60);
  N = bench_arg(argc, argv, 2, 150000);
  return ar_run_fn(start, NULL);
}
