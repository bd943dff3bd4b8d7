# mk/schema.mk — `actorc schema export` / `schema check` (compiler/schema.c,
# docs/schema.md): golden tests under tests/schema.
#
#   make check-schema    every tests/schema/<case> and export golden
#   make bless-schema    rewrite the goldens from the current output (review!)

.PHONY: check-schema bless-schema
check-schema: $(B)/actorc
	@bash tests/tools/schema_runner.sh

bless-schema: $(B)/actorc
	@bash tests/tools/schema_runner.sh --bless

CHECK_SUITES += check-schema

# the same goldens with the ASan+UBSan compiler (mk/tests.mk builds it for
# check-asan-compiler): leaks, overflows and UB in schema.c change the output
.PHONY: check-schema-asan
check-schema-asan: $(B)/asan-compiler/actorc
	@ACTORC=$(B)/asan-compiler/actorc \
	 ASAN_OPTIONS=detect_leaks=1:exitcode=86:abort_on_error=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87 \
	 bash tests/tools/schema_runner.sh

CHECK_SUITES += check-schema-asan
