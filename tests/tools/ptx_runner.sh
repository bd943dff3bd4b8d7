#!/usr/bin/env bash
# check-ptx: the PTX emitter (codegen/emit_ptx.c, runtime/RING.md section 5).
#
# For every ring program tests/ptx/<name>.actor:
#   - `--emit=ll` gives LLVM IR that `opt-19 -passes=verify` accepts (actorc
#     also runs LLVMVerifyModule on every module it builds);
#   - `--emit=ptx --gpu-arch=sm_80` assembles with `ptxas -arch=sm_80`, and
#     the sm_90 PTX with `ptxas -arch=sm_90` (no ptxas: a `SKIP: ptxas not
#     found` line, nothing counted);
#   - golden checks on the sm_80 PTX: `.visible .entry ag_ring_<Actor>` per
#     ring actor, ld.acquire.sys (terminate, in_head, out_tail),
#     st.release.sys (active, in_tail, out_head, terminated), red .sys
#     (handled, idle_polls), atom.add.release.gpu / ld.acquire.gpu (grid
#     barrier), barrier.sync, nanosleep, fence.acq_rel.sys, and no fma;
#   - `--emit=host-obj` (the --gpu=emulate object) defines
#     ag_ring_<Actor>_host.
# Then the CPU protocol test: tests/ptx/ring_harness.c linked with the
# emulate object of tests/ptx/protocol.actor, 2 million messages from
# producer/consumer threads (PTX_MESSAGES overrides), and the same under
# ThreadSanitizer with the kernel's IR instrumented too (opt-19 + llc-19).
# Last, the command line: --emit=ptx without ring actors, bad --gpu-arch
# and --gpu values are usage errors (exit 2).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/tools/lib.sh
export LC_ALL=C

d=build/ptx
mkdir -p "$d"
if [ ! -x "$ACTORC" ]; then
  t_fail "build ($ACTORC missing)"
  t_report
  exit 1
fi
PTXAS=${PTXAS:-/usr/local/cuda/bin/ptxas}
[ -x "$PTXAS" ] || PTXAS=$(command -v ptxas 2>/dev/null || true)
OPT=$(command -v opt-19 2>/dev/null || true)
LLC=$(command -v llc-19 2>/dev/null || true)
CC=${CC:-cc}
[ -n "$PTXAS" ] || echo "SKIP: ptxas not found (set PTXAS=...): PTX is not assembled"

# golden: at least N lines of file match the fixed string
atleast() { # file n string
  local c
  c=$(grep -cF -- "$3" "$1")
  [ "$c" -ge "$2" ]
}

for f in tests/ptx/*.actor; do
  n=$(basename "$f" .actor)
  actors=$(grep -oE '^ring actor [A-Z][A-Za-z0-9_]*' "$f" | awk '{print $3}')
  # 1. LLVM IR
  if "$ACTORC" build "$f" --emit=ll -o "$d/$n.ll" 2>"$d/$n.err"; then
    if [ -n "$OPT" ]; then
      if "$OPT" -passes=verify -disable-output "$d/$n.ll" 2>"$d/$n.verify"; then
        t_pass "$n: --emit=ll verifies (opt-19)"
      else
        t_fail "$n: opt-19 -passes=verify" "$(head -5 "$d/$n.verify")"
      fi
    else
      t_pass "$n: --emit=ll (LLVMVerifyModule inside actorc)"
    fi
  else
    t_fail "$n: --emit=ll" "$(head -5 "$d/$n.err")"
  fi
  # 2. PTX for two targets
  for arch in sm_80 sm_90; do
    p=$d/$n.$arch.ptx
    if ! "$ACTORC" build "$f" --emit=ptx --gpu-arch=$arch -o "$p" 2>"$d/$n.err"; then
      t_fail "$n: --emit=ptx --gpu-arch=$arch" "$(head -5 "$d/$n.err")"
      continue
    fi
    if ! grep -q "^\.target $arch\$" "$p"; then
      t_fail "$n: .target $arch" "$(grep '^\.target' "$p")"
      continue
    fi
    if [ -z "$PTXAS" ]; then
      echo "SKIP: ptxas not found ($n $arch)"
    elif "$PTXAS" -arch=$arch "$p" -o /dev/null 2>"$d/$n.ptxas"; then
      t_pass "$n: ptxas -arch=$arch"
    else
      t_fail "$n: ptxas -arch=$arch" "$(head -5 "$d/$n.ptxas")"
    fi
  done
  # 3. goldens on the sm_80 PTX
  p=$d/$n.sm_80.ptx
  if [ -f "$p" ]; then
    bad=()
    for a in $actors; do
      grep -qF ".visible .entry ag_ring_$a(" "$p" || bad+=("no .visible .entry ag_ring_$a")
    done
    atleast "$p" 3 "ld.acquire.sys.global.u32" || bad+=("ld.acquire.sys: terminate, in_head, out_tail")
    atleast "$p" 4 "st.release.sys.global.u32" || bad+=("st.release.sys: active, in_tail, out_head, terminated")
    atleast "$p" 2 "red.relaxed.sys.global.add.u64" || bad+=("red.relaxed.sys: handled, idle_polls")
    atleast "$p" 1 "atom.add.release.gpu.global.u64" || bad+=("grid barrier: atom.add.release.gpu")
    atleast "$p" 1 "ld.acquire.gpu.global.u64" || bad+=("grid barrier: ld.acquire.gpu")
    atleast "$p" 2 "barrier.sync 0" || bad+=("grid barrier: barrier.sync 0")
    atleast "$p" 1 "nanosleep.u32" || bad+=("nanosleep backoff")
    atleast "$p" 1 "fence.acq_rel.sys" || bad+=("fence.acq_rel.sys before out_head")
    ! grep -qE '\bfma\.' "$p" || bad+=("an fma: floating-point contraction")
    ! grep -qE '\.(ftz|approx)\b' "$p" || bad+=("ftz/approx float instructions")
    if [ ${#bad[@]} -eq 0 ]; then t_pass "$n: PTX goldens"; else t_fail "$n: PTX goldens" "${bad[@]}"; fi
  fi
  # 4. the emulate object
  if "$ACTORC" build "$f" --emit=host-obj -o "$d/$n.host.o" 2>"$d/$n.err"; then
    bad=()
    for a in $actors; do
      nm "$d/$n.host.o" | grep -qE " T ag_ring_${a}_host\$" || bad+=("no ag_ring_${a}_host")
    done
    if [ ${#bad[@]} -eq 0 ]; then t_pass "$n: --emit=host-obj"; else t_fail "$n: --emit=host-obj" "${bad[@]}"; fi
  else
    t_fail "$n: --emit=host-obj" "$(head -5 "$d/$n.err")"
  fi
done

# ---- specific goldens
p=$d/saxpy.sm_80.ptx
if grep -qF "mul.rn.f32" "$p" && grep -qF "add.rn.f32" "$p"; then
  t_pass "saxpy: mul.rn.f32 + add.rn.f32 (ptxas may not fuse them)"
else
  t_fail "saxpy: mul.rn/add.rn" "$(grep -E 'mul|add' "$p" | grep f32 | head -3)"
fi
p=$d/divfault.sm_80.ptx
if grep -qE 'atom\.global\.cas\.b32.*, 0, 1;' "$p"; then
  t_pass "divfault: fault code 1 by CAS"
else
  t_fail "divfault: atom.global.cas ... 0, 1"
fi
p=$d/protocol.sm_80.ptx
if grep -qE 'atom\.global\.cas\.b32.*, 0, 2;' "$p"; then
  t_pass "protocol: fault code 2 by CAS"
else
  t_fail "protocol: atom.global.cas ... 0, 2"
fi

# ---- the ring protocol on the CPU
msgs=${PTX_MESSAGES:-2000000}
if "$CC" -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -pthread tests/ptx/ring_harness.c \
     "$d/protocol.host.o" -o "$d/ring_harness" 2>"$d/harness.err"; then
  if out=$(timeout 300 "$d/ring_harness" "$msgs" 2>&1); then
    t_pass "ring protocol, emulate kernel: $(echo "$out" | tail -1)"
  else
    t_fail "ring protocol, emulate kernel" "$(echo "$out" | tail -12)"
  fi
else
  t_fail "ring harness build" "$(head -5 "$d/harness.err")"
fi
if [ -n "$OPT" ] && [ -n "$LLC" ] && echo 'int main(void){return 0;}' |
     "$CC" -fsanitize=thread -x c - -o "$d/tsan_probe" 2>/dev/null; then
  tmsgs=${PTX_TSAN_MESSAGES:-300000}
  if "$ACTORC" build tests/ptx/protocol.actor --emit=host-ll -o "$d/protocol.host.ll" &&
     sed -E 's/^(define .*\)) \{$/\1 sanitize_thread {/' "$d/protocol.host.ll" >"$d/protocol.tsan.ll" &&
     "$OPT" -passes='default<O2>,tsan-module,function(tsan)' "$d/protocol.tsan.ll" -o "$d/protocol.tsan.bc" &&
     "$LLC" -O2 -relocation-model=pic -filetype=obj "$d/protocol.tsan.bc" -o "$d/protocol.tsan.o" &&
     "$CC" -std=c11 -D_GNU_SOURCE -DHARNESS_TSAN_MEMCPY -O1 -g -fsanitize=thread -pthread \
       tests/ptx/ring_harness.c "$d/protocol.tsan.o" -o "$d/ring_harness_tsan" 2>"$d/harness.err"; then
    if out=$(TSAN_OPTIONS="halt_on_error=1 exitcode=66" timeout 300 "$d/ring_harness_tsan" "$tmsgs" 2>&1); then
      t_pass "ring protocol under ThreadSanitizer (kernel instrumented): $(echo "$out" | tail -1)"
    else
      t_fail "ring protocol under ThreadSanitizer" "$(echo "$out" | head -30)"
    fi
  else
    t_fail "ring harness TSan build" "$(head -5 "$d/harness.err")"
  fi
else
  echo "SKIP: ThreadSanitizer run (needs opt-19, llc-19 and $CC -fsanitize=thread)"
fi

# ---- command line
cli() { # name want-rc want-fragment args...
  local name=$1 rc=$2 frag=$3
  shift 3
  local out got
  out=$("$ACTORC" "$@" 2>&1 >/dev/null)
  got=$?
  if [ "$got" -eq "$rc" ] && grep -qF -- "$frag" <<<"$out"; then
    t_pass "cli: $name"
  else
    t_fail "cli: $name" "exit $got (want $rc)" "$(head -3 <<<"$out")"
  fi
}
cli "--emit=ptx without a ring actor" 2 "has no \`ring actor\`" build tests/ok/numbers.actor --emit=ptx
cli "--gpu-arch=sm_70" 2 "unsupported GPU architecture" build tests/ptx/saxpy.actor --emit=ptx --gpu-arch=sm_70
cli "--gpu=maybe" 2 "unknown GPU mode" build tests/ptx/saxpy.actor --gpu=maybe
cli "--emit=host-obj without -o" 2 "needs \`-o FILE\`" build tests/ptx/saxpy.actor --emit=host-obj
"$ACTORC" build tests/ptx/saxpy.actor --emit=ptx >"$d/default.ptx" 2>/dev/null
if grep -q '^\.target sm_80$' "$d/default.ptx"; then
  t_pass "cli: --emit=ptx defaults to sm_80 on stdout"
else
  t_fail "cli: default target sm_80"
fi
t_report
