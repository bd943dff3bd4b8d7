#!/usr/bin/env bash
# check-run: end-to-end programs (STYLE.md B12).  For every
# tests/run/<name>/main.actor this builds the program with
#     $ACTORC build main.actor -o <tmp>/<name>
# runs it (with `args` as arguments and `stdin` as input when present) and
# compares stdout with expected.stdout and the exit code with expected-exit
# (default 0); `env` holds VAR=value words for the run, expected.stderr-run
# the program's exact stderr; skip-asan / skip-tsan (first line: why) leave
# a program out of that sanitizer run (RUN_VARIANT).  A test with expected.stderr instead is a build-time
# diagnostic test: the build must exit with expected-exit (default 1) and
# print exactly expected.stderr (--diag-format=plain --color=never).
# Every program's emitted C is also compiled with gcc and clang at -Wall
# -Wextra -Werror (-fsyntax-only).
# Usage: run_runner.sh [names...]   (ACTORC overrides the compiler;
# RUN_ROOT=examples runs examples/<name>/ instead of tests/run/<name>/, which
# is how check-examples uses it; RUN_BUILD_FLAGS adds build options, e.g.
# --gpu=emulate for check-ring)
set -uo pipefail
cd "$(dirname "$0")/../.."
ACTORC=${ACTORC:-build/actorc}
export LC_ALL=C NO_COLOR=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a private copy: a concurrent `make` may relink the compiler mid-run
cp "$ACTORC" "$tmp/actorc" || exit 1
ACTORC=$tmp/actorc
RUN_ROOT=${RUN_ROOT:-tests/run}
pass=0
fail=0
if [ $# -gt 0 ]; then names=("$@"); else
  mapfile -t names < <(find "$RUN_ROOT" -mindepth 2 -maxdepth 2 -name main.actor | sort | xargs -n1 dirname | xargs -n1 basename)
fi
for n in "${names[@]}"; do
  d=$RUN_ROOT/$n
  # skip-<variant> (RUN_VARIANT=asan|tsan) names a known problem elsewhere
  if [ -n "${RUN_VARIANT:-}" ] && [ -f "$d/skip-$RUN_VARIANT" ]; then
    echo "skip $n under $RUN_VARIANT: $(head -1 "$d/skip-$RUN_VARIANT")"
    continue
  fi
  want_exit=0
  [ -f "$d/expected-exit" ] && want_exit=$(cat "$d/expected-exit")
  if [ -f "$d/expected.stderr" ]; then
    [ -f "$d/expected-exit" ] || want_exit=1
    (cd "$d" && timeout 60 "$ACTORC" build --diag-format=plain --color=never main.actor -o "$tmp/$n") > "$tmp/$n.err" 2>&1
    rc=$?
    if [ $rc -eq "$want_exit" ] && diff -u "$d/expected.stderr" "$tmp/$n.err" > "$tmp/$n.diff"; then
      echo "ok   $n"; pass=$((pass + 1))
    else
      echo "FAIL $n (build exit $rc, want $want_exit)"; sed 's/^/    /' "$tmp/$n.diff" | head -20
      fail=$((fail + 1))
    fi
    continue
  fi
  # shellcheck disable=SC2086 # RUN_BUILD_FLAGS is a word list
  if ! timeout 120 "$ACTORC" build ${RUN_BUILD_FLAGS:-} "$d/main.actor" -o "$tmp/$n" > "$tmp/$n.build" 2>&1; then
    echo "FAIL $n (build)"; sed 's/^/    /' "$tmp/$n.build" | head -20
    fail=$((fail + 1)); continue
  fi
  # the emitted C must be warning-free with gcc and clang (-Wall -Wextra)
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
  envs=()
  [ -f "$d/env" ] && read -r -a envs < "$d/env"
  env "${envs[@]}" timeout 60 "$tmp/$n" "${args[@]}" < "$input" > "$tmp/$n.out" 2> "$tmp/$n.stderr"
  rc=$?
  if [ $rc -ne "$want_exit" ]; then
    echo "FAIL $n (exit $rc, want $want_exit)"; sed 's/^/    /' "$tmp/$n.stderr" | head -10
    fail=$((fail + 1)); continue
  fi
  if [ -f "$d/expected.stdout" ] && ! diff -u "$d/expected.stdout" "$tmp/$n.out" > "$tmp/$n.diff"; then
    echo "FAIL $n (stdout)"; sed 's/^/    /' "$tmp/$n.diff" | head -20
    fail=$((fail + 1)); continue
  fi
  if [ -f "$d/expected.stderr-run" ] && ! diff -u "$d/expected.stderr-run" "$tmp/$n.stderr" > "$tmp/$n.diff"; then
    echo "FAIL $n (stderr)"; sed 's/^/    /' "$tmp/$n.diff" | head -20
    fail=$((fail + 1)); continue
  fi
  echo "ok   $n"; pass=$((pass + 1))
done
# `actorc run`: builds into the cache once, reuses it, passes arguments.
# Reuse is judged by the cache entry's name and inode: a rebuild renames a
# fresh file into place (new inode) or adds a second entry.
if [ $# -eq 0 ] && [ "$RUN_ROOT" = tests/run ]; then
  cache=$tmp/cache
  listing() { find "$cache/actorc" -type f -printf '%i %p\n' 2>/dev/null | sort; }
  r1=$(XDG_CACHE_HOME=$cache timeout 120 "$ACTORC" run tests/run/ok_numbers/main.actor -- a b 2>&1)
  l1=$(listing)
  r2=$(XDG_CACHE_HOME=$cache timeout 120 "$ACTORC" run tests/run/ok_numbers/main.actor -- a b 2>&1)
  l2=$(listing)
  n1=$(printf '%s' "$l1" | grep -c . || true)
  if [ "$n1" -eq 1 ] && [ "$l1" = "$l2" ] && [ "$r1" = "$r2" ] &&
     printf '%s\n' "$r1" | grep -qx 'first argument: a'; then
    echo "ok   actorc run (cached, arguments passed)"; pass=$((pass + 1))
  else
    echo "FAIL actorc run (cache entries $n1; outputs equal: $([ "$r1" = "$r2" ] && echo yes || echo no))"
    echo "    cache after run 1: $l1"
    echo "    cache after run 2: $l2"
    printf '%s\n' "$r1" | tail -5 | sed 's/^/    /'
    fail=$((fail + 1))
  fi
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
