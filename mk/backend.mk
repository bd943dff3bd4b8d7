# mk/backend.mk — the C backend (issue 4): compiled-in runtime locations for
# `actorc build`/`run`, and the end-to-end suite.
#
#   make check-run       build + run every tests/run/<name>/main.actor and
#                        compare stdout / exit code (tests/tools/run_runner.sh)
#   make check-run-asan  the same built with ASan+UBSan (leaks included)
#   make check-run-tsan  the same built with ThreadSanitizer
#   make check-codegen   golden emitted C (tests/codegen); bless-codegen
#   make bench-actor     .actor ping-pong/counting vs the C API versions

AC_RUNTIME_DIR_DEFAULT := $(abspath runtime)
AC_LIBACTOR_DEFAULT    := $(abspath $(B)/libactor.a)
$(B)/obj/compiler/main.o: CFLAGS_ALL += -DAC_RUNTIME_DIR='"$(AC_RUNTIME_DIR_DEFAULT)"' \
                                        -DAC_LIBACTOR='"$(AC_LIBACTOR_DEFAULT)"'
$(B)/obj/compiler/main.o: mk/backend.mk

.PHONY: check-run
check-run: $(B)/actorc $(B)/libactor.a
	@bash tests/tools/run_runner.sh

CHECK_SUITES += check-run

# the same programs built with ASan+UBSan against the sanitizer libactor
# (mk/runtime.mk builds build/asan/libactor.a)
.PHONY: check-run-asan
check-run-asan: $(B)/actorc $(B)/asan/libactor.a
	@ACTORC_CFLAGS="-g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	 ACTORC_LIBACTOR=$(abspath $(B)/asan/libactor.a) \
	 ASAN_OPTIONS=detect_leaks=1 RUN_VARIANT=asan bash tests/tools/run_runner.sh

CHECK_SUITES += check-run-asan

# ... and with ThreadSanitizer against build/tsan/libactor.a
.PHONY: check-run-tsan
check-run-tsan: $(B)/actorc $(B)/tsan/libactor.a
	@ACTORC_CFLAGS="-g -fsanitize=thread" \
	 ACTORC_LIBACTOR=$(abspath $(B)/tsan/libactor.a) \
	 TSAN_OPTIONS="halt_on_error=1" RUN_VARIANT=tsan bash tests/tools/run_runner.sh

CHECK_SUITES += check-run-tsan

# golden emitted C; `make bless-codegen` rewrites tests/codegen/*.c
.PHONY: check-codegen bless-codegen
check-codegen: $(B)/actorc
	@bash tests/tools/codegen_runner.sh

bless-codegen: $(B)/actorc
	@bash tests/tools/codegen_runner.sh --bless

CHECK_SUITES += check-codegen

# .actor benchmarks against the same benchmarks on the C API (not in check)
.PHONY: bench-actor
bench-actor: $(B)/actorc $(B)/libactor.a $(B)/bench/pingpong $(B)/bench/counting
	@bash bench/actor/run.sh
