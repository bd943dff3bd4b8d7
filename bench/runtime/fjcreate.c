/* fjcreate N: a creator spawns N actors and sends each one message with its
 * index; each forwards it to a collector and stops; result N*(N-1)/2. */
#include "bench.h"

enum { START = 1, VAL };

typedef struct fj_worker {
  ar_actor base;
  ar_actor *collector;
} fj_worker;

typedef struct fj_collector {
  ar_actor base;
  int64_t left;
  int64_t sum;
} fj_collector;

typedef struct fj_creator {
  ar_actor base;
  int64_t n;
  ar_actor *collector;
} fj_creator;

static void worker_dispatch(ar_actor *self, ar_msg *m) {
  fj_worker *s = (fj_worker *)self;
  ar_send(s->collector, m); /* forward the same message */
  ar_stop(self);
}

static void collector_dispatch(ar_actor *self, ar_msg *m) {
  fj_collector *s = (fj_collector *)self;
  s->sum += BENCH_PL(m)->a;
  ar_msg_free(m);
  if (--s->left == 0)
    bench_finish(s->sum);
}

static const ar_actor_type worker_type = {
    "fjworker", sizeof(fj_worker), worker_dispatch, NULL, NULL, NULL, 0, 0};
static const ar_actor_type collector_type = {"fjcollector",
                                             sizeof(fj_collector),
                                             collector_dispatch,
                                             NULL,
                                             NULL,
                                             NULL,
                                             0,
                                             0};

static void creator_dispatch(ar_actor *self, ar_msg *m) {
  fj_creator *s = (fj_creator *)self;
  ar_msg_free(m);
  for (int64_t i = 0; i < s->n; i++) {
    fj_worker *w = BENCH_NEW(fj_worker, &worker_type);
    w->collector = s->collector;
    ar_actor_start(&w->base);
    ar_send(&w->base, bench_msg(VAL, i, NULL));
    ar_actor_release(&w->base); /* the worker frees itself after stopping */
  }
}

static const ar_actor_type creator_type = {
    "fjcreator", sizeof(fj_creator), creator_dispatch, NULL, NULL, NULL, 0, 0};

static int64_t N;

static void start(void *arg) {
  (void)arg;
  bench_t0 = bench_now();
  fj_collector *coll = BENCH_NEW(fj_collector, &collector_type);
  coll->left = N;
  ar_actor_start(&coll->base);
  fj_creator *cr = BENCH_NEW(fj_creator, &creator_type);
  cr->n = N;
  cr->collector = &coll->base;
  ar_actor_start(&cr->base);
  ar_send(&cr->base, bench_msg(START, 0, NULL));
}

int main(int argc, char **argv) {
  N = bench_arg(argc, argv, 1, 200000);
  return ar_run_fn(start, NULL);
}
