# mk/bench.mk — the Savina benchmark suite in .actor (owner: issue 7,
# bench/savina/).  Not part of `make check` except the tiny check-savina.
#
#   make bench           build bench/savina/*.actor and the peers, run all
#                        seven alternating ours/c/caf/go/erlang (REPS=5),
#                        write bench/savina/RESULTS.md and ratios.svg
#                        (SCALING=1: also 1 vs 2 threads; see run.sh)
#   make bench-build     only build our programs and the peers
#   make check-savina    build the seven programs and run each once with
#                        tiny parameters, results verified

SAVINA_NAMES := pingpong counting threadring fjthrput chameneos big fjcreate
SAVINA_BIN   := $(SAVINA_NAMES:%=$(B)/savina/%) $(B)/savina/idle

$(B)/savina/%: bench/savina/%.actor bench/savina/common.actor $(B)/actorc $(B)/libactor.a
	@mkdir -p $(dir $@)
	$(B)/actorc build $< -o $@

.PHONY: bench bench-build check-savina
bench-build: $(SAVINA_BIN)
	bash bench/runtime/build-peers.sh

bench: bench-build
	bash bench/savina/run.sh

check-savina: $(SAVINA_BIN)
	@bash bench/savina/run.sh --check

CHECK_SUITES += check-savina
