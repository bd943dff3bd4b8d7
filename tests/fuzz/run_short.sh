#!/usr/bin/env bash
# check-fuzz-short: runs every seed once at full size (the generated hostile
# inputs are larger than -max_len), then fuzzes for a bounded time from the
# seeds into a fresh corpus (<dir>/corpus-short).
# Any crash, leak, sanitizer report or timeout fails the suite.
# Usage: run_short.sh <fuzz-dir> <seconds> [libFuzzer flags...]
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/tools/lib.sh
dir=$1; secs=$2; shift 2
bin=$dir/fuzz_check
mkdir -p "$dir/artifacts"
rm -f "$dir"/artifacts/*

bash tests/fuzz/make_corpus.sh "$dir" || { t_fail "fuzz seeds"; t_report; exit 1; }
rm -rf "$dir/corpus-short"
mkdir -p "$dir/corpus-short"

# 1. every seed once, whole (libFuzzer runs files given as arguments)
if "$bin" -timeout=20 -rss_limit_mb=2048 -artifact_prefix="$dir/artifacts/" \
     "$dir"/seeds/* >"$dir/seeds.log" 2>&1; then
  seeds_ok=1
else
  seeds_ok=0
fi
# 2. bounded fuzzing from that corpus
if "$bin" "$@" -max_total_time="$secs" "$dir/corpus-short" "$dir/seeds" >"$dir/fuzz.log" 2>&1; then
  fuzz_ok=1
else
  fuzz_ok=0
fi
grep -E '^(stat::number_of_executed_units|#[0-9]+ +DONE)' "$dir/fuzz.log" | tail -n 2

if [ "$seeds_ok" -eq 1 ] && [ "$fuzz_ok" -eq 1 ]; then
  t_pass "fuzz_check: $(ls "$dir/seeds" | wc -l) seeds + ${secs}s of fuzzing"
else
  log=$dir/fuzz.log
  [ "$seeds_ok" -eq 1 ] || log=$dir/seeds.log
  # the input that failed (the last `Running:` before the report), the
  # report's headline, the first frames, and where the artifact went
  mapfile -t l < <(awk '
    /^Running: / { last = $0; next }
    /ERROR: |^SUMMARY: |Test unit written|^artifact_prefix|DEADLY SIGNAL|timeout after/ {
      if (last != "") { print last; last = "" }
      print; next }
    /^ *#[0-9]+ 0x/ && frames < 8 { print; frames++ }' "$log" | head -n 30)
  t_fail "fuzz_check (see $log; reproduce: $bin <artifact>)" "${l[@]}"
fi
t_report
