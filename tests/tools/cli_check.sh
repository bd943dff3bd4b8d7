#!/usr/bin/env bash
# check-cli: the command-line contract of `actorc` (DESIGN.md "Command line",
# STYLE.md B6): exit codes 0/1/2, colour rules (never on a pipe or with
# NO_COLOR, on a terminal by default, always with --color=always), JSON
# diagnostics one object per line, several errors per run, multiple files,
# --dump-after / --stop-after for the front-end phases, `explain`.
# Fixtures are written to build/cli-tmp/.  ACTORC overrides the binary.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/tools/lib.sh
export LC_ALL=C
unset NO_COLOR

if [ ! -x "$ACTORC" ]; then
  echo "cli_check: $ACTORC is not built" >&2
  t_fail "build ($ACTORC missing)"
  t_report
  exit 1
fi

d=build/cli-tmp
rm -rf "$d"
mkdir -p "$d"
cat >"$d/good.actor" <<'SRC'
message Ping { n: i64; }
message Pong { n: i64; }

actor Echo {
    var seen: i64 = 0;
    on Ping(p) -> Pong {
        seen += 1;
        reply Pong { n: p.n + 1 };
    }
}

fn twice(x: i64) -> i64 { return x * 2; }

fn main() {
    let e = spawn Echo;
    send e, Ping { n: twice(20) };
}
SRC
# three independent name errors: reported together, no cascade
cat >"$d/three.actor" <<'SRC'
fn main() {
    let a: i64 = first_missing;
    let b: i64 = second_missing;
    let c: i64 = third_missing;
}
SRC
# a type error only (clean through parse and resolve)
cat >"$d/typeerr.actor" <<'SRC'
fn main() {
    let a: i64 = "not a number";
}
SRC
# syntax errors in two separate functions: the parser recovers
cat >"$d/syntax2.actor" <<'SRC'
fn f() {
    let = 1;
}
fn g() {
    let y = (2 + ;
}
fn main() { }
SRC

has_esc() { grep -q $'\033\[' "$1"; }
run() { # run OUTFILE CMD... ; sets rc
  local out=$1; shift
  "$@" >"$out" 2>&1
  rc=$?
}
expect_rc() { # NAME WANT OUTFILE
  if [ "$rc" -eq "$2" ]; then t_pass "$1"; else
    mapfile -t l < <(head -n 8 "$3"); t_fail "$1" "exit $rc, expected $2" "${l[@]}"; fi
}

# ---- exit codes
run $d/o "$ACTORC" check "$d/good.actor"
if [ "$rc" -eq 0 ] && [ ! -s $d/o ]; then t_pass "clean file: exit 0, silent"
else t_fail "clean file: exit 0, silent" "exit $rc" "$(head -n 5 $d/o)"; fi
run $d/o "$ACTORC" check "$d/typeerr.actor";          expect_rc "source error: exit 1" 1 $d/o
run $d/o "$ACTORC";                                   expect_rc "no arguments: exit 2" 2 $d/o
run $d/o "$ACTORC" frobnicate "$d/good.actor";        expect_rc "unknown command: exit 2" 2 $d/o
run $d/o "$ACTORC" check;                             expect_rc "check without files: exit 2" 2 $d/o
run $d/o "$ACTORC" check --no-such-flag "$d/good.actor"; expect_rc "unknown flag: exit 2" 2 $d/o
run $d/o "$ACTORC" check --diag-format=xml "$d/good.actor"; expect_rc "bad --diag-format: exit 2" 2 $d/o
run $d/o "$ACTORC" check --color=sometimes "$d/good.actor"; expect_rc "bad --color: exit 2" 2 $d/o
run $d/o "$ACTORC" check --dump-after=nonsense "$d/good.actor"; expect_rc "bad --dump-after: exit 2" 2 $d/o
run $d/o "$ACTORC" explain E9999;                     expect_rc "explain unknown code: exit 2" 2 $d/o
run $d/o "$ACTORC" explain;                           expect_rc "explain without code: exit 2" 2 $d/o
run $d/o "$ACTORC" --help
if [ "$rc" -eq 0 ] && grep -qi 'usage' $d/o; then t_pass "--help: exit 0, usage text"
else t_fail "--help: exit 0, usage text" "exit $rc"; fi
run $d/o "$ACTORC" check "$d/does-not-exist.actor"
if { [ "$rc" -eq 1 ] || [ "$rc" -eq 2 ]; } && grep -q 'does-not-exist.actor' $d/o; then
  t_pass "missing file: exit 1/2 naming the file"
else t_fail "missing file: exit 1/2 naming the file" "exit $rc" "$(head -n 3 $d/o)"; fi
code=$(ls compiler/errors/ 2>/dev/null | grep -oE '^E[0-9]{4}' | head -n 1)
if [ -n "$code" ]; then
  run $d/o "$ACTORC" explain "$code"
  if [ "$rc" -eq 0 ] && [ "$(wc -l <$d/o)" -ge 3 ]; then t_pass "explain $code: exit 0, text"
  else t_fail "explain $code: exit 0, text" "exit $rc, $(wc -l <$d/o) lines"; fi
else
  t_fail "explain: exit 0, text" "no compiler/errors/*.md to explain"
fi

# ---- colour
run $d/o "$ACTORC" check "$d/typeerr.actor"
if ! has_esc $d/o && grep -q 'error\[E' $d/o; then t_pass "pipe: no colour by default"
else t_fail "pipe: no colour by default" "$(head -n 3 $d/o | cat -v)"; fi
run $d/o "$ACTORC" check --color=always "$d/typeerr.actor"
if has_esc $d/o; then t_pass "--color=always: colour on a pipe"
else t_fail "--color=always: colour on a pipe"; fi
run $d/o "$ACTORC" check --color=never "$d/typeerr.actor"
if ! has_esc $d/o; then t_pass "--color=never: no colour"
else t_fail "--color=never: no colour"; fi
if command -v script >/dev/null 2>&1; then
  # a pseudo-terminal: colour by default, none with NO_COLOR
  script -qec "$ACTORC check $d/typeerr.actor" /dev/null >$d/o 2>&1 </dev/null
  if has_esc $d/o; then t_pass "terminal: colour by default"
  else t_fail "terminal: colour by default" "$(head -n 3 $d/o | cat -v)"; fi
  NO_COLOR=1 script -qec "$ACTORC check $d/typeerr.actor" /dev/null >$d/o 2>&1 </dev/null
  if ! has_esc $d/o && grep -q 'error\[E' $d/o; then t_pass "terminal + NO_COLOR: no colour"
  else t_fail "terminal + NO_COLOR: no colour" "$(head -n 3 $d/o | cat -v)"; fi
else
  t_fail "terminal colour tests" "util-linux \`script\` not found"
fi

# ---- several errors per run, recovery
run $d/o "$ACTORC" check --diag-format=plain "$d/three.actor"
n=$(grep -c 'error\[E' $d/o)
if [ "$rc" -eq 1 ] && [ "$n" -eq 3 ]; then t_pass "three name errors: three diagnostics"
else t_fail "three name errors: three diagnostics" "exit $rc, $n errors" "$(head -n 6 $d/o)"; fi
run $d/o "$ACTORC" check --diag-format=plain "$d/syntax2.actor"
n=$(grep -c 'error\[E' $d/o)
if [ "$rc" -eq 1 ] && [ "$n" -ge 2 ]; then t_pass "syntax errors in two fns: both reported"
else t_fail "syntax errors in two fns: both reported" "exit $rc, $n errors" "$(head -n 6 $d/o)"; fi
run $d/o "$ACTORC" check --diag-format=plain "$d/three.actor" "$d/typeerr.actor" "$d/good.actor"
if [ "$rc" -eq 1 ] && grep -q 'three.actor' $d/o && grep -q 'typeerr.actor' $d/o; then
  t_pass "several files: errors of each reported"
else t_fail "several files: errors of each reported" "exit $rc" "$(head -n 6 $d/o)"; fi

run $d/o "$ACTORC" check --diag-format=plain --max-errors=2 "$d/three.actor"
n=$(grep -c 'error\[E' $d/o)
if [ "$rc" -eq 1 ] && [ "$n" -eq 2 ]; then t_pass "--max-errors=2: two of three reported"
else t_fail "--max-errors=2: two of three reported" "exit $rc, $n errors"; fi
run $d/o "$ACTORC" --version
if [ "$rc" -eq 0 ] && [ -s $d/o ]; then t_pass "--version: exit 0, text"
else t_fail "--version: exit 0, text" "exit $rc"; fi

# ---- JSON diagnostics: every line one JSON object, naming the code
# (validated by tests/tools/json_lines.c, built by mk/tests.mk)
JSON_LINES=${JSON_LINES:-build/tools/json_lines}
run $d/o "$ACTORC" check --diag-format=json "$d/three.actor"
n=$("$JSON_LINES" $d/o 2>$d/e)
jrc=$?
if [ "$rc" -eq 1 ] && [ "$jrc" -eq 0 ] && [ "$n" = 3 ] && [ "$(grep -c '"E0201"' $d/o)" -eq 3 ]; then
  t_pass "--diag-format=json: one object per line"
else t_fail "--diag-format=json: one object per line" "exit $rc, $n objects" "$(cat $d/e)" "$(head -n 3 $d/o)"; fi
run $d/o "$ACTORC" check --diag-format=json "$d/good.actor"
if [ "$rc" -eq 0 ] && [ ! -s $d/o ]; then t_pass "--diag-format=json: clean file prints nothing"
else t_fail "--diag-format=json: clean file prints nothing" "exit $rc"; fi

# ---- phase dumps and --stop-after
for p in parse resolve types own; do
  "$ACTORC" check --dump-after=$p "$d/good.actor" >$d/o 2>$d/e
  rc=$?
  if [ "$rc" -eq 0 ] && grep -q 'twice' $d/o && grep -q 'Echo' $d/o; then
    t_pass "--dump-after=$p prints the AST"
  else t_fail "--dump-after=$p prints the AST" "exit $rc, $(wc -l <$d/o) lines" "$(head -n 3 $d/e)"; fi
done
"$ACTORC" check --dump-after=types "$d/good.actor" >$d/o 2>&1
if grep -q 'i64' $d/o; then t_pass "--dump-after=types shows types"
else t_fail "--dump-after=types shows types"; fi
run $d/o "$ACTORC" check --stop-after=resolve "$d/typeerr.actor"
if [ "$rc" -eq 0 ] && [ ! -s $d/o ]; then t_pass "--stop-after=resolve skips the type check"
else t_fail "--stop-after=resolve skips the type check" "exit $rc" "$(head -n 3 $d/o)"; fi
run $d/o "$ACTORC" check --stop-after=types "$d/typeerr.actor"; expect_rc "--stop-after=types still type checks" 1 $d/o

t_report
