# mk/ptx.mk — the PTX emitter (issue 5, codegen/emit_ptx.c).
#
#   make check-ptx   every tests/ptx/*.actor: LLVM IR verifies, PTX for
#                    sm_80 and sm_90 assembles with ptxas (skipped without
#                    it), golden checks of the ring protocol in the PTX, the
#                    --gpu=emulate object; the CPU ring-protocol harness
#                    (tests/ptx/ring_harness.c, 2M messages, and again under
#                    ThreadSanitizer); the --emit/--gpu command line
#                    (tests/tools/ptx_runner.sh)

.PHONY: check-ptx
check-ptx: $(B)/actorc
	@bash tests/tools/ptx_runner.sh

CHECK_SUITES += check-ptx
