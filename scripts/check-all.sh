#!/usr/bin/env bash
# Runs every test suite named on the command line (make targets registered in
# CHECK_SUITES by the mk/*.mk fragments), each as `$MAKE --no-print-directory
# <suite>`, and sums their closing `N passed, N failed` lines (a suite that
# exits non-zero without a failure count, or prints no such line, adds one
# failure).  Prints a
# per-suite summary, then the total as the very last line.  Exits 1 when a
# suite failed, exited non-zero, printed no closing line, or when nothing ran.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/tools/lib.sh

make_cmd=${MAKE:-make}
logdir=build/check-logs
mkdir -p "$logdir"

summary=()
total_p=0
total_f=0
bad=0
for suite in "$@"; do
  log="$logdir/$suite.log"
  echo "==== $suite"
  start=$(date +%s)
  $make_cmd --no-print-directory "$suite" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  secs=$(( $(date +%s) - start ))
  counts=$(counts_of "$log")
  if [ -z "$counts" ]; then
    # counted as one failure so that the total line never hides it
    summary+=("$(printf '%-24s FAIL no "N passed, N failed" line (exit %d, %ds)' "$suite" "$rc" "$secs")")
    total_f=$((total_f + 1))
    bad=1
    continue
  fi
  read -r p f <<<"$counts"
  total_p=$((total_p + p))
  total_f=$((total_f + f))
  status=ok
  if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then status=FAIL; bad=1; fi
  # a suite that exits non-zero yet reports no failure still counts as one
  if [ "$f" -eq 0 ] && [ "$rc" -ne 0 ]; then total_f=$((total_f + 1)); fi
  summary+=("$(printf '%-24s %-4s %5d passed, %3d failed  (exit %d, %ds)' "$suite" "$status" "$p" "$f" "$rc" "$secs")")
done

echo
echo "==== summary"
for line in "${summary[@]}"; do echo "$line"; done
[ "$total_p" -eq 0 ] && [ "$total_f" -eq 0 ] && bad=1
printf '%d passed, %d failed\n' "$total_p" "$total_f"
exit "$bad"
