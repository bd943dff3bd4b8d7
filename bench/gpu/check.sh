#!/usr/bin/env bash
# check-gpu (mk/gpu.mk): on a machine with a usable GPU, gpubench --check
# and every ring program on the GPU (--gpu=on); without one, one SKIP line
# and exit 0.  Ends with the "N passed, N failed" line of the other suites.
set -uo pipefail
cd "$(dirname "$0")/../.."
bench=$1
ptx=$2
probe=$("$bench" --probe 2>&1)
if [ $? -ne 0 ]; then
  echo "$probe" | grep '^SKIP' || echo "SKIP: no usable GPU ($probe)"
  exit 0
fi
echo "$probe"
pass=0
fail=0
if "$bench" --check --ptx "$ptx"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
RING_PRE_PASS=$pass RING_PRE_FAIL=$fail exec bash tests/tools/ring_runner.sh on
