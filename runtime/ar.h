/* ar.h — THE ABI of libactor, the CPU runtime of actorc (DESIGN.md "Runtime
 * model").  Generated C (codegen/emit_c*.c) and hand-written C (tests,
 * benchmarks) may use only what this header declares; everything else in
 * runtime/ is internal (`ari_*`, built with -fvisibility=hidden).
 *
 * Conventions (STYLE.md B3, B8, B10):
 *  - Every function says who may call it ("any thread", "the running actor's
 *    handler", "worker threads only") and who owns each pointer afterwards.
 *  - Allocation failure aborts with a message; nothing returns NULL for OOM.
 *  - Recoverable conditions are `ar_status` values.
 *  - Protocol notes: runtime/SCHEDULER.md (scheduling, suspension, mailbox
 *    priorities, backpressure, faults, shutdown) and runtime/MPSCQ.md.
 *  - Everything here may be used only while ar_run / ar_run_fn runs (from
 *    its workers, its start function, or threads that start and finish
 *    inside it); every actor and message pointer is invalid afterwards.
 *
 * Minimal program:
 *
 *   typedef struct { ar_actor base; int64_t n; } counter;
 *   static void counter_dispatch(ar_actor *self, ar_msg *m) {
 *     ((counter *)self)->n += *AR_MSG_PAYLOAD(m, int64_t);
 *     ar_msg_free(m);                         // the handler owns m
 *   }
 *   static const ar_actor_type counter_type = {
 *       .name = "counter", .size = sizeof(counter),
 *       .dispatch = counter_dispatch};
 *   static void main_start(ar_actor *self) {  // the main actor's `run`
 *     ar_actor *c = ar_spawn(&counter_type);  // one reference for us
 *     ar_msg *m = ar_msg_alloc(1, sizeof(int64_t));
 *     *AR_MSG_PAYLOAD(m, int64_t) = 42;
 *     ar_send(c, m);                          // m moves to c
 *     ar_actor_release(c);
 *     (void)self;
 *   }
 *   static const ar_actor_type main_type = {
 *       .name = "main", .size = sizeof(ar_actor), .on_start = main_start};
 *   int main(int argc, char **argv) { return ar_run(&main_type, argc, argv); }
 */
#ifndef AR_H
#define AR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AR_API __attribute__((visibility("default")))
#define AR_CACHELINE 64

/* ======================================================= status codes */

/* Results of runtime operations a caller can act on (STYLE.md B9). */
typedef enum ar_status {
  AR_OK = 0,      /* done */
  AR_FULL,        /* bounded mailbox / channel full; caller keeps the msg */
  AR_CLOSED,      /* channel closed */
  AR_AGAIN,       /* nothing available right now (non-blocking ops) */
  AR_REFUSED,     /* mailbox policy `fail` refused it; msg was consumed */
  AR_DEAD,        /* target actor stopped or failed; msg was consumed */
  AR_BADMSG,      /* malformed data (msgpack decoding) */
  AR_DROPPED,     /* accepted but dropped by drop_newest; msg consumed */
  AR_TIMEOUT      /* a wait timed out */
} ar_status;

/* ======================================================= ids and time */

/* A 128-bit UUID (version 4 layout, random bits from a per-thread PRNG that
 * is seeded once per thread from getrandom(); no system call per id). */
typedef struct ar_uuid {
  uint8_t b[16];
} ar_uuid;

/* Any thread.  A fresh random v4 UUID. */
AR_API ar_uuid ar_uuid_new(void);
/* Any thread.  Writes the 36-char canonical text form plus NUL into out37. */
AR_API void ar_uuid_format(const ar_uuid *u, char *out37);
AR_API bool ar_uuid_eq(const ar_uuid *a, const ar_uuid *b);
/* Any thread.  CLOCK_MONOTONIC in nanoseconds. */
AR_API int64_t ar_now_ns(void);

/* ======================================================= messages */

typedef struct ar_actor ar_actor;
typedef struct ar_waiter ar_waiter;

#define AR_PRIO_DEFAULT 128

/* ar_msg.flags bits.  HAS_ID and HAS_CORR are public (read them through
 * ar_msg_id / ar_msg_has_correlation); the others are runtime-private. */
enum {
  AR_MSGF_HAS_ID = 1u << 0,   /* `id` holds a generated id */
  AR_MSGF_HAS_CORR = 1u << 1, /* `correlation` is set (it is a reply) */
  AR_MSGF_ASK = 1u << 2,      /* runtime: the message is an ask request */
  AR_MSGF_SYS = 1u << 3       /* runtime: system message (DOWN, EXIT...) */
};

/* Message types at or above this value are reserved for the runtime. */
#define AR_MSG_TYPE_SYS 0xFFFF0000u
/* A monitored actor stopped.  Payload: ar_down. Sent to monitors and to
 * linked actors that trap exits (ar_trap_exit). */
#define AR_MSG_DOWN (AR_MSG_TYPE_SYS + 1u)
#define AR_MSG_EXIT (AR_MSG_TYPE_SYS + 2u)

/* The message header (32 bytes).  The payload follows it in the same
 * allocation, 8-byte aligned: AR_MSG_PAYLOAD(m, T).  Messages move by
 * pointer: after a successful ar_send the sender must not touch the message
 * again.
 *
 * Field ownership: `link`, `ari_ext`, `pool`, `cls` belong to the runtime.
 * `type`, `priority`, payload: written by the allocating code before
 * sending, read by the receiving handler.  `sender` is set by ar_send.  The
 * id, the correlation and an ask's waiter live in a small side block that
 * the runtime allocates only when they are used (most messages never need
 * them; this keeps the common message small): read them with ar_msg_id()
 * (assigned lazily on the first call; only one actor owns a message at a
 * time, so no synchronisation) and ar_msg_correlation(); ar_reply and
 * ar_msg_set_correlation set the latter. */
struct ari_msg_ext;
typedef struct ar_msg {
  void *_Atomic link;           /* runtime: mailbox / pool link */
  ar_actor *sender;             /* counted reference while the msg lives */
  uint32_t type;                /* user message type (< AR_MSG_TYPE_SYS) */
  uint8_t priority;             /* 0..255, higher first, default 128 */
  uint8_t flags;                /* AR_MSGF_* */
  uint8_t pool;                 /* runtime: owner pool */
  uint8_t cls;                  /* runtime: size class */
  struct ari_msg_ext *ari_ext;  /* runtime: id, correlation, ask waiter */
} ar_msg;

#define AR_MSG_PAYLOAD(m, T) ((T *)(void *)((ar_msg *)(m) + 1))

/* Any thread.  A message with room for payload_size bytes after the header.
 * The header is initialised (priority 128, no id, no correlation, sender
 * NULL); the payload is NOT zeroed.  Comes from the calling thread's pool
 * (any size; large ones from malloc); the caller owns it until it sends or
 * frees it.  Never returns NULL (aborts on out-of-memory).  Inside a handler
 * on a worker with more than 4 MiB of this thread's messages in flight, it
 * first runs turns of other actors queued on the same worker, nested
 * (SCHEDULER.md 6.6), then may wait, bounded: do not hold a lock across it
 * that another handler may take. */
AR_API ar_msg *ar_msg_alloc(uint32_t type, size_t payload_size);
/* Any thread.  Frees a message the caller owns (returns it to its owner
 * pool, from any thread).  Releases the sender reference.  Freeing an ask
 * request that was never replied to fails the asker (AR_EV_FAILED). */
AR_API void ar_msg_free(ar_msg *m);
/* Worker threads, inside a handler: the handler keeps the message it is
 * handling (moves it into its state or a collection) instead of sending or
 * freeing it, so a later fault of this handler must not free it.  Returns
 * m (NULL allowed). */
AR_API ar_msg *ar_msg_keep(ar_msg *m);
/* Payload finalizer.  The runtime does not know payload layouts, so a
 * message it disposes of itself would leak the payload's owned pointers
 * (lists, strings, nested messages).  `fn` is called instead of
 * ar_msg_free for every non-system message (not AR_MSG_DOWN / AR_MSG_EXIT)
 * that the runtime frees without handing it to a handler: target dead or
 * stopped (drained), refused (`fail`), dropped (`drop_newest`,
 * `drop_oldest`), a late reply (the ask timed out), a reply whose asker
 * stopped before resuming, a delayed send pending at shutdown, and any
 * message still queued at shutdown.  Not called for the message whose
 * handler faulted (the handler may have moved parts of it out; its
 * storage is freed as before).
 * Ownership: fn owns m; it must drop the payload's owned parts and then
 * call ar_msg_free(m) exactly once (a generated `drop` that ends with
 * ar_msg_free fits).  An ask request reaching fn has usually been failed
 * already; if not, fn's ar_msg_free fails it as usual.  At shutdown
 * (workers joined, main thread) that ar_msg_free only frees storage.
 * Threads: fn runs on whichever thread frees m: a sender (any thread that
 * may send, the timer thread included), the target's worker, or the
 * main thread inside ar_run's shutdown; concurrently on several threads.
 * It must not block and must not call ar_send, ar_ask, ar_reply, ar_stop,
 * ar_fail or any other scheduling function: only ar_msg_free and plain
 * memory/value frees.  Set it only while the runtime is not running
 * (before ar_run; it stays set for later runs; NULL restores plain
 * ar_msg_free).  Not thread-safe against a running runtime. */
AR_API void ar_set_msg_finalizer(void (*fn)(ar_msg *m));
/* Owner of m.  The message id, generated on first call. */
AR_API const ar_uuid *ar_msg_id(ar_msg *m);
AR_API bool ar_msg_has_correlation(const ar_msg *m);
/* Owner of m.  The correlation (the id of the request this message
 * answers), or NULL if it has none.  Valid while the caller owns m. */
AR_API const ar_uuid *ar_msg_correlation(const ar_msg *m);
AR_API void ar_msg_set_correlation(ar_msg *m, const ar_uuid *corr);

/* ======================================================= actor types */

/* Mailbox policies for bounded mailboxes (DESIGN.md "Backpressure"). */
enum {
  AR_MB_BLOCK = 0,       /* ar_send returns AR_FULL; sender may wait */
  AR_MB_DROP_NEWEST = 1, /* the new message is dropped (counted) */
  AR_MB_DROP_OLDEST = 2, /* over capacity the runner drops queued messages
                            (in delivery order) until it is back under; the
                            sender is muted meanwhile (counted) */
  AR_MB_FAIL = 3         /* ar_send returns AR_REFUSED (counted) */
};

/* Events delivered through ar_actor_type.resume. */
typedef enum ar_event {
  AR_EV_REPLY = 1,    /* ask answered: p = reply ar_msg* (resume owns it) */
  AR_EV_TIMEOUT,      /* ar_waiter_timeout fired (ask timeout, sleep) */
  AR_EV_FAILED,       /* ask target failed/stopped or dropped the request;
                         p = const char* reason (static or runtime-owned,
                         valid during resume only) */
  AR_EV_CHAN_RECV,    /* channel receive completed (R2: chan.c) */
  AR_EV_CHAN_SEND,    /* channel send completed */
  AR_EV_CHAN_CLOSED,  /* channel closed while waiting */
  AR_EV_SELECT,       /* select case ready: u = case index */
  AR_EV_TIMER,        /* generic timer (`after`) */
  AR_EV_SEND_READY,   /* a bounded mailbox has room again */
  AR_EV_USER          /* first kind free for other modules */
} ar_event;

/* The actor object: a 128-byte runtime header (mailbox, scheduling state,
 * counters, links) followed by the user state in the same allocation.
 * Generated code defines `typedef struct { ar_actor base; ...fields } ag_X;`
 * and never touches `base`.  Alignment 64 (the header is two cache lines:
 * producer side and consumer side, runtime/SCHEDULER.md section 2). */
struct ar_actor {
  _Alignas(AR_CACHELINE) unsigned char ari_private[128];
};

/* One static const per actor type, defined by generated code. */
typedef struct ar_actor_type {
  const char *name;
  size_t size; /* sizeof the whole actor object incl. the ar_actor header */
  /* An ordinary message.  The handler OWNS m: it must free it
   * (ar_msg_free), move it on (ar_send, ar_send_after, or as the reply of
   * ar_reply), or keep it in its state for later (then call ar_msg_keep
   * first).  If the handler faults,
   * the runtime frees m if the handler had not disposed of it (which fails
   * an unanswered ask).  Runs on a worker thread, one handler of this actor
   * at a time. */
  void (*dispatch)(ar_actor *self, ar_msg *m);
  /* A suspended handler continues (see "Suspension").  Never nested inside
   * another handler of the same actor. May be NULL if never suspending. */
  void (*resume)(ar_actor *self, int kind, uint64_t u, void *p);
  /* First turn of the actor (`run` block / init).  May be NULL. */
  void (*on_start)(ar_actor *self);
  /* Runs exactly once when the actor stops (ar_stop, fault, or runtime
   * shutdown for live actors).  May be NULL.  Must not suspend. */
  void (*on_stop)(ar_actor *self);
  uint32_t mailbox_capacity; /* 0 = unbounded (overload backpressure) */
  uint8_t mailbox_policy;    /* AR_MB_* when capacity > 0 */
} ar_actor_type;

/* ======================================================= actors */

/* Any thread.  Allocates an actor of `type` (header initialised, user state
 * zeroed) and returns ONE counted reference owned by the caller.  The actor
 * does not run until ar_actor_start; the caller may fill the user state in
 * between (single-threaded: nobody else has the pointer yet). */
AR_API ar_actor *ar_actor_new(const ar_actor_type *type);
/* Any thread, once per actor.  Schedules the actor's first turn (on_start,
 * then queued messages).  Messages sent before start stay queued. */
AR_API void ar_actor_start(ar_actor *a);
/* ar_actor_new + ar_actor_start.  From a worker thread the actor lands in
 * that worker's own run queue (local, lock-free path). */
AR_API ar_actor *ar_spawn(const ar_actor_type *type);
/* Any thread.  Counted references: every stored ar_actor* must own one.
 * The memory is freed when the actor has stopped and the count is zero. */
AR_API void ar_actor_retain(ar_actor *a);
AR_API void ar_actor_release(ar_actor *a);
/* Worker threads: the actor whose handler is running on this thread, or
 * NULL outside handlers (the caller does not own a reference). */
AR_API ar_actor *ar_self(void);
AR_API const ar_actor_type *ar_actor_type_of(const ar_actor *a);
/* Any thread.  True once the actor has stopped or failed. */
AR_API bool ar_actor_is_dead(const ar_actor *a);
/* The running actor's handler: stop self after the current handler returns
 * (normal exit: monitors get DOWN with reason NULL).  on_stop runs once;
 * queued messages are counted as undelivered and freed. */
AR_API void ar_stop(ar_actor *self);
/* The running actor's handler (or generated fault paths): fail self with
 * `reason` (static string or one that outlives the program).  Does not
 * return: unwinds to the runtime (siglongjmp), which stops the actor,
 * fails pending asks, tells links/monitors/supervisor.  SIGSEGV, SIGFPE,
 * SIGBUS inside a handler are turned into ar_fail (SCHEDULER.md 7). */
AR_API _Noreturn void ar_fail(ar_actor *self, const char *reason);
/* The reason an actor failed (NULL: running, or stopped normally). */
AR_API const char *ar_actor_fail_reason(const ar_actor *a);

/* Unwind chain (SCHEDULER.md 7.1).  A fault leaves the handler by
 * siglongjmp, skipping the rest of every C function on the way; a function
 * that owns values in its frame (strings, lists, messages) registers the
 * frame for the duration of the call, and when the handler faults the
 * runtime calls each registered `unwind`, innermost first, before it leaves
 * the handler's stack, so those values are dropped, not leaked.  Worker
 * threads; push at entry, pop at the one exit, strictly nested; the chain
 * is empty between handlers.  An unwind only drops (ar_msg_free, releases,
 * free): no send, no fault.  Generated code uses it; C-API handlers may. */
typedef struct ar_frame {
  struct ar_frame *up;
  void (*unwind)(struct ar_frame *f);
} ar_frame;
AR_API extern _Thread_local ar_frame *ar_frame_top;
static inline void ar_frame_push(ar_frame *f, void (*unwind)(ar_frame *f)) {
  f->unwind = unwind;
  f->up = ar_frame_top;
  ar_frame_top = f;
}
static inline void ar_frame_pop(ar_frame *f) { ar_frame_top = f->up; }

typedef struct ar_actor_stats {
  uint64_t handled;      /* messages + resumes dispatched (mod 2^32) */
  uint32_t mailbox_hwm;  /* mailbox high-water mark: exact for bounded
                            mailboxes; for unbounded ones the backlog
                            estimate sampled every 64 messages (SCHEDULER 10) */
  uint64_t dropped;      /* messages dropped by the mailbox policy */
  uint64_t refused;      /* sends refused (policy fail) */
} ar_actor_stats;
/* Any thread (values are relaxed snapshots). */
AR_API void ar_actor_get_stats(const ar_actor *a, ar_actor_stats *out);

/* ======================================================= sending */

/* Any thread.  Sends m to `to`; sender = ar_self() (may be NULL); a
 * previous sender of m (a forwarded message) is released.
 * Ownership: on every status except AR_FULL the message is consumed (the
 * caller must not touch it again).  AR_FULL (bounded mailbox, policy
 * block): the caller keeps m and may retry, or wait for room with
 * ar_send_wait.  AR_DROPPED / AR_REFUSED: counted in the target's stats
 * and the runtime report.  AR_DEAD: target stopped; m freed (an ask request
 * fails its asker).  Lock-free: one atomic exchange, a flag load and, if
 * the target was idle, one flag exchange plus a run-queue push
 * (runtime/MPSCQ.md, SCHEDULER.md 3).  A sender to an overloaded actor is
 * descheduled after its handler returns (SCHEDULER.md 6.2).
 * FIFO per sender->receiver pair at equal priority. */
AR_API ar_status ar_send(ar_actor *to, ar_msg *m);
/* Same, for a message whose receiver never replies to it: a message that
 * has no sender yet goes without one, so it holds no counted reference to
 * the sending actor (ar_send takes one, batched per turn, and the free
 * gives it back: two reference-count updates per message).  An ar_reply
 * to it has nowhere to go (AR_DEAD, counted undelivered).  A message that
 * already carries a sender (a forwarded one) is sent as by ar_send: the
 * running actor becomes its sender.
 * Generated code uses it for every message type that no handler replies
 * to (docs/backend.md "Sends"). */
AR_API ar_status ar_send_anon(ar_actor *to, ar_msg *m);
/* The running actor's handler, after ar_send returned AR_FULL: begin a wait
 * (ar_wait_begin) and ask `to` to wake it with AR_EV_SEND_READY once its
 * mailbox has room.  The caller keeps m and retries after resuming. */
AR_API void ar_send_wait(ar_actor *self, ar_actor *to);
/* Any thread.  Delivers m to `to` after ns nanoseconds (timer facility);
 * consumes m. The pending send keeps the program alive (quiescence). */
AR_API void ar_send_after(ar_actor *to, ar_msg *m, int64_t ns);
/* A handler owning `request` (any thread that owns it, in fact): sends
 * `reply` to the requester with correlation = request's id.  If the request
 * came from ar_ask the reply goes straight to the suspended asker
 * (AR_EV_REPLY), never through its mailbox; if that ask already timed out
 * the reply is dropped and counted as late and AR_TIMEOUT is returned.
 * Otherwise the result of ar_send to request->sender (AR_DEAD if there is
 * no sender).  Always consumes `reply`, never `request` (the handler still
 * owns it and must free it) unless `reply` IS the request (`reply g`: the
 * request travels back to its sender).  Lock-free. */
AR_API ar_status ar_reply(ar_msg *request, ar_msg *reply);

/* ======================================================= suspension */
/* Compiled stackless handlers suspend with a waiter (SCHEDULER.md 5).
 * While an actor is suspended the runtime dispatches NO other ordinary
 * message to it (non-reentrant); they stay queued in order. */

/* The running actor's handler: begin a wait.  The actor is suspended when
 * the handler returns; the waiter is resumed exactly once through
 * type->resume.  Returns a refcounted waiter with one reference for the
 * caller (the runtime keeps its own).  At most one wait per actor at a
 * time. */
AR_API ar_waiter *ar_wait_begin(ar_actor *self);
/* Any thread.  Try to claim the waiter; exactly one claimer ever wins
 * (atomic CAS).  Lock-free. */
AR_API bool ar_waiter_claim(ar_waiter *w);
/* Any thread, only after a successful claim: deliver (kind, u, p) to the
 * waiting actor's resume callback (on a worker, never nested).  Ownership
 * of p moves to the resumed handler as the event kind documents. */
AR_API void ar_waiter_wake(ar_waiter *w, int kind, uint64_t u, void *p);
/* Any thread. */
AR_API void ar_waiter_retain(ar_waiter *w);
AR_API void ar_waiter_release(ar_waiter *w);
/* Any thread.  The waiting actor (borrowed; valid while w is). */
AR_API ar_actor *ar_waiter_actor(const ar_waiter *w);
/* Any thread.  After ns, try to claim w and wake it with AR_EV_TIMEOUT.
 * Holds a reference on w until it fires.  An armed timer whose waiter is
 * still unclaimed keeps the program alive (quiescence).  Arm it before
 * publishing w to other wakers where possible: if another waker claims w
 * first, the timer stops counting for quiescence only when it fires. */
AR_API void ar_waiter_timeout(ar_waiter *w, int64_t ns);
/* The running actor's handler: ask `target` with `request` (consumed) and
 * suspend; resume receives exactly one of AR_EV_REPLY (p = reply msg,
 * owned by the resumed handler), AR_EV_TIMEOUT (timeout_ns < 0: none), or
 * AR_EV_FAILED (target dead/failed/dropped the request; immediately if
 * it is already dead).  If the target fails (ar_fail or a caught signal)
 * while the request is being handled or still queued, p is the target's
 * failure reason (ar_actor_fail_reason), e.g. "division by zero".  A
 * target with a full bounded mailbox under policy `block` does not fail
 * the ask: the runtime parks the request (with the asker's reference) on
 * the target and sends it as soon as the target's runner makes room, as
 * ar_send's AR_FULL + ar_send_wait would; the ask's
 * timeout runs from this call (a timeout while parked wakes the asker with
 * AR_EV_TIMEOUT; the request is still sent later and its reply counted
 * late); the target stopping fails it (AR_EV_FAILED, its fail reason or
 * "actor is dead"); a request still parked at shutdown is undelivered. */
AR_API void ar_ask(ar_actor *self, ar_actor *target, ar_msg *request,
                   int64_t timeout_ns);
/* The running actor's handler: suspend for ns; resume gets AR_EV_TIMER. */
AR_API void ar_sleep(ar_actor *self, int64_t ns);

/* ======================================================= links, monitors */

/* Payload of AR_MSG_DOWN / AR_MSG_EXIT. `who` is a counted reference owned
 * by the message (released by ar_msg_free). */
typedef struct ar_down {
  ar_actor *who;
  const char *reason; /* NULL = normal stop; else the failure reason */
} ar_down;

/* The running actor's handler: bidirectional link.  When one of the pair
 * fails, the other fails too ("linked actor failed"), unless it traps
 * exits, in which case it receives AR_MSG_EXIT.  A normal stop of one side
 * only tells a trapping partner. */
AR_API void ar_link(ar_actor *self, ar_actor *other);
AR_API void ar_trap_exit(ar_actor *self, bool on);
/* The running actor's handler: self receives AR_MSG_DOWN when `other`
 * stops or fails (at once if it is already dead). */
AR_API void ar_monitor(ar_actor *self, ar_actor *other);

/* ======================================================= supervisors */

typedef enum ar_restart {
  AR_ONE_FOR_ONE = 0,
  AR_ONE_FOR_ALL = 1,
  AR_REST_FOR_ONE = 2
} ar_restart;

/* Called on a worker thread to initialise a freshly created child (before
 * it starts); used for the first start and every restart. */
typedef void (*ar_child_init)(ar_actor *child, void *arg);

/* Any thread.  A supervisor actor (counted reference for the caller).  It
 * restarts failed children by `strategy`; more than `intensity` restarts
 * within `period_ns` make the supervisor itself fail (OTP semantics). */
AR_API ar_actor *ar_supervisor_new(ar_restart strategy, int intensity,
                                   int64_t period_ns);
/* Before any child has failed (any thread, not concurrently with itself):
 * add a child spec; the child is created and started at once.  Returns the
 * child index. */
AR_API int ar_supervisor_add_child(ar_actor *sup, const ar_actor_type *type,
                                   ar_child_init init, void *arg);
/* Same caller rule as ar_supervisor_add_child: add a child made by a
 * function (a nested supervisor, a ring actor, an actor whose parameters
 * are computed); it is created and started at once.  spawn(arg) runs on
 * the calling thread for the first incarnation and on the supervisor's
 * worker thread, inside the supervisor's turn, for every restart (so a
 * fault there, ar_fault included, fails the caller's actor, respectively
 * the supervisor).  It must return a NEW counted reference to a STARTED
 * actor (as ar_spawn, ar_actor_new + ar_actor_start, ar_supervisor_new or
 * ar_ring_spawn return one); the supervisor owns that reference and
 * releases it when the incarnation is replaced or the supervisor stops.
 * NULL means no incarnation: the slot stays empty and is not restarted.
 * spawn must not call ar_supervisor_* on `sup` itself; `arg` is borrowed
 * and must stay valid while `sup` lives.  Strategies, intensity and period
 * apply exactly as for type children.  A child supervisor that exceeds its
 * own intensity fails, which `sup` handles as a child failure (OTP); a
 * supervisor that stops while the program runs (killed by its parent or
 * failed) stops its live children first (each on_stop runs once), so a
 * tree goes down with its root.  Returns the child index, or -1 when `sup`
 * has already stopped (spawn is then not called). */
AR_API int ar_supervisor_add_child_fn(ar_actor *sup,
                                      ar_actor *(*spawn)(void *arg),
                                      void *arg);
/* Any thread.  The current incarnation of child i (new counted reference,
 * NULL if none), and how many restarts the supervisor performed. */
AR_API ar_actor *ar_supervisor_child(ar_actor *sup, int i);
AR_API uint64_t ar_supervisor_restarts(ar_actor *sup);

/* ======================================================= program */

/* Main thread.  Starts the workers (one per core; ACTOR_THREADS overrides),
 * spawns the main actor, and returns the exit code when the program is
 * quiescent (every actor idle, nothing in flight, no armed timer) or after
 * ar_exit.  Then runs every live actor's on_stop exactly once, prints the
 * shutdown report to stderr if anything was undelivered/dropped/late, writes
 * ACTOR_TRACE, and frees runtime memory.  main_type may be NULL (tests:
 * then use ar_run_fn). */
AR_API int ar_run(const ar_actor_type *main_type, int argc, char **argv);
/* Like ar_run but with a C function as the first main-thread step: calls
 * start(arg) on the main thread once the workers run (it may spawn and
 * send; sends from non-worker threads are allowed), then waits. */
AR_API int ar_run_fn(void (*start)(void *arg), void *arg);
/* Any thread.  Ends the program with `code` (first call wins). */
AR_API void ar_exit(int code);
AR_API int ar_argc(void);
AR_API char **ar_argv(void);
/* Number of worker threads of the running runtime. */
AR_API int ar_workers(void);

/* Runtime-wide counters (relaxed snapshots; reset by ar_run). */
typedef struct ar_runtime_stats {
  uint64_t sent;          /* messages + wake events enqueued */
  uint64_t handled;       /* dispatched */
  uint64_t undelivered;   /* freed unhandled: target dead or shutdown */
  uint64_t dropped;       /* mailbox policy drops (drop_newest/oldest) */
  uint64_t refused;       /* mailbox policy `fail` */
  uint64_t late_replies;  /* replies after the ask timed out */
  uint64_t failed_actors; /* actors that faulted */
  uint64_t spawned;
  uint64_t mutes;         /* overload backpressure: senders descheduled */
  uint64_t helped;        /* turns run nested by a sender held at the
                             in-flight bound (SCHEDULER.md 6.6) */
} ar_runtime_stats;
AR_API void ar_runtime_get_stats(ar_runtime_stats *out);

/* ======================================================= Channels and select */
/* (section owned by runtime/chan.c, written by R2; protocol:
 * runtime/CHANNELS.md)
 *
 * A channel carries 64-bit slots (`uint64_t`): scalars directly (f64 as its
 * bits, bool as 0/1), everything else as a pointer to an owned heap value
 * whose ownership moves with the send, exactly like a message.  Capacity 0
 * is an unbuffered rendezvous; capacity N buffers N slots.  Channels are MPMC
 * and safe to call from any thread.  One spinlock per channel (held only
 * for O(1) work, O(cases) in select; spin then sched_yield) serialises
 * every operation, so progress is lock-based but no operation ever blocks
 * a thread waiting for a counterpart:
 * an actor that must wait gets AR_AGAIN plus an `ar_chan_op` handle and is
 * resumed through the suspension API (ar_wait_begin / ar_waiter_*).
 *
 * Resuming after AR_AGAIN: the actor's handler returns; it is resumed with
 * one event: AR_EV_CHAN_RECV (u = the slot), AR_EV_CHAN_SEND, or
 * AR_EV_CHAN_CLOSED for a single send/recv; AR_EV_SELECT (u = case index)
 * for a select; p = the op for all four; or AR_EV_TIMEOUT (p = NULL) from
 * the `after` timer.  The resumed code then MUST call
 * ar_chan_op_end(op, ...) exactly once: it yields the definitive result and
 * frees the op.  A frame torn down while an op is pending (actor stopped)
 * must also call ar_chan_op_end on it, which cancels the op.
 */
typedef struct ar_chan ar_chan;
typedef struct ar_chan_op ar_chan_op;

/* Destructor for slots still buffered when the last reference goes (owned
 * pointers); NULL for scalar channels. */
typedef void (*ar_chan_drop_fn)(uint64_t slot);

/* One case of a select.  `chan` NULL disables the case (never ready, as a
 * nil channel in Go).  `send_val` is read only for send cases. */
typedef struct ar_select_case {
  ar_chan *chan;
  uint64_t send_val;
  bool is_send;
} ar_select_case;

/* ar_select flags */
#define AR_SELECT_DEFAULT 0x1u /* has a `default` case: never suspends */
#define AR_SELECT_AFTER 0x2u   /* has an `after after_ns` case */
/* *out_index values that are not case indices */
#define AR_SELECT_IDX_DEFAULT (-1) /* the default case was taken */
#define AR_SELECT_IDX_TIMEOUT (-2) /* the after case fired (AR_TIMEOUT) */

/* New channel with one reference held by the caller.  Any thread.  Aborts on
 * out-of-memory; never returns NULL. */
AR_API ar_chan *ar_chan_new(uint32_t capacity, ar_chan_drop_fn drop);
/* Reference counting; any thread, lock-free.  The last release frees the
 * channel and drops buffered slots; no op may still be pending on it (a
 * pending op holds its own reference, so this only happens when none is). */
AR_API void ar_chan_retain(ar_chan *c);
AR_API void ar_chan_release(ar_chan *c);
/* Snapshot of buffered slots / capacity; any thread (racy by nature). */
AR_API uint32_t ar_chan_len(ar_chan *c);
AR_API uint32_t ar_chan_cap(ar_chan *c);

/* Non-blocking operations; any thread, any number of concurrent callers.
 * try_send: AR_OK (delivered to a waiting receiver or buffered), AR_FULL
 *   (would have to wait; the slot stays the caller's), AR_CLOSED (fault:
 *   send on a closed channel; the slot stays the caller's).
 * try_recv: AR_OK (*out set), AR_AGAIN (nothing available), AR_CLOSED
 *   (closed and drained; *out untouched). */
AR_API ar_status ar_chan_try_send(ar_chan *c, uint64_t v);
AR_API ar_status ar_chan_try_recv(ar_chan *c, uint64_t *out);

/* Suspending operations for the running actor `self` (called from its
 * handler on its worker thread).  AR_OK / AR_CLOSED: done at once, as the
 * try_ variants (a recv's *out is set on AR_OK).  AR_AGAIN: the actor was
 * queued on the channel with a waiter from ar_wait_begin(self); *out_op is
 * the pending op; on resume call ar_chan_op_end (the received slot comes
 * back through it, not through `out`). */
AR_API ar_status ar_chan_send(ar_actor *self, ar_chan *c, uint64_t v,
                              ar_chan_op **out_op);
AR_API ar_status ar_chan_recv(ar_actor *self, ar_chan *c, uint64_t *out,
                              ar_chan_op **out_op);

/* Close: buffered slots stay receivable; afterwards receivers drain them and
 * then get AR_CLOSED; waiting receivers are woken with AR_EV_CHAN_CLOSED,
 * waiting senders too (their send is a fault).  Returns AR_CLOSED if it was
 * already closed (a fault for the caller to report), else AR_OK.  Any
 * thread. */
AR_API ar_status ar_chan_close(ar_chan *c);

/* select over n cases (n <= AR_SELECT_MAX).  Among the cases ready at the
 * call, one is chosen uniformly at random.  Returns
 *   AR_OK      *out_index = the case that fired (*out_val = slot for a
 *              receive), or AR_SELECT_IDX_DEFAULT when nothing was ready and
 *              AR_SELECT_DEFAULT is set;
 *   AR_TIMEOUT AR_SELECT_AFTER with after_ns <= 0 and nothing ready
 *              (*out_index = AR_SELECT_IDX_TIMEOUT);
 *   AR_CLOSED  *out_index = a case on a closed channel: a receive yields nil
 *              (closed and drained), a send is a fault;
 *   AR_AGAIN   suspended (as ar_chan_send); `after` arms the waiter timeout.
 * `self` may be NULL only if AR_SELECT_DEFAULT is set.  Any worker thread. */
#define AR_SELECT_MAX 64
AR_API ar_status ar_select(ar_actor *self, const ar_select_case *cases,
                           uint32_t n, uint32_t flags, int64_t after_ns,
                           int32_t *out_index, uint64_t *out_val,
                           ar_chan_op **out_op);

/* Finish a pending op after the resume event (or cancel it if none came):
 * unlinks it from every channel, returns the result with the same meaning
 * as ar_select (AR_OK + index/value, AR_CLOSED + index; for a single
 * send/recv the index is 0; AR_TIMEOUT + AR_SELECT_IDX_TIMEOUT after the
 * `after` timer; AR_AGAIN if it was cancelled before anything happened) and
 * frees the op.
 * Called once, by the actor that owns the op.  out_index/out_val may be
 * NULL. */
AR_API ar_status ar_chan_op_end(ar_chan_op *op, int32_t *out_index,
                                uint64_t *out_val);

/* Blocking variants for plain OS threads that are not actors (tests, C
 * embedders, the main thread before actors exist).  They park the calling
 * thread on a futex; never call them from a worker thread.  Results as the
 * non-blocking forms; ar_select_blocking honours DEFAULT and AFTER. */
AR_API ar_status ar_chan_send_blocking(ar_chan *c, uint64_t v);
AR_API ar_status ar_chan_recv_blocking(ar_chan *c, uint64_t *out);
AR_API ar_status ar_select_blocking(const ar_select_case *cases, uint32_t n,
                                    uint32_t flags, int64_t after_ns,
                                    int32_t *out_index, uint64_t *out_val);

/* ======================================================= END channels */

/* ======================================================= values */
/* Runtime support for the language's values (what generated C calls for
 * `str`, lists, maps, bytes, formatting and checked arithmetic).
 * Ownership model (docs/backend.md "Values"):
 *  - ar_str: immutable; `rc` atomic; AR_STR_STATIC (-1) marks literals that
 *    are never counted or freed.  Shared freely across actors.
 *  - ar_list / ar_map: owned by exactly one actor at a time (the ownership
 *    checker proves it), so a move is a pointer copy.  `rc` exists for
 *    frozen (val) containers shared between actors: ar_*_freeze marks them
 *    immutable; every holder then owns one count (atomic).
 *  - Elements are stored inline (vt->size bytes each); the container owns
 *    them and drops them with vt->drop when it is freed.
 * Faults (index out of range, division by zero, key missing) call ar_fail on
 * the running actor: they stop that actor, not the program.  Implemented in
 * runtime/val.c. */

/* ======================================================= strings */

#define AR_STR_STATIC (-1)

typedef struct ar_str {
  _Atomic int32_t rc;  /* AR_STR_STATIC for literals */
  uint32_t len;        /* bytes, without the NUL */
  const char *ptr;     /* NUL-terminated; inline after the header if heap */
} ar_str;

/* Any thread.  A new string (rc 1) holding a copy of p[0..n). */
AR_API ar_str *ar_str_new(const char *p, size_t n);
/* Any thread; NULL-safe.  Literals are never counted. */
AR_API ar_str *ar_str_retain(ar_str *s);
AR_API void ar_str_release(ar_str *s);
AR_API bool ar_str_eq(const ar_str *a, const ar_str *b);
AR_API int ar_str_cmp(const ar_str *a, const ar_str *b);
AR_API uint64_t ar_str_hash(const ar_str *s);
/* The empty string (a literal). */
AR_API ar_str *ar_str_empty(void);

/* ======================================================= per-type ops */

/* Operations on one element type, used by containers.  drop/share/deep may
 * be NULL for plain bytes (memcpy, nothing to free). */
typedef struct ar_vt {
  const char *name;
  size_t size;
  void (*drop)(void *p);                    /* release what *p owns */
  void (*share)(void *dst, const void *src);/* copy-class copy (retain) */
  void (*deep)(void *dst, const void *src); /* copy(x): deep copy */
  bool (*eq)(const void *a, const void *b);
  uint64_t (*hash)(const void *p);
  void (*fmt)(const void *p);               /* append text (ar_fmt_*) */
} ar_vt;

AR_API extern const ar_vt ar_vt_bool, ar_vt_i8, ar_vt_i16, ar_vt_i32,
    ar_vt_i64, ar_vt_u8, ar_vt_u16, ar_vt_u32, ar_vt_u64, ar_vt_f32,
    ar_vt_f64, ar_vt_str, ar_vt_list, ar_vt_map, ar_vt_actor;

/* ======================================================= lists */

typedef struct ar_list {
  _Atomic int32_t rc;  /* 1 while owned; counts holders once frozen */
  bool frozen;
  const ar_vt *vt;
  int64_t len, cap;
  char *data;
} ar_list;

/* Any thread.  An empty list of elements described by vt (owned). */
AR_API ar_list *ar_list_new(const ar_vt *vt, int64_t cap);
/* Owner.  Appends *elem (its bytes are moved into the list). */
AR_API void ar_list_push(ar_list *l, const void *elem);
/* Owner.  Moves the last element into *out; false when empty. */
AR_API bool ar_list_pop(ar_list *l, void *out);
/* Faults the running actor with "index out of range". */
AR_API _Noreturn void ar_list_index_fault(void);
/* Pointer to element i; out of range faults the running actor.  Inline:
 * this is the hot path of every `xs[i]` and `for x in xs`. */
static inline void *ar_list_at(ar_list *l, int64_t i) {
  if ((uint64_t)i >= (uint64_t)l->len)
    ar_list_index_fault();
  return l->data + (size_t)i * l->vt->size;
}
static inline int64_t ar_list_len(const ar_list *l) { return l ? l->len : 0; }
/* NULL-safe.  Drops one count; the last frees the elements and the list. */
AR_API void ar_list_release(ar_list *l);
AR_API ar_list *ar_list_retain(ar_list *l);
/* Deep copy (a new owned, unfrozen list). */
AR_API ar_list *ar_list_copy(const ar_list *l);
/* Marks l and everything reachable from it immutable; returns l. */
AR_API ar_list *ar_list_freeze(ar_list *l);
/* Mutation of a frozen list faults the running actor. */
AR_API void ar_list_check_mut(const ar_list *l);

/* ======================================================= maps */

/* Insertion-ordered hash map (entries array + open-addressing index), so
 * iteration and keys() are deterministic. */
typedef struct ar_map {
  _Atomic int32_t rc;
  bool frozen;
  const ar_vt *kvt, *vvt;
  int64_t len;          /* live entries */
  int64_t n, cap;       /* used entry slots (incl. removed), capacity */
  char *keys, *vals;
  uint8_t *live;
  int32_t *idx;         /* -1 empty, -2 removed, else entry index */
  uint32_t idxcap;      /* power of two */
} ar_map;

AR_API ar_map *ar_map_new(const ar_vt *kvt, const ar_vt *vvt);
/* Owner.  Moves *k and *v in; an existing key keeps its entry: the new key
 * is dropped and the old value dropped and replaced. */
AR_API void ar_map_insert(ar_map *m, const void *k, const void *v);
/* Pointer to the value for *k, or NULL.  Borrowed (valid until mutation). */
AR_API void *ar_map_get(ar_map *m, const void *k);
AR_API bool ar_map_contains(ar_map *m, const void *k);
/* Moves the value out into *out_v (if non-NULL, else drops it). */
AR_API bool ar_map_remove(ar_map *m, const void *k, void *out_v);
/* A new list sharing the keys (vt->share). */
AR_API ar_list *ar_map_keys(ar_map *m);
AR_API int64_t ar_map_len(const ar_map *m);
/* Iteration: entry slots 0..ar_map_slots(m)-1 that are live. */
AR_API int64_t ar_map_slots(const ar_map *m);
AR_API bool ar_map_live(const ar_map *m, int64_t i);
AR_API void *ar_map_key_at(ar_map *m, int64_t i);
AR_API void *ar_map_val_at(ar_map *m, int64_t i);
AR_API void ar_map_release(ar_map *m);
AR_API ar_map *ar_map_retain(ar_map *m);
AR_API ar_map *ar_map_copy(const ar_map *m);
AR_API ar_map *ar_map_freeze(ar_map *m);
AR_API void ar_map_check_mut(const ar_map *m);

/* ======================================================= formatting */

/* A per-thread stack of text builders, so interpolation nests:
 *   (ar_fmt_begin(), ar_fmt_cstr("x = ", 4), ar_fmt_i64(x), ar_fmt_end())
 * Handlers never suspend inside one expression, so a builder is never
 * shared between actors. */
AR_API void ar_fmt_begin(void);
AR_API void ar_fmt_cstr(const char *p, size_t n);
AR_API void ar_fmt_str(const ar_str *s);
AR_API void ar_fmt_i64(int64_t v);
AR_API void ar_fmt_u64(uint64_t v);
AR_API void ar_fmt_f64(double v);
AR_API void ar_fmt_bool(bool v);
AR_API void ar_fmt_duration(int64_t ns);
AR_API void ar_fmt_actor(const ar_actor *a);
AR_API void ar_fmt_val(const ar_vt *vt, const void *p);
/* Pops the builder: a new string (rc 1). */
AR_API ar_str *ar_fmt_end(void);
/* Pops the builder and writes its text (plus '\n' if nl) to stdout
 * (to_err: stderr) in one write, so lines of concurrent actors never mix. */
AR_API void ar_fmt_print(bool nl, bool to_err);
/* Writes s (plus '\n') the same way. */
AR_API void ar_print_str(const ar_str *s, bool nl, bool to_err);

/* ======================================================= faults, math */

/* Faults the running actor with a static reason (never returns). */
AR_API _Noreturn void ar_fault(const char *reason);
/* Faults with a string built at run time (the text is kept for the report). */
AR_API _Noreturn void ar_fault_str(ar_str *reason);
AR_API int64_t ar_idiv(int64_t a, int64_t b);
AR_API int64_t ar_imod(int64_t a, int64_t b);
AR_API uint64_t ar_udiv(uint64_t a, uint64_t b);
AR_API uint64_t ar_umod(uint64_t a, uint64_t b);

/* ======================================================= helpers */

/* Moves a pointer out of a place, leaving NULL (ownership transfer). */
AR_API void *ar_take(void **place);
/* take(self.xs): the list/map moves out, an empty one stays behind. */
AR_API ar_list *ar_list_take(ar_list **place);
AR_API ar_map *ar_map_take(ar_map **place);
/* A list of n elements moved from elems[] (list literals). */
AR_API ar_list *ar_list_of(const ar_vt *vt, int64_t n, const void *elems);
/* A map from n keys and values moved from keys[] / vals[]. */
AR_API ar_map *ar_map_of(const ar_vt *kvt, const ar_vt *vvt, int64_t n,
                         const void *keys, const void *vals);
/* m[k]: pointer to the value; a missing key faults the running actor. */
AR_API void *ar_map_at(ar_map *m, const void *k);
/* NULL-safe counted actor references. */
AR_API ar_actor *ar_ref_retain(ar_actor *a);
AR_API void ar_ref_release(ar_actor *a);
/* a + b for strings (a new string). */
AR_API ar_str *ar_str_concat(const ar_str *a, const ar_str *b);

/* String methods (docs/language.md "Strings").  Offsets are in bytes.
 * Results are new (owned) strings and lists; arguments are borrowed. */
AR_API bool ar_str_contains(const ar_str *s, const ar_str *sub);
AR_API bool ar_str_starts_with(const ar_str *s, const ar_str *p);
AR_API bool ar_str_ends_with(const ar_str *s, const ar_str *p);
/* First byte offset of sub in s into *out; false when absent. */
AR_API bool ar_str_index_of(const ar_str *s, const ar_str *sub, int64_t *out);
/* Bytes [a, b) of s; faults the running actor when out of range or when a
 * cut falls inside a UTF-8 sequence. */
AR_API ar_str *ar_str_slice(const ar_str *s, int64_t a, int64_t b);
/* The parts between occurrences of sep (a list of str); an empty sep splits
 * into UTF-8 characters. */
AR_API ar_list *ar_str_split(const ar_str *s, const ar_str *sep);
/* s without leading and trailing ASCII white space. */
AR_API ar_str *ar_str_trim(const ar_str *s);
/* The whole string as a decimal integer ([+-]digits, no spaces) / a float
 * (strtod syntax, no leading spaces); false when it is not one or overflows. */
AR_API bool ar_str_parse_i64(const ar_str *s, int64_t *out);
AR_API bool ar_str_parse_f64(const ar_str *s, double *out);
/* The UTF-8 bytes of s (a list of u8). */
AR_API ar_list *ar_str_bytes(const ar_str *s);

/* `x as i64` / `x as u64` from a float: saturating, NaN -> 0. */
AR_API int64_t ar_f2i64(double v);
AR_API uint64_t ar_f2u64(double v);

/* Channel slots (ar.h: 64 bits): a double travels as its bits. */
AR_API uint64_t ar_f64_bits(double v);
AR_API double ar_bits_f64(uint64_t s);

/* ======================================================= ask results */

/* The outcome of `ask`: kind AR_EV_REPLY (reply owns a message),
 * AR_EV_TIMEOUT, or AR_EV_FAILED (reason owns a string). */
typedef struct ar_askres {
  int32_t kind;
  ar_msg *reply;
  ar_str *reason;
} ar_askres;

/* Fill *r from a resume event (kind, p) of ar_ask. */
AR_API void ar_askres_set(ar_askres *r, int kind, void *p);

/* ======================================================= wire format */
/* The msgpack wire format of messages (issue 6; docs/wire.md has the
 * byte-level rules, limits and error texts).  Implemented in
 * runtime/wire.c.  Generated code (codegen/emit_c_codec.c) emits one
 * encoder and one decoder per message/struct/type reached from an
 * `encode`, `decode`, `read_msg` or `write_msg`; they call only these.
 *
 * A message is a map from field name to value: the header fields `id`
 * (16-byte bin), `priority` (uint), `correlation` (16-byte bin or nil),
 * then the declared fields in order.  Structs are maps without the header,
 * lists and tuples arrays, maps maps, optionals nil or the value, enums the
 * variant name, `uuid` 16-byte bin, `bytes` bin, `time` an ISO-8601 string
 * (AR_WIRE_TIME_LEN chars, UTC, nanoseconds), `duration` nanoseconds.
 *
 * Thread safety: a writer or reader belongs to one thread at a time; the
 * functions keep no global state (frame I/O is plain blocking read/write on
 * the calling thread). */

/* Limits of the decoder (and of frames).  Input longer than MAX_SIZE is
 * refused before reading; MAX_DEPTH bounds nested maps/arrays (so decoding
 * recursion); MAX_LEN bounds one map/array; MAX_ITEMS the values of one
 * message.  Memory use is bounded by what was actually read, never by a
 * declared count. */
#define AR_WIRE_MAX_SIZE (16u << 20)
#define AR_WIRE_MAX_DEPTH 64u
#define AR_WIRE_MAX_LEN (1u << 20)
#define AR_WIRE_MAX_ITEMS (1u << 22)
#define AR_WIRE_TIME_LEN 30 /* "2024-01-31T12:00:00.000000000Z" */

/* Writer: a growable byte buffer (malloc; abort on out-of-memory).  Owned
 * by its creator; ar_wire_wr_free releases it. */
typedef struct ar_wire_wr {
  char *p;
  size_t n, cap;
} ar_wire_wr;
AR_API void ar_wire_wr_init(ar_wire_wr *w);
AR_API void ar_wire_wr_free(ar_wire_wr *w);
/* A new `bytes` (list of u8, owned by the caller) holding what was written;
 * the writer is emptied (its storage kept for reuse). */
AR_API ar_list *ar_wire_wr_take(ar_wire_wr *w);
/* Append one value (msgpack-c's packer: the smallest encoding of each
 * integer, float32 for f32, float64 for f64).  Arguments are borrowed. */
AR_API void ar_wire_put_nil(ar_wire_wr *w);
AR_API void ar_wire_put_bool(ar_wire_wr *w, bool v);
AR_API void ar_wire_put_i64(ar_wire_wr *w, int64_t v);
AR_API void ar_wire_put_u64(ar_wire_wr *w, uint64_t v);
AR_API void ar_wire_put_f32(ar_wire_wr *w, float v);
AR_API void ar_wire_put_f64(ar_wire_wr *w, double v);
AR_API void ar_wire_put_cstr(ar_wire_wr *w, const char *p, size_t n);
AR_API void ar_wire_put_str(ar_wire_wr *w, const ar_str *s);
AR_API void ar_wire_put_bin(ar_wire_wr *w, const void *p, size_t n);
AR_API void ar_wire_put_bytes(ar_wire_wr *w, const ar_list *b);
AR_API void ar_wire_put_uuid(ar_wire_wr *w, const ar_uuid *u);
AR_API void ar_wire_put_time(ar_wire_wr *w, int64_t ns);
/* Container headers: the caller then writes n values (2n for a map). */
AR_API void ar_wire_put_map(ar_wire_wr *w, uint32_t n);
AR_API void ar_wire_put_array(ar_wire_wr *w, uint32_t n);
/* The three header entries of m (key and value each); assigns m's id if
 * it has none yet (ar_msg_id).  Owner of m. */
AR_API void ar_wire_put_header(ar_wire_wr *w, ar_msg *m);

/* Reader over borrowed bytes (they must outlive it).  Every ar_wire_get_*
 * returns true and consumes one value, or returns false with the first
 * error recorded in `err` (then every later call fails too).  Out-params
 * are written only on success; what they receive is owned by the caller
 * (strings, lists).  Containers: get_map/get_array enter one nesting level,
 * the caller leaves it with ar_wire_leave after its n values. */
typedef struct ar_wire_rd {
  const uint8_t *p, *end;
  uint32_t depth;
  uint32_t items;        /* values left in the AR_WIRE_MAX_ITEMS budget */
  const char *at_type;   /* innermost type/field being decoded at the error */
  const char *at_field;
  char err[200];         /* "" while fine */
} ar_wire_rd;
AR_API void ar_wire_rd_init(ar_wire_rd *r, const void *p, size_t n);
AR_API bool ar_wire_get_map(ar_wire_rd *r, uint32_t *out_n);
AR_API bool ar_wire_get_array(ar_wire_rd *r, uint32_t *out_n);
AR_API void ar_wire_leave(ar_wire_rd *r);
/* True (and consumed) when the next value is nil; false otherwise (no
 * error recorded). */
AR_API bool ar_wire_get_nil(ar_wire_rd *r);
AR_API bool ar_wire_get_bool(ar_wire_rd *r, bool *out);
/* Any msgpack integer within [min, max] / [0, max]; `type` names the
 * target in the error ("integer 300 out of range for u8"). */
AR_API bool ar_wire_get_int(ar_wire_rd *r, const char *type, int64_t min,
                            int64_t max, int64_t *out);
AR_API bool ar_wire_get_uint(ar_wire_rd *r, const char *type, uint64_t max,
                             uint64_t *out);
/* float32, float64, or an integer (converted). */
AR_API bool ar_wire_get_f64(ar_wire_rd *r, double *out);
AR_API bool ar_wire_get_f32(ar_wire_rd *r, float *out);
/* A UTF-8 string (a new ar_str). */
AR_API bool ar_wire_get_str(ar_wire_rd *r, ar_str **out);
/* A string used as a key: *out_p points into the input (not copied, not
 * checked for UTF-8: it is only compared). */
AR_API bool ar_wire_get_key(ar_wire_rd *r, const char **out_p,
                            uint32_t *out_n);
AR_API bool ar_wire_get_bytes(ar_wire_rd *r, ar_list **out);
AR_API bool ar_wire_get_uuid(ar_wire_rd *r, ar_uuid *out);
AR_API bool ar_wire_get_time(ar_wire_rd *r, int64_t *out);
/* An enum: the variant name, one of names[0..n); *out = its index. */
AR_API bool ar_wire_get_variant(ar_wire_rd *r, const char *type,
                                const char *const *names, uint32_t n,
                                int32_t *out);
/* Skips one value of any type (unknown fields), within the limits. */
AR_API bool ar_wire_skip(ar_wire_rd *r);
/* True when the whole input was consumed (else "N trailing bytes"). */
AR_API bool ar_wire_get_end(ar_wire_rd *r);
/* Record an error (printf format; only the first one counts); false. */
AR_API bool ar_wire_fail(ar_wire_rd *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Record where the error happened: the innermost call wins; false. */
AR_API bool ar_wire_at(ar_wire_rd *r, const char *type, const char *field);
AR_API bool ar_wire_missing(ar_wire_rd *r, const char *type,
                            const char *field);
AR_API bool ar_wire_dup(ar_wire_rd *r, const char *type, const char *field);
/* The error as a new string: "cannot decode `What`: field `f` of `T`:
 * expected a float, found a string". */
AR_API ar_str *ar_wire_error(const ar_wire_rd *r, const char *what);

/* Message header fields while decoding, applied once the message exists. */
enum { AR_WIRE_HDR_ID = 0, AR_WIRE_HDR_PRIORITY = 1, AR_WIRE_HDR_CORR = 2 };
typedef struct ar_wire_hdr {
  ar_uuid id, corr;
  uint8_t priority; /* AR_PRIO_DEFAULT when absent */
  uint8_t seen;     /* bit per AR_WIRE_HDR_* (duplicates are errors) */
  bool has_id, has_corr;
} ar_wire_hdr;
AR_API void ar_wire_hdr_init(ar_wire_hdr *h);
AR_API bool ar_wire_get_hdr(ar_wire_rd *r, int which, ar_wire_hdr *h);
/* Owner of m: priority, id (when given) and correlation (when given). */
AR_API void ar_wire_hdr_apply(const ar_wire_hdr *h, ar_msg *m);
/* Owner of m: set its id (a decoded message keeps its sender's id). */
AR_API void ar_wire_msg_set_id(ar_msg *m, const ar_uuid *id);

/* `time` text: ar_wire_format_time writes AR_WIRE_TIME_LEN chars + NUL
 * (UTC, 9 fraction digits); ar_wire_parse_time accepts
 * YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|+HH:MM|-HH:MM) and fails on anything
 * else or on a value outside int64 nanoseconds. */
AR_API void ar_wire_format_time(int64_t ns, char *out);
AR_API bool ar_wire_parse_time(const char *p, size_t n, int64_t *out);
AR_API bool ar_wire_utf8_valid(const char *p, size_t n);

/* Frames on file descriptors (files, pipes, sockets): a 4-byte big-endian
 * length, then that many bytes (at most AR_WIRE_MAX_SIZE).  Blocking, on
 * the calling thread.
 * read: AR_OK (*out_p and *out_n: the body, free it with ar_wire_frame_free),
 * AR_CLOSED (end of input before a frame: nothing was read), AR_BADMSG
 * (*out_err: a new string: truncated frame, over the limit, read error).
 * write: NULL when written, else the error as a new string (a closed pipe
 * gives "write_msg: Broken pipe", never SIGPIPE). */
AR_API ar_status ar_wire_read_frame(int64_t fd, void **out_p, size_t *out_n,
                                    ar_str **out_err);
AR_API void ar_wire_frame_free(void *p);
AR_API ar_str *ar_wire_write_frame(int64_t fd, const void *p, size_t n);
/* Descriptors (runtime/fd.c).  Each returns a descriptor (close-on-exec),
 * or -1 with the reason kept for ar_wire_os_error on this thread.
 * open: `open_read` / `open_write` (`-` is stdin / stdout; write creates or
 * truncates).  listen / connect take "unix:PATH" or "tcp:HOST:PORT" (HOST a
 * name, IPv4, or [IPv6]; listen on port 0 takes a free port, see
 * ar_wire_local_port); listen replaces a stale Unix socket file, never
 * another file; TCP connections get TCP_NODELAY.  accept waits for one
 * connection.  All block the calling thread.  close: 0-2 are left open. */
AR_API int64_t ar_wire_open(const ar_str *path, bool write);
AR_API int64_t ar_wire_listen(const ar_str *addr);
AR_API int64_t ar_wire_connect(const ar_str *addr);
AR_API int64_t ar_wire_accept(int64_t listen_fd);
AR_API int64_t ar_wire_local_port(int64_t fd); /* TCP port, or -1 */
AR_API void ar_wire_close(int64_t fd);
/* A new string: why the last failing descriptor call above, on this
 * thread, returned -1 ("" if none did). */
AR_API ar_str *ar_wire_os_error(void);

/* ======================================================= buffers (buf<T>) */
/* `buf<T>`: a flat array of fixed-size elements that a ring kernel can read
 * and write in place (runtime/RING.md).  Owned like a list (one owner; a
 * send moves the pointer); `rc` counts extra holders (the ring bridge holds
 * the buffers of in-flight requests).  While a GPU is in use (ar_gpu_active)
 * the data is mapped pinned host memory and `dev` its device address; in
 * CPU and emulate modes it is ordinary memory and dev == (uint64_t)data.
 * Implemented in runtime/buf.c. */
typedef struct ar_buf {
  _Atomic int32_t rc;
  uint32_t elem_size;  /* bytes per element */
  int64_t len;         /* elements */
  void *data;          /* host address of element 0 (NULL when len == 0) */
  uint64_t dev;        /* device address of element 0 */
  uint32_t flags;      /* runtime-private: how data was allocated */
} ar_buf;

/* Any thread.  n zeroed elements of elem_size bytes (n < 0 faults the
 * running actor with "negative buffer length"); rc 1. */
AR_API ar_buf *ar_buf_new(uint32_t elem_size, int64_t n);
/* Any thread; NULL-safe.  The last release frees the memory. */
AR_API ar_buf *ar_buf_retain(ar_buf *b);
AR_API void ar_buf_release(ar_buf *b);
/* An empty buffer (len 0): what `take` leaves behind. */
AR_API ar_buf *ar_buf_empty(uint32_t elem_size);
/* Pointer to element i; out of range faults the running actor with
 * "index out of range" (the same fault as lists).  NULL is the empty
 * buffer (what `take` leaves behind) wherever a buffer is read. */
static inline void *ar_buf_at(ar_buf *b, int64_t i) {
  if (!b || (uint64_t)i >= (uint64_t)b->len)
    ar_list_index_fault();
  return (char *)b->data + (size_t)i * b->elem_size;
}
static inline int64_t ar_buf_len(const ar_buf *b) { return b ? b->len : 0; }

/* ======================================================= ring kernels */
/* Ring actors (runtime/RING.md is the contract: memory layout, kernel loop,
 * modes).  Generated code defines one ar_ring_desc per ring actor and
 * spawns it with ar_ring_spawn; the runtime picks the GPU, the emulated
 * kernel or the CPU fallback.  Implemented in runtime/ring.c (bridge) and
 * runtime/cuda.c (the CUDA driver API through dlopen). */

enum {
  AR_GPU_OFF = 0,     /* CPU fallback only */
  AR_GPU_AUTO = 1,    /* GPU when usable, else the fallback */
  AR_GPU_ON = 2,      /* GPU or a fatal error at start-up */
  AR_GPU_EMULATE = 3  /* the kernel's host build on a host thread */
};

/* Offsets in the shared block (RING.md 2), each index on its own line. */
#define AR_RING_OFF_TERMINATE 0u
#define AR_RING_OFF_ACTIVE 4u
#define AR_RING_OFF_TERMINATED 8u
#define AR_RING_OFF_HANDLED 16u
#define AR_RING_OFF_IDLE_POLLS 24u
#define AR_RING_OFF_IN_HEAD 128u
#define AR_RING_OFF_IN_TAIL 256u
#define AR_RING_OFF_OUT_HEAD 384u
#define AR_RING_OFF_OUT_TAIL 512u
/* Offsets in the scratch block (RING.md 3). */
#define AR_RING_SCR_BARRIER 0u
#define AR_RING_SCR_DISPATCH 128u
#define AR_RING_SCR_FAULT 132u
#define AR_RING_SCR_SEQ 136u
#define AR_RING_HDR 640u         /* offset of the in slots */
#define AR_RING_SLOT_HDR 16u     /* slot header; payload follows */
#define AR_RING_SCRATCH_MSG 256u /* offset of the message copy in scratch */
#define AR_RING_TERMINATE 0xFFFFFFFFu
enum { AR_RING_REPLY = 0, AR_RING_DONE = 1, AR_RING_FAULT = 2 };
enum { AR_RING_FAULT_DIV0 = 1, AR_RING_FAULT_INDEX = 2 };

typedef struct ar_ring_desc {
  const char *name;        /* the actor's name (messages, trace) */
  const char *ptx;         /* NUL-terminated PTX, or NULL (built --gpu=off) */
  const char *kernel;      /* entry point in ptx: "ag_ring_<Actor>" */
  /* The same kernel compiled for the host (built --gpu=emulate), or NULL. */
  void (*host_kernel)(void *ring, void *scratch);
  uint32_t threads, blocks;  /* launch configuration */
  uint32_t cap;              /* ring capacity in slots (power of two) */
  uint32_t in_slot, out_slot;/* slot sizes in bytes (multiples of 16) */
  uint32_t scratch_size;     /* bytes of device scratch */
  const ar_actor_type *cpu_type; /* the CPU fallback actor */
  /* Pack the message (owned by the caller, not consumed) into an in slot's
   * payload; *handler = its `on` clause index.  False: a message this actor
   * does not handle (the bridge drops it as a CPU actor would). */
  bool (*pack)(ar_msg *m, void *payload, uint32_t *handler);
  /* The reply message for an out slot of status AR_RING_REPLY, built from
   * its payload; `request` is the in-flight request (buf device addresses
   * in the reply are mapped back to its ar_bufs, retained).  NULL on a
   * reply buf that matches none (the bridge then fails the actor). */
  ar_msg *(*unpack)(uint32_t handler, const void *payload, ar_msg *request);
  /* Free a request message and everything its payload owns. */
  void (*drop)(ar_msg *m);
} ar_ring_desc;

/* Before ar_run, on the main thread: the build's mode (AR_GPU_*), narrowed
 * by ACTOR_GPU=off|auto|on|emulate.  Initialises the CUDA driver when the
 * mode asks for a GPU.  AR_GPU_ON without a usable GPU prints the reason
 * and exits 70. */
AR_API void ar_gpu_configure(int mode);
/* The mode in effect after ar_gpu_configure (AR_GPU_ON when a GPU is in
 * use, whatever the build asked). */
AR_API int ar_gpu_mode(void);
/* True when ring actors run on a GPU. */
AR_API bool ar_gpu_active(void);
/* One line: the device in use ("NVIDIA H100 80GB HBM3, sm_90, driver
 * 13.0"), or why none is ("no CUDA driver: libcuda.so.1: cannot open ..."). */
AR_API const char *ar_gpu_describe(void);
/* Any thread.  Spawns a ring actor: a proxy to its kernel (GPU/emulate) or
 * ar_spawn(desc->cpu_type).  One counted reference for the caller.  The
 * GPU or emulate proxy is an ordinary actor (RING.md 7): a ring that
 * cannot start (kernel does not load, blocks cannot be co-resident, launch
 * fails) prints the reason on stderr and fails at once with it.  A bad
 * descriptor (cap not a power of two, slot sizes not multiples of 16,
 * scratch too small, missing functions) aborts with a message. */
AR_API ar_actor *ar_ring_spawn(const ar_ring_desc *desc);

/* Counters of one ring actor (relaxed snapshots; final values once it
 * stopped). */
typedef struct ar_ring_stats {
  uint64_t handled;    /* messages the kernel finished (RING.md 2) */
  uint64_t idle_polls; /* the kernel's backoff sleeps */
  uint64_t submitted;  /* requests packed into the ring (mod 2^32) */
  uint32_t in_flight;  /* submitted, not yet answered */
  int mode;            /* AR_GPU_ON, AR_GPU_EMULATE, or AR_GPU_OFF when
                          the actor is a CPU fallback */
} ar_ring_stats;
/* Any thread holding a reference to a.  false (and mode AR_GPU_OFF) when a
 * is not a GPU/emulate ring proxy. */
AR_API bool ar_ring_get_stats(const ar_actor *a, ar_ring_stats *out);

#ifdef __cplusplus
}
#endif
#endif
