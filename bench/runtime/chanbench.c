/* chanbench [N]: channel throughput with plain threads (the "bench" half of
 * STYLE B10.7; validation lives in tests/unit/runtime/test_chan.c).  Prints
 * ns per element for 1P1C and 2P2C over capacities 0, 1, 64, and for a
 * 2-case select receiver.  Not a peer comparison. */
#include "bench.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct cb {
  ar_chan *c[2];
  uint64_t per;
  bool sel;
} cb;

static void *cb_prod(void *p) {
  cb *b = p;
  static _Atomic int which; /* producers alternate channels */
  ar_chan *c = b->c[atomic_fetch_add(&which, 1) & 1];
  if (!b->sel)
    c = b->c[0];
  for (uint64_t i = 0; i < b->per; i++)
    ar_chan_send_blocking(c, i);
  return NULL;
}

static void *cb_cons(void *p) {
  cb *b = p;
  uint64_t v;
  for (uint64_t i = 0; i < b->per; i++) {
    if (b->sel) {
      ar_select_case sc[2] = {{b->c[0], 0, false}, {b->c[1], 0, false}};
      int32_t idx;
      ar_select_blocking(sc, 2, 0, 0, &idx, &v);
    } else {
      ar_chan_recv_blocking(b->c[0], &v);
    }
  }
  return NULL;
}

static void run(const char *name, uint32_t cap, int pairs, bool sel,
                uint64_t per) {
  cb b = {{ar_chan_new(cap, NULL), ar_chan_new(cap, NULL)}, per, sel};
  pthread_t th[8];
  double t0 = bench_now();
  for (int i = 0; i < pairs; i++) {
    pthread_create(&th[2 * i], NULL, cb_prod, &b);
    pthread_create(&th[2 * i + 1], NULL, cb_cons, &b);
  }
  for (int i = 0; i < 2 * pairs; i++)
    pthread_join(th[i], NULL);
  double t = bench_now() - t0;
  printf("%-22s cap=%-3u %6.1f ns/elem\n", name, cap,
         t * 1e9 / (double)(per * (uint64_t)pairs));
  ar_chan_release(b.c[0]);
  ar_chan_release(b.c[1]);
}

int main(int argc, char **argv) {
  uint64_t n = (uint64_t)bench_arg(argc, argv, 1, 1000000);
  /* uncontended fast path: one thread, try_send + try_recv */
  ar_chan *c = ar_chan_new(64, NULL);
  double t0 = bench_now();
  uint64_t v;
  for (uint64_t i = 0; i < n; i++) {
    ar_chan_try_send(c, i);
    ar_chan_try_recv(c, &v);
  }
  printf("%-22s cap=64  %6.1f ns/pair\n", "try_send+try_recv",
         (bench_now() - t0) * 1e9 / (double)n);
  ar_chan_release(c);
  uint32_t caps[3] = {0, 1, 64};
  for (int i = 0; i < 3; i++) {
    uint64_t per = caps[i] == 0 ? n / 10 : n;
    run("1P1C", caps[i], 1, false, per);
    run("2P2C", caps[i], 2, false, per / 2);
    run("1P1C select(2)", caps[i], 1, true, per);
  }
  return 0;
}
