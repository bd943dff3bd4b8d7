#!/usr/bin/env bash
# build-peers.sh — build the bench-peers programs (C, CAF, Go, Erlang) out of
# tree.  ../shared/bench-peers is read-only here, so this replicates its
# build.sh compile commands with the sources read from PEERS_SRC and the
# outputs written to PEERS_OUT (default build/peers).  Never copies sources.
# Idempotent: a target is rebuilt only when its sources are newer.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SRC="${PEERS_SRC:-$(cd "$REPO/../shared/bench-peers" && pwd)}"
OUT="${PEERS_OUT:-$REPO/build/peers}"
BENCHES="pingpong counting threadring fjthrput chameneos big fjcreate"

for t in gcc g++ go erlc; do
  command -v $t >/dev/null || { echo "build-peers.sh: $t missing" >&2; exit 1; }
done
[ -f /usr/include/caf/all.hpp ] || { echo "build-peers.sh: libcaf-dev missing" >&2; exit 1; }

mkdir -p "$OUT/c" "$OUT/caf" "$OUT/go" "$OUT/erlang"
export GOCACHE="${GOCACHE:-$OUT/.gocache}"
export GO111MODULE=off

stale() {
  local out=$1; shift
  [ -e "$out" ] || return 0
  local s
  for s in "$@"; do [ "$s" -nt "$out" ] && return 0; done
  return 1
}

pids=()
for b in $BENCHES; do
  if stale "$OUT/c/$b" "$SRC/$b/c/main.c" "$SRC/common/c/rt.h"; then
    echo "cc    $b"
    gcc -O2 -std=c11 -Wall -Wextra -I"$SRC/common/c" "$SRC/$b/c/main.c" \
      -o "$OUT/c/$b" -pthread
  fi
  if stale "$OUT/go/$b" "$SRC/$b/go/main.go"; then
    echo "go    $b"
    go build -o "$OUT/go/$b" "$SRC/$b/go/main.go"
  fi
  if stale "$OUT/erlang/$b.beam" "$SRC/$b/erlang/$b.erl"; then
    echo "erlc  $b"
    erlc -o "$OUT/erlang" "$SRC/$b/erlang/$b.erl"
  fi
  if stale "$OUT/caf/$b" "$SRC/$b/caf/main.cpp" "$SRC/common/caf/bench.hpp"; then
    echo "c++   $b (CAF)"
    # one CAF compile at a time: 2-core machine shared with other builds
    g++ -O2 -std=c++17 -I"$SRC/common/caf" "$SRC/$b/caf/main.cpp" \
      -o "$OUT/caf/$b" -lcaf_core -pthread
  fi
done
if stale "$OUT/c/limits" "$SRC/common/c/limits.c" "$SRC/common/c/rt.h"; then
  echo "cc    limits"
  gcc -O2 -std=c11 -Wall -Wextra -I"$SRC/common/c" "$SRC/common/c/limits.c" \
    -o "$OUT/c/limits" -pthread
fi
echo "build-peers.sh: all peers built in $OUT"
