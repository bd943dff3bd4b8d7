/* ring.c — the host bridge of ring actors (RING.md 7): ar_ring_spawn, the
 * proxy actor that packs messages into a ring in shared memory, one poller
 * thread per ring actor that turns out slots into replies, the emulated
 * kernel thread (--gpu=emulate), and the stop/teardown of all of it.
 * Section numbers (RING.md n) cite the contract; the kernel side is
 * codegen/emit_ptx.c.  Never runs user code on the poller except the
 * descriptor's unpack/drop (generated, non-blocking).
 *
 * Threads and ownership (STYLE B10.1), per ring actor:
 *   proxy   — the actor's runner (a worker): packs in slots, writes
 *             in_head, head, req[]/hidx[] slots [out_tail .. in_head) it
 *             fills, pending; runs close (on_stop).
 *   poller  — reads out slots, writes tail/out_tail, clears req[] slots,
 *             replies, fails the ring (fault).
 *   kernel  — GPU kernel or the emulate thread (RING.md 5).
 *   close   — on_stop (the runner) or the teardown hook (main thread,
 *             workers joined): joins the poller first, then owns all.
 */
#include "ari.h"
#include "ari_gpu.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ layout */

/* RING.md 2: offsets in the shared block */
enum {
  ARI_RO_TERMINATE = AR_RING_OFF_TERMINATE,
  ARI_RO_ACTIVE = AR_RING_OFF_ACTIVE,
  ARI_RO_TERMINATED = AR_RING_OFF_TERMINATED,
  ARI_RO_HANDLED = AR_RING_OFF_HANDLED,
  ARI_RO_IDLE = AR_RING_OFF_IDLE_POLLS,
  ARI_RO_IN_HEAD = AR_RING_OFF_IN_HEAD,
  ARI_RO_IN_TAIL = AR_RING_OFF_IN_TAIL,
  ARI_RO_OUT_HEAD = AR_RING_OFF_OUT_HEAD,
  ARI_RO_OUT_TAIL = AR_RING_OFF_OUT_TAIL
};

/* The private message the poller sends the proxy to make it fail (a
 * system message: it is dispatched even when user messages queue). */
#define ARI_RING_MSG_FAIL (AR_MSG_TYPE_SYS + 0x5249u)

#define ARI_RING_SPIN 256       /* poller: pause polls before yielding */
#define ARI_RING_YIELD 64       /* then sched_yield polls before sleeping */
#define ARI_RING_SLEEP_MAX 64000 /* ns: longest backoff sleep */
#define ARI_RING_CHECK_NS 1000000 /* dead-kernel check period while idle */
#define ARI_RING_STOP_NS 2000000000LL /* close: wait for `terminated` */

/* ------------------------------------------------------------ types */

/* One per descriptor, for the life of the process (the proxy's actor type
 * must outlive every proxy; the module stays loaded). */
typedef struct ari_ring_type {
  const ar_ring_desc *desc;
  ar_actor_type type;
  bool tried;         /* GPU: module load attempted */
  CUfunction fn;      /* GPU: the kernel, or NULL */
  const char *err;    /* GPU: why loading failed (interned) */
  struct ari_ring_type *next;
} ari_ring_type;

typedef struct ari_ring ari_ring;
struct ari_ring {
  /* immutable after spawn */
  const ar_ring_desc *d;
  ari_actor *proxy;       /* not counted: close joins the poller before
                             the proxy can be DEAD, hence before freed */
  int mode;               /* AR_GPU_ON or AR_GPU_EMULATE */
  uint32_t mask;
  size_t shm_size;
  uint8_t *in, *out;      /* slot arrays inside shm */
  ar_msg **req;           /* in-flight requests by seq & mask */
  uint32_t *hidx;         /* their handler index (for unpack) */
  CUfunction fn;
  /* shared block and scratch; shm/scratch_host under `mu` for readers of
   * statistics (ar_ring_get_stats) because close frees them */
  uint8_t *shm;
  uint64_t shm_dev;
  void *scratch_host;     /* emulate */
  CUdeviceptr scratch_dev;/* GPU */
  CUstream stream;
  pthread_t kth, poller;
  bool kth_started, poller_started;
  /* proxy (runner) only */
  uint32_t head;          /* next seq == in_head */
  ar_msg *pending;        /* found the ring full; waits for room */
  bool closed;            /* also read by the teardown hook, after join */
  /* poller only (close reads it after joining the poller) */
  uint32_t tail;          /* next seq to complete == out_tail */
  /* cross-thread */
  ar_waiter *_Atomic room;    /* proxy's waiter while the ring is full */
  const char *_Atomic fault;  /* first failure reason (CAS NULL -> text) */
  _Atomic int stop;           /* close -> poller: leave */
  _Atomic int sleeping;       /* poller parked on cv (Dekker with submit) */
  _Atomic int kexited;        /* emulate: host_kernel returned */
  pthread_mutex_t mu;         /* poller park; statistics vs free */
  pthread_cond_t cv;
  uint64_t final_handled, final_idle, final_in; /* under mu, after close */
  ari_ring *reg_prev, *reg_next; /* live rings (ari_rings_.mu) */
};

typedef struct ari_ring_proxy {
  ar_actor base;
  ari_ring r;
} ari_ring_proxy;

#define ARI_RING_OF(a) (&((ari_ring_proxy *)(void *)(a))->r)

static struct {
  pthread_mutex_t mu;   /* live list, interned strings */
  ari_ring_type *types;
  ari_ring *live;
  struct ari_istr { struct ari_istr *next; char s[]; } *strs;
} ari_rings_ = {.mu = PTHREAD_MUTEX_INITIALIZER};

static _Atomic uint32_t *ari_r32(uint8_t *shm, size_t off) {
  return (_Atomic uint32_t *)(void *)(shm + off);
}
static _Atomic uint64_t *ari_r64(uint8_t *shm, size_t off) {
  return (_Atomic uint64_t *)(void *)(shm + off);
}

static bool ari_ring_verbose(void) {
  const char *v = getenv("ACTOR_GPU_VERBOSE");
  return v != NULL && *v != '\0' && *v != '0';
}

const char *ari_ring_intern(const char *s) {
  pthread_mutex_lock(&ari_rings_.mu);
  struct ari_istr *p;
  for (p = ari_rings_.strs; p; p = p->next)
    if (strcmp(p->s, s) == 0)
      break;
  if (p == NULL) {
    size_t n = strlen(s) + 1;
    p = ari_xmalloc(sizeof *p + n);
    memcpy(p->s, s, n);
    p->next = ari_rings_.strs;
    ari_rings_.strs = p;
  }
  pthread_mutex_unlock(&ari_rings_.mu);
  return p->s;
}

__attribute__((format(printf, 1, 2))) static const char *
ari_ring_fmt(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return ari_ring_intern(buf);
}

static const char *ari_ring_fault_text(uint32_t code) {
  switch (code) {
  case AR_RING_FAULT_DIV0: return "division by zero";
  case AR_RING_FAULT_INDEX: return "index out of range";
  default: return ari_ring_fmt("ring kernel fault %u", code);
  }
}

/* ------------------------------------------------------------ failure */

/* Wake the proxy if it waits for room (or for the fault).  Any thread.
 * seq_cst load: Dekker with ari_ring_wait_room (store room; load out_tail
 * and fault) against our earlier seq_cst store of out_tail / CAS of fault:
 * either we see its waiter or it sees our progress. */
static void ari_ring_wake_room(ari_ring *r) {
  if (atomic_load_explicit(&r->room, memory_order_seq_cst) == NULL)
    return;
  /* acq_rel: exactly one of the wakers takes the waiter (and its
   * reference) */
  ar_waiter *w = atomic_exchange_explicit(&r->room, NULL,
                                          memory_order_acq_rel);
  if (w == NULL)
    return;
  if (ar_waiter_claim(w))
    ar_waiter_wake(w, AR_EV_USER, 0, NULL);
  ar_waiter_release(w);
}

/* The poller (or spawn): record the first failure, tell the kernel to
 * terminate and the proxy to fail.  In-flight requests are failed by
 * close, on the proxy's runner, which then owns everything. */
static void ari_ring_fail(ari_ring *r, const char *reason) {
  const char *none = NULL;
  /* seq_cst: publishes the reason text (static or interned) to the
   * proxy's loads; Dekker with ari_ring_wait_room (see wake_room) */
  if (!atomic_compare_exchange_strong_explicit(&r->fault, &none, reason,
                                               memory_order_seq_cst,
                                               memory_order_seq_cst))
    return;
  /* release: pairs with the kernel's ld.acquire.sys of terminate */
  atomic_store_explicit(ari_r32(r->shm, ARI_RO_TERMINATE), 1,
                        memory_order_release);
  ar_msg *m = ari_msg_alloc_internal(ARI_RING_MSG_FAIL, 0);
  ari_actor_send_sys(r->proxy, m);
  ari_ring_wake_room(r);
}

/* A request the ring will never answer: its ask fails with `why`; the
 * message and its payload go through the descriptor's drop. */
static void ari_ring_abandon(ari_ring *r, ar_msg *m, const char *why,
                             bool quiescent) {
  ari_thread *t = ari_me();
  ari_stat_inc(&t->undelivered);
  if (quiescent) {
    /* teardown: actors are freed wholesale and nothing runs again, so
     * drop neither the sender reference nor the asker (as
     * ari_msg_discard_quiescent does) */
    m->sender = NULL;
    if (m->flags & AR_MSGF_ASK) {
      m->ari_ext->waiter = NULL;
      m->flags &= (uint8_t)~AR_MSGF_ASK;
    }
  } else if (m->flags & AR_MSGF_ASK) {
    ari_fail_ask(m, why);
  }
  r->d->drop(m);
}

/* ------------------------------------------------------------ poller */

/* Take every published out slot in order (RING.md 2, 7).  Returns how many
 * were completed; stops at a fault (the ring fails). */
static unsigned ari_ring_drain(ari_ring *r) {
  const ar_ring_desc *d = r->d;
  /* acquire: pairs with the kernel's st.release.sys of out_head (after its
   * fence.acq_rel.sys): publishes the out slots and the handler's writes
   * to buf elements (RING.md 5, 6) */
  uint32_t oh = atomic_load_explicit(ari_r32(r->shm, ARI_RO_OUT_HEAD),
                                     memory_order_acquire);
  unsigned n = 0;
  const char *bad = NULL;
  while (r->tail != oh) {
    uint32_t i = r->tail & r->mask;
    const uint8_t *slot = r->out + (size_t)i * d->out_slot;
    uint32_t status, seq, code;
    memcpy(&status, slot, 4);
    memcpy(&seq, slot + 4, 4);
    memcpy(&code, slot + 8, 4);
    ar_msg *m = r->req[i];
    if (seq != r->tail || m == NULL) {
      bad = ari_ring_fmt("ring protocol error: out slot seq %u, expected %u",
                         seq, r->tail);
      break;
    }
    if (status == AR_RING_FAULT) {
      bad = ari_ring_fault_text(code);
      break;
    }
    ar_msg *reply = NULL;
    if (status == AR_RING_REPLY) {
      reply = d->unpack(r->hidx[i], slot + AR_RING_SLOT_HDR, m);
      if (reply == NULL) {
        bad = "ring reply refers to a buffer its request does not carry";
        break;
      }
    } else if (status != AR_RING_DONE) {
      bad = ari_ring_fmt("ring protocol error: status %u", status);
      break;
    }
    /* the slot is consumed (unpacked): complete it BEFORE the reply wakes
     * the asker, so that statistics the asker reads after the reply count
     * this request as done (in_flight; test_ring's stats check failed
     * about 1 run in 6 when out_tail trailed the reply) */
    r->req[i] = NULL;
    r->tail++;
    /* seq_cst: (1) release for the kernel's ld.acquire.sys of out_tail
     * (the out slot may be reused) and for the proxy's load in
     * ari_ring_has_room (req[i] is free again); (2) Dekker with the
     * proxy's room waiter (ari_ring_wake_room) */
    atomic_store_explicit(ari_r32(r->shm, ARI_RO_OUT_TAIL), r->tail,
                          memory_order_seq_cst);
    /* an ask wakes the asker; a plain send goes to its sender */
    if (reply != NULL)
      ar_reply(m, reply);
    d->drop(m);
    n++;
  }
  /* the proxy (waiting for room, or about to fail) is rescheduled BEFORE
   * the completed requests stop keeping the program alive, else a worker
   * could declare quiescence between the last decrement and its push */
  if (bad != NULL)
    ari_ring_fail(r, bad); /* the rest fail in close */
  else if (n > 0)
    ari_ring_wake_room(r);
  /* after the replies' pushes (SCHEDULER.md 8) */
  for (unsigned k = 0; k < n; k++)
    ari_sched_armed_done();
  return n;
}

/* Dead-kernel check (RING.md 7), while requests are in flight. */
static void ari_ring_check_kernel(ari_ring *r) {
  if (atomic_load_explicit(&r->fault, memory_order_relaxed) != NULL)
    return;
  if (r->mode == AR_GPU_ON) {
    CUresult q = ari_cu.StreamQuery(r->stream);
    if (q == ARI_CUDA_ERROR_NOT_READY)
      return;
    char eb[256];
    if (q == ARI_CUDA_SUCCESS)
      ari_ring_fail(r, ari_ring_fmt("ring kernel %s exited while messages "
                                    "were in flight", r->d->kernel));
    else
      ari_ring_fail(r, ari_ring_fmt("ring kernel %s died: %s", r->d->kernel,
                                    ari_cu_err(q, eb, sizeof eb)));
  } else if (/* acquire: pairs with the release store after host_kernel
                returned */
             atomic_load_explicit(&r->kexited, memory_order_acquire)) {
    ari_ring_fail(r, ari_ring_fmt("emulated ring kernel of %s returned "
                                  "while messages were in flight",
                                  r->d->name));
  }
}

static void ari_ring_backoff(unsigned idle) {
  if (idle < ARI_RING_SPIN) {
#if defined(__x86_64__) || defined(__i386__)
    for (int k = 0; k < 8; k++)
      __builtin_ia32_pause();
#endif
    return;
  }
  if (idle < ARI_RING_SPIN + ARI_RING_YIELD) {
    sched_yield();
    return;
  }
  unsigned k = (idle - ARI_RING_SPIN - ARI_RING_YIELD) / 8;
  long ns = 1000L << (k < 6 ? k : 6);
  if (ns > ARI_RING_SLEEP_MAX)
    ns = ARI_RING_SLEEP_MAX;
  struct timespec ts = {0, ns};
  nanosleep(&ts, NULL);
}

/* Park until a request is in flight or close asks us to leave (`all`:
 * only close).  Uses no CPU while parked. */
static void ari_ring_park(ari_ring *r, bool all) {
  pthread_mutex_lock(&r->mu);
  /* seq_cst: Dekker with ari_ring_submit (store in_head; fence; load
   * sleeping): either it sees us parked and signals under `mu`, or our
   * re-check below sees its in_head */
  atomic_store_explicit(&r->sleeping, 1, memory_order_seq_cst);
  while (!atomic_load_explicit(&r->stop, memory_order_seq_cst) &&
         (all || atomic_load_explicit(ari_r32(r->shm, ARI_RO_IN_HEAD),
                                      memory_order_seq_cst) == r->tail))
    pthread_cond_wait(&r->cv, &r->mu);
  atomic_store_explicit(&r->sleeping, 0, memory_order_relaxed);
  pthread_mutex_unlock(&r->mu);
}

static void *ari_ring_poller_main(void *arg) {
  ari_ring *r = arg;
  pthread_setname_np(pthread_self(), "ar-ring-poll"); /* may fail */
  ari_thread *t = ari_me(); /* registers this thread with the runtime */
  if (r->mode == AR_GPU_ON)
    ari_gpu_bind();
  unsigned idle = 0, unflushed = 0;
  int64_t next_check = 0;
  for (;;) {
    /* acquire: pairs with close's seq_cst store */
    if (atomic_load_explicit(&r->stop, memory_order_acquire))
      break;
    /* relaxed: only this thread sets it (ari_ring_fail) after spawn */
    if (atomic_load_explicit(&r->fault, memory_order_relaxed) != NULL) {
      ari_thread_flush(t);
      ari_ring_park(r, true); /* close will join us */
      break;
    }
    unsigned n = ari_ring_drain(r);
    if (n > 0) {
      idle = 0;
      if ((unflushed += n) >= 256) {
        ari_thread_flush(t); /* batched releases and remote frees */
        unflushed = 0;
      }
      continue;
    }
    /* acquire: pairs with the proxy's release store of in_head */
    if (atomic_load_explicit(ari_r32(r->shm, ARI_RO_IN_HEAD),
                             memory_order_acquire) == r->tail) {
      ari_thread_flush(t);
      unflushed = 0;
      ari_ring_park(r, false);
      idle = 0;
      continue;
    }
    if (idle >= ARI_RING_SPIN) {
      int64_t now = ar_now_ns();
      if (now >= next_check) {
        ari_ring_check_kernel(r);
        next_check = now + ARI_RING_CHECK_NS;
      }
    }
    ari_ring_backoff(idle++);
  }
  ari_thread_flush(t);
  return NULL;
}

/* ------------------------------------------------------------ proxy */

/* Runner: may another request go in?  At most cap in flight (RING.md 2). */
static bool ari_ring_has_room(ari_ring *r) {
  /* seq_cst: acquire pairs with the poller's store of out_tail (req[] slot
   * free again); seq_cst for the Dekker in ari_ring_wait_room */
  uint32_t done = atomic_load_explicit(ari_r32(r->shm, ARI_RO_OUT_TAIL),
                                       memory_order_seq_cst);
  return r->head - done < r->d->cap;
}

/* Runner: pack m (owned) into the next in slot and publish it. */
static void ari_ring_submit(ari_ring *r, ar_msg *m) {
  const ar_ring_desc *d = r->d;
  uint32_t h = r->head, i = h & r->mask;
  uint8_t *slot = r->in + (size_t)i * d->in_slot;
  memset(slot, 0, d->in_slot);
  uint32_t handler = 0;
  if (!d->pack(m, slot + AR_RING_SLOT_HDR, &handler)) {
    d->drop(m); /* not handled here: dropped, as a CPU actor would */
    return;
  }
  memcpy(slot, &handler, 4);
  memcpy(slot + 4, &h, 4);
  r->req[i] = m;
  r->hidx[i] = handler;
  /* seq_cst: counted before the poller can see the request; the poller
   * drops it after the reply's push (SCHEDULER.md 8, as timers do) */
  atomic_fetch_add_explicit(&ari_rt_.armed, 1, memory_order_seq_cst);
  r->head = h + 1;
  /* release: pairs with the kernel's ld.acquire.sys of in_head (RING.md 5)
   * and the poller's acquire loads: publishes the slot, req[i], hidx[i] */
  atomic_store_explicit(ari_r32(r->shm, ARI_RO_IN_HEAD), h + 1,
                        memory_order_release);
  /* seq_cst fence: Dekker with ari_ring_park (store sleeping; load
   * in_head) */
  atomic_thread_fence(memory_order_seq_cst);
  if (atomic_load_explicit(&r->sleeping, memory_order_relaxed)) {
    pthread_mutex_lock(&r->mu);
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
  }
}

/* Runner: the ring is full; keep m and suspend until the poller frees a
 * slot (or the ring fails).  The actor dispatches nothing else meanwhile,
 * so per-sender order is kept. */
static void ari_ring_wait_room(ar_actor *self, ari_ring *r, ar_msg *m) {
  r->pending = m;
  ar_waiter *w = ar_wait_begin(self);
  /* seq_cst: Dekker with the poller (see ari_ring_wake_room); our caller
   * reference moves into `room` */
  atomic_store_explicit(&r->room, w, memory_order_seq_cst);
  if (ari_ring_has_room(r) ||
      atomic_load_explicit(&r->fault, memory_order_seq_cst) != NULL)
    ari_ring_wake_room(r); /* resumes us in this turn */
}

/* Runner: a message that arrives after the ring failed (the FAIL message
 * is on its way) is not sent. */
static bool ari_ring_refuse(ari_ring *r, ar_msg *m) {
  /* acquire: pairs with the seq_cst CAS in ari_ring_fail (reason text) */
  const char *why = atomic_load_explicit(&r->fault, memory_order_acquire);
  if (why == NULL)
    return false;
  ari_ring_abandon(r, m, why, false);
  return true;
}

static void ari_ring_dispatch(ar_actor *self, ar_msg *m) {
  ari_ring *r = ARI_RING_OF(self);
  if (ARI_UNLIKELY(m->type == ARI_RING_MSG_FAIL &&
                   (m->flags & AR_MSGF_SYS))) {
    ar_msg_free(m);
    /* acquire: pairs with the CAS in ari_ring_fail */
    const char *why = atomic_load_explicit(&r->fault, memory_order_acquire);
    ar_fail(self, why ? why : "ring kernel failed");
  }
  if (ARI_UNLIKELY(m->flags & AR_MSGF_SYS)) {
    ar_msg_free(m); /* DOWN/EXIT the runtime let through: nothing to do */
    return;
  }
  if (ari_ring_refuse(r, m))
    return;
  if (!ari_ring_has_room(r)) {
    ari_ring_wait_room(self, r, m);
    return;
  }
  ari_ring_submit(r, m);
}

static void ari_ring_resume(ar_actor *self, int kind, uint64_t u, void *p) {
  (void)kind;
  (void)u;
  (void)p;
  ari_ring *r = ARI_RING_OF(self);
  ar_msg *m = r->pending;
  r->pending = NULL;
  if (m == NULL || ari_ring_refuse(r, m))
    return;
  if (!ari_ring_has_room(r)) {
    ari_ring_wait_room(self, r, m);
    return;
  }
  ari_ring_submit(r, m);
}

static void ari_ring_on_start(ar_actor *self) {
  ari_ring *r = ARI_RING_OF(self);
  /* spawn refused the ring (co-residency, load or launch failure) */
  const char *why = atomic_load_explicit(&r->fault, memory_order_acquire);
  if (why != NULL && r->closed)
    ar_fail(self, why);
}

/* ------------------------------------------------------------ close */

static void ari_ring_unlink(ari_ring *r) {
  pthread_mutex_lock(&ari_rings_.mu);
  if (r->reg_prev)
    r->reg_prev->reg_next = r->reg_next;
  else if (ari_rings_.live == r)
    ari_rings_.live = r->reg_next;
  if (r->reg_next)
    r->reg_next->reg_prev = r->reg_prev;
  r->reg_prev = r->reg_next = NULL;
  pthread_mutex_unlock(&ari_rings_.mu);
}

/* Wait (bounded) until the kernel set `terminated` or is gone. */
static bool ari_ring_wait_terminated(ari_ring *r) {
  int64_t t0 = ar_now_ns();
  for (;;) {
    /* acquire: pairs with the kernel's st.release.sys of terminated (its
     * last write to the shared block and scratch) */
    if (atomic_load_explicit(ari_r32(r->shm, ARI_RO_TERMINATED),
                             memory_order_acquire))
      return true;
    if (r->mode == AR_GPU_ON) {
      if (ari_cu.StreamQuery(r->stream) != ARI_CUDA_ERROR_NOT_READY)
        return true; /* finished or dead: nothing touches the memory */
    } else if (/* acquire: pairs with the store after host_kernel */
               atomic_load_explicit(&r->kexited, memory_order_acquire)) {
      return true;
    }
    if (ar_now_ns() - t0 > ARI_RING_STOP_NS)
      return false;
    struct timespec ts = {0, 50000};
    nanosleep(&ts, NULL);
  }
}

/* Free the kernel side: stream, scratch, shared block, emulate thread.
 * `ok`: the kernel is known to be finished; otherwise the memory is left
 * allocated (the kernel may still write it). */
static void ari_ring_free_kernel(ari_ring *r, bool ok) {
  char eb[256];
  if (r->mode == AR_GPU_ON) {
    ari_gpu_bind();
    if (!ok)
      return;
    CUresult e = ari_cu.StreamSynchronize(r->stream);
    if (e != 0 && atomic_load_explicit(&r->fault, memory_order_relaxed) ==
                      NULL)
      fprintf(stderr, "actor: ring actor %s: kernel ended with %s\n",
              r->d->name, ari_cu_err(e, eb, sizeof eb));
    if (r->stream)
      ari_cu.StreamDestroy(r->stream);
    if (r->scratch_dev)
      ari_cu.MemFree(r->scratch_dev);
    pthread_mutex_lock(&r->mu);
    uint8_t *shm = r->shm;
    r->shm = NULL;
    pthread_mutex_unlock(&r->mu);
    ari_gpu_host_free(shm);
    return;
  }
  if (r->kth_started) {
    if (!ok) {
      pthread_detach(r->kth);
      return;
    }
    pthread_join(r->kth, NULL);
  }
  pthread_mutex_lock(&r->mu);
  uint8_t *shm = r->shm;
  void *scr = r->scratch_host;
  r->shm = NULL;
  r->scratch_host = NULL;
  pthread_mutex_unlock(&r->mu);
  free(shm);
  free(scr);
}

/* Stop the kernel and the poller, fail what is in flight, free it all.
 * The proxy's runner (on_stop) or the teardown hook (quiescent). */
static void ari_ring_close(ari_ring *r, bool quiescent) {
  if (r->closed)
    return;
  r->closed = true;
  ari_ring_unlink(r);
  if (r->mode == AR_GPU_ON)
    ari_gpu_bind(); /* this thread's driver calls (stream query, frees) */
  /* release: pairs with the kernel's ld.acquire.sys of terminate */
  atomic_store_explicit(ari_r32(r->shm, ARI_RO_TERMINATE), 1,
                        memory_order_release);
  if (r->poller_started) {
    /* seq_cst: read by the poller's loop and park re-check under `mu` */
    atomic_store_explicit(&r->stop, 1, memory_order_seq_cst);
    pthread_mutex_lock(&r->mu);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->poller, NULL);
  }
  bool ok = ari_ring_wait_terminated(r);
  /* statistics (the kernel's relaxed adds are ordered by `terminated`'s
   * release when ok; otherwise a best-effort snapshot) */
  pthread_mutex_lock(&r->mu);
  r->final_handled = atomic_load_explicit(ari_r64(r->shm, ARI_RO_HANDLED),
                                          memory_order_relaxed);
  r->final_idle = atomic_load_explicit(ari_r64(r->shm, ARI_RO_IDLE),
                                       memory_order_relaxed);
  r->final_in = r->head;
  pthread_mutex_unlock(&r->mu);
  if (!ok)
    fprintf(stderr,
            "actor: ring actor %s: kernel did not terminate within 2 s; its "
            "memory stays allocated\n",
            r->d->name);
  /* the reason for requests that will never be answered */
  const char *why = atomic_load_explicit(&r->fault, memory_order_acquire);
  if (why == NULL) {
    ari_ext *e = atomic_load_explicit(&r->proxy->ext, memory_order_acquire);
    why = e && e->fail_reason ? e->fail_reason : "actor is dead";
  }
  for (uint32_t s = r->tail; s != r->head; s++) {
    ar_msg *m = r->req[s & r->mask];
    r->req[s & r->mask] = NULL;
    if (m == NULL)
      continue;
    ari_ring_abandon(r, m, why, quiescent);
    if (!quiescent)
      ari_sched_armed_done();
  }
  if (r->pending) {
    ari_ring_abandon(r, r->pending, why, quiescent);
    r->pending = NULL;
  }
  /* acq_rel: whoever exchanges the waiter owns its reference */
  ar_waiter *w = atomic_exchange_explicit(&r->room, NULL,
                                          memory_order_acq_rel);
  if (w && !quiescent)
    ar_waiter_release(w); /* stop already cancelled the wait */
  ari_ring_free_kernel(r, ok);
  free(r->req);
  free(r->hidx);
  r->req = NULL;
  r->hidx = NULL;
  if (ari_ring_verbose())
    fprintf(stderr, "actor: ring actor %s stopped: %llu messages, %llu "
                    "kernel idle polls\n",
            r->d->name, (unsigned long long)r->final_handled,
            (unsigned long long)r->final_idle);
}

static void ari_ring_on_stop(ar_actor *self) {
  ari_ring_close(ARI_RING_OF(self), false);
}

void ari_ring_stop_quiescent(void) {
  for (;;) {
    pthread_mutex_lock(&ari_rings_.mu);
    ari_ring *r = ari_rings_.live;
    pthread_mutex_unlock(&ari_rings_.mu);
    if (r == NULL)
      return;
    ari_ring_close(r, true); /* unlinks r */
  }
}

/* ------------------------------------------------------------ spawn */

static void ari_ring_check_desc(const ar_ring_desc *d) {
  const char *bad = NULL;
  if (d->cap == 0 || (d->cap & (d->cap - 1)) != 0 || d->cap > (1u << 20))
    bad = "cap must be a power of two <= 2^20";
  else if (d->in_slot < AR_RING_SLOT_HDR || d->in_slot % 16 != 0 ||
           d->out_slot < AR_RING_SLOT_HDR || d->out_slot % 16 != 0)
    bad = "slot sizes must be multiples of 16, at least 16";
  else if (d->scratch_size < AR_RING_SCRATCH_MSG + d->in_slot -
                                 AR_RING_SLOT_HDR)
    bad = "scratch_size below 256 + in_slot - 16";
  else if (d->threads == 0 || d->blocks == 0)
    bad = "threads and blocks must be positive";
  else if (!d->pack || !d->unpack || !d->drop || !d->cpu_type)
    bad = "pack, unpack, drop and cpu_type are required";
  if (bad)
    ari_panic("ring actor %s: bad descriptor: %s", d->name ? d->name : "?",
              bad);
}

/* The proxy type of a descriptor (created once), and on the GPU its
 * kernel (loaded once: the first spawn JITs the PTX).  Takes types_mu for
 * the whole call, which also guards ari_gpu_load's static log buffer. */
static ari_ring_type *ari_ring_type_of(const ar_ring_desc *d, bool gpu) {
  static pthread_mutex_t types_mu = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&types_mu);
  ari_ring_type *t;
  for (t = ari_rings_.types; t; t = t->next)
    if (t->desc == d)
      break;
  if (t == NULL) {
    t = ari_xcalloc(1, sizeof *t);
    t->desc = d;
    t->type.name = d->name;
    t->type.size = sizeof(ari_ring_proxy);
    t->type.dispatch = ari_ring_dispatch;
    t->type.resume = ari_ring_resume;
    t->type.on_start = ari_ring_on_start;
    t->type.on_stop = ari_ring_on_stop;
    t->next = ari_rings_.types;
    ari_rings_.types = t;
  }
  if (gpu && !t->tried) {
    t->tried = true;
    char err[9000];
    if (!ari_gpu_load(d->ptx, d->kernel, &t->fn, err, sizeof err)) {
      t->fn = NULL;
      t->err = ari_ring_intern(err);
    }
  }
  pthread_mutex_unlock(&types_mu);
  return t;
}

/* Allocate the rings, start the kernel and the poller.  false + *why. */
static bool ari_ring_open(ari_ring *r, char *why, size_t n) {
  const ar_ring_desc *d = r->d;
  r->shm_size = AR_RING_HDR + (size_t)d->cap * (d->in_slot + d->out_slot);
  char eb[256];
  CUresult e;
  if (r->mode == AR_GPU_ON) {
    ari_gpu_bind();
    int per_sm = 0;
    e = ari_cu.OccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, r->fn,
                                                         (int)d->threads, 0);
    if (e != 0) {
      snprintf(why, n, "cannot compute the occupancy of %s: %s", d->kernel,
               ari_cu_err(e, eb, sizeof eb));
      return false;
    }
    long long most = (long long)per_sm * ari_gpu_sm_count();
    if ((long long)d->blocks > most) {
      snprintf(why, n,
               "%u blocks of %u threads cannot all be co-resident on %s "
               "(at most %d per SM x %d SMs = %lld); the grid barrier "
               "needs every block resident (RING.md 5)",
               d->blocks, d->threads, ari_gpu_device_name(), per_sm,
               ari_gpu_sm_count(), most);
      return false;
    }
    r->shm = ari_gpu_host_alloc(r->shm_size, &r->shm_dev);
    if ((e = ari_cu.MemAlloc(&r->scratch_dev, d->scratch_size)) != 0 ||
        (e = ari_cu.MemsetD8(r->scratch_dev, 0, d->scratch_size)) != 0 ||
        (e = ari_cu.StreamCreate(&r->stream, ARI_CU_STREAM_NON_BLOCKING)) !=
            0) {
      snprintf(why, n, "cannot set up the device side of %s: %s", d->name,
               ari_cu_err(e, eb, sizeof eb));
      goto fail_gpu;
    }
    uint64_t ring_arg = r->shm_dev, scratch_arg = r->scratch_dev;
    void *args[2] = {&ring_arg, &scratch_arg};
    e = ari_cu.LaunchKernel(r->fn, d->blocks, 1, 1, d->threads, 1, 1, 0,
                            r->stream, args, NULL);
    if (e != 0) {
      snprintf(why, n, "launching %s (%u x %u) failed: %s", d->kernel,
               d->blocks, d->threads, ari_cu_err(e, eb, sizeof eb));
      goto fail_gpu;
    }
  } else {
    size_t sz = (r->shm_size + 127) & ~(size_t)127;
    size_t ss = ((size_t)d->scratch_size + 127) & ~(size_t)127;
    r->shm = aligned_alloc(128, sz);
    r->scratch_host = aligned_alloc(128, ss);
    if (r->shm == NULL || r->scratch_host == NULL)
      ari_panic("out of memory (ring of %s)", d->name);
    memset(r->shm, 0, sz);
    memset(r->scratch_host, 0, ss);
  }
  r->in = r->shm + AR_RING_HDR;
  r->out = r->in + (size_t)d->cap * d->in_slot;
  r->req = ari_xcalloc(d->cap, sizeof *r->req);
  r->hidx = ari_xcalloc(d->cap, sizeof *r->hidx);
  return true;
fail_gpu:
  if (r->stream)
    ari_cu.StreamDestroy(r->stream);
  if (r->scratch_dev)
    ari_cu.MemFree(r->scratch_dev);
  ari_gpu_host_free(r->shm);
  r->stream = NULL;
  r->scratch_dev = 0;
  r->shm = NULL;
  return false;
}

static void *ari_ring_kernel_main(void *arg) {
  ari_ring *r = arg;
  pthread_setname_np(pthread_self(), "ar-ring-emu"); /* may fail */
  r->d->host_kernel(r->shm, r->scratch_host);
  /* release: pairs with the acquire loads in check_kernel and close */
  atomic_store_explicit(&r->kexited, 1, memory_order_release);
  return NULL;
}

ar_actor *ar_ring_spawn(const ar_ring_desc *d) {
  ari_ring_check_desc(d);
  int mode = ar_gpu_mode();
  bool gpu = mode == AR_GPU_ON && ar_gpu_active() && d->ptx && d->kernel;
  bool emu = mode == AR_GPU_EMULATE && d->host_kernel != NULL;
  if (!gpu && !emu) {
    if (mode != AR_GPU_OFF && ari_ring_verbose())
      fprintf(stderr, "actor: ring actor %s runs on the CPU: the program "
                      "has no %s for it\n",
              d->name, mode == AR_GPU_EMULATE ? "host kernel" : "PTX");
    return ar_spawn(d->cpu_type);
  }
  ari_ring_type *rt = ari_ring_type_of(d, gpu);
  ar_actor *a = ar_actor_new(&rt->type);
  ari_ring *r = ARI_RING_OF(a);
  /* the actor is not started: nobody else has it yet */
  memset(r, 0, sizeof *r);
  r->d = d;
  r->proxy = ARI_A(a);
  r->mode = gpu ? AR_GPU_ON : AR_GPU_EMULATE;
  r->mask = d->cap - 1;
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  const char *refused = NULL;
  char why[1024];
  if (gpu) {
    /* written under types_mu before ari_ring_type_of returned to us */
    r->fn = rt->fn;
    refused = rt->fn ? NULL : (rt->err ? rt->err : "kernel not loaded");
  }
  if (refused == NULL && !ari_ring_open(r, why, sizeof why))
    refused = ari_ring_intern(why);
  if (refused != NULL) {
    /* the actor starts and fails at once with the reason (asks sent to it
     * fail with it); relaxed: ar_actor_start publishes it */
    atomic_store_explicit(&r->fault, refused, memory_order_relaxed);
    r->closed = true;
    fprintf(stderr, "actor: ring actor %s cannot run on the %s: %s\n",
            d->name, gpu ? "GPU" : "emulated kernel", refused);
    ar_actor_start(a);
    return a;
  }
  if (r->mode == AR_GPU_EMULATE) {
    if (pthread_create(&r->kth, NULL, ari_ring_kernel_main, r))
      ari_panic("pthread_create failed (ring kernel)");
    r->kth_started = true;
  }
  if (pthread_create(&r->poller, NULL, ari_ring_poller_main, r))
    ari_panic("pthread_create failed (ring poller)");
  r->poller_started = true;
  pthread_mutex_lock(&ari_rings_.mu);
  r->reg_next = ari_rings_.live;
  if (ari_rings_.live)
    ari_rings_.live->reg_prev = r;
  ari_rings_.live = r;
  pthread_mutex_unlock(&ari_rings_.mu);
  ar_actor_start(a);
  return a;
}

/* ------------------------------------------------------------ stats */

bool ar_ring_get_stats(const ar_actor *a, ar_ring_stats *out) {
  memset(out, 0, sizeof *out);
  const ar_actor_type *ty = ar_actor_type_of(a);
  if (ty->dispatch != ari_ring_dispatch) {
    out->mode = AR_GPU_OFF;
    return false;
  }
  ari_ring *r = ARI_RING_OF((void *)(uintptr_t)a);
  out->mode = r->mode;
  pthread_mutex_lock(&r->mu);
  if (r->shm != NULL) {
    /* relaxed: statistics snapshots of kernel/bridge counters */
    out->handled = atomic_load_explicit(ari_r64(r->shm, ARI_RO_HANDLED),
                                        memory_order_relaxed);
    out->idle_polls = atomic_load_explicit(ari_r64(r->shm, ARI_RO_IDLE),
                                           memory_order_relaxed);
    out->submitted = atomic_load_explicit(ari_r32(r->shm, ARI_RO_IN_HEAD),
                                          memory_order_relaxed);
    uint32_t done = atomic_load_explicit(ari_r32(r->shm, ARI_RO_OUT_TAIL),
                                         memory_order_relaxed);
    out->in_flight = (uint32_t)out->submitted - done;
  } else {
    out->handled = r->final_handled;
    out->idle_polls = r->final_idle;
    out->submitted = r->final_in;
  }
  pthread_mutex_unlock(&r->mu);
  return true;
}
