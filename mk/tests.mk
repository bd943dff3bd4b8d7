# mk/tests.mk — the test suites of the front end, `make check`, fuzzing, the
# front-end benchmark and `make demo` (owner: tests/infrastructure helper).
#
#   make check                 every suite in CHECK_SUITES; last line "N passed, N failed"
#   make check-diag            golden diagnostics (tests/diag), `make bless` rewrites them
#   make check-ok              positive programs (tests/ok, examples) check cleanly
#   make check-codes           every error code has an explanation and a test
#   make check-cli             exit codes, colour, JSON, dumps
#   make check-fuzz-short      libFuzzer over lexer+parser+checks, FUZZ_SHORT_TIME (60 s)
#   make check-asan-compiler   check-diag + check-ok (+ AST dumps) with an ASan+UBSan actorc
#   make fuzz                  the fuzzer for FUZZ_TIME seconds (300)
#   make bench-check           `actorc check` vs `gcc -fsyntax-only` on 100k lines
#   make demo                  the flagship example
#   make fmt                   clang-format our C sources (.clang-format)
#
# Other fragments register their suites with `CHECK_SUITES += <target>`.

CHECK_SUITES += check-diag check-ok check-codes check-cli check-fuzz-short check-asan-compiler

.PHONY: check bless check-diag check-ok check-codes check-cli fuzz check-fuzz-short \
        check-asan-compiler bench-check demo fuzz-build fuzz-corpus fmt

check: all
	+@MAKE="$(MAKE)" bash scripts/check-all.sh $(CHECK_SUITES)

check-diag: $(B)/actorc
	@bash tests/tools/diag_runner.sh

bless: $(B)/actorc
	@bash tests/tools/diag_runner.sh --bless

check-ok: $(B)/actorc
	@bash tests/tools/ok_runner.sh

check-codes: $(B)/actorc
	@bash tests/tools/codes_check.sh

check-cli: $(B)/actorc $(B)/tools/json_lines
	@bash tests/tools/cli_check.sh

# JSON Lines validator for check-cli (keeps the suite free of Python)
$(B)/tools/json_lines: tests/tools/json_lines.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $<

# ---------------------------------------------------------------- sanitizer builds
# The compiler's sources (compiler/*.c and codegen/*.c as in build/actorc;
# the fuzzer leaves out main.c) plus the generated lexer, parser and
# explanation table, compiled again with sanitizers into their own folders.  No -Werror here: sanitizer instrumentation provokes spurious
# -Wmaybe-uninitialized; the normal build already enforces the warnings.
SAN_WARN     := -Wall -Wextra -Wno-unused-parameter
FRONT_SRC    := $(filter-out compiler/main.c,$(COMPILER_SRC))
FRONT_GEN    := lexer parser errors_index

# ---- ASan + UBSan actorc (the same sources as build/actorc)
ASANC_DIR    := $(B)/asan-compiler
ASANC_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASANC_OBJ    := $(COMPILER_SRC:%.c=$(ASANC_DIR)/obj/%.o) $(FRONT_GEN:%=$(ASANC_DIR)/obj/gen/%.o)

$(ASANC_DIR)/obj/compiler/%.o: compiler/%.c $(GEN)/parser.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O1 -g $(SAN_WARN) $(ASANC_FLAGS) $(DEPFLAGS) $(COMPILER_INC) -c $< -o $@

$(ASANC_DIR)/obj/codegen/%.o: codegen/%.c $(GEN)/parser.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O1 -g $(SAN_WARN) $(ASANC_FLAGS) $(DEPFLAGS) $(COMPILER_INC) $(LLVM_CFLAGS) -c $< -o $@

$(ASANC_DIR)/obj/gen/%.o: $(GEN)/%.c $(GEN)/parser.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O1 -g -w $(ASANC_FLAGS) $(DEPFLAGS) $(COMPILER_INC) -c $< -o $@

$(ASANC_DIR)/actorc: $(ASANC_OBJ)
	$(CC) $(ASANC_FLAGS) -o $@ $^ $(LLVM_LIBS) -lm

# Sanitizer reports must never look like a user error (exit 1): give them
# their own exit code; any report also changes the output the goldens pin.
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:exitcode=86:abort_on_error=0 \
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87

check-asan-compiler: $(ASANC_DIR)/actorc
	@rc=0; \
	ACTORC=$(ASANC_DIR)/actorc $(SAN_ENV) bash tests/tools/diag_runner.sh >$(ASANC_DIR)/diag.log 2>&1 || rc=1; \
	ACTORC=$(ASANC_DIR)/actorc OK_DUMP=1 $(SAN_ENV) bash tests/tools/ok_runner.sh >$(ASANC_DIR)/ok.log 2>&1 || rc=1; \
	grep -hv '^ok ' $(ASANC_DIR)/diag.log $(ASANC_DIR)/ok.log | grep -vE '^[0-9]+ passed, [0-9]+ failed$$'; \
	bash tests/tools/sum_counts.sh $(ASANC_DIR)/diag.log $(ASANC_DIR)/ok.log || rc=1; \
	exit $$rc

# ---- libFuzzer target (clang only: libFuzzer ships with it); the dictionary
# tests/fuzz/actor.dict holds the language's keywords and punctuation
FUZZ_CC      ?= clang
FUZZ_DIR     := $(B)/fuzz
FUZZ_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_OBJ     := $(FRONT_SRC:%.c=$(FUZZ_DIR)/obj/%.o) $(FRONT_GEN:%=$(FUZZ_DIR)/obj/gen/%.o)
FUZZ_TIME    ?= 300
FUZZ_SHORT_TIME ?= 60
FUZZ_ARGS    := -max_len=4096 -timeout=5 -rss_limit_mb=2048 -dict=tests/fuzz/actor.dict \
                -artifact_prefix=$(FUZZ_DIR)/artifacts/ -print_final_stats=1

$(FUZZ_DIR)/obj/compiler/%.o: compiler/%.c $(GEN)/parser.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) -O1 -g $(SAN_WARN) -fsanitize=fuzzer-no-link $(FUZZ_FLAGS) $(DEPFLAGS) $(COMPILER_INC) -c $< -o $@

$(FUZZ_DIR)/obj/codegen/%.o: codegen/%.c $(GEN)/parser.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) -O1 -g $(SAN_WARN) -fsanitize=fuzzer-no-link $(FUZZ_FLAGS) $(DEPFLAGS) $(COMPILER_INC) $(LLVM_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/obj/gen/%.o: $(GEN)/%.c $(GEN)/parser.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) -O1 -g -w -fsanitize=fuzzer-no-link $(FUZZ_FLAGS) $(DEPFLAGS) $(COMPILER_INC) -c $< -o $@

$(FUZZ_DIR)/fuzz_check: tests/fuzz/fuzz_check.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(CSTD) -O1 -g $(SAN_WARN) -fsanitize=fuzzer $(FUZZ_FLAGS) $(COMPILER_INC) -o $@ $^ $(LLVM_LIBS) -lm

fuzz-build: $(FUZZ_DIR)/fuzz_check

# seeds = the committed seeds + every test program + generated hostile inputs
# (rebuilt each time); `make fuzz` grows $(FUZZ_DIR)/corpus across runs
fuzz-corpus:
	@bash tests/fuzz/make_corpus.sh $(FUZZ_DIR)

fuzz: $(FUZZ_DIR)/fuzz_check fuzz-corpus
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	$(FUZZ_DIR)/fuzz_check $(FUZZ_ARGS) -max_total_time=$(FUZZ_TIME) $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds

check-fuzz-short: $(FUZZ_DIR)/fuzz_check
	@bash tests/fuzz/run_short.sh $(FUZZ_DIR) $(FUZZ_SHORT_TIME) $(FUZZ_ARGS)

-include $(shell find $(ASANC_DIR)/obj $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------- benchmark, demo
bench-check: all
	@bash bench/check/run.sh

demo: all
	@echo "demo: actorc run examples/calculator.actor"
	@$(B)/actorc run examples/calculator.actor

# Our C must also build warning-free (-Werror) with clang, in its own tree.
CHECK_SUITES += check-build-clang
.PHONY: check-build-clang
check-build-clang:
	@if ! command -v clang >/dev/null 2>&1; then echo "clang not installed: skipped"; echo "0 passed, 0 failed"; exit 0; fi; \
	if $(MAKE) --no-print-directory -j2 B=$(B)/clang CC=clang $(B)/clang/actorc $(B)/clang/libactor.a > $(B)/clang-build.log 2>&1; \
	then echo "ok   clang -Werror build"; echo "1 passed, 0 failed"; \
	else tail -30 $(B)/clang-build.log; echo "FAIL clang -Werror build"; echo "0 passed, 1 failed"; exit 1; fi

# ---------------------------------------------------------------- formatting
# `make fmt` rewrites our C sources in the style of .clang-format (STYLE.md
# B13); generated files under build/ are exempt.  Not part of `make check`.
FMT_SRC := $(wildcard compiler/*.c compiler/*.h codegen/*.c codegen/*.h runtime/*.c runtime/*.h \
             tests/unit/*.h tests/unit/*/*.c tests/unit/*/*.h tests/fuzz/*.c tests/tools/*.c)
fmt:
	@command -v clang-format >/dev/null 2>&1 || { echo "fmt: clang-format is not installed (apt-get install clang-format)" >&2; exit 1; }
	clang-format -i $(FMT_SRC)
