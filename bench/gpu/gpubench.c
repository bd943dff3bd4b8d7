/* gpubench.c — host->GPU->host round trips (make bench-gpu / check-gpu,
 * mk/gpu.mk).  In one run, on one device:
 *   ring    a ring actor (bench/gpu/echo.actor, PTX from `actorc build
 *           --emit=ptx`) through the real bridge (runtime/ring.c): ask
 *           latency from an actor, and sustained messages/s with `cap`
 *           plain sends in flight;
 *   launch  one cuLaunchKernel + cuStreamSynchronize per message (a tiny
 *           hand-written PTX kernel reading/writing mapped pinned memory);
 *   graph   one cuGraphLaunch of a one-node CUDA graph per message.
 * Throughput of launch/graph keeps the same number of messages in flight
 * as the ring (cap): launches back to back, a synchronize every cap.
 *
 *   gpubench --probe        exit 0 if a GPU is usable, else print why, 77
 *   gpubench [--check] [--ptx FILE] [--n N]
 * --check: small counts, verifies every result, exit 1 on a wrong one.
 * Without a usable GPU: `SKIP: no usable GPU (<reason>)`, exit 0.
 * Uses runtime internals (ari_gpu.h) for the naive variants.
 */
#include "ar.h"
#include "ari_gpu.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ naive PTX */

static const char naive_ptx[] =
    ".version 7.0\n"
    ".target sm_75\n"
    ".address_size 64\n"
    ".visible .entry naive_echo(.param .u64 p_in, .param .u64 p_out)\n"
    "{\n"
    "  .reg .pred %p;\n"
    "  .reg .b32 %r;\n"
    "  .reg .b64 %rd<4>;\n"
    "  mov.u32 %r, %tid.x;\n"
    "  setp.ne.u32 %p, %r, 0;\n"
    "  @%p bra done;\n"
    "  ld.param.u64 %rd1, [p_in];\n"
    "  ld.param.u64 %rd2, [p_out];\n"
    "  cvta.to.global.u64 %rd1, %rd1;\n"
    "  cvta.to.global.u64 %rd2, %rd2;\n"
    "  ld.volatile.global.u64 %rd3, [%rd1];\n"
    "  add.s64 %rd3, %rd3, 1;\n"
    "  st.volatile.global.u64 [%rd2], %rd3;\n"
    "done:\n"
    "  ret;\n"
    "}\n";

/* ------------------------------------------------------------ helpers */

static int bad_ = 0;
static bool check_ = false;

static void die_cu(const char *what, CUresult r) {
  char eb[256];
  fprintf(stderr, "gpubench: %s failed: %s\n", what, ari_cu_err(r, eb, sizeof eb));
  exit(1);
}
#define CU(call)                                                             \
  do {                                                                       \
    CUresult r_ = (call);                                                    \
    if (r_ != 0)                                                             \
      die_cu(#call, r_);                                                     \
  } while (0)

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

typedef struct {
  const char *name;
  double p50_us, p99_us, msgs_per_s;
  bool ran;
  const char *note;
} row;

static void percentiles(int64_t *lat, int n, row *r) {
  qsort(lat, (size_t)n, sizeof *lat, cmp_i64);
  r->p50_us = (double)lat[n / 2] / 1e3;
  r->p99_us = (double)lat[(int64_t)n * 99 / 100] / 1e3;
}

/* ------------------------------------------------------------ naive */

/* One naive launcher: `fire` puts one kernel run reading in[slot] and
 * writing out[slot] on the stream.  A cuLaunchKernel can address any of
 * `slots` cells; a graph's one node is bound to cell 0. */
typedef struct naive {
  CUstream s;
  int64_t *in, *out;
  uint64_t din, dout;
  int slots;
  CUfunction f;
  CUgraphExec ge;
  void (*fire)(struct naive *nv, int slot);
} naive;

static void fire_launch(naive *nv, int slot) {
  uint64_t a = nv->din + 8u * (unsigned)slot, b = nv->dout + 8u * (unsigned)slot;
  void *args[2] = {&a, &b};
  CU(ari_cu.LaunchKernel(nv->f, 1, 1, 1, 32, 1, 1, 0, nv->s, args, NULL));
}
static void fire_graph(naive *nv, int slot) {
  (void)slot;
  CU(ari_cu.GraphLaunch(nv->ge, nv->s));
}

static void naive_open(naive *nv, int slots) {
  memset(nv, 0, sizeof *nv);
  char err[9000];
  if (!ari_gpu_load(naive_ptx, "naive_echo", &nv->f, err, sizeof err)) {
    fprintf(stderr, "gpubench: %s\n", err);
    exit(1);
  }
  nv->slots = slots;
  nv->in = ari_gpu_host_alloc((size_t)slots * 8, &nv->din);
  nv->out = ari_gpu_host_alloc((size_t)slots * 8, &nv->dout);
  CU(ari_cu.StreamCreate(&nv->s, ARI_CU_STREAM_NON_BLOCKING));
}
static void naive_close(naive *nv) {
  ari_cu.StreamDestroy(nv->s);
  ari_gpu_host_free(nv->in);
  ari_gpu_host_free(nv->out);
}

/* Latency: 100 warm-up then n synchronous round trips.  Throughput:
 * `inflight` launches back to back, one synchronize per batch; every cell
 * written in the batch is checked (stream order: the last launch on a cell
 * read the last value written to it). */
static void naive_measure(naive *nv, int n, int inflight, row *r) {
  int64_t *lat = malloc(sizeof *lat * (size_t)n);
  for (int i = -100; i < n; i++) {
    nv->in[0] = i;
    int64_t t0 = ar_now_ns();
    nv->fire(nv, 0);
    CU(ari_cu.StreamSynchronize(nv->s));
    int64_t v = *(volatile int64_t *)&nv->out[0];
    if (i >= 0)
      lat[i] = ar_now_ns() - t0;
    if (v != i + 1)
      bad_++;
  }
  percentiles(lat, n, r);
  free(lat);
  int64_t t0 = ar_now_ns();
  for (int i = 0; i < n; i += inflight) {
    int k = n - i < inflight ? n - i : inflight;
    for (int j = 0; j < k; j++) {
      nv->in[j % nv->slots] = i + j;
      nv->fire(nv, j % nv->slots);
    }
    CU(ari_cu.StreamSynchronize(nv->s));
    for (int j = k > nv->slots ? k - nv->slots : 0; j < k; j++)
      if (nv->out[j % nv->slots] != i + j + 1)
        bad_++;
  }
  r->msgs_per_s = (double)n / ((double)(ar_now_ns() - t0) / 1e9);
  r->ran = true;
}

static void bench_launch(int n, int inflight, row *r) {
  naive nv;
  naive_open(&nv, inflight);
  nv.fire = fire_launch;
  naive_measure(&nv, n, inflight, r);
  naive_close(&nv);
}

static void bench_graph(int n, int inflight, row *r) {
  if (!ari_cu.GraphCreate || !ari_cu.GraphAddKernelNode ||
      !ari_cu.GraphInstantiate || !ari_cu.GraphLaunch) {
    r->note = "driver lacks the graph API";
    return;
  }
  naive nv;
  naive_open(&nv, 1);
  CUgraph g;
  CUgraphNode node;
  uint64_t a = nv.din, b = nv.dout;
  void *args[2] = {&a, &b};
  ari_cu_kernel_node_params p;
  memset(&p, 0, sizeof p);
  p.func = nv.f;
  p.gridDimX = p.gridDimY = p.gridDimZ = 1;
  p.blockDimX = 32;
  p.blockDimY = p.blockDimZ = 1;
  p.kernelParams = args;
  CU(ari_cu.GraphCreate(&g, 0));
  CU(ari_cu.GraphAddKernelNode(&node, g, NULL, 0, &p));
  CU(ari_cu.GraphInstantiate(&nv.ge, g, 0));
  nv.fire = fire_graph;
  naive_measure(&nv, n, inflight, r);
  ari_cu.GraphExecDestroy(nv.ge);
  ari_cu.GraphDestroy(g);
  naive_close(&nv);
}

/* ------------------------------------------------------------ ring */

/* echo.actor: message Ping { n: i64 }  message Pong { n: i64 }, one `on`
 * clause (handler 0).  Ring layout (RING.md 4): 8 bytes at offset 16. */
enum { M_PING = 1, M_PONG = 2 };
#define ECHO_CAP 64u
#define ECHO_SLOT 32u

static bool echo_pack(ar_msg *m, void *payload, uint32_t *h) {
  if (m->type != M_PING)
    return false;
  memcpy(payload, AR_MSG_PAYLOAD(m, int64_t), 8);
  *h = 0;
  return true;
}
static ar_msg *echo_unpack(uint32_t h, const void *payload, ar_msg *req) {
  (void)h;
  (void)req;
  ar_msg *r = ar_msg_alloc(M_PONG, 8);
  memcpy(AR_MSG_PAYLOAD(r, int64_t), payload, 8);
  return r;
}
static void echo_drop(ar_msg *m) { ar_msg_free(m); }
static void echo_cpu(ar_actor *self, ar_msg *m) { /* unused on a GPU */
  (void)self;
  ar_msg *r = ar_msg_alloc(M_PONG, 8);
  *AR_MSG_PAYLOAD(r, int64_t) = *AR_MSG_PAYLOAD(m, int64_t) + 1;
  ar_reply(m, r);
  ar_msg_free(m);
}
static const ar_actor_type echo_cpu_type = {
    .name = "Echo(cpu)", .size = sizeof(ar_actor), .dispatch = echo_cpu};
static ar_ring_desc echo_desc = {
    .name = "Echo", .kernel = "ag_ring_Echo", .threads = 32, .blocks = 1,
    .cap = ECHO_CAP, .in_slot = ECHO_SLOT, .out_slot = ECHO_SLOT,
    .scratch_size = AR_RING_SCRATCH_MSG + ECHO_SLOT,
    .cpu_type = &echo_cpu_type, .pack = echo_pack, .unpack = echo_unpack,
    .drop = echo_drop};

typedef struct {
  ar_actor base;
  ar_actor *ring;
  int n, i, sent, recv;
  int64_t t0, start;
  int64_t *lat;
  int phase; /* 0 latency (asks), 1 throughput (pipelined sends) */
} driver;
static row *ring_row_;

static ar_msg *ping(int64_t n) {
  ar_msg *m = ar_msg_alloc(M_PING, 8);
  *AR_MSG_PAYLOAD(m, int64_t) = n;
  return m;
}
static void driver_throughput(driver *d) {
  d->phase = 1;
  d->sent = d->recv = 0;
  d->start = ar_now_ns();
  while (d->sent < d->n && d->sent < (int)ECHO_CAP)
    ar_send(d->ring, ping(d->sent++));
}
static void driver_start(ar_actor *self) {
  driver *d = (driver *)self;
  d->i = -100;
  d->t0 = ar_now_ns();
  ar_ask(self, d->ring, ping(d->i), 10000000000LL);
}
static void driver_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  (void)u;
  driver *d = (driver *)self;
  if (kind != AR_EV_REPLY) {
    fprintf(stderr, "gpubench: ring ask failed: %s\n",
            kind == AR_EV_FAILED ? (const char *)p : "timeout");
    bad_++;
    ar_actor_release(d->ring);
    d->ring = NULL;
    return;
  }
  int64_t v = *AR_MSG_PAYLOAD((ar_msg *)p, int64_t);
  ar_msg_free(p);
  if (d->i >= 0)
    d->lat[d->i] = ar_now_ns() - d->t0;
  if (v != d->i + 1)
    bad_++;
  if (++d->i == d->n) {
    percentiles(d->lat, d->n, ring_row_);
    free(d->lat);
    d->lat = NULL;
    driver_throughput(d);
    return;
  }
  d->t0 = ar_now_ns();
  ar_ask(self, d->ring, ping(d->i), 10000000000LL);
}
static void driver_dispatch(ar_actor *self, ar_msg *m) { /* Pong */
  driver *d = (driver *)self;
  if (*AR_MSG_PAYLOAD(m, int64_t) != d->recv + 1)
    bad_++;
  ar_msg_free(m);
  if (++d->recv == d->n) {
    ring_row_->msgs_per_s =
        (double)d->n / ((double)(ar_now_ns() - d->start) / 1e9);
    ring_row_->ran = true;
    ar_ring_stats st;
    if (ar_ring_get_stats(d->ring, &st))
      printf("ring stats: %llu handled, %llu kernel idle polls\n",
             (unsigned long long)st.handled,
             (unsigned long long)st.idle_polls);
    ar_actor_release(d->ring);
    d->ring = NULL;
    return;
  }
  if (d->sent < d->n)
    ar_send(d->ring, ping(d->sent++));
}
static const ar_actor_type driver_type = {.name = "driver",
                                          .size = sizeof(driver),
                                          .dispatch = driver_dispatch,
                                          .resume = driver_resume,
                                          .on_start = driver_start};

static void ring_start(void *arg) {
  int n = *(int *)arg;
  driver *d = (driver *)ar_actor_new(&driver_type);
  d->ring = ar_ring_spawn(&echo_desc);
  d->n = n;
  d->lat = malloc(sizeof *d->lat * (size_t)n);
  ar_actor_start(&d->base);
  ar_actor_release(&d->base);
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc((size_t)len + 1);
  if (fread(p, 1, (size_t)len, f) != (size_t)len) {
    fclose(f);
    free(p);
    return NULL;
  }
  p[len] = '\0'; /* cuModuleLoadData wants NUL-terminated PTX */
  fclose(f);
  return p;
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv) {
  const char *ptx_path = "build/bench/gpu/echo.ptx";
  int n = 100000;
  bool probe = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--probe") == 0)
      probe = true;
    else if (strcmp(argv[i], "--check") == 0)
      check_ = true;
    else if (strcmp(argv[i], "--ptx") == 0 && i + 1 < argc)
      ptx_path = argv[++i];
    else if (strcmp(argv[i], "--n") == 0 && i + 1 < argc)
      n = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: gpubench [--probe] [--check] [--ptx FILE] "
                      "[--n N]\n");
      return 2;
    }
  }
  if (check_ && n > 2000)
    n = 2000;
  if (n < 100)
    n = 100;
  ar_gpu_configure(AR_GPU_AUTO);
  if (!ar_gpu_active()) {
    printf("SKIP: no usable GPU (%s)\n", ar_gpu_describe());
    return probe ? 77 : 0;
  }
  printf("device: %s\n", ar_gpu_describe());
  if (probe)
    return 0;
  row rows[3] = {{.name = "ring actor (bridge, ask / cap in flight)"},
                 {.name = "cuLaunchKernel per message"},
                 {.name = "CUDA graph launch per message"}};
  char *ptx = read_file(ptx_path);
  if (ptx == NULL) {
    rows[0].note = "no PTX: build it with `actorc build --emit=ptx "
                   "bench/gpu/echo.actor`";
  } else {
    echo_desc.ptx = ptx;
    ring_row_ = &rows[0];
    int rc = ar_run_fn(ring_start, &n);
    if (rc != 0 || !rows[0].ran) {
      rows[0].note = "ring did not complete (see stderr)";
      bad_++;
    }
  }
  bench_launch(n, (int)ECHO_CAP, &rows[1]);
  bench_graph(n, (int)ECHO_CAP, &rows[2]);
  printf("\n%d round trips each, %u in flight for throughput\n\n", n,
         ECHO_CAP);
  printf("| method | p50 latency (us) | p99 latency (us) | messages/s |\n");
  printf("|---|---|---|---|\n");
  for (int i = 0; i < 3; i++) {
    if (rows[i].ran)
      printf("| %s | %.1f | %.1f | %.0f |\n", rows[i].name, rows[i].p50_us,
             rows[i].p99_us, rows[i].msgs_per_s);
    else
      printf("| %s | - | - | - (%s) |\n", rows[i].name,
             rows[i].note ? rows[i].note : "not run");
  }
  free(ptx);
  if (bad_) {
    printf("FAIL: %d wrong results\n", bad_);
    return 1;
  }
  if (check_)
    printf("check-gpu: all results correct\n");
  return 0;
}
