# tests/tools/lib.sh — helpers shared by the test runners (sourced, not run).
#
# Every runner prints one `ok   <name>` / `FAIL <name>` line per test and, as
# its last line, `N passed, N failed` (the line scripts/check-all.sh sums).

# Last `N passed, N failed` line of a log file, printed as "N N"; prints
# nothing when the file has no such line.
counts_of() {
  grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" 2>/dev/null | tail -n 1 |
    sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/'
}

# Test bookkeeping for a runner: t_pass NAME, t_fail NAME [detail...],
# t_report (prints the closing line; returns 1 if anything failed).
T_PASSED=0
T_FAILED=0
t_pass() {
  T_PASSED=$((T_PASSED + 1))
  printf 'ok   %s\n' "$1"
}
t_fail() {
  T_FAILED=$((T_FAILED + 1))
  printf 'FAIL %s\n' "$1"
  shift
  local line
  for line in "$@"; do printf '     %s\n' "$line"; done
}
t_report() {
  printf '%d passed, %d failed\n' "$T_PASSED" "$T_FAILED"
  [ "$T_FAILED" -eq 0 ]
}

# The compiler under test (check-asan-compiler points this at the ASan build).
ACTORC=${ACTORC:-build/actorc}

# `import std.x` resolves against this tree's stdlib/, named relatively, so
# that goldens never contain the absolute path of a checkout.
export ACTORC_STDLIB=stdlib
