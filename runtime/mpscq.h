/* mpscq.h — intrusive lock-free multi-producer single-consumer queue (the
 * Vyukov design; protocol and ordering argument in runtime/MPSCQ.md).
 *
 * Used for actor mailboxes (runtime/actor.c), the scheduler's inject queue
 * (runtime/sched.c) and the pools' remote-free queues (runtime/pool.c).
 * The queue allocates nothing: callers supply the nodes and one stub node.
 * Internal header (ari_ names); not part of the ABI.
 *
 * The three parts (head, tail, stub) are passed separately so that a
 * container can put the producer-written `head` and the consumer-written
 * `tail` on different cache lines (see ari_actor in ari.h).
 */
#ifndef ARI_MPSCQ_H
#define ARI_MPSCQ_H

#include <stdatomic.h>
#include <stddef.h>

/* A hook inside the push window (between the exchange and the link store,
 * where a consumer sees "a push is in flight", MPSCQ.md 3): the runtime's
 * stress mode yields the thread there (ari.h); a no-op otherwise. */
#ifndef ARI_MPSCQ_PUSH_WINDOW
#define ARI_MPSCQ_PUSH_WINDOW() ((void)0)
#endif

typedef struct ari_node {
  struct ari_node *_Atomic next;
} ari_node;

/* A stand-alone queue: producer and consumer sides on separate cache
 * lines (MPSCQ.md 4). */
typedef struct ari_mpscq {
  _Alignas(64) ari_node *_Atomic head; /* producers: atomic exchange */
  _Alignas(64) ari_node *tail;         /* consumer only */
  ari_node stub;
} ari_mpscq;

/* Quiescent (before any producer or consumer runs). */
static inline void ari_mpscq_init_parts(ari_node *_Atomic *head,
                                        ari_node **tail, ari_node *stub) {
  atomic_store_explicit(&stub->next, NULL, memory_order_relaxed);
  atomic_store_explicit(head, stub, memory_order_relaxed);
  *tail = stub;
}

/* Any thread, any number of concurrent pushers; wait-free (one exchange,
 * one store).  MPSCQ.md 2: the exchange is seq_cst because callers pair it
 * with a seq_cst load of a scheduling flag (Dekker, SCHEDULER.md 3); the
 * link store is release and pairs with the consumer's acquire load of
 * `next` in ari_mpscq_pop_parts, publishing the node's contents. */
static inline void ari_mpscq_push_parts(ari_node *_Atomic *head,
                                        ari_node *n) {
  atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
  ari_node *prev = atomic_exchange_explicit(head, n, memory_order_seq_cst);
  ARI_MPSCQ_PUSH_WINDOW();
  atomic_store_explicit(&prev->next, n, memory_order_release);
}

/* Consumer only; lock-free.  Returns NULL when the queue is empty OR when a
 * producer sits between its exchange and its link store (MPSCQ.md 3: the
 * caller treats NULL as "empty for now" and re-checks with
 * ari_mpscq_maybe_nonempty before giving up the consumer role). */
static inline ari_node *ari_mpscq_pop_parts(ari_node *_Atomic *head,
                                            ari_node **tailp,
                                            ari_node *stub) {
  ari_node *tail = *tailp;
  /* acquire: pairs with the release link store in push; publishes *next */
  ari_node *next = atomic_load_explicit(&tail->next, memory_order_acquire);
  if (tail == stub) {
    if (next == NULL)
      return NULL;
    *tailp = next;
    tail = next;
    next = atomic_load_explicit(&next->next, memory_order_acquire);
  }
  if (next != NULL) {
    *tailp = next;
    return tail;
  }
  /* acquire: pairs with a producer's exchange; if head moved past tail, a
   * link store is pending and we report "empty for now" */
  if (tail != atomic_load_explicit(head, memory_order_acquire))
    return NULL;
  ari_mpscq_push_parts(head, stub);
  next = atomic_load_explicit(&tail->next, memory_order_acquire);
  if (next != NULL) {
    *tailp = next;
    return tail;
  }
  return NULL;
}

/* Consumer only; wait-free, touches no producer-written word but the
 * nodes' links.  Like ari_mpscq_pop_parts, but a last node (next == NULL) is
 * left in place instead of being taken behind a re-pushed stub: returns NULL
 * then.  A consumer that keeps up with its producer uses it to wait for the
 * producer's next link store instead of contending for `head` with an
 * exchange per message (MPSCQ.md 3); it must use ari_mpscq_pop_parts before
 * concluding the queue is empty. */
static inline ari_node *ari_mpscq_pop_soft_parts(ari_node **tailp,
                                                 ari_node *stub) {
  ari_node *tail = *tailp;
  /* acquire: pairs with the release link store in push; publishes *next */
  ari_node *next = atomic_load_explicit(&tail->next, memory_order_acquire);
  if (tail == stub) {
    if (next == NULL)
      return NULL;
    *tailp = next;
    tail = next;
    /* acquire: as above */
    next = atomic_load_explicit(&next->next, memory_order_acquire);
  }
  if (next != NULL) {
    *tailp = next;
    return tail;
  }
  return NULL;
}

/* Consumer only, right after pop returned NULL: could a push be pending or
 * complete?  seq_cst: pairs with the seq_cst exchange in push (Dekker with
 * the scheduling flag store, SCHEDULER.md 3). */
static inline int ari_mpscq_maybe_nonempty(ari_node *_Atomic *head,
                                           ari_node *tail) {
  return atomic_load_explicit(head, memory_order_seq_cst) != tail;
}

/* Any thread: push a chain first -> ... -> last (linked through `next` by
 * the caller, privately) with one exchange; wait-free.  Same orderings as
 * ari_mpscq_push_parts (MPSCQ.md 2, 5). */
static inline void ari_mpscq_push_chain(ari_mpscq *q, ari_node *first,
                                        ari_node *last) {
  atomic_store_explicit(&last->next, NULL, memory_order_relaxed);
  ari_node *prev = atomic_exchange_explicit(&q->head, last,
                                            memory_order_seq_cst);
  atomic_store_explicit(&prev->next, first, memory_order_release);
}

static inline void ari_mpscq_init(ari_mpscq *q) {
  ari_mpscq_init_parts(&q->head, &q->tail, &q->stub);
}
static inline void ari_mpscq_push(ari_mpscq *q, ari_node *n) {
  ari_mpscq_push_parts(&q->head, n);
}
static inline ari_node *ari_mpscq_pop(ari_mpscq *q) {
  return ari_mpscq_pop_parts(&q->head, &q->tail, &q->stub);
}
/* Any thread: a hint only: true if the queue may hold a node.  It can
 * also say "empty" while nodes are queued: a pop that raced a push may
 * re-push the stub behind the pushed node and return NULL, leaving the
 * consumer tail on that node with head == stub (MPSCQ.md 3).  Only the
 * consumer's tail tells then; a caller that must not miss a node (the
 * scheduler's inject queue, SCHEDULER.md 8) tracks that itself. */
static inline int ari_mpscq_peek_nonempty(ari_mpscq *q) {
  return atomic_load_explicit(&q->head, memory_order_seq_cst) != &q->stub ||
         atomic_load_explicit(&q->stub.next, memory_order_seq_cst) != NULL;
}

#endif
