# mk/runtime.mk — libactor unit tests (owner: runtime core, issue 3).
#
#   make check-runtime        build + run tests/unit/runtime/test_*.c
#   make check-runtime-tsan   the same under ThreadSanitizer   (build/tsan/)
#   make check-runtime-asan   the same under ASan + UBSan      (build/asan/)
#   make check-runtime-stress the same against a stress-mode libactor under
#                             ThreadSanitizer (build/stress/, -DARI_STRESS:
#                             SCHEDULER.md 11; AR_SEED=n repeats a run)
#
# Each prints one line per test binary ("ok   test_x (N passed)" or
# "FAIL test_x ...") and ends with the summed "N passed, N failed" line that
# `make check` reads.  Sanitizer builds of libactor live in build/tsan/ and
# build/asan/, never in build/obj/.  RT_TEST_TIMEOUT bounds each binary.

# test_chan.c is built against a mock suspension API by mk/bench-runtime.mk
# (check-chan); every other runtime test links the real libactor.
RT_TEST_SRC := $(filter-out tests/unit/runtime/test_chan.c,$(sort $(wildcard tests/unit/runtime/test_*.c)))
RT_TEST_NAMES := $(RT_TEST_SRC:tests/unit/runtime/%.c=%)
RT_TEST_TIMEOUT ?= 120
RT_TEST_CFLAGS := $(CSTD) -g $(WARN) -pthread -Iruntime -Itests/unit
RT_SAN_tsan := -O1 -fsanitize=thread
RT_SAN_asan := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined
RT_SAN_stress := -O1 -fsanitize=thread -DARI_STRESS

.PHONY: check-runtime check-runtime-tsan check-runtime-asan check-runtime-stress

# ------------------------------------------------------------ plain build
$(B)/tests/runtime/%: tests/unit/runtime/%.c $(B)/libactor.a tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(RT_TEST_CFLAGS) -O2 $< $(B)/libactor.a -lm -o $@

# ------------------------------------------------------------ sanitizers
define ari_san_rules
$(B)/$(1)/obj/runtime/%.o: runtime/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CSTD) -g $$(WARN) $$(RUNTIME_CFLAGS) $$(RT_SAN_$(1)) -MMD -MP -Iruntime -c $$< -o $$@

$(B)/$(1)/libactor.a: $$(RUNTIME_SRC:%.c=$(B)/$(1)/obj/%.o)
	@rm -f $$@
	ar rcs $$@ $$^

$(B)/$(1)/tests/runtime/%: tests/unit/runtime/%.c $(B)/$(1)/libactor.a tests/unit/check.h
	@mkdir -p $$(dir $$@)
	$$(CC) $$(RT_TEST_CFLAGS) $$(RT_SAN_$(1)) $$< $(B)/$(1)/libactor.a -lm -o $$@
endef
$(eval $(call ari_san_rules,tsan))
$(eval $(call ari_san_rules,asan))
$(eval $(call ari_san_rules,stress))

-include $(shell find $(B)/tsan $(B)/asan $(B)/stress -name '*.d' 2>/dev/null)

# Run the given test binaries, print per-test lines and the summed total.
# $(1): binaries, $(2): environment prefix
define ari_run_tests
	@pass=0; fail=0; \
	for t in $(1); do \
	  out=$$( $(2) timeout $(RT_TEST_TIMEOUT) $$t 2>&1 ); rc=$$?; \
	  last=$$(printf '%s\n' "$$out" | tail -n 1); \
	  p=$$(printf '%s\n' "$$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$$/\1/p'); \
	  f=$$(printf '%s\n' "$$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$$/\2/p'); \
	  if [ -z "$$p" ]; then p=0; f=1; fi; \
	  if [ $$rc -ne 0 ] && [ "$$f" = 0 ]; then f=1; fi; \
	  pass=$$((pass + p)); fail=$$((fail + f)); \
	  if [ "$$f" = 0 ]; then echo "ok   $$(basename $$t) ($$p passed)"; \
	  else echo "FAIL $$(basename $$t) (rc=$$rc)"; printf '%s\n' "$$out" | tail -n 30 | sed 's/^/    /'; fi; \
	done; \
	echo "$$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]
endef

check-runtime: $(RT_TEST_NAMES:%=$(B)/tests/runtime/%)
	$(call ari_run_tests,$^,)

check-runtime-tsan: $(RT_TEST_NAMES:%=$(B)/tsan/tests/runtime/%)
	$(call ari_run_tests,$^,TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" AR_TEST_SCALE=10)

check-runtime-asan: $(RT_TEST_NAMES:%=$(B)/asan/tests/runtime/%)
	$(call ari_run_tests,$^,ASAN_OPTIONS="detect_leaks=1" UBSAN_OPTIONS="print_stacktrace=1" AR_TEST_SCALE=4)

check-runtime-stress: $(RT_TEST_NAMES:%=$(B)/stress/tests/runtime/%)
	$(call ari_run_tests,$^,TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" AR_TEST_SCALE=10)

CHECK_SUITES += check-runtime check-runtime-tsan check-runtime-asan check-runtime-stress
