# mk/types.mk — unit tests of the types phase's public functions
# (types_name, types_is_owned, types_is_gpu_sendable, hash-consing);
# owner: the resolve/types helper (issue 2).
#
#   make check-types-unit

CHECK_SUITES += check-types-unit

.PHONY: check-types-unit

$(B)/tests/test_types: tests/unit/compiler/test_types.c $(B)/libactorc.a tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(COMPILER_INC) -Itests/unit -o $@ $< $(B)/libactorc.a $(LLVM_LIBS) -lm

check-types-unit: $(B)/tests/test_types
	@$(B)/tests/test_types
