#!/usr/bin/env bash
# check-ok: positive programs.  Every tests/ok/*.actor (files under
# tests/ok/lib/ are imported helpers) and every examples/*.actor must pass
# `$ACTORC check` with exit 0 and print nothing.  These programs use every
# construct of the language and become the C backend's run tests later.
# With OK_DUMP=1 each file is also dumped after every front-end phase
# (--dump-after=parse|resolve|types|own must exit 0), which exercises the
# AST printer; check-asan-compiler uses that.
# Usage: ok_runner.sh [files...]   (ACTORC overrides the binary)
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/tools/lib.sh

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <( (find tests/ok -maxdepth 1 -name '*.actor'; \
                         find examples -maxdepth 1 -name '*.actor') 2>/dev/null | sort)
fi
if [ ! -x "$ACTORC" ]; then
  echo "ok_runner: $ACTORC is not built" >&2
  t_fail "build ($ACTORC missing)"
  t_report
  exit 1
fi

for f in "${files[@]}"; do
  out=$("$ACTORC" check "$f" 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ] && [ -z "$out" ] && [ "${OK_DUMP:-0}" = 1 ]; then
    for phase in parse resolve types own; do
      "$ACTORC" check --dump-after=$phase "$f" >/dev/null 2>"${TMPDIR:-/tmp}/ok_dump.$$"
      rc=$?
      if [ "$rc" -ne 0 ]; then
        out="--dump-after=$phase failed: $(head -n 20 "${TMPDIR:-/tmp}/ok_dump.$$")"
        break
      fi
    done
    rm -f "${TMPDIR:-/tmp}/ok_dump.$$"
  fi
  if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
    t_pass "$f"
  else
    mapfile -t lines < <(printf '%s\n' "$out" | head -n 30)
    t_fail "$f" "exit $rc, expected 0 and no output" "${lines[@]}"
  fi
done
t_report
