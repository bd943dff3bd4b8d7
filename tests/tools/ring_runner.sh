#!/usr/bin/env bash
# check-ring (mk/ring.mk): the ring programs built with each --gpu mode
# given (default: the two GPU-less ones, off and emulate), one closing
# `N passed, N failed` line over all of them.  check-gpu (bench/gpu/check.sh)
# runs it with `on`, adding its own counts through RING_PRE_PASS/FAIL.
set -uo pipefail
cd "$(dirname "$0")/../.."
mapfile -t ex < <(find examples -mindepth 1 -maxdepth 1 -type d -name 'ring_*' -printf '%f\n' | sort)
mapfile -t rt < <(find tests/run -mindepth 1 -maxdepth 1 -type d -name 'ring_*' -printf '%f\n' | sort)
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(off emulate)
pass=${RING_PRE_PASS:-0}
fail=${RING_PRE_FAIL:-0}
tally() { # reads a runner's output, prints it, adds its counts
  local out=$1 line
  printf '%s\n' "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
  if [ -z "$line" ]; then fail=$((fail + 1)); return; fi
  pass=$((pass + ${line%% passed*}))
  local f=${line#*, }
  fail=$((fail + ${f%% failed}))
}
for mode in "${modes[@]}"; do
  echo "== --gpu=$mode"
  if [ ${#ex[@]} -gt 0 ]; then
    tally "$(RUN_ROOT=examples RUN_BUILD_FLAGS=--gpu=$mode bash tests/tools/run_runner.sh "${ex[@]}" 2>&1)"
  fi
  if [ ${#rt[@]} -gt 0 ]; then
    tally "$(RUN_BUILD_FLAGS=--gpu=$mode bash tests/tools/run_runner.sh "${rt[@]}" 2>&1)"
  fi
done
if [ $((pass + fail)) -eq 0 ]; then
  echo "no ring program ran"
  fail=1
fi
echo "$pass passed, $fail failed"
