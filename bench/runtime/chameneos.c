/* chameneos C M: C chameneos meet through a mall; after M meetings every
 * request is answered with EXIT and each reports its count; result 2*M. */
#include "bench.h"

enum { START = 1, MEET, CHANGE, EXIT, COUNT };

typedef struct mall_actor {
  ar_actor base;
  int64_t left;
  int64_t faded;
  int64_t sum;
  int64_t c;
  ar_actor *waiting;
} mall_actor;

typedef struct cham_actor {
  ar_actor base;
  int64_t color;
  int64_t meetings;
  ar_actor *mall;
} cham_actor;

static int64_t complement(int64_t a, int64_t b) {
  return a == b ? a : 3 - a - b;
}

static void mall_dispatch(ar_actor *self, ar_msg *m) {
  mall_actor *s = (mall_actor *)self;
  if (m->type == MEET) {
    if (s->left > 0) {
      if (!s->waiting) {
        s->waiting = BENCH_PL(m)->who;
        ar_msg_free(m);
      } else {
        s->left--;
        ar_actor *w = s->waiting;
        s->waiting = NULL;
        ar_send(w, m); /* forward the second request to the waiting one */
      }
    } else {
      ar_actor *from = BENCH_PL(m)->who;
      ar_msg_free(m);
      ar_send(from, bench_msg(EXIT, 0, self));
    }
    return;
  }
  s->sum += BENCH_PL(m)->a; /* COUNT */
  ar_msg_free(m);
  if (++s->faded == s->c)
    bench_finish(s->sum);
}

static void cham_dispatch(ar_actor *self, ar_msg *m) {
  cham_actor *s = (cham_actor *)self;
  switch (m->type) {
  case START:
    ar_msg_free(m);
    ar_send(s->mall, bench_msg(MEET, s->color, self));
    break;
  case MEET: {
    ar_actor *partner = BENCH_PL(m)->who;
    s->color = complement(s->color, BENCH_PL(m)->a);
    s->meetings++;
    ar_msg_free(m);
    ar_send(partner, bench_msg(CHANGE, s->color, self));
    ar_send(s->mall, bench_msg(MEET, s->color, self));
    break;
  }
  case CHANGE:
    s->color = BENCH_PL(m)->a;
    s->meetings++;
    ar_msg_free(m);
    ar_send(s->mall, bench_msg(MEET, s->color, self));
    break;
  case EXIT:
    ar_msg_free(m);
    ar_send(s->mall, bench_msg(COUNT, s->meetings, self));
    break;
  default:
    abort();
  }
}

static const ar_actor_type mall_type = {"mall", sizeof(mall_actor),
                                        mall_dispatch, NULL, NULL, NULL, 0, 0};
static const ar_actor_type cham_type = {"chameneo", sizeof(cham_actor),
                                        cham_dispatch, NULL, NULL, NULL, 0, 0};

static int64_t C, M;

static void start(void *arg) {
  (void)arg;
  bench_t0 = bench_now();
  mall_actor *mall = BENCH_NEW(mall_actor, &mall_type);
  mall->left = M;
  mall->c = C;
  ar_actor_start(&mall->base);
  for (int64_t i = 0; i < C; i++) {
    cham_actor *a = BENCH_NEW(cham_actor, &cham_type);
    a->color = i % 3;
    a->mall = &mall->base;
    ar_actor_start(&a->base);
    ar_send(&a->base, bench_msg(START, 0, NULL));
  }
}

int main(int argc, char **argv) {
  C = bench_arg(argc, argv, 1, 100);
  M = bench_arg(argc, argv, 2, 1500000);
  return ar_run_fn(start, NULL);
}
