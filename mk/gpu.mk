# mk/gpu.mk — GPU benchmark and GPU checks (owner: ring-actor host bridge,
# issue 5; runtime/RING.md).  Nothing here is in CHECK_SUITES: on a machine
# without a usable GPU both targets print `SKIP: no usable GPU (<reason>)`
# and exit 0, so they cannot break `make check`, and on a GPU machine they
# are run explicitly.
#
#   make bench-gpu   host->ring->host latency p50/p99 and messages/s through
#                    one ring actor (bench/gpu/echo.actor, PTX from actorc),
#                    next to one cuLaunchKernel per message and one CUDA
#                    graph launch per message, in the same run
#   make check-gpu   gpubench --check (every result verified, small counts),
#                    then every ring program (examples/ring_*,
#                    tests/run/ring_*) built with --gpu=on and compared with
#                    its expected output; ends with "N passed, N failed"
#
# build/bench/gpu/gpubench links libactor statically and nothing but glibc
# dynamically (libcuda is dlopen'ed; TOOLCHAIN.md 3.1), so it can be copied
# to a GPU machine together with echo.ptx: `gpubench --ptx echo.ptx`.

GPU_B := $(B)/bench/gpu

.PHONY: bench-gpu check-gpu

$(GPU_B)/gpubench: bench/gpu/gpubench.c $(B)/libactor.a runtime/ar.h runtime/ari_gpu.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O2 -g $(WARN) -pthread -Iruntime $< $(B)/libactor.a \
	  -static-libgcc -lm -o $@

# The PTX emitter may be unfinished: a failure leaves no echo.ptx and
# gpubench reports the ring row as not run instead of failing.
$(GPU_B)/echo.ptx: bench/gpu/echo.actor $(B)/actorc
	@mkdir -p $(dir $@)
	@$(B)/actorc build --emit=ptx $< -o $@ || \
	  { rm -f $@; echo "note: actorc could not emit $@; the ring row is skipped"; }

# Both probe first: without a GPU nothing else is built or run.
bench-gpu: $(GPU_B)/gpubench
	@if $(GPU_B)/gpubench --probe >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(GPU_B)/echo.ptx || true; \
	  $(GPU_B)/gpubench --ptx $(GPU_B)/echo.ptx; \
	else $(GPU_B)/gpubench; fi

check-gpu: $(GPU_B)/gpubench
	@if $(GPU_B)/gpubench --probe >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(B)/actorc $(B)/libactor.a && \
	  { $(MAKE) --no-print-directory $(GPU_B)/echo.ptx || true; } && \
	  bash bench/gpu/check.sh $(GPU_B)/gpubench $(GPU_B)/echo.ptx; \
	else $(GPU_B)/gpubench; fi
