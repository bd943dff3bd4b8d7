# actorc — single non-recursive Makefile.
#
#   make            build build/actorc and build/libactor.a (runs scripts/deps.sh first)
#   make check      the whole test suite (prints "N passed, N failed")
#   make demo       build and run the flagship example
#
# Sources are picked up by wildcard, so adding a file never needs an edit here.
# Extra targets live in mk/*.mk fragments, one per area (tests, runtime tests,
# benchmarks, fuzzing); each fragment says who owns it.  Generated files go to
# build/gen/ only and are never committed.

CFG      ?= release
B        := build
GEN      := $(B)/gen
CC       ?= cc
LLVM_CONFIG ?= llvm-config-19
LEMPAR   ?= /usr/share/lemon/lempar.c

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(CFG),debug)
OPT      := -O0 -g
else
OPT      := -O2 -g
endif
CSTD     := -std=c11 -D_GNU_SOURCE
CFLAGS   ?=
CFLAGS_ALL := $(CSTD) $(OPT) $(WARN) $(CFLAGS)
DEPFLAGS := -MMD -MP

.PHONY: all deps clean check demo
all: deps $(B)/actorc $(B)/libactor.a

deps:
	@bash scripts/deps.sh

# ---------------------------------------------------------------- grammar
$(GEN)/parser.c $(GEN)/parser.h &: grammar/parser.y $(LEMPAR)
	@mkdir -p $(GEN)
	lemon -s -T$(LEMPAR) -d$(GEN) grammar/parser.y
	@# lemon keeps an unchanged parser.h's old time stamp: mark both made
	@touch $(GEN)/parser.c $(GEN)/parser.h

$(GEN)/lexer.c: grammar/lexer.re $(GEN)/parser.h
	@mkdir -p $(GEN)
	re2c -W -Werror --no-generation-date --no-version -c -o $@ $<

# explanations for `actorc explain`, embedded in the binary
ERROR_MD := $(sort $(wildcard compiler/errors/*.md))
$(GEN)/errors_index.c: $(ERROR_MD) scripts/embed_errors.sh
	@mkdir -p $(GEN)
	bash scripts/embed_errors.sh $(ERROR_MD) > $@

# ---------------------------------------------------------------- compiler
COMPILER_SRC := $(sort $(wildcard compiler/*.c) $(wildcard codegen/*.c))
COMPILER_OBJ := $(COMPILER_SRC:%.c=$(B)/obj/%.o)
GEN_OBJ      := $(B)/obj/gen/lexer.o $(B)/obj/gen/parser.o $(B)/obj/gen/errors_index.o
COMPILER_INC := -Icompiler -Icodegen -I$(GEN) -Iruntime
LLVM_CFLAGS  := $(shell $(LLVM_CONFIG) --cflags 2>/dev/null)
LLVM_LIBS    := $(shell $(LLVM_CONFIG) --ldflags --libs core target nvptx x86 passes 2>/dev/null)

$(B)/obj/compiler/%.o: compiler/%.c $(GEN)/parser.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(DEPFLAGS) $(COMPILER_INC) -c $< -o $@

$(B)/obj/codegen/%.o: codegen/%.c $(GEN)/parser.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(DEPFLAGS) $(COMPILER_INC) $(LLVM_CFLAGS) -c $< -o $@

$(B)/obj/gen/lexer.o: $(GEN)/lexer.c $(GEN)/parser.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(DEPFLAGS) $(COMPILER_INC) -c $< -o $@

# Lemon's template is not -Wextra clean (TOOLCHAIN.md 1.2)
$(B)/obj/gen/parser.o: $(GEN)/parser.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-unused-parameter -Wno-unused-variable -Wno-missing-prototypes $(DEPFLAGS) $(COMPILER_INC) -c $< -o $@

$(B)/obj/gen/errors_index.o: $(GEN)/errors_index.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -c $< -o $@

# the compiler is also a library (tests and the fuzzer link it without main.o)
$(B)/libactorc.a: $(filter-out $(B)/obj/compiler/main.o,$(COMPILER_OBJ)) $(GEN_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/actorc: $(B)/obj/compiler/main.o $(B)/libactorc.a
	$(CC) $(OPT) -o $@ $^ $(LLVM_LIBS) -lm

# ---------------------------------------------------------------- runtime
RUNTIME_SRC := $(sort $(wildcard runtime/*.c))
RUNTIME_OBJ := $(RUNTIME_SRC:%.c=$(B)/obj/%.o)
RUNTIME_CFLAGS := -fvisibility=hidden -pthread

$(B)/obj/runtime/%.o: runtime/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(RUNTIME_CFLAGS) $(DEPFLAGS) -Iruntime -c $< -o $@

$(B)/libactor.a: $(RUNTIME_OBJ)
	@rm -f $@
	ar rcs $@ $^

# ---------------------------------------------------------------- misc
clean:
	rm -rf $(B)

-include $(wildcard mk/*.mk)
-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
