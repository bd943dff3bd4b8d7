# mk/compiler.mk — compiler front-end build settings (owner: parse helper / F1).
# The compiled-in default for `import std.x`: the absolute path of this source
# tree's stdlib/ (overridden at run time by --stdlib=DIR or $ACTORC_STDLIB).
AC_STDLIB_DEFAULT := $(abspath stdlib)
$(B)/obj/compiler/parse.o: CFLAGS_ALL += -DAC_STDLIB_DIR='"$(AC_STDLIB_DEFAULT)"'
$(B)/obj/compiler/parse.o: mk/compiler.mk
