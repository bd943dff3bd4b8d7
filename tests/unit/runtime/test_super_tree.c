/* test_super_tree.c — supervision trees (SCHEDULER.md 7.3): children made
 * by a spawn function (ar_supervisor_add_child_fn), here nested
 * supervisors, under every restart strategy; a grandchild restarted by its
 * own supervisor; a child supervisor exceeding its intensity failing, which
 * its parent restarts (escalation, OTP); a root giving up; a killed child
 * supervisor taking its children down; shutdown of a live tree; a ring
 * actor child (CPU fallback) restarted after a fault.  Every
 * leaf incarnation's on_stop must run exactly once.
 *
 * The scenario runs in ar_run_fn's start function on the main thread
 * (allowed: supervisors and sends work from any thread), polling with
 * short sleeps for the asynchronous restarts. */
#include "ar.h"
#include "check.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

enum { M_BOOM = 1 };
#define MS 1000000LL
#define NLEAF 8

/* ------------------------------------------------------------ leaves */

typedef struct {
  ar_actor base;
  int id;
  int stops; /* on_stop runs on this actor's runner (or teardown) only */
} leaf_st;

static _Atomic int leaf_starts_[NLEAF];
static _Atomic int leaf_stops_;
static _Atomic int double_stops_;
static _Atomic int spawns_;

static void leaf_init(ar_actor *child, void *arg) {
  leaf_st *l = (leaf_st *)child;
  l->id = (int)(intptr_t)arg;
  atomic_fetch_add(&leaf_starts_[l->id], 1);
}
static void leaf_dispatch(ar_actor *self, ar_msg *m) {
  int boom = m->type == M_BOOM;
  ar_msg_free(m);
  if (boom)
    ar_fail(self, "leaf boom");
}
static void leaf_stop(ar_actor *self) {
  leaf_st *l = (leaf_st *)self;
  if (++l->stops != 1)
    atomic_fetch_add(&double_stops_, 1);
  atomic_fetch_add(&leaf_stops_, 1);
}
static const ar_actor_type leaf_type = {.name = "leaf",
                                        .size = sizeof(leaf_st),
                                        .dispatch = leaf_dispatch,
                                        .on_stop = leaf_stop};

/* ------------------------------------------------------------ subtrees */

/* A child supervisor: leaves first (ids), then an optional nested one. */
typedef struct mid_cfg {
  ar_restart strategy;
  int intensity;
  int nleaves;
  int leaf[3];
  struct mid_cfg *sub;
} mid_cfg;

static ar_actor *mid_spawn(void *arg) {
  mid_cfg *c = arg;
  atomic_fetch_add(&spawns_, 1);
  ar_actor *s = ar_supervisor_new(c->strategy, c->intensity, 10000 * MS);
  for (int i = 0; i < c->nleaves; i++)
    ar_supervisor_add_child(s, &leaf_type, leaf_init,
                            (void *)(intptr_t)c->leaf[i]);
  if (c->sub)
    ar_supervisor_add_child_fn(s, mid_spawn, c->sub);
  return s;
}

static ar_actor *null_spawn(void *arg) {
  (void)arg;
  atomic_fetch_add(&spawns_, 1);
  return NULL;
}

/* A ring actor child (CPU fallback: what the tests run): its fallback
 * actor faults on M_BOOM like a ring handler dividing by zero. */
enum { RING_ID = 7 };
static void ring_cpu_start(ar_actor *self) {
  ((leaf_st *)self)->id = RING_ID;
  atomic_fetch_add(&leaf_starts_[RING_ID], 1);
}
static void ring_cpu_dispatch(ar_actor *self, ar_msg *m) {
  (void)self;
  int boom = m->type == M_BOOM;
  ar_msg_free(m);
  if (boom)
    ar_fault("division by zero");
}
static const ar_actor_type ring_cpu_type = {.name = "Ring(cpu)",
                                            .size = sizeof(leaf_st),
                                            .dispatch = ring_cpu_dispatch,
                                            .on_start = ring_cpu_start,
                                            .on_stop = leaf_stop};
static bool ring_pack(ar_msg *m, void *payload, uint32_t *handler) {
  (void)m;
  (void)payload;
  *handler = 0;
  return true;
}
static ar_msg *ring_unpack(uint32_t handler, const void *payload,
                           ar_msg *request) {
  (void)handler;
  (void)payload;
  (void)request;
  return NULL;
}
static void ring_drop(ar_msg *m) { ar_msg_free(m); }
static const ar_ring_desc ring_desc = {
    .name = "Ring", .threads = 32, .blocks = 1, .cap = 8, .in_slot = 32,
    .out_slot = 32, .scratch_size = AR_RING_SCRATCH_MSG + 32,
    .cpu_type = &ring_cpu_type, .pack = ring_pack, .unpack = ring_unpack,
    .drop = ring_drop};
static ar_actor *ring_spawn(void *arg) {
  (void)arg;
  atomic_fetch_add(&spawns_, 1);
  return ar_ring_spawn(&ring_desc);
}

/* ------------------------------------------------------------ helpers */

static void nap(void) {
  struct timespec ts = {0, 1000000};
  nanosleep(&ts, NULL);
}
/* Polls for up to ~10 s (sanitizers on a loaded 2-core machine). */
#define WAIT(cond)                                                           \
  do {                                                                       \
    for (int w_ = 0; w_ < 10000 && !(cond); w_++)                            \
      nap();                                                                 \
    CHECK(cond);                                                             \
  } while (0)

/* child li of child mi of root (new counted reference or NULL) */
static ar_actor *grandchild(ar_actor *root, int mi, int li) {
  ar_actor *m = ar_supervisor_child(root, mi);
  if (!m)
    return NULL;
  ar_actor *l = ar_supervisor_child(m, li);
  ar_actor_release(m);
  return l;
}
static void boom(ar_actor *a) {
  REQUIRE(a != NULL);
  ar_send(a, ar_msg_alloc(M_BOOM, 0));
}
static uint64_t restarts_of(ar_actor *root, int mi) {
  ar_actor *m = ar_supervisor_child(root, mi);
  uint64_t r = m ? ar_supervisor_restarts(m) : 0;
  if (m)
    ar_actor_release(m);
  return r;
}
static bool alive(ar_actor *a) { return a && !ar_actor_is_dead(a); }

static void reset(void) {
  for (int i = 0; i < NLEAF; i++)
    atomic_store(&leaf_starts_[i], 0);
  atomic_store(&leaf_stops_, 0);
  atomic_store(&double_stops_, 0);
  atomic_store(&spawns_, 0);
}
static int total_starts(void) {
  int n = 0;
  for (int i = 0; i < NLEAF; i++)
    n += atomic_load(&leaf_starts_[i]);
  return n;
}
/* after ar_run returned: every incarnation stopped exactly once */
static void check_stops(void) {
  CHECK_EQ_INT(atomic_load(&double_stops_), 0);
  CHECK_EQ_INT(atomic_load(&leaf_stops_), total_starts());
}

/* ------------------------------------------------------------ scenarios */

/* root one_for_one [mid one_for_one intensity 1 (leaves 0, 1), leaf 2]:
 * leaf 0 crashes -> mid restarts it; crashes again -> mid exceeds its
 * intensity, stops leaf 1, fails; root restarts mid (new leaves 0 and 1),
 * leaf 2 untouched. */
static void nested_start(void *arg) {
  (void)arg;
  static mid_cfg mid = {AR_ONE_FOR_ONE, 1, 2, {0, 1, 0}, NULL};
  ar_actor *root = ar_supervisor_new(AR_ONE_FOR_ONE, 3, 10000 * MS);
  CHECK_EQ_INT(ar_supervisor_add_child_fn(root, mid_spawn, &mid), 0);
  CHECK_EQ_INT(ar_supervisor_add_child(root, &leaf_type, leaf_init,
                                       (void *)(intptr_t)2),
               1);
  CHECK_EQ_INT(atomic_load(&spawns_), 1);
  ar_actor *mid1 = ar_supervisor_child(root, 0);
  ar_actor *l0 = grandchild(root, 0, 0);
  ar_actor *l1 = grandchild(root, 0, 1);
  ar_actor *l2 = ar_supervisor_child(root, 1);
  CHECK(alive(mid1) && alive(l0) && alive(l1) && alive(l2));

  boom(l0); /* grandchild restarted by its own supervisor */
  WAIT(restarts_of(root, 0) == 1);
  CHECK_EQ_INT(atomic_load(&leaf_starts_[0]), 2);
  CHECK_EQ_INT(atomic_load(&leaf_starts_[1]), 1);
  CHECK_EQ_INT(ar_supervisor_restarts(root), 0);
  WAIT(ar_actor_is_dead(l0));
  ar_actor *l0b = grandchild(root, 0, 0);
  CHECK(alive(l0b) && l0b != l0);
  CHECK(alive(l1));

  boom(l0b); /* mid exceeds intensity 1: escalation */
  WAIT(ar_supervisor_restarts(root) == 1);
  WAIT(ar_actor_is_dead(mid1));
  WAIT(ar_actor_is_dead(l1)); /* the failing mid stopped its children */
  CHECK(ar_actor_fail_reason(mid1) != NULL &&
        strstr(ar_actor_fail_reason(mid1), "intensity") != NULL);
  CHECK_EQ_INT(atomic_load(&spawns_), 2);
  CHECK_EQ_INT(atomic_load(&leaf_starts_[0]), 3);
  CHECK_EQ_INT(atomic_load(&leaf_starts_[1]), 2);
  CHECK_EQ_INT(atomic_load(&leaf_starts_[2]), 1);
  ar_actor *mid2 = ar_supervisor_child(root, 0);
  CHECK(alive(mid2) && mid2 != mid1);
  CHECK_EQ_INT(mid2 ? ar_supervisor_restarts(mid2) : 99, 0);
  ar_actor *n0 = grandchild(root, 0, 0), *n1 = grandchild(root, 0, 1);
  CHECK(alive(n0) && alive(n1));
  CHECK(alive(l2)); /* one_for_one: the sibling was not touched */
  ar_actor *l2b = ar_supervisor_child(root, 1);
  CHECK(l2b == l2);
  ar_actor *refs[] = {mid1, l0, l1, l2, l0b, mid2, n0, n1, l2b, root};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
    if (refs[i])
      ar_actor_release(refs[i]);
  ar_exit(0);
}

static void test_nested_restart_and_escalation(void) {
  reset();
  CHECK_EQ_INT(ar_run_fn(nested_start, NULL), 0);
  check_stops();
}

/* root one_for_all [mid (leaves 0, 1), leaf 2]: leaf 2 crashes -> the
 * whole root restarts: the old mid is killed and takes its leaves down. */
static void all_start(void *arg) {
  (void)arg;
  static mid_cfg mid = {AR_ONE_FOR_ONE, 3, 2, {0, 1, 0}, NULL};
  ar_actor *root = ar_supervisor_new(AR_ONE_FOR_ALL, 3, 10000 * MS);
  ar_supervisor_add_child_fn(root, mid_spawn, &mid);
  ar_supervisor_add_child(root, &leaf_type, leaf_init, (void *)(intptr_t)2);
  ar_actor *mid1 = ar_supervisor_child(root, 0);
  ar_actor *l0 = grandchild(root, 0, 0), *l1 = grandchild(root, 0, 1);
  ar_actor *l2 = ar_supervisor_child(root, 1);
  boom(l2);
  WAIT(ar_supervisor_restarts(root) == 1);
  WAIT(ar_actor_is_dead(mid1) && ar_actor_is_dead(l0) &&
       ar_actor_is_dead(l1) && ar_actor_is_dead(l2));
  CHECK(ar_actor_fail_reason(mid1) == NULL); /* killed: a normal stop */
  CHECK_EQ_INT(atomic_load(&spawns_), 2);
  for (int i = 0; i < 3; i++)
    CHECK_EQ_INT(atomic_load(&leaf_starts_[i]), 2);
  ar_actor *n0 = grandchild(root, 0, 0), *n2 = ar_supervisor_child(root, 1);
  CHECK(alive(n0) && alive(n2));
  ar_actor *refs[] = {mid1, l0, l1, l2, n0, n2, root};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
    if (refs[i])
      ar_actor_release(refs[i]);
  ar_exit(0);
}

static void test_one_for_all_kills_subtree(void) {
  reset();
  CHECK_EQ_INT(ar_run_fn(all_start, NULL), 0);
  check_stops();
}

/* root rest_for_one [leaf 0, mid (leaves 1, 2), leaf 3]: leaf 0 crashes
 * -> everything restarts; then leaf 3 crashes -> only leaf 3. */
static void rest_start(void *arg) {
  (void)arg;
  static mid_cfg mid = {AR_ONE_FOR_ONE, 3, 2, {1, 2, 0}, NULL};
  ar_actor *root = ar_supervisor_new(AR_REST_FOR_ONE, 5, 10000 * MS);
  ar_supervisor_add_child(root, &leaf_type, leaf_init, (void *)(intptr_t)0);
  ar_supervisor_add_child_fn(root, mid_spawn, &mid);
  ar_supervisor_add_child(root, &leaf_type, leaf_init, (void *)(intptr_t)3);
  ar_actor *l0 = ar_supervisor_child(root, 0);
  boom(l0);
  WAIT(ar_supervisor_restarts(root) == 1);
  CHECK_EQ_INT(atomic_load(&spawns_), 2);
  for (int i = 0; i < 4; i++)
    CHECK_EQ_INT(atomic_load(&leaf_starts_[i]), 2);
  ar_actor *mid2 = ar_supervisor_child(root, 1);
  ar_actor *l3 = ar_supervisor_child(root, 2);
  boom(l3);
  WAIT(ar_supervisor_restarts(root) == 2);
  CHECK_EQ_INT(atomic_load(&spawns_), 2);
  CHECK_EQ_INT(atomic_load(&leaf_starts_[0]), 2);
  CHECK_EQ_INT(atomic_load(&leaf_starts_[1]), 2);
  CHECK_EQ_INT(atomic_load(&leaf_starts_[3]), 3);
  CHECK(alive(mid2));
  ar_actor *mid2b = ar_supervisor_child(root, 1);
  CHECK(mid2b == mid2);
  ar_actor *refs[] = {l0, mid2, l3, mid2b, root};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
    if (refs[i])
      ar_actor_release(refs[i]);
  ar_exit(0);
}

static void test_rest_for_one_with_subtree(void) {
  reset();
  CHECK_EQ_INT(ar_run_fn(rest_start, NULL), 0);
  check_stops();
}

/* root intensity 0 [mid intensity 0 (leaves 0, 1)]: one leaf crash fails
 * mid, which fails root: the whole tree is dead; a stopped supervisor
 * refuses new children; a spawn function may return NULL. */
static void giveup_start(void *arg) {
  (void)arg;
  static mid_cfg mid = {AR_ONE_FOR_ONE, 0, 2, {0, 1, 0}, NULL};
  ar_actor *root = ar_supervisor_new(AR_ONE_FOR_ONE, 0, 10000 * MS);
  ar_supervisor_add_child_fn(root, mid_spawn, &mid);
  CHECK_EQ_INT(ar_supervisor_add_child_fn(root, null_spawn, NULL), 1);
  CHECK(ar_supervisor_child(root, 1) == NULL);
  ar_actor *mid1 = ar_supervisor_child(root, 0);
  ar_actor *l0 = grandchild(root, 0, 0), *l1 = grandchild(root, 0, 1);
  boom(l0);
  WAIT(ar_actor_is_dead(root));
  WAIT(ar_actor_is_dead(mid1) && ar_actor_is_dead(l0) &&
       ar_actor_is_dead(l1));
  CHECK(ar_actor_fail_reason(root) != NULL);
  CHECK_EQ_INT(ar_supervisor_restarts(root), 0);
  CHECK_EQ_INT(atomic_load(&spawns_), 2); /* mid once, null_spawn once */
  CHECK_EQ_INT(ar_supervisor_add_child_fn(root, mid_spawn, &mid), -1);
  CHECK_EQ_INT(atomic_load(&spawns_), 2);
  ar_actor *refs[] = {mid1, l0, l1, root};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
    if (refs[i])
      ar_actor_release(refs[i]);
  ar_exit(0);
}

static void test_root_gives_up(void) {
  reset();
  CHECK_EQ_INT(ar_run_fn(giveup_start, NULL), 0);
  check_stops();
  CHECK_EQ_INT(atomic_load(&leaf_stops_), 2);
}

/* A three-level tree alive at exit: teardown runs each on_stop once (the
 * supervisors send nothing then). */
static void deep_start(void *arg) {
  (void)arg;
  static mid_cfg low = {AR_ONE_FOR_ALL, 2, 2, {2, 3, 0}, NULL};
  static mid_cfg mid = {AR_REST_FOR_ONE, 2, 2, {0, 1, 0}, &low};
  ar_actor *root = ar_supervisor_new(AR_ONE_FOR_ONE, 2, 10000 * MS);
  ar_supervisor_add_child_fn(root, mid_spawn, &mid);
  /* a crash at the bottom is handled at the bottom (one_for_all there) */
  ar_actor *m = ar_supervisor_child(root, 0);
  ar_actor *lo = m ? ar_supervisor_child(m, 2) : NULL;
  ar_actor *l3 = lo ? ar_supervisor_child(lo, 1) : NULL;
  boom(l3);
  WAIT(lo && ar_supervisor_restarts(lo) == 1);
  CHECK_EQ_INT(atomic_load(&leaf_starts_[2]), 2);
  CHECK_EQ_INT(atomic_load(&leaf_starts_[3]), 2);
  CHECK_EQ_INT(atomic_load(&leaf_starts_[0]), 1);
  CHECK_EQ_INT(m ? ar_supervisor_restarts(m) : 99, 0);
  CHECK_EQ_INT(atomic_load(&spawns_), 2);
  ar_actor *refs[] = {m, lo, l3, root};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
    if (refs[i])
      ar_actor_release(refs[i]);
  ar_exit(0);
}

static void test_shutdown_of_live_tree(void) {
  reset();
  CHECK_EQ_INT(ar_run_fn(deep_start, NULL), 0);
  check_stops();
  CHECK_EQ_INT(total_starts(), 6);
}

/* root one_for_one [mid (leaf 0), ring]: the ring actor faults and is
 * restarted alone (a fresh ar_ring_spawn); the subtree is untouched. */
static void ring_start(void *arg) {
  (void)arg;
  static mid_cfg mid = {AR_ONE_FOR_ONE, 3, 1, {0, 0, 0}, NULL};
  ar_actor *root = ar_supervisor_new(AR_ONE_FOR_ONE, 3, 10000 * MS);
  ar_supervisor_add_child_fn(root, mid_spawn, &mid);
  CHECK_EQ_INT(ar_supervisor_add_child_fn(root, ring_spawn, NULL), 1);
  ar_actor *r1 = ar_supervisor_child(root, 1);
  ar_actor *mid1 = ar_supervisor_child(root, 0);
  WAIT(atomic_load(&leaf_starts_[RING_ID]) == 1); /* on_start ran */
  boom(r1);
  WAIT(ar_supervisor_restarts(root) == 1);
  WAIT(ar_actor_is_dead(r1));
  CHECK(ar_actor_fail_reason(r1) != NULL &&
        strcmp(ar_actor_fail_reason(r1), "division by zero") == 0);
  ar_actor *r2 = ar_supervisor_child(root, 1);
  CHECK(alive(r2) && r2 != r1);
  WAIT(atomic_load(&leaf_starts_[RING_ID]) == 2);
  CHECK_EQ_INT(atomic_load(&spawns_), 3); /* mid once, ring twice */
  ar_actor *mid2 = ar_supervisor_child(root, 0);
  CHECK(mid2 == mid1 && alive(mid2));
  CHECK_EQ_INT(atomic_load(&leaf_starts_[0]), 1);
  ar_actor *refs[] = {r1, r2, mid1, mid2, root};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
    if (refs[i])
      ar_actor_release(refs[i]);
  ar_exit(0);
}

static void test_ring_child_restarted(void) {
  reset();
  ar_gpu_configure(AR_GPU_OFF);
  CHECK_EQ_INT(ar_run_fn(ring_start, NULL), 0);
  check_stops();
}

int main(void) {
  RUN(test_nested_restart_and_escalation);
  RUN(test_one_for_all_kills_subtree);
  RUN(test_rest_for_one_with_subtree);
  RUN(test_root_gives_up);
  RUN(test_shutdown_of_live_tree);
  RUN(test_ring_child_restarted);
  return check_report();
}
