# mk/wire.mk — the msgpack wire format (issue 6, docs/wire.md): generated
# codecs (codegen/emit_c_codec.c), runtime/wire.c, the language builtins.
#
#   make check-wire        test_wire (goldens, random round trips, msgpack-c
#                          interop, malformed input, frames, times), the
#                          producer | consumer pipeline example, malformed
#                          streams into the consumer; ~30 s of the decoder
#                          fuzzer (WIRE_FUZZ_TIME)
#   make check-wire-asan   test_wire and the pipeline under ASan+UBSan with
#                          leak detection
#   make fuzz-wire         the decoder fuzzer for FUZZ_TIME seconds (300)
#   make bench-wire        generated codecs vs hand-written msgpack-c calls
#                          (bench/wire; REPS=11 rounds, medians), written to
#                          bench/RESULTS.md "Wire format"
#
# The tests include the C that actorc emits for tests/wire/types.actor, so
# they exercise exactly what `actorc build` produces.

WB            := $(B)/wire
WIRE_MSGPACK  := /usr/lib/x86_64-linux-gnu/libmsgpackc.a
WIRE_CC       := $(CC) $(CSTD) -g -Wall -Wextra -Wno-unused-parameter -pthread \
                 -Iruntime -Itests/unit -I$(WB)
WIRE_ASAN     := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -fno-omit-frame-pointer
WIRE_FUZZ_TIME ?= 25

$(WB)/types_gen.c: tests/wire/types.actor $(B)/actorc
	@mkdir -p $(dir $@)
	$(B)/actorc build --emit=c $< -o $@

$(WB)/test_wire: tests/wire/test_wire.c $(WB)/types_gen.c $(B)/libactor.a tests/unit/check.h
	$(WIRE_CC) -O2 -DWIRE_GEN='"types_gen.c"' $< $(B)/libactor.a $(WIRE_MSGPACK) -lm -ldl -o $@

# the whole runtime rebuilt with the sanitizers into the test binary
$(WB)/test_wire_asan: tests/wire/test_wire.c $(WB)/types_gen.c $(RUNTIME_SRC) runtime/ar.h tests/unit/check.h
	$(WIRE_CC) $(WIRE_ASAN) -DWIRE_GEN='"types_gen.c"' $< $(RUNTIME_SRC) $(WIRE_MSGPACK) -lm -ldl -o $@

# ---- the decoder fuzzer (clang's libFuzzer), seeded with the goldens and
# random encodings that test_wire writes
WIRE_FUZZ_CC ?= clang
$(WB)/fuzz_wire: tests/wire/fuzz_wire.c $(WB)/types_gen.c $(RUNTIME_SRC) runtime/ar.h
	$(WIRE_FUZZ_CC) $(CSTD) -O1 -g -Wall -Wextra -Wno-unused-parameter -pthread \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -Iruntime -I$(WB) -DWIRE_GEN='"types_gen.c"' $< $(RUNTIME_SRC) -lm -ldl -o $@

$(WB)/seeds/.done: $(WB)/test_wire
	@rm -rf $(WB)/seeds && mkdir -p $(WB)/seeds
	@$(WB)/test_wire --seeds $(WB)/seeds > /dev/null
	@touch $@

WIRE_FUZZ_ARGS = -max_len=4096 -timeout=5 -rss_limit_mb=2048 \
                 -artifact_prefix=$(WB)/artifacts/ -print_final_stats=1

.PHONY: check-wire check-wire-asan fuzz-wire bench-wire
check-wire: $(WB)/test_wire $(B)/actorc $(B)/libactor.a $(WB)/fuzz_wire $(WB)/seeds/.done
	@WB=$(WB) ACTORC=$(B)/actorc WIRE_FUZZ_TIME=$(WIRE_FUZZ_TIME) bash tests/wire/run.sh

check-wire-asan: $(WB)/test_wire_asan $(B)/actorc $(B)/asan/libactor.a
	@WB=$(WB) ACTORC=$(B)/actorc WIRE_VARIANT=asan \
	 ACTORC_CFLAGS="-g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	 ACTORC_LIBACTOR=$(abspath $(B)/asan/libactor.a) \
	 ASAN_OPTIONS=detect_leaks=1 bash tests/wire/run.sh

CHECK_SUITES += check-wire check-wire-asan

FUZZ_TIME ?= 300
fuzz-wire: $(WB)/fuzz_wire $(WB)/seeds/.done
	@mkdir -p $(WB)/corpus $(WB)/artifacts
	$(WB)/fuzz_wire $(WIRE_FUZZ_ARGS) -max_total_time=$(FUZZ_TIME) $(WB)/corpus $(WB)/seeds

# ---- benchmark: bench/wire/order.actor's codecs vs bench/wire/bench_wire.c's
# hand-written msgpack-c calls for the same struct, alternating in one run
$(WB)/order_gen.c: bench/wire/order.actor $(B)/actorc
	@mkdir -p $(dir $@)
	$(B)/actorc build --emit=c $< -o $@

$(WB)/bench_wire: bench/wire/bench_wire.c $(WB)/order_gen.c $(B)/libactor.a
	$(WIRE_CC) -O2 -DWIRE_GEN='"order_gen.c"' $< $(B)/libactor.a $(WIRE_MSGPACK) -lm -ldl -o $@

bench-wire: $(WB)/bench_wire
	@bash bench/wire/run.sh $(WB)/bench_wire
