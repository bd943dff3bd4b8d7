#!/usr/bin/env bash
# bench-actor: the pingpong and counting benchmarks written in .actor
# (bench/actor/*.actor, built with build/actorc -O2) against the same
# benchmarks written directly on libactor's C API (bench/runtime/*.c), run
# alternately REPS times (default 5) in the same session; prints the median
# seconds of each and the ratio actor/C (the goal is <= 1.1).
set -uo pipefail
cd "$(dirname "$0")/../.."
REPS=${REPS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
secs() { # elapsed= as seconds: "1.23" or "1234ns"/"12ms"/"3s"
  sed -n 's/.*elapsed=\([0-9.]*\)\([a-z]*\).*/\1 \2/p' | awk '{
    v = $1; u = $2
    if (u == "ns") v /= 1e9; else if (u == "us") v /= 1e6; else if (u == "ms") v /= 1e3
    printf "%.6f\n", v }'
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
printf '%-10s %12s %12s %8s\n' bench actor_s c_s ratio
for b in pingpong counting; do
  build/actorc build "bench/actor/$b.actor" -O2 -o "$tmp/$b" || exit 1
  : > "$tmp/a"; : > "$tmp/c"
  for _ in $(seq "$REPS"); do
    "$tmp/$b" | secs >> "$tmp/a"
    "build/bench/$b" | secs >> "$tmp/c"
  done
  a=$(median < "$tmp/a"); c=$(median < "$tmp/c")
  printf '%-10s %12s %12s %8.3f\n' "$b" "$a" "$c" "$(echo "$a / $c" | bc -l)"
done
