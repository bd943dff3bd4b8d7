#!/usr/bin/env bash
# `make bench-check`: see bench.py (needs python3 and gcc).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 bench/check/bench.py "$@"
