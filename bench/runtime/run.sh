#!/usr/bin/env bash
# run.sh [BENCH...] — libactor's seven benchmarks against the bench-peers
# (C, CAF, Go, Erlang) in one run, alternating systems inside every
# repetition so load drift on the shared machine hits all of them alike.
# Every result is checked; medians, ratios and a verdict per benchmark go to
# stdout and to bench/RESULTS.md (with date, machine and thread count), plus
# the spawn/idle-actor figures from build/bench/spawn1m and the channel
# micro-benchmarks (build/bench/chanactor, build/bench/chanbench).
#
# Environment:
#   REPS=5                 runs per system per benchmark (median reported)
#   PEERS="c caf go erlang"
#   THREADS=<nproc>        worker threads for every system (ACTOR_THREADS,
#                          RT_THREADS, CAF_THREADS, GOMAXPROCS, ERL +S)
#   OURS=build/bench       our binaries;  PEERS_OUT=build/peers  peer binaries
#   RESULTS=bench/RESULTS.md   where the table goes ("-": stdout only)
#   SPAWN_N=1000000        actors for the spawn measurement (0: skip)
#   CHAN_N=200000          elements for the channel micro-bench (0: skip)
#   VERBOSE=1              every run on stderr
# Exit status 1 if any result was wrong or missing.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$REPO"
REPS=${REPS:-5}
PEERS=${PEERS:-"c caf go erlang"}
THREADS=${THREADS:-$(nproc)}
OURS=${OURS:-build/bench}
PEERS_OUT=${PEERS_OUT:-build/peers}
RESULTS=${RESULTS:-bench/RESULTS.md}
SPAWN_N=${SPAWN_N:-1000000}
BENCHES=("$@")
[ ${#BENCHES[@]} -gt 0 ] ||
  BENCHES=(pingpong counting threadring fjthrput chameneos big fjcreate)

export ACTOR_THREADS=$THREADS RT_THREADS=$THREADS CAF_THREADS=$THREADS
export GOMAXPROCS=$THREADS
ERL_S="+S $THREADS"

# same defaults and expected results as ../shared/bench-peers/run.sh
defaults() {
  case "$1" in
    pingpong) echo 3000000 ;;
    counting) echo 10000000 ;;
    threadring) echo 100 8000000 ;;
    fjthrput) echo 60 150000 ;;
    chameneos) echo 100 1500000 ;;
    big) echo 120 40000 ;;
    fjcreate) echo 200000 ;;
    *) echo "unknown benchmark $1" >&2; exit 2 ;;
  esac
}

expected() {
  local b=$1 a1=$2 a2=${3:-0}
  case "$b" in
    pingpong | counting) echo "$a1" ;;
    threadring) echo $((a2 % a1)) ;;
    fjthrput) echo $((a1 * a2 * (a2 - 1) / 2)) ;;
    chameneos) echo $((2 * a2)) ;;
    big) echo $((a1 * a2)) ;;
    fjcreate) echo $((a1 * (a1 - 1) / 2)) ;;
  esac
}

cmd_for() {
  local sys=$1 b=$2
  shift 2
  case "$sys" in
    ours) echo "$OURS/$b $*" ;;
    c) echo "$PEERS_OUT/c/$b $*" ;;
    caf) echo "$PEERS_OUT/caf/$b $*" ;;
    go) echo "$PEERS_OUT/go/$b $*" ;;
    erlang) echo "erl $ERL_S -noshell -pa $PEERS_OUT/erlang -run $b main $*" ;;
  esac
}

median() {
  sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "nan"; exit}
    if (NR%2) printf "%.4f\n", v[(NR+1)/2];
    else printf "%.4f\n", (v[NR/2]+v[NR/2+1])/2}'
}

SYSTEMS="ours $PEERS"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
status=0
declare -A MED RES
rows=()
for b in "${BENCHES[@]}"; do
  read -r -a args <<<"$(defaults "$b")"
  exp=$(expected "$b" "${args[@]}")
  declare -A T=()
  for s in $SYSTEMS; do RES[$b.$s]=""; T[$s]=""; done
  for ((i = 0; i < REPS; i++)); do
    for s in $SYSTEMS; do
      [ "${RES[$b.$s]}" = FAILED ] && continue
      out=$(timeout 120 $(cmd_for "$s" "$b" "${args[@]}") 2>/dev/null | tail -1)
      r=$(sed -n 's/.*result=\([-0-9]*\).*/\1/p' <<<"$out")
      t=$(sed -n 's/.*elapsed=\([0-9.]*\).*/\1/p' <<<"$out")
      [ -n "${VERBOSE:-}" ] && echo "  $b $s run $i: result=$r elapsed=$t" >&2
      if [ -z "$r" ] || [ -z "$t" ]; then RES[$b.$s]=FAILED; continue; fi
      if [ "$r" != "$exp" ]; then RES[$b.$s]="$r!=$exp"; fi
      [ -n "${RES[$b.$s]}" ] || RES[$b.$s]=ok
      T[$s]+="$t "
    done
  done
  for s in $SYSTEMS; do
    MED[$b.$s]=$(tr ' ' '\n' <<<"${T[$s]}" | grep . | median)
    [ "${RES[$b.$s]}" = ok ] || status=1
  done
  unset T
  # ratios: ours / C and ours / the fastest of the non-C peers
  best=""
  bestp=""
  for s in $PEERS; do
    [ "$s" = c ] && continue
    [ "${RES[$b.$s]}" = ok ] || continue
    m=${MED[$b.$s]}
    if [ -z "$best" ] || awk -v a="$m" -v b="$best" 'BEGIN{exit !(a<b)}'; then
      best=$m
      bestp=$s
    fi
  done
  o=${MED[$b.ours]}
  rc=$(awk -v a="$o" -v b="${MED[$b.c]:-nan}" 'BEGIN{ if (b+0>0) printf "%.2f", a/b; else print "n/a" }')
  rb=$(awk -v a="$o" -v b="${best:-0}" 'BEGIN{ if (b+0>0) printf "%.2f", a/b; else print "n/a" }')
  verdict=$(awk -v c="$rc" -v p="$rb" 'BEGIN{
    v = ""; if (c == "n/a" || c > 1.25) v = v "C-target missed ";
    if (p == "n/a" || p >= 1.0) v = v "peer-target missed ";
    if (v == "") v = "both met"; sub(/ +$/, "", v); print v }')
  [ "${RES[$b.ours]}" = ok ] || verdict="WRONG RESULT (${RES[$b.ours]})"
  line="| $b | ${args[*]} |"
  for s in $SYSTEMS; do
    cell=${MED[$b.$s]}
    [ "${RES[$b.$s]}" = ok ] || cell="$cell (${RES[$b.$s]})"
    line+=" $cell |"
  done
  line+=" $rc | $rb ($bestp) | $verdict |"
  rows+=("$line")
  echo "$line"
done

spawn_line=""
if [ "$SPAWN_N" -gt 0 ] && [ -x "$OURS/spawn1m" ]; then
  spawn_line=$(timeout 120 "$OURS/spawn1m" "$SPAWN_N" 2>/dev/null | tail -1)
  echo "$spawn_line"
fi

chan_out=""
if [ "${CHAN_N:-200000}" -gt 0 ] && [ -x "$OURS/chanbench" ]; then
  chan_out=$(timeout 120 "$OURS/chanactor" "${CHAN_N:-200000}" 2>/dev/null;
    timeout 120 "$OURS/chanbench" "${CHAN_N:-200000}" 2>/dev/null)
  echo "$chan_out"
fi

header="| benchmark | args |"
sep="|---|---|"
for s in $SYSTEMS; do header+=" $s (s) |"; sep+="---|"; done
header+=" ours/c | ours/best other | verdict |"
sep+="---|---|---|"

report() {
  echo "# Runtime benchmarks: libactor vs bench-peers"
  echo
  echo "Generated by \`make bench-runtime\` (bench/runtime/run.sh); do not edit by hand."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(uname -srm); $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1); $(nproc) CPUs"
  echo "- load average at start: $LOAD0; at end: $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: compare ratios from this one run, not absolute times)"
  echo "- reference: the peers' own quiet-machine run is ../shared/bench-peers/results/run-all.txt"
  echo "- threads: $THREADS for every system (ACTOR_THREADS, RT_THREADS, CAF_THREADS, GOMAXPROCS, erl +S)"
  echo "- repetitions: $REPS per system, systems alternated inside each repetition; medians of in-program elapsed seconds"
  echo "- targets: ours/c <= 1.25 and ours < fastest of caf/go/erlang"
  echo
  echo "$header"
  echo "$sep"
  printf '%s\n' "${rows[@]}"
  echo
  if [ -n "$spawn_line" ]; then
    echo "Spawn and footprint (\`build/bench/spawn1m $SPAWN_N\`, spawning from inside an actor):"
    echo
    echo "    $spawn_line"
    echo
  fi
  if [ -n "$chan_out" ]; then
    echo "Channels (\`build/bench/chanactor ${CHAN_N:-200000}\`: actors suspending through the scheduler; \`build/bench/chanbench\`: plain threads parking on a futex):"
    echo
    sed 's/^/    /' <<<"$chan_out"
    echo
  fi
  [ $status = 0 ] || echo "**Some results were wrong or missing (see the table).**"
}
if [ "$RESULTS" != - ]; then
  # keep the section other benchmarks own (make bench-wire: wire:begin/end)
  kept=$( [ -f "$RESULTS" ] && sed -n '/^<!-- wire:begin/,/^<!-- wire:end/p' "$RESULTS")
  { report; [ -n "$kept" ] && printf '\n%s\n' "$kept"; } >"$RESULTS"
  echo "wrote $RESULTS"
fi
exit $status
