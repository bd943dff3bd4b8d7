#!/usr/bin/env bash
# check-schema: golden tests for `actorc schema` (docs/schema.md).
#
#   tests/schema/<case>/          one `schema check` case, run inside the folder:
#     old.actor, new.actor        (or old/ and new/ folders)
#     args                        optional: the arguments (default
#                                 `--against old.actor new.actor`)
#     expected.txt                stdout + stderr, exactly
#     expected-exit               the exit status (0 compatible, 1 breaking, 2 usage)
#     expected.json, expected.github
#                                 optional: the same check with --format=json /
#                                 --format=github (stdout only)
#   tests/schema/export/<name>.actor → <name>.json   `schema export` goldens
#
# `--bless` rewrites every golden from the current output (review the diff).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/tools/lib.sh
export LC_ALL=C
bless=0
[ "${1:-}" = "--bless" ] && bless=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a private copy: a concurrent `make` may relink the compiler mid-run
cp "$ACTORC" "$tmp/actorc" || exit 1
AC=$tmp/actorc
root=$PWD

# compare NAME GOLDEN ACTUAL
compare() {
  if [ $bless -eq 1 ]; then cp "$3" "$2"; fi
  if ! diff -u "$2" "$3" > "$tmp/diff" 2>&1; then
    mapfile -t lines < <(head -20 "$tmp/diff")
    t_fail "$1" "${lines[@]}"
    return 1
  fi
  return 0
}

for dir in tests/schema/*/; do
  dir=${dir%/}
  name=$(basename "$dir")
  [ "$name" = export ] && continue
  args="--against old.actor new.actor"
  [ -f "$dir/args" ] && args=$(cat "$dir/args")
  # shellcheck disable=SC2086
  (cd "$dir" && "$AC" schema check $args > "$tmp/out" 2>&1; echo $? > "$tmp/rc")
  rc=$(cat "$tmp/rc")
  if [ $bless -eq 1 ]; then echo "$rc" > "$dir/expected-exit"; fi
  want=$(cat "$dir/expected-exit" 2>/dev/null || echo missing)
  compare "$name" "$dir/expected.txt" "$tmp/out" || continue
  if [ "$rc" != "$want" ]; then
    t_fail "$name" "exit status $rc, expected $want"
    continue
  fi
  ok=1
  for fmt in json github; do
    [ -f "$dir/expected.$fmt" ] || continue
    # shellcheck disable=SC2086
    (cd "$dir" && "$AC" schema check $args --format=$fmt > "$tmp/out.$fmt" 2> /dev/null; echo $? > "$tmp/rc2")
    compare "$name ($fmt)" "$dir/expected.$fmt" "$tmp/out.$fmt" || { ok=0; break; }
    if [ "$(cat "$tmp/rc2")" != "$want" ]; then
      t_fail "$name ($fmt)" "exit status $(cat "$tmp/rc2"), expected $want"; ok=0; break
    fi
  done
  [ $ok -eq 1 ] && t_pass "$name"
done

for src in tests/schema/export/*.actor; do
  [ -f "$src" ] || continue
  name=export/$(basename "$src" .actor)
  (cd "$(dirname "$src")" && "$AC" schema export "$(basename "$src")" > "$tmp/out" 2>&1; echo $? > "$tmp/rc")
  compare "$name" "${src%.actor}.json" "$tmp/out" || continue
  if [ "$(cat "$tmp/rc")" != 0 ]; then t_fail "$name" "exit status $(cat "$tmp/rc")"; continue; fi
  # the output is JSON (when python3 is around to say so)
  if command -v python3 > /dev/null && ! python3 -m json.tool "$tmp/out" > /dev/null 2>&1; then
    t_fail "$name" "not valid JSON"; continue
  fi
  t_pass "$name"
done

# usage errors of `schema export`
cd "$root"
"$AC" schema export > /dev/null 2>&1; rc=$?
if [ $rc -eq 2 ]; then t_pass "export/usage"; else t_fail "export/usage" "exit $rc, expected 2"; fi
"$AC" schema export tests/schema/front-end-error/new.actor > /dev/null 2>&1; rc=$?
if [ $rc -eq 1 ]; then t_pass "export/front-end-error"; else t_fail "export/front-end-error" "exit $rc, expected 1"; fi

# The README's CI step, run as written (every `run:` but the build, with
# build/actorc meaning the compiler under test) in a scratch git repository:
# a release tag v1.0 with proto/, then a pull-request commit on top.
ci_steps() {
  sed -n '/<!-- schema-ci:begin -->/,/<!-- schema-ci:end -->/p' README.md | awk '
    /^ *- name:/ { skip = ($0 ~ /build actorc/); block = 0; next }
    block && match($0, /^ */) && RLENGTH > ind { if (!skip) print substr($0, ind + 3); next }
    { block = 0 }
    /^ *run: \|$/ { block = 1; match($0, /^ */); ind = RLENGTH; next }
    /^ *run: / { if (!skip) { sub(/^ *run: /, ""); print } }'
}
ci_case() { # NAME NEW-PROTO-TEXT WANT-EXIT WANT-GREP
  local repo=$tmp/ci-$1
  rm -rf "$repo" && mkdir -p "$repo/proto" "$repo/build" || return
  (
    cd "$repo" && ln -s "$AC" build/actorc &&
      git init -q . && printf 'build/\nold/\n' > .gitignore &&
      printf 'message Order {\n    qty: i32;\n    note: str = "";\n}\n' > proto/app.actor &&
      git add -A && git -c user.name=t -c user.email=t@t commit -q -m v1 && git tag v1.0 &&
      printf '%b' "$2" > proto/app.actor &&
      git -c user.name=t -c user.email=t@t commit -q -am pr &&
      bash -e "$tmp/ci.sh"
  ) > "$tmp/ci.out" 2>&1
  local rc=$?
  if [ "$rc" = "$3" ] && grep -q -- "$4" "$tmp/ci.out"; then
    t_pass "readme-ci-step/$1"
  else
    mapfile -t lines < <(cat "$tmp/ci.sh" "$tmp/ci.out" | head -20)
    t_fail "readme-ci-step/$1" "exit $rc, expected $3 and a line matching: $4" "${lines[@]}"
  fi
}
ci_steps > "$tmp/ci.sh"
if ! command -v git > /dev/null; then
  t_fail "readme-ci-step" "git is not installed"
elif ! grep -q 'schema check --against old/proto proto/' "$tmp/ci.sh"; then
  mapfile -t lines < "$tmp/ci.sh"
  t_fail "readme-ci-step" "no schema check step found between the schema-ci markers" "${lines[@]}"
else
  ci_case breaking 'message Order {\n    qty: i32;\n}\n' 1 \
    '^::error file=proto/app.actor,line=1,col=9,title=S0003 field-removed::field `note` of `Order` was removed (old: old/proto/app.actor:3:5)$'
  ci_case compatible 'message Order {\n    qty: i64;\n    note: str = "";\n    due: time? = nil;\n}\n' 0 \
    '^schema check: 0 breaking, 0 warnings, 2 compatible changes$'
fi

t_report
