/* rt_test.h — small helpers shared by the runtime unit tests (not a test).
 * AR_TEST_SCALE=n divides workload sizes (sanitizer runs are slower). */
#ifndef RT_TEST_H
#define RT_TEST_H
#include <stdint.h>
#include <stdlib.h>

static inline int64_t rt_scaled(int64_t n) {
  const char *e = getenv("AR_TEST_SCALE");
  int64_t s = e ? atoll(e) : 1;
  if (s < 1)
    s = 1;
  int64_t r = n / s;
  return r < 1 ? 1 : r;
}

static inline double rt_secs(int64_t ns) { return (double)ns / 1e9; }
#endif
