/* check.h — the in-house unit-test harness (STYLE.md B12).
 *
 * A test file defines `static void test_xxx(void)` functions and a main() that
 * runs them with RUN(test_xxx) and ends with `return check_report();`.
 * CHECK(expr) records a failure with the stringified expression and keeps
 * going; REQUIRE(expr) also returns from the current test.  The report prints
 * one line per failed test and the closing line the CI reads:
 *     N passed, N failed
 * counting tests (not individual checks).  Exit status is 1 if any failed.
 */
#ifndef CHECK_H
#define CHECK_H
#include <stdio.h>
#include <string.h>

static int check_passed_;
static int check_failed_;
static int check_cur_failed_;
static const char *check_cur_name_;

#define CHECK(expr)                                                          \
  do {                                                                       \
    if (!(expr)) {                                                           \
      fprintf(stderr, "%s:%d: %s: CHECK failed: %s\n", __FILE__, __LINE__,  \
              check_cur_name_, #expr);                                       \
      check_cur_failed_ = 1;                                                 \
    }                                                                        \
  } while (0)

#define REQUIRE(expr)                                                        \
  do {                                                                       \
    if (!(expr)) {                                                           \
      fprintf(stderr, "%s:%d: %s: REQUIRE failed: %s\n", __FILE__, __LINE__, \
              check_cur_name_, #expr);                                       \
      check_cur_failed_ = 1;                                                 \
      return;                                                                \
    }                                                                        \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                   \
  do {                                                                       \
    long long check_a_ = (long long)(a), check_b_ = (long long)(b);          \
    if (check_a_ != check_b_) {                                              \
      fprintf(stderr, "%s:%d: %s: CHECK failed: %s == %s (%lld != %lld)\n",  \
              __FILE__, __LINE__, check_cur_name_, #a, #b, check_a_,         \
              check_b_);                                                     \
      check_cur_failed_ = 1;                                                 \
    }                                                                        \
  } while (0)

#define RUN(fn)                                                              \
  do {                                                                       \
    check_cur_name_ = #fn;                                                   \
    check_cur_failed_ = 0;                                                   \
    fn();                                                                    \
    if (check_cur_failed_) {                                                 \
      check_failed_++;                                                       \
      printf("FAIL %s\n", #fn);                                              \
    } else {                                                                 \
      check_passed_++;                                                       \
      printf("ok   %s\n", #fn);                                              \
    }                                                                        \
    fflush(stdout);                                                          \
  } while (0)

static inline int check_report(void) {
  printf("%d passed, %d failed\n", check_passed_, check_failed_);
  return check_failed_ ? 1 : 0;
}
#endif
