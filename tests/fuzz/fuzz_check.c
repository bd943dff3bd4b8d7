/* fuzz_check.c — libFuzzer target over the whole front end: lexer, parser,
 * resolve, types, ownership and protocol checks (ac_check_buffer).
 *
 * Every input is checked in a fresh context whose diagnostics go to
 * /dev/null; the contract is that no input crashes, hangs, leaks or trips a
 * sanitizer.  Built by mk/tests.mk (`make fuzz`, `make check-fuzz-short`)
 * with -fsanitize=fuzzer,address,undefined against the compiler objects
 * built with the same sanitizers.  Imports resolve against ./stdlib, so run
 * it from the repository root.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  devnull = fopen("/dev/null", "w");
  if (!devnull) {
    perror("fuzz_check: /dev/null");
    exit(1);
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ac_options opt = {0};
  opt.diag_format = DIAG_FMT_PLAIN;
  opt.color = DIAG_COLOR_NEVER;
  opt.dump_after = -1;
  opt.stop_after = -1;
  opt.stdlib_dir = "stdlib";
  ac_ctx *cx = ac_ctx_new(&opt);
  cx->diag_out = devnull;
  (void)ac_check_buffer(cx, "fuzz.actor", (const char *)data, size);
  ac_ctx_free(cx);
  return 0;
}
