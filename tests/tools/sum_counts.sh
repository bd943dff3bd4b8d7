#!/usr/bin/env bash
# Sums the closing `N passed, N failed` lines of the runner logs given as
# arguments and prints the total as one such line; exits 1 when a log has
# no such line or anything failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
p=0; f=0; rc=0
for log in "$@"; do
  c=$(counts_of "$log")
  if [ -z "$c" ]; then echo "sum_counts: no result line in $log" >&2; f=$((f + 1)); rc=1; continue; fi
  read -r a b <<<"$c"
  p=$((p + a)); f=$((f + b))
done
[ "$f" -eq 0 ] || rc=1
printf '%d passed, %d failed\n' "$p" "$f"
exit "$rc"
