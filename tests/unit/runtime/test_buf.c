/* test_buf.c — buf<T> memory (runtime/buf.c, ar.h "buffers"): zeroed
 * allocation, dev == data without a GPU, counted references from several
 * threads, empty buffers, and the faults (index out of range, negative
 * length) failing the running actor. */
#include "ar.h"
#include "check.h"
#include "rt_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static void test_new_zeroed(void) {
  ar_buf *b = ar_buf_new(sizeof(int64_t), 1000);
  REQUIRE(b != NULL);
  CHECK_EQ_INT(b->len, 1000);
  CHECK_EQ_INT(b->elem_size, 8);
  CHECK_EQ_INT(ar_buf_len(b), 1000);
  CHECK(b->data != NULL);
  CHECK(b->dev == (uint64_t)(uintptr_t)b->data); /* no GPU in use */
  bool zero = true;
  for (int64_t i = 0; i < b->len; i++)
    zero = zero && *(int64_t *)ar_buf_at(b, i) == 0;
  CHECK(zero);
  for (int64_t i = 0; i < b->len; i++)
    *(int64_t *)ar_buf_at(b, i) = i * i;
  CHECK_EQ_INT(*(int64_t *)ar_buf_at(b, 999), 999 * 999);
  CHECK(ar_buf_at(b, 3) == (char *)b->data + 24);
  ar_buf_release(b);
}

static void test_empty(void) {
  ar_buf *e = ar_buf_empty(4);
  CHECK_EQ_INT(ar_buf_len(e), 0);
  CHECK(e->data == NULL);
  CHECK(e->dev == 0);
  CHECK_EQ_INT(ar_buf_len(NULL), 0);
  ar_buf *z = ar_buf_new(16, 0);
  CHECK_EQ_INT(z->len, 0);
  ar_buf_release(z);
  ar_buf_release(e);
  ar_buf_release(NULL);            /* NULL-safe */
  CHECK(ar_buf_retain(NULL) == NULL);
}

static ar_buf *g_shared;
static void *retainer(void *arg) {
  int n = *(int *)arg;
  for (int i = 0; i < n; i++) {
    ar_buf_retain(g_shared);
    *(volatile char *)g_shared->data; /* a holder may read */
    ar_buf_release(g_shared);
  }
  ar_buf_release(g_shared); /* this thread's own count */
  return NULL;
}

static void test_refcount_threads(void) {
  g_shared = ar_buf_new(1, 64);
  int n = (int)rt_scaled(200000);
  pthread_t th[4];
  for (int i = 0; i < 4; i++)
    ar_buf_retain(g_shared); /* one count per thread */
  for (int i = 0; i < 4; i++)
    pthread_create(&th[i], NULL, retainer, &n);
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  CHECK_EQ_INT(atomic_load(&g_shared->rc), 1);
  ar_buf_release(g_shared); /* ASan: freed exactly once */
}

/* faults inside a handler fail the actor with the documented reason */
static _Atomic int g_reason_ok, g_reason_bad;
typedef struct {
  ar_actor base;
  int which;
  ar_buf *b;
} faulter;
static void faulter_start(ar_actor *self) {
  faulter *f = (faulter *)self;
  if (f->which == 0) {
    f->b = ar_buf_new(8, 10);
    (void)ar_buf_at(f->b, 10);
  } else if (f->which == 1) {
    f->b = ar_buf_new(8, 10);
    (void)ar_buf_at(f->b, -1);
  } else {
    (void)ar_buf_new(8, -3);
  }
}
static void faulter_stop(ar_actor *self) {
  faulter *f = (faulter *)self;
  ar_buf_release(f->b);
  f->b = NULL;
}
static const ar_actor_type faulter_type = {.name = "faulter",
                                           .size = sizeof(faulter),
                                           .on_start = faulter_start,
                                           .on_stop = faulter_stop};
typedef struct {
  ar_actor base;
  int n;
} mon;
static void mon_start(ar_actor *self) {
  for (int i = 0; i < 3; i++) {
    faulter *f = (faulter *)ar_actor_new(&faulter_type);
    f->which = i;
    ar_monitor(self, &f->base);
    ar_actor_start(&f->base);
    ar_actor_release(&f->base);
  }
}
static void mon_dispatch(ar_actor *self, ar_msg *m) {
  (void)self;
  if (m->type == AR_MSG_DOWN) {
    ar_down *d = AR_MSG_PAYLOAD(m, ar_down);
    faulter *f = (faulter *)d->who;
    const char *want =
        f->which == 2 ? "negative buffer length" : "index out of range";
    atomic_fetch_add(d->reason && strcmp(d->reason, want) == 0
                         ? &g_reason_ok
                         : &g_reason_bad,
                     1);
  }
  ar_msg_free(m);
}
static const ar_actor_type mon_type = {.name = "mon",
                                       .size = sizeof(mon),
                                       .dispatch = mon_dispatch,
                                       .on_start = mon_start};

static void test_faults(void) {
  CHECK_EQ_INT(ar_run(&mon_type, 0, NULL), 0);
  CHECK_EQ_INT(atomic_load(&g_reason_ok), 3);
  CHECK_EQ_INT(atomic_load(&g_reason_bad), 0);
}

int main(void) {
  RUN(test_new_zeroed);
  RUN(test_empty);
  RUN(test_refcount_threads);
  RUN(test_faults);
  return check_report();
}
