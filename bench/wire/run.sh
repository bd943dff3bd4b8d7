#!/usr/bin/env bash
# make bench-wire: bench_wire (generated codecs vs hand-written msgpack-c for
# bench/wire/order.actor's Order, alternating in one run, medians) and its
# section of bench/RESULTS.md, between the `wire:begin` / `wire:end` markers
# (replaced in place; bench/runtime/run.sh keeps the section when it
# rewrites the file).  REPS (default 11) rounds, OPS operations per round.
# RESULTS=- prints only.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-build/wire/bench_wire}
RESULTS=${RESULTS:-bench/RESULTS.md}
load0=$(cut -d' ' -f1-3 /proc/loadavg)
out=$("$BIN" "${REPS:-11}") || { echo "$out"; exit 1; }
echo "$out"
[ "$RESULTS" = - ] && exit 0
section=$(
  echo "<!-- wire:begin (written by make bench-wire: bench/wire/run.sh) -->"
  echo "## Wire format (msgpack codecs)"
  echo
  echo "Encode + decode of one \`Order\` (bench/wire/order.actor: header, two"
  echo "strings, an optional, four nested structs) by the codecs actorc generates"
  echo "vs hand-written msgpack-c calls (\`msgpack_pack_*\`, \`msgpack_unpack_next\`"
  echo "+ a checked walk) producing the same bytes and the same in-memory message"
  echo "(bench/wire/bench_wire.c).  Target: generated >= 0.9x hand-written."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(uname -srm); $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1); $(nproc) CPUs; $(${CC:-cc} --version | head -1)"
  echo "- load average at start: $load0; at end: $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: the two sides alternate inside one run, compare the ratio)"
  echo
  echo "$out"
  echo
  echo "Why the generated side is faster: it decodes straight from the bytes"
  echo "into the message (one pass, no intermediate msgpack_object tree, no zone"
  echo "allocation) while checking every limit; encoding is msgpack-c's packer on"
  echo "both sides."
  echo "<!-- wire:end -->"
)
if [ -f "$RESULTS" ] && grep -q '^<!-- wire:begin' "$RESULTS"; then
  awk -v sec="$section" '
    /^<!-- wire:begin/ { print sec; skip = 1; next }
    /^<!-- wire:end/ { skip = 0; next }
    !skip { print }' "$RESULTS" > "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
else
  { [ -f "$RESULTS" ] && echo; echo "$section"; } >> "$RESULTS"
fi
echo "wrote $RESULTS"
