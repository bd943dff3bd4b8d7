/* test_msg.c — message header and pools (runtime/msg.c, pool.c): v4 UUIDs
 * (format, uniqueness, no syscall per id), lazy ids, correlation, payload
 * sizes across classes, and messages freed on a foreign thread returning to
 * their owner pool (validated with checksums under load). */
#include "ar.h"
#include "check.h"
#include "rt_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static int cmp_uuid(const void *a, const void *b) {
  return memcmp(a, b, sizeof(ar_uuid));
}

static void uuid_body(void *arg) {
  (void)arg;
  enum { N = 100000 };
  ar_uuid *u = malloc(N * sizeof *u);
  for (int i = 0; i < N; i++)
    u[i] = ar_uuid_new();
  for (int i = 0; i < N; i++) {
    CHECK((u[i].b[6] >> 4) == 4);      /* version 4 */
    CHECK((u[i].b[8] & 0xc0) == 0x80); /* RFC 4122 variant */
  }
  qsort(u, N, sizeof *u, cmp_uuid);
  int dups = 0;
  for (int i = 1; i < N; i++)
    dups += memcmp(&u[i - 1], &u[i], sizeof *u) == 0;
  CHECK_EQ_INT(dups, 0);
  char s[37];
  ar_uuid_format(&u[0], s);
  CHECK_EQ_INT(strlen(s), 36);
  CHECK(s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-');
  CHECK(s[14] == '4');
  free(u);
}

static void test_uuid(void) { CHECK_EQ_INT(ar_run_fn(uuid_body, NULL), 0); }

static void header_body(void *arg) {
  (void)arg;
  ar_msg *m = ar_msg_alloc(7, 16);
  CHECK_EQ_INT(m->type, 7);
  CHECK_EQ_INT(m->priority, AR_PRIO_DEFAULT);
  CHECK(!ar_msg_has_correlation(m));
  CHECK(m->sender == NULL);
  CHECK(((uintptr_t)AR_MSG_PAYLOAD(m, char) & 7) == 0);
  CHECK(ar_msg_correlation(m) == NULL);
  CHECK_EQ_INT(sizeof(ar_msg), 32);
  CHECK(!(m->flags & AR_MSGF_HAS_ID)); /* lazy */
  ar_uuid id = *ar_msg_id(m);
  CHECK(ar_uuid_eq(&id, ar_msg_id(m))); /* stable */
  ar_msg *r = ar_msg_alloc(8, 0);
  ar_msg_set_correlation(r, ar_msg_id(m));
  CHECK(ar_msg_has_correlation(r));
  CHECK(ar_uuid_eq(ar_msg_correlation(r), &id));
  ar_msg_free(m);
  ar_msg_free(r);
  static const size_t sizes[] = {0, 1, 8, 64, 100, 1000, 5000, 20000, 100000};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    ar_msg *x = ar_msg_alloc(1, sizes[i]);
    memset(AR_MSG_PAYLOAD(x, char), 0xab, sizes[i]);
    ar_msg_free(x);
  }
}

static void test_header_and_sizes(void) {
  CHECK_EQ_INT(ar_run_fn(header_body, NULL), 0);
}

/* ------------------------------------------------------------ cross-thread */

#define BATCH 1024
typedef struct {
  ar_msg *_Atomic slot[BATCH];
  _Atomic int64_t freed_sum;
  int64_t rounds;
} xfer;

static void *freer(void *arg) {
  xfer *x = arg;
  for (int64_t r = 0; r < x->rounds; r++)
    for (int i = 0; i < BATCH; i++) {
      ar_msg *m;
      while ((m = atomic_exchange(&x->slot[i], NULL)) == NULL)
        sched_yield();
      atomic_fetch_add(&x->freed_sum, *AR_MSG_PAYLOAD(m, int64_t));
      ar_msg_free(m); /* foreign free: back to the owner's pool */
    }
  return NULL;
}

static void xthread_body(void *arg) {
  xfer *x = arg;
  pthread_t th;
  pthread_create(&th, NULL, freer, x);
  int64_t expect = 0;
  for (int64_t r = 0; r < x->rounds; r++)
    for (int i = 0; i < BATCH; i++) {
      ar_msg *m = ar_msg_alloc(1, sizeof(int64_t) * (size_t)(1 + (i & 7)));
      int64_t v = r * BATCH + i;
      *AR_MSG_PAYLOAD(m, int64_t) = v;
      expect += v;
      while (atomic_load(&x->slot[i]) != NULL)
        sched_yield();
      atomic_store(&x->slot[i], m);
    }
  pthread_join(th, NULL);
  CHECK_EQ_INT(atomic_load(&x->freed_sum), expect);
}

static void test_foreign_free_returns_to_owner(void) {
  xfer *x = calloc(1, sizeof *x);
  x->rounds = rt_scaled(300);
  CHECK_EQ_INT(ar_run_fn(xthread_body, x), 0);
  free(x);
}

int main(void) {
  RUN(test_uuid);
  RUN(test_header_and_sizes);
  RUN(test_foreign_free_returns_to_owner);
  return check_report();
}
