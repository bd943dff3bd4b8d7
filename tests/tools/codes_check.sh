#!/usr/bin/env bash
# check-codes: every error code is documented and tested (STYLE.md B6).
#
# The codes are the union of
#   - "E0xxx"/"W0xxx" string literals in compiler/*.c, compiler/*.def,
#     codegen/*.c and grammar/* (what the compiler can emit),
#   - compiler/errors/<code>.md (what `actorc explain` documents),
#   - `//~ <code>` annotations in tests/diag (what the goldens expect).
# One test per code; it fails when the code
#   - is emitted but has no .md, or no tests/diag case annotated with it;
#   - has an .md but no test, or an .md whose code the compiler never emits
#     (unless the .md has a heading with "retired" or a "Status: retired" line);
#   - is expected by a test but never emitted by the compiler;
#   - has an .md lacking a failing-example heading ("Failing example" or "Erroneous example")
#     or a fixed-example heading ("Fixed example"): headings are lines
#     starting with `#`;
#   - is not printed by `$ACTORC explain <code>` (exit 0, non-empty).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/tools/lib.sh
export LC_ALL=C

emitted=$(cat compiler/*.c compiler/*.def codegen/*.c grammar/*.y grammar/*.re 2>/dev/null |
          grep -oE '"[EW]0[0-9]{3}"' | tr -d '"' | sort -u)
documented=$(ls compiler/errors/ 2>/dev/null | grep -oE '^[EW][0-9]{4}\.md$' | sed 's/\.md$//' | sort -u)
tested=$(grep -rahoE '//~[?^]*[[:space:]]*[EW][0-9]{4}' tests/diag --include='*.actor' 2>/dev/null |
         grep -oE '[EW][0-9]{4}' | sort -u)
all=$(printf '%s\n%s\n%s\n' "$emitted" "$documented" "$tested" | grep -v '^$' | sort -u)

in_list() { grep -qx -- "$1" <<<"$2"; }

if [ -z "$all" ]; then
  t_fail "codes" "no error code found in compiler/, compiler/errors/ or tests/diag/"
  t_report
  exit 1
fi

for code in $all; do
  problems=()
  retired=0
  md=compiler/errors/$code.md
  is_emitted=0; in_list "$code" "$emitted" && is_emitted=1
  is_tested=0; in_list "$code" "$tested" && is_tested=1
  if [ -f "$md" ]; then
    retired=0; grep -qiE '^(#+ .*retired|status: *retired)' "$md" && retired=1
    [ "$is_emitted" -eq 0 ] && [ "$retired" -eq 0 ] &&
      problems+=("$md exists but the compiler never emits $code (mark it retired?)")
    grep -qiE '^#+.*(erroneous|failing) example' "$md" ||
      problems+=("$md has no failing-example heading (a line like '## Failing example')")
    grep -qiE '^#+.*fixed example' "$md" ||
      problems+=("$md has no fixed-example heading (a line like '## Fixed example')")
    if [ -x "$ACTORC" ]; then
      text=$("$ACTORC" explain "$code" 2>&1)
      rc=$?
      if [ "$rc" -ne 0 ] || [ -z "$text" ]; then
        problems+=("\`actorc explain $code\` exited $rc with ${#text} bytes of output")
      fi
    else
      problems+=("$ACTORC is not built")
    fi
  elif [ "$is_emitted" -eq 1 ] || [ "$is_tested" -eq 1 ]; then
    problems+=("no $md")
  fi
  if [ "$is_tested" -eq 0 ]; then
    [ "$retired" -eq 1 ] ||
      problems+=("no tests/diag case annotated \`//~ $code\`")
  fi
  if [ "$is_tested" -eq 1 ] && [ "$is_emitted" -eq 0 ]; then
    problems+=("tests/diag expects $code but no compiler source emits it")
  fi
  if [ ${#problems[@]} -eq 0 ]; then t_pass "$code"; else t_fail "$code" "${problems[@]}"; fi
done
t_report
