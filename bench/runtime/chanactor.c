/* chanactor [N]: channels on the actor path (suspend through ar_wait_begin,
 * resume through the scheduler).  Two scenarios, one line each:
 *   pipe  cap=64: a producer actor sends N slots into a buffered channel,
 *                 a consumer actor receives them (sum checked)
 *   pingpong cap=0: two actors bounce a counter N times over two
 *                 rendezvous channels
 * Prints `chan-<scenario> n=<N> ns_per_elem=<ns>`.  Not a peer comparison. */
#include "bench.h"

enum { GO = 1 };

typedef enum { PRODUCER, CONSUMER, PLAYER } ch_role;

typedef struct ch_actor {
  ar_actor base;
  ch_role role;
  ar_chan *in;
  ar_chan *out;
  ar_chan_op *op;
  uint64_t next;  /* producer: next slot; player: value to send */
  uint64_t got;   /* consumer: received count */
  uint64_t sum;
  bool sending;   /* player: `next` still has to be sent */
} ch_actor;

static uint64_t N;
static double t_start;
static int scenario; /* 0 pipe, 1 pingpong */

static void report(uint64_t sum) {
  double t = bench_now() - t_start;
  uint64_t expect = scenario == 0 ? N * (N - 1) / 2 : N;
  if (sum != expect) {
    fprintf(stderr, "chanactor: wrong result %llu != %llu\n",
            (unsigned long long)sum, (unsigned long long)expect);
    exit(1);
  }
  printf("chan-%-15s n=%llu ns_per_elem=%.1f\n",
         scenario == 0 ? "pipe cap=64" : "pingpong cap=0",
         (unsigned long long)N, t * 1e9 / (double)N);
  fflush(stdout);
  ar_exit(0);
}

static void kick(ar_actor *a) {
  ar_send(a, ar_msg_alloc(GO, 0));
}

/* A slot arrived (directly or through resume).  False: finished. */
static bool took(ch_actor *s, uint64_t v) {
  if (s->role == CONSUMER) {
    s->sum += v;
    if (++s->got == N) {
      report(s->sum);
      return false;
    }
    return true;
  }
  if (v + 1 == N) { /* player: the N-th hop */
    report(N);
    return false;
  }
  s->next = v + 1;
  s->sending = true;
  return true;
}

static void step(ch_actor *s) {
  for (int k = 0; k < 256; k++) {
    if (s->role == PRODUCER) {
      if (s->next == N)
        return;
      if (ar_chan_send(&s->base, s->out, s->next, &s->op) == AR_AGAIN)
        return;
      s->next++;
    } else if (s->sending) {
      if (ar_chan_send(&s->base, s->out, s->next, &s->op) == AR_AGAIN)
        return;
      s->sending = false;
    } else {
      uint64_t v;
      ar_status st = ar_chan_recv(&s->base, s->in, &v, &s->op);
      if (st == AR_AGAIN)
        return;
      if (st != AR_OK)
        abort();
      if (!took(s, v))
        return;
    }
  }
  kick(&s->base); /* yield after a batch */
}

static void ch_dispatch(ar_actor *self, ar_msg *m) {
  ar_msg_free(m);
  step((ch_actor *)self);
}

static void ch_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  ch_actor *s = (ch_actor *)self;
  (void)u;
  (void)p;
  uint64_t v = 0;
  int32_t idx;
  if (ar_chan_op_end(s->op, &idx, &v) != AR_OK)
    abort();
  s->op = NULL;
  if (kind == AR_EV_CHAN_SEND) {
    if (s->role == PRODUCER)
      s->next++;
    else
      s->sending = false;
  } else if (!took(s, v)) {
    return;
  }
  step(s);
}

static const ar_actor_type ch_type = {"ch", sizeof(ch_actor), ch_dispatch,
                                      ch_resume, NULL, NULL, 0, 0};

static void mk(ch_role role, ar_chan *in, ar_chan *out, bool sending) {
  ch_actor *a = (ch_actor *)(void *)ar_actor_new(&ch_type);
  a->role = role;
  a->in = in;
  a->out = out;
  a->sending = sending;
  ar_actor_start(&a->base);
  kick(&a->base);
}

static void start(void *arg) {
  (void)arg;
  t_start = bench_now();
  if (scenario == 0) {
    ar_chan *c = ar_chan_new(64, NULL);
    mk(PRODUCER, NULL, c, false);
    mk(CONSUMER, c, NULL, false);
  } else {
    ar_chan *a = ar_chan_new(0, NULL);
    ar_chan *b = ar_chan_new(0, NULL);
    mk(PLAYER, b, a, true); /* serves value 0 */
    mk(PLAYER, a, b, false);
  }
}

int main(int argc, char **argv) {
  N = (uint64_t)bench_arg(argc, argv, 1, 1000000);
  for (scenario = 0; scenario < 2; scenario++)
    if (ar_run_fn(start, NULL) != 0)
      return 1;
  return 0;
}
