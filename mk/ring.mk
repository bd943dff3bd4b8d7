# mk/ring.mk — ring actors end to end without a GPU (runtime/RING.md):
#
#   make check-ring      every ring example (examples/ring_*) and ring test
#                        program (tests/run/ring_*) built twice and compared
#                        with the same expected output:
#                          --gpu=off      the CPU fallback actor
#                          --gpu=emulate  the kernel's LLVM IR compiled for
#                                         the host, run on a host thread
#                                         through the real rings and bridge
#
# check-examples / check-run already run them with the default --gpu=auto
# (the fallback on a machine without a GPU).  On a GPU machine, make
# check-gpu (mk/gpu.mk) runs them on the GPU.

RING_EXAMPLES = $(notdir $(wildcard examples/ring_*))
RING_TESTS    = $(notdir $(wildcard tests/run/ring_*))

.PHONY: check-ring
check-ring: $(B)/actorc $(B)/libactor.a
	@bash tests/tools/ring_runner.sh

CHECK_SUITES += check-ring
