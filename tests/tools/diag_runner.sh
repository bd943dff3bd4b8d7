#!/usr/bin/env bash
# check-diag / bless: golden diagnostics (STYLE.md B12).
#
# For every tests/diag/**/<name>.actor (files under a `lib/` folder are
# imported helpers, not tests) this runs, from the repository root,
#     $ACTORC check --diag-format=plain --color=never <file>
# (files under tests/diag/backend/ use `build --emit=c` instead of `check`:
# their diagnostics come from the lower and emit-C phases)
# and checks that
#   1. it exits 1 (exit 3 is an internal compiler error: always a failure);
#   2. stdout+stderr equal <name>.stderr byte for byte (diff shown otherwise);
#   3. the inline annotations pin every diagnostic:
#        //~ E0301                 an E0301 is reported on this line
#        //~ E0301: not sendable   ... and its message contains the fragment
#        //~^ E0301                ... on the line above (one ^ per line up)
#        //~? E0901                ... with no line (driver errors)
#      Each annotation must match one diagnostic and each coded diagnostic
#      (error[..] or warning[..]) one annotation, in the test file or in an
#      imported file that carries its own annotations.
# `--bless` rewrites the .stderr files from the current output instead of
# comparing (review the result with `git diff tests/diag`).
# Usage: diag_runner.sh [--bless] [files...]   (ACTORC overrides the binary)
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/tools/lib.sh
export LC_ALL=C

bless=0
if [ "${1:-}" = "--bless" ]; then bless=1; shift; fi
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find tests/diag -name '*.actor' -not -path '*/lib/*' 2>/dev/null | sort)
fi
if [ ! -x "$ACTORC" ]; then
  echo "diag_runner: $ACTORC is not built" >&2
  t_fail "build ($ACTORC missing)"
  t_report
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Annotations of one file as TSV: path, line ("?" for no line), code, fragment.
annotations() {
  awk -v path="$1" '
    index($0, "//~") {
      s = $0
      while ((i = index(s, "//~")) > 0) {
        s = substr(s, i + 3)
        line = NR
        if (substr(s, 1, 1) == "?") { line = "?"; s = substr(s, 2) }
        while (substr(s, 1, 1) == "^") { line--; s = substr(s, 2) }
        ann = s
        j = index(ann, "//~"); if (j > 0) ann = substr(ann, 1, j - 1)
        sub(/^[ \t]+/, "", ann); sub(/[ \t\r]+$/, "", ann)
        if (match(ann, /^[EW][0-9][0-9][0-9][0-9]/) == 0) {
          printf "%s\t%s\tBAD\t%s\n", path, NR, ann
          continue
        }
        code = substr(ann, 1, 5); frag = substr(ann, 6)
        sub(/^:[ \t]*/, "", frag)
        printf "%s\t%s\t%s\t%s\n", path, line, code, frag
      }
    }' "$1"
}

# Coded diagnostics of the compiler output as TSV: path, line, code, message.
# Lines that look like diagnostics but carry no code come out with code NONE.
diagnostics() {
  awk '
    match($0, /^[^ ]+:[0-9]+:[0-9]+: (error|warning)(\[[EW][0-9][0-9][0-9][0-9]\])?: /) {
      head = substr($0, 1, RLENGTH); msg = substr($0, RLENGTH + 1)
      split(head, p, ":"); path = p[1]; line = p[2]
      code = "NONE"
      if (match(head, /\[[EW][0-9][0-9][0-9][0-9]\]/)) code = substr(head, RSTART + 1, 5)
      sub(/^\.\//, "", path)
      printf "%s\t%s\t%s\t%s\n", path, line, code, msg
      next
    }
    match($0, /^([^ ]+: )?(error|warning)(\[[EW][0-9][0-9][0-9][0-9]\])?: /) {
      head = substr($0, 1, RLENGTH); msg = substr($0, RLENGTH + 1)
      code = "NONE"
      if (match(head, /\[[EW][0-9][0-9][0-9][0-9]\]/)) code = substr(head, RSTART + 1, 5)
      printf "-\t?\t%s\t%s\n", code, msg
    }' "$1"
}

# Pairs annotations with diagnostics; prints one problem per line.
match_annotations() {
  awk -F '\t' '
    FNR == NR { n++; ap[n] = $1; al[n] = $2; ac[n] = $3; af[n] = $4; used[n] = 0
                if ($3 == "BAD") print "malformed annotation at " $1 ":" $2 ": //~ " $4
                next }
    {
      path = $1; line = $2; code = $3; msg = $4
      if (code == "NONE") { print "diagnostic without a code: " path ":" line ": " msg; next }
      hit = 0
      for (i = 1; i <= n; i++) {
        if (used[i] || ac[i] != code) continue
        if (al[i] == "?") { if (line != "?") continue }
        else if (ap[i] != path || al[i] != line) continue
        if (af[i] != "" && index(msg, af[i]) == 0) continue
        used[i] = 1; hit = 1; break
      }
      if (!hit) print "unexpected " code " at " path ":" line ": " msg
    }
    END {
      for (i = 1; i <= n; i++)
        if (!used[i] && ac[i] != "BAD")
          print "expected " ac[i] (af[i] != "" ? " (\"" af[i] "\")" : "") \
                " at " ap[i] ":" al[i] ", not reported"
    }' "$1" "$2"
}

for f in "${files[@]}"; do
  name=${f#tests/diag/}
  exp=${f%.actor}.stderr
  out="$tmp/out"
  cmd=(check)
  # lower / emit-C diagnostics (E05xx, E06xx) come from `build` (issue 4);
  # --emit=c writes nothing on error and the C compiler is never run
  case $f in tests/diag/backend/*) cmd=(build --emit=c -o "$tmp/out.c") ;; esac
  "$ACTORC" "${cmd[@]}" --diag-format=plain --color=never "$f" >"$out" 2>&1
  rc=$?
  problems=()
  if [ "$rc" -ne 1 ]; then
    case $rc in
      0) problems+=("exit 0: expected diagnostics and exit 1") ;;
      3) problems+=("exit 3: internal compiler error") ;;
      *) problems+=("exit $rc, expected 1") ;;
    esac
  fi
  if [ "$bless" -eq 1 ]; then
    cp "$out" "$exp"
  elif [ ! -f "$exp" ]; then
    problems+=("missing ${exp} (run \`make bless\` and review it)")
  elif ! cmp -s "$exp" "$out"; then
    problems+=("output differs from ${exp} (- expected, + actual):")
    while IFS= read -r l; do problems+=("$l"); done < <(diff -u "$exp" "$out" | tail -n +3 | head -n 40)
  fi
  # annotations: the test file plus any other file the output points into
  annotations "$f" >"$tmp/ann"
  diagnostics "$out" >"$tmp/diag"
  while IFS= read -r other; do
    [ "$other" = "$f" ] || [ "$other" = "-" ] && continue
    [ -f "$other" ] && annotations "$other" >>"$tmp/ann"
  done < <(cut -f1 "$tmp/diag" | sort -u)
  if [ ! -s "$tmp/ann" ]; then
    problems+=("no //~ annotation in $f")
  fi
  while IFS= read -r l; do problems+=("$l"); done < <(match_annotations "$tmp/ann" "$tmp/diag")
  if [ ${#problems[@]} -eq 0 ]; then
    t_pass "$name"
  else
    t_fail "$name" "${problems[@]}"
  fi
done
[ "$bless" -eq 1 ] && echo "blessed ${#files[@]} file(s); review with: git diff tests/diag"
t_report
