/* ring_harness.c — the ring protocol of runtime/RING.md, tested on the CPU.
 *
 * Links the --gpu=emulate object of tests/ptx/protocol.actor (the very
 * LLVM IR the PTX comes from, compiled for x86-64) and drives its rings
 * exactly as the host bridge does: a producer thread packs messages into
 * the in ring (release in_head), a consumer thread takes every out slot in
 * order (acquire out_head, release out_tail), and the kernel runs on a
 * third thread.  Every reply is checked field by field, every buf write
 * too; faults (division by zero, index out of range) must come back as
 * FAULT with their code.  At the end: terminate, `terminated`, `handled`.
 *
 * The offsets below are written from RING.md section 4 by hand (not taken
 * from ring_layout.c), so a disagreement between the contract and the
 * emitter shows up here.
 *
 * Usage: ring_harness [messages]   (default 2000000)
 * Prints `ring_harness: N messages ok ...` and exits 0, or a reason and 1.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ag_ring_Proto_host(void *ring, void *scratch);

#ifdef HARNESS_TSAN_MEMCPY
/* LLVM 19's TSan pass calls __tsan_memcpy, which GCC's libtsan lacks; the
 * intercepted memcpy checks the same ranges. */
void *__tsan_memcpy(void *d, const void *s, size_t n);
void *__tsan_memcpy(void *d, const void *s, size_t n) { return memcpy(d, s, n); }
#endif

/* geometry of ring actor Proto(threads: 4, blocks: 2, ring: 16) */
enum {
  THREADS = 4,
  BLOCKS = 2,
  CAP = 16,
  IN_SLOT = 16 + 48,  /* Work: 48 bytes, Poke: 24 -> 32 */
  OUT_SLOT = 16 + 48, /* Done: 48 bytes */
  HDR = 640,
  SCRATCH = 256 + IN_SLOT,
  OUTLEN = 8 /* elements of each message's `out` buf */
};

/* ring header offsets */
enum {
  R_TERMINATE = 0, R_ACTIVE = 4, R_TERMINATED = 8, R_HANDLED = 16,
  R_IN_HEAD = 128, R_IN_TAIL = 256, R_OUT_HEAD = 384, R_OUT_TAIL = 512
};

static unsigned char *ring;
static unsigned char *scratch;
static int64_t bufs[CAP][OUTLEN];
static uint64_t nmsg = 2000000;
static atomic_int failed;
static uint64_t n_work, n_poke, n_fault1, n_fault2;

#define U32(off) ((_Atomic uint32_t *)(ring + (off)))

static uint32_t ld_acq(uint32_t off) {
  return atomic_load_explicit(U32(off), memory_order_acquire);
}
static void st_rel(uint32_t off, uint32_t v) {
  atomic_store_explicit(U32(off), v, memory_order_release);
}

static void fail(const char *fmt, uint64_t a, uint64_t b, uint64_t c) {
  if (atomic_fetch_add(&failed, 1) < 10) {
    fprintf(stderr, "ring_harness: ");
    fprintf(stderr, fmt, (unsigned long long)a, (unsigned long long)b,
            (unsigned long long)c);
    fputc('\n', stderr);
  }
}

/* What message number s is. */
typedef enum { M_WORK, M_POKE, M_DIV0, M_OOB } kind;
static kind kind_of(uint64_t s) {
  if (s % 7 == 3)
    return M_POKE;
  if (s % 1009 == 5)
    return M_DIV0;
  if (s % 1013 == 6)
    return M_OOB;
  return M_WORK;
}
static int32_t a_of(uint64_t s) { return (int32_t)(s * 2654435761u) - 7; }
static int32_t b_of(uint64_t s) {
  if (kind_of(s) == M_DIV0)
    return 0;
  int32_t b = (int32_t)(s % 97) - 48;
  return b ? b : -1;
}
static uint8_t k_of(uint64_t s) {
  return kind_of(s) == M_OOB ? (uint8_t)(200 + s % 50) : (uint8_t)(s % 8);
}

static void *producer(void *arg) {
  (void)arg;
  uint32_t head = 0;
  for (uint64_t s = 0; s < nmsg; s++) {
    /* at most CAP in flight: wait for the consumer's out_tail */
    while ((uint32_t)(head - ld_acq(R_OUT_TAIL)) >= CAP ||
           (uint32_t)(head - ld_acq(R_IN_TAIL)) >= CAP)
      sched_yield();
    unsigned char *slot = ring + HDR + (size_t)(head & (CAP - 1)) * IN_SLOT;
    unsigned char *p = slot + 16;
    int64_t *buf = bufs[s % CAP];
    for (int i = 0; i < OUTLEN; i++)
      buf[i] = -1;
    uint64_t dev = (uint64_t)(uintptr_t)buf;
    int64_t len = OUTLEN;
    memset(slot, 0, IN_SLOT);
    uint32_t seq = (uint32_t)s;
    memcpy(slot + 4, &seq, 4);
    if (kind_of(s) == M_POKE) {
      uint32_t h = 1;
      memcpy(slot, &h, 4);
      int64_t v = (int64_t)s * 31 + 1;
      memcpy(p + 0, &v, 8);
      memcpy(p + 8, &dev, 8);
      memcpy(p + 16, &len, 8);
    } else {
      uint32_t h = 0;
      memcpy(slot, &h, 4);
      int64_t seq64 = (int64_t)s;
      int32_t a = a_of(s), b = b_of(s);
      uint8_t k = k_of(s), flag = kind_of(s) == M_OOB || s % 5 == 0;
      double scale = (double)s * 0.5 + 0.25;
      memcpy(p + 0, &seq64, 8);
      memcpy(p + 8, &a, 4);
      memcpy(p + 12, &b, 4);
      memcpy(p + 16, &k, 1);
      memcpy(p + 17, &flag, 1);
      memcpy(p + 24, &scale, 8);
      memcpy(p + 32, &dev, 8);
      memcpy(p + 40, &len, 8);
    }
    head++;
    st_rel(R_IN_HEAD, head);
  }
  return NULL;
}

static void check_reply(uint64_t s, const unsigned char *slot) {
  uint32_t status, seq, fault;
  memcpy(&status, slot, 4);
  memcpy(&seq, slot + 4, 4);
  memcpy(&fault, slot + 8, 4);
  const unsigned char *p = slot + 16;
  if (seq != (uint32_t)s)
    fail("out slot %llu carries seq %llu%.0llu", s, seq, 0);
  int64_t *buf = bufs[s % CAP];
  switch (kind_of(s)) {
  case M_POKE:
    n_poke++;
    if (status != 1 || buf[0] != (int64_t)s * 31 + 1)
      fail("poke %llu: status %llu, out[0] %llu", s, status, (uint64_t)buf[0]);
    return;
  case M_DIV0:
  case M_OOB: {
    uint32_t want = kind_of(s) == M_DIV0 ? 1 : 2;
    if (want == 1)
      n_fault1++;
    else
      n_fault2++;
    if (status != 2 || fault != want)
      fail("message %llu: status %llu fault %llu (wanted a fault)", s, status,
           fault);
    return;
  }
  case M_WORK: break;
  }
  n_work++;
  int32_t a = a_of(s), b = b_of(s);
  uint8_t k = k_of(s);
  int64_t sum, dev, len;
  int32_t q, r;
  double f;
  uint8_t ok;
  memcpy(&sum, p + 0, 8);
  memcpy(&q, p + 8, 4);
  memcpy(&r, p + 12, 4);
  memcpy(&f, p + 16, 8);
  memcpy(&dev, p + 24, 8);
  memcpy(&len, p + 32, 8);
  memcpy(&ok, p + 40, 1);
  int32_t wq = b == -1 ? (int32_t)(0u - (uint32_t)a) : a / b;
  int32_t wr = b == -1 ? 0 : a % b;
  if (status != 0 || fault != 0)
    fail("work %llu: status %llu fault %llu", s, status, fault);
  if (sum != (int64_t)s * 3 + a + k)
    fail("work %llu: sum %llu%.0llu", s, (uint64_t)sum, 0);
  if (q != wq || r != wr)
    fail("work %llu: q %llu r %llu", s, (uint64_t)q, (uint64_t)r);
  if (f != ((double)s * 0.5 + 0.25) * 2.0)
    fail("work %llu: f wrong%.0llu%.0llu", s, 0, 0);
  if (dev != (int64_t)(uintptr_t)buf || len != OUTLEN)
    fail("work %llu: reply buf %llx len %llu", s, (uint64_t)dev, (uint64_t)len);
  if (ok != !(s % 5 == 0))
    fail("work %llu: ok %llu%.0llu", s, ok, 0);
  for (int g = 0; g < OUTLEN; g++)
    if (buf[g] != (int64_t)s * 8 + g)
      fail("work %llu: out[%llu] = %llu", s, (uint64_t)g, (uint64_t)buf[g]);
}

static void *consumer(void *arg) {
  (void)arg;
  uint32_t tail = 0;
  for (uint64_t s = 0; s < nmsg; s++) {
    while (ld_acq(R_OUT_HEAD) == tail)
      sched_yield();
    check_reply(s, ring + HDR + (size_t)CAP * IN_SLOT +
                       (size_t)(tail & (CAP - 1)) * OUT_SLOT);
    tail++;
    st_rel(R_OUT_TAIL, tail);
  }
  return NULL;
}

static void *kernel(void *arg) {
  (void)arg;
  ag_ring_Proto_host(ring, scratch);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1)
    nmsg = strtoull(argv[1], NULL, 10);
  size_t ring_bytes = HDR + (size_t)CAP * (IN_SLOT + OUT_SLOT);
  ring = aligned_alloc(128, (ring_bytes + 127) / 128 * 128);
  scratch = aligned_alloc(128, (SCRATCH + 127) / 128 * 128);
  if (!ring || !scratch)
    return 1;
  memset(ring, 0, ring_bytes);
  memset(scratch, 0, SCRATCH);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pthread_t tk, tp, tc;
  pthread_create(&tk, NULL, kernel, NULL);
  pthread_create(&tc, NULL, consumer, NULL);
  pthread_create(&tp, NULL, producer, NULL);
  pthread_join(tp, NULL);
  pthread_join(tc, NULL);
  if (ld_acq(R_ACTIVE) != 1)
    fail("active is %llu%.0llu%.0llu", ld_acq(R_ACTIVE), 0, 0);
  st_rel(R_TERMINATE, 1);
  /* bounded wait for `terminated` */
  for (int i = 0; i < 5000 && !ld_acq(R_TERMINATED); i++) {
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  if (!ld_acq(R_TERMINATED)) {
    fail("the kernel did not set `terminated`%.0llu%.0llu%.0llu", 0, 0, 0);
    return 1; /* the kernel thread is still running: do not join */
  }
  pthread_join(tk, NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  uint64_t handled = atomic_load(
      (_Atomic uint64_t *)(ring + R_HANDLED));
  if (handled != nmsg)
    fail("handled = %llu, sent %llu%.0llu", handled, nmsg, 0);
  if (n_work + n_poke + n_fault1 + n_fault2 != nmsg)
    fail("%llu replies checked of %llu%.0llu",
         n_work + n_poke + n_fault1 + n_fault2, nmsg, 0);
  if (!n_fault1 && nmsg > 2000)
    fail("no division fault came back%.0llu%.0llu%.0llu", 0, 0, 0);
  if (!n_fault2 && nmsg > 2000)
    fail("no index fault came back%.0llu%.0llu%.0llu", 0, 0, 0);
  double secs = (double)(t1.tv_sec - t0.tv_sec) +
                (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  int nf = atomic_load(&failed);
  printf("ring_harness: %llu messages %s (work %llu, poke %llu, faults "
         "%llu+%llu, handled %llu) in %.2f s\n",
         (unsigned long long)nmsg, nf ? "FAILED" : "ok",
         (unsigned long long)n_work, (unsigned long long)n_poke,
         (unsigned long long)n_fault1, (unsigned long long)n_fault2,
         (unsigned long long)handled, secs);
  free(ring);
  free(scratch);
  return nf ? 1 : 0;
}
