# mk/bench-runtime.mk — channel unit tests and the runtime benchmarks.
# Owner: the channels/benchmarks area (runtime/chan.c, bench/runtime/).
#
#   make check-chan        channel validation tests (chan.c + a mock of the
#                          suspension API; no scheduler needed)
#   make check-chan-tsan   the same under -fsanitize=thread (smaller sizes)
#   make check-chan-asan   the same under ASan + UBSan (smaller sizes)
#   make bench-runtime     the seven bench-peers programs against ar.h, run
#                          side by side with the C/CAF/Go/Erlang peers;
#                          writes bench/RESULTS.md (REPS=5 by default)
#   make bench-runtime-build   only build bench programs and peers

# test_chan: chan.c alone with a mock suspension API (the protocol);
# test_chan_actor: real actors on libactor (the integration).
CHAN_TEST_SRC := tests/unit/runtime/test_chan.c runtime/chan.c
CHAN_TEST_DEP := $(CHAN_TEST_SRC) runtime/ar.h tests/unit/check.h
CHAN_ACT_SRC  := tests/unit/runtime/test_chan_actor.c
CHAN_TEST_CC  := $(CC) $(CSTD) $(WARN) -Iruntime -Itests/unit -pthread
# sanitizer builds: no -Werror (instrumentation provokes spurious
# -Wmaybe-uninitialized; the normal build enforces the warnings)
CHAN_SAN_CC   := $(CC) $(CSTD) -Wall -Wextra -Iruntime -Itests/unit -pthread
CHAN_TSAN     := -O1 -g -fsanitize=thread -DCHAN_TEST_SMALL
CHAN_ASAN     := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -fno-omit-frame-pointer -DCHAN_TEST_SMALL

$(B)/tests/test_chan: $(CHAN_TEST_DEP)
	@mkdir -p $(dir $@)
	$(CHAN_TEST_CC) -O2 -g $(CHAN_TEST_SRC) -o $@ -lm

$(B)/tests/test_chan_actor: $(CHAN_ACT_SRC) $(B)/libactor.a tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CHAN_TEST_CC) -O2 -g $(CHAN_ACT_SRC) $(B)/libactor.a -o $@ -lm

$(B)/tests/test_chan_tsan: $(CHAN_TEST_DEP)
	@mkdir -p $(dir $@)
	$(CHAN_SAN_CC) $(CHAN_TSAN) $(CHAN_TEST_SRC) -o $@ -lm

# the whole runtime rebuilt under TSan into the test binary
$(B)/tests/test_chan_actor_tsan: $(CHAN_ACT_SRC) $(RUNTIME_SRC) runtime/ar.h \
                                 tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CHAN_SAN_CC) $(CHAN_TSAN) $(CHAN_ACT_SRC) $(RUNTIME_SRC) -o $@ -lm

$(B)/tests/test_chan_asan: $(CHAN_TEST_DEP)
	@mkdir -p $(dir $@)
	$(CHAN_SAN_CC) $(CHAN_ASAN) $(CHAN_TEST_SRC) -o $@ -lm

$(B)/tests/test_chan_actor_asan: $(CHAN_ACT_SRC) $(RUNTIME_SRC) runtime/ar.h \
                                 tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CHAN_SAN_CC) $(CHAN_ASAN) $(CHAN_ACT_SRC) $(RUNTIME_SRC) -o $@ -lm

# run test binaries, keep their output, close with the summed count line
# (a binary that dies without its summary counts as one failure)
CHAN_RUN = rc=0; for t in $^; do $(1) $$t > $$t.log 2>&1 || rc=1; \
	  grep -v ' passed, .* failed$$' $$t.log; done; \
	awk -v rc=$$rc '/^[0-9]+ passed, [0-9]+ failed$$/ {p += $$1; f += $$3} \
	  END {if (rc && !f) f = 1; print p + 0 " passed, " f + 0 " failed"}' \
	  $(^:=.log); exit $$rc

.PHONY: check-chan check-chan-tsan check-chan-asan bench-runtime \
        bench-runtime-build
check-chan: $(B)/tests/test_chan $(B)/tests/test_chan_actor
	@$(call CHAN_RUN,timeout 300)

check-chan-tsan: $(B)/tests/test_chan_tsan $(B)/tests/test_chan_actor_tsan
	@$(call CHAN_RUN,TSAN_OPTIONS="halt_on_error=1" timeout 300)

check-chan-asan: $(B)/tests/test_chan_asan $(B)/tests/test_chan_actor_asan
	@$(call CHAN_RUN,ASAN_OPTIONS="detect_leaks=1" UBSAN_OPTIONS="halt_on_error=1" timeout 300)

CHECK_SUITES += check-chan check-chan-tsan check-chan-asan

# ---------------------------------------------------------------- benchmarks
BENCH_RT_NAMES := pingpong counting threadring fjthrput chameneos big \
                  fjcreate spawn1m chanbench chanactor
BENCH_RT_BIN   := $(BENCH_RT_NAMES:%=$(B)/bench/%)

$(B)/bench/%: bench/runtime/%.c bench/runtime/bench.h $(B)/libactor.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O2 -g $(WARN) -Iruntime -Ibench/runtime -pthread \
	  $< $(B)/libactor.a -o $@ -lm

bench-runtime-build: $(BENCH_RT_BIN)
	bash bench/runtime/build-peers.sh

bench-runtime: bench-runtime-build
	bash bench/runtime/run.sh
