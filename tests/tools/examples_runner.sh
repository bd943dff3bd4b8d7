#!/usr/bin/env bash
# check-examples: every examples/<name>/main.actor is built with `actorc
# build`, run (with `args` as arguments and `stdin` as input when present)
# and its stdout compared with expected.stdout, its exit status with
# expected-exit (default 0).  The same file layout as tests/run (see
# tests/run/README.md), without the diagnostic and sanitizer variants; the
# emitted C is also compiled with gcc and clang at -Wall -Wextra -Werror.
# Usage: examples_runner.sh [names...]   (ACTORC overrides the compiler)
set -uo pipefail
cd "$(dirname "$0")/../.."
ACTORC=${ACTORC:-build/actorc}
export LC_ALL=C NO_COLOR=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a private copy: a concurrent `make` may relink the compiler mid-run
cp "$ACTORC" "$tmp/actorc" || exit 1
ACTORC=$tmp/actorc
pass=0
fail=0
if [ $# -gt 0 ]; then names=("$@"); else
  mapfile -t names < <(find examples -mindepth 2 -maxdepth 2 -name main.actor | sort | xargs -n1 dirname | xargs -n1 basename)
fi
for n in "${names[@]}"; do
  d=examples/$n
  want_exit=0
  [ -f "$d/expected-exit" ] && want_exit=$(cat "$d/expected-exit")
  if ! timeout 120 "$ACTORC" build "$d/main.actor" -o "$tmp/$n" > "$tmp/$n.build" 2>&1; then
    echo "FAIL $n (build)"; sed 's/^/    /' "$tmp/$n.build" | head -20
    fail=$((fail + 1)); continue
  fi
  # the emitted C must be warning-free with gcc and clang (as in check-run)
  if "$ACTORC" build "$d/main.actor" --emit=c -o "$tmp/$n.c" 2> /dev/null; then
    for cc in gcc clang; do
      command -v $cc > /dev/null || continue
      if ! $cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic -Werror -fsyntax-only \
           -Iruntime "$tmp/$n.c" > "$tmp/$n.cc" 2>&1; then
        echo "FAIL $n (emitted C not warning-free with $cc)"; head -5 "$tmp/$n.cc" | sed 's/^/    /'
        fail=$((fail + 1)); continue 2
      fi
    done
  fi
  args=()
  [ -f "$d/args" ] && read -r -a args < "$d/args"
  input=/dev/null
  [ -f "$d/stdin" ] && input=$d/stdin
  timeout 60 "$tmp/$n" "${args[@]}" < "$input" > "$tmp/$n.out" 2> "$tmp/$n.stderr"
  rc=$?
  if [ $rc -ne "$want_exit" ]; then
    echo "FAIL $n (exit $rc, want $want_exit)"; sed 's/^/    /' "$tmp/$n.stderr" | head -10
    fail=$((fail + 1)); continue
  fi
  if ! diff -u "$d/expected.stdout" "$tmp/$n.out" > "$tmp/$n.diff"; then
    echo "FAIL $n (stdout)"; sed 's/^/    /' "$tmp/$n.diff" | head -20
    fail=$((fail + 1)); continue
  fi
  echo "ok   $n"; pass=$((pass + 1))
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
