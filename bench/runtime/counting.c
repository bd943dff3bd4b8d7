/* counting N: a producer sends N increments to a counter, then asks for the
 * total (reply-to = the sender of GET); result N. */
#include "bench.h"

enum { START = 1, INC, GET, COUNT };

typedef struct counter_actor {
  ar_actor base;
  int64_t count;
} counter_actor;

typedef struct prod_actor {
  ar_actor base;
  ar_actor *counter;
  int64_t n;
} prod_actor;

static void counter_dispatch(ar_actor *self, ar_msg *m) {
  counter_actor *s = (counter_actor *)self;
  if (m->type == INC) {
    s->count++;
    ar_msg_free(m);
    return;
  }
  ar_send(m->sender, bench_msg(COUNT, s->count, NULL));
  ar_msg_free(m);
}

static void prod_dispatch(ar_actor *self, ar_msg *m) {
  prod_actor *s = (prod_actor *)self;
  if (m->type == START) {
    ar_msg_free(m);
    for (int64_t i = 0; i < s->n; i++)
      ar_send(s->counter, bench_msg(INC, 0, NULL));
    ar_send(s->counter, bench_msg(GET, 0, NULL));
    return;
  }
  int64_t c = BENCH_PL(m)->a;
  ar_msg_free(m);
  bench_finish(c);
}

static const ar_actor_type counter_type = {
    "counter", sizeof(counter_actor), counter_dispatch, NULL, NULL, NULL, 0, 0};
static const ar_actor_type prod_type = {
    "producer", sizeof(prod_actor), prod_dispatch, NULL, NULL, NULL, 0, 0};

static int64_t N;

static void start(void *arg) {
  (void)arg;
  bench_t0 = bench_now();
  ar_actor *counter = ar_actor_new(&counter_type);
  ar_actor_start(counter);
  prod_actor *p = BENCH_NEW(prod_actor, &prod_type);
  p->counter = counter;
  p->n = N;
  ar_actor_start(&p->base);
  ar_send(&p->base, bench_msg(START, 0, NULL));
}

int main(int argc, char **argv) {
  N = bench_arg(argc, argv, 1, 10000000);
  return ar_run_fn(start, NULL);
}
