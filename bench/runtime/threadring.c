/* threadring R T: R actors in a ring pass a token T hops; the actor that
 * receives 0 reports its index; result T mod R. */
#include "bench.h"

enum { TOKEN = 1 };

typedef struct node_actor {
  ar_actor base;
  ar_actor *next;
  int64_t id;
} node_actor;

static void node_dispatch(ar_actor *self, ar_msg *m) {
  node_actor *s = (node_actor *)self;
  int64_t t = BENCH_PL(m)->a;
  ar_msg_free(m);
  if (t == 0)
    bench_finish(s->id);
  ar_send(s->next, bench_msg(TOKEN, t - 1, NULL));
}

static const ar_actor_type node_type = {"node", sizeof(node_actor),
                                        node_dispatch, NULL, NULL, NULL, 0, 0};

static int64_t R, T;

static void start(void *arg) {
  (void)arg;
  bench_t0 = bench_now();
  node_actor **ring = malloc(sizeof(node_actor *) * (size_t)R);
  for (int64_t i = 0; i < R; i++) {
    ring[i] = BENCH_NEW(node_actor, &node_type);
    ring[i]->id = i;
  }
  for (int64_t i = 0; i < R; i++) {
    ring[i]->next = &ring[(i + 1) % R]->base;
    ar_actor_start(&ring[i]->base);
  }
  ar_send(&ring[0]->base, bench_msg(TOKEN, T, NULL));
}

int main(int argc, char **argv) {
  R = bench_arg(argc, argv, 1, 100);
  T = bench_arg(argc, argv, 2, 8000000);
  return ar_run_fn(start, NULL);
}
