# mk/examples.mk — the example programs (issue 4 item 5).
#
#   make check-examples   build and run every examples/<name>/main.actor and
#                         compare stdout / exit code with the files beside it
#                         (tests/tools/run_runner.sh with RUN_ROOT=examples)
# The standard library's own tests are tests/run/stdlib_* (make check-run).

.PHONY: check-examples
check-examples: $(B)/actorc $(B)/libactor.a
	@RUN_ROOT=examples bash tests/tools/run_runner.sh

CHECK_SUITES += check-examples
