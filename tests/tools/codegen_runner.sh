#!/usr/bin/env bash
# check-codegen: golden emitted C (STYLE.md B12).  For every
# tests/codegen/<name>.actor, `actorc build --emit=c` must print exactly
# <name>.c, and that C must compile warning-free with gcc and clang
# (-Wall -Wextra -Werror); <name>.lower pins `--dump-after=lower`.
# `--bless` rewrites the goldens (review the diff).
set -uo pipefail
cd "$(dirname "$0")/../.."
ACTORC=${ACTORC:-build/actorc}
export LC_ALL=C
bless=0
[ "${1:-}" = "--bless" ] && bless=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a private copy: a concurrent `make` may relink the compiler mid-run
cp "$ACTORC" "$tmp/actorc" || exit 1
ACTORC=$tmp/actorc
pass=0
fail=0
for f in tests/codegen/*.actor; do
  n=$(basename "$f" .actor)
  gold=tests/codegen/$n.c
  if ! "$ACTORC" build "$f" --emit=c -o "$tmp/$n.c" > "$tmp/$n.err" 2>&1; then
    echo "FAIL $n (build)"; sed 's/^/    /' "$tmp/$n.err" | head; fail=$((fail + 1)); continue
  fi
  if [ $bless -eq 1 ]; then cp "$tmp/$n.c" "$gold"; fi
  if ! diff -u "$gold" "$tmp/$n.c" > "$tmp/$n.diff" 2>&1; then
    echo "FAIL $n (emitted C differs from $gold)"; head -30 "$tmp/$n.diff" | sed 's/^/    /'
    fail=$((fail + 1)); continue
  fi
  # the lowering tables (--dump-after=lower) when a .lower golden exists
  if [ -f "tests/codegen/$n.lower" ] || [ $bless -eq 1 ]; then
    "$ACTORC" build "$f" --dump-after=lower > "$tmp/$n.lower" 2>&1
    [ $bless -eq 1 ] && cp "$tmp/$n.lower" "tests/codegen/$n.lower"
    if ! diff -u "tests/codegen/$n.lower" "$tmp/$n.lower" > "$tmp/$n.ldiff"; then
      echo "FAIL $n (lowering tables differ)"; head -20 "$tmp/$n.ldiff" | sed 's/^/    /'
      fail=$((fail + 1)); continue
    fi
  fi
  ok=1
  for cc in gcc clang; do
    command -v $cc > /dev/null || continue
    if ! $cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic -Werror -fsyntax-only -Iruntime \
         "$tmp/$n.c" > "$tmp/$n.cc" 2>&1; then
      echo "FAIL $n ($cc warnings)"; head -5 "$tmp/$n.cc" | sed 's/^/    /'; ok=0
    fi
  done
  if [ $ok -eq 1 ]; then echo "ok   $n"; pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
