#!/usr/bin/env bash
# Builds the fuzzing seeds afresh in <dir>/seeds from
#   - tests/fuzz/seeds/* (small hand-written seeds, committed),
#   - every .actor file under tests/ok, tests/diag, examples and stdlib,
#   - generated hostile inputs in <dir>/seeds-gen: 10,000-deep nesting of
#     every bracket kind, huge literals, NUL bytes, invalid UTF-8,
#     unterminated strings/comments/interpolations (generated here rather than
#     committed, since some are large or binary).
# Usage: make_corpus.sh <dir>   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:?usage: make_corpus.sh <dir>}
gen=$dir/seeds-gen
corpus=$dir/seeds
rm -rf "$gen" "$corpus"
mkdir -p "$gen" "$corpus"

rep() { # rep STRING COUNT: STRING repeated COUNT times
  local s=$1 n=$2 out=""
  while [ "$n" -gt 0 ]; do
    if [ $((n & 1)) -eq 1 ]; then out+=$s; fi
    s+=$s
    n=$((n >> 1))
  done
  printf '%s' "$out"
}
N=10000
{ printf 'fn main() { let x = '; rep '(' $N; printf '1'; rep ')' $N; printf '; }\n'; } >"$gen/deep_parens.actor"
{ printf 'fn main() { let x = '; rep '[' $N; rep ']' $N; printf '; }\n'; } >"$gen/deep_lists.actor"
{ printf 'fn main() '; rep '{ ' $N; rep '} ' $N; printf '\n'; } >"$gen/deep_blocks.actor"
{ printf 'fn main() { '; rep 'if true { ' $N; rep '} ' $N; printf '}\n'; } >"$gen/deep_ifs.actor"
{ printf 'fn main() { let x = '; rep '-' $N; printf '1; }\n'; } >"$gen/deep_unary.actor"
{ printf 'fn main() { let x = 1'; rep ' + 1' $N; printf '; }\n'; } >"$gen/long_sum.actor"
{ printf 'fn main() { let x: '; rep '[' $N; printf 'i64'; rep ']' $N; printf ' = [];}\n'; } >"$gen/deep_types.actor"
{ printf 'fn main() { let x: i64'; rep '?' $N; printf ' = nil; }\n'; } >"$gen/deep_optional.actor"
{ printf 'fn main() { let s = "'; rep '{"' 2000; printf '"; }\n'; } >"$gen/deep_interp.actor"
{ printf 'fn main() { let x = a'; rep '.b' $N; printf '; }\n'; } >"$gen/long_fields.actor"
{ printf 'fn main() { let x = f'; rep '(' $N; rep ')' $N; printf '; }\n'; } >"$gen/deep_calls.actor"
{ printf 'fn main() { let x = match 1 { '; rep '_ => match 1 { ' 3000; printf '_ => 0'; rep ' } ' 3001; printf '; }\n'; } >"$gen/deep_match.actor"
{ printf 'fn main() { let x = '; rep '9' 5000; printf '; }\n'; } >"$gen/huge_int.actor"
{ printf 'fn main() { let x = 0x'; rep 'f' 200; printf '; let y = 0b'; rep '1' 200; printf '; }\n'; } >"$gen/huge_hex.actor"
{ printf 'fn main() { let x = 1.'; rep '7' 5000; printf 'e99999; }\n'; } >"$gen/huge_float.actor"
{ printf 'fn main() { let d = '; rep '9' 40; printf 'h; }\n'; } >"$gen/huge_duration.actor"
{ printf 'fn main() { let s = "'; rep 'a' 100000; printf '"; }\n'; } >"$gen/huge_string.actor"
{ printf 'fn main() { let '; rep 'x' 100000; printf ' = 1; }\n'; } >"$gen/huge_ident.actor"
printf 'fn main() { let s = "a\0b"; }\n\0\0\0' >"$gen/nul_bytes.actor"
printf '\0' >"$gen/nul_only.actor"
printf 'fn main() { let s = "\xff\xfe\xc0\x80\xed\xa0\x80"; } // \xf8\x88\x80\x80\x80\n' >"$gen/bad_utf8.actor"
printf '\xef\xbb\xbffn main() { }\n' >"$gen/bom.actor"
printf 'fn main() { let s = "unterminated\n' >"$gen/unterminated_str.actor"
printf 'fn main() { } /* unterminated comment\n' >"$gen/unterminated_comment.actor"
printf 'fn main() { let s = "{x"; let t = "{"; let u = "}"; let v = "\\u{110000}\\u{"; }\n' >"$gen/bad_interp.actor"
printf 'fn main() { let s = "\\' >"$gen/trailing_backslash.actor"
printf 'message M { a: i64 = 1' >"$gen/eof_in_decl.actor"
{ for i in $(seq 1 2000); do printf 'import "x%d.actor";\n' "$i"; done; } >"$gen/many_imports.actor"
printf 'import "fuzz.actor";\nimport std.nonexistent;\nimport "../../../../../etc/passwd";\nfn main() { }\n' >"$gen/self_import.actor"

cp tests/fuzz/seeds/* "$corpus"/ 2>/dev/null || true
cp "$gen"/* "$corpus"/
i=0
while IFS= read -r f; do
  i=$((i + 1))
  cp "$f" "$corpus/t${i}_$(basename "$f")"
done < <(find tests/ok tests/diag examples stdlib -name '*.actor' 2>/dev/null | sort)
echo "fuzz seeds: $(ls "$corpus" | wc -l) inputs in $corpus"
