#!/usr/bin/env bash
# run.sh — the seven Savina benchmarks written in .actor (bench/savina/*.actor,
# built by build/actorc) side by side with the bench-peers (C, CAF, Go,
# Erlang), alternating systems inside every repetition so load drift on the
# shared machine hits all of them alike.  Every result is checked.
#
#   run.sh [BENCH...]        full run (default: all seven): medians, ratios
#                            ours/each peer, peak RSS, bytes per idle actor;
#                            writes $RESULTS and a chart of the ratios
#   run.sh --check [BENCH...]  each .actor program once with TINY parameters,
#                            result verified; last line "N passed, N failed"
#
# Parameters, expected results and peer command lines are taken from
# bench/runtime/run.sh (the libactor-in-C harness), so both harnesses always
# measure the same thing.
#
# Environment:
#   REPS=5                  runs per system per benchmark (median reported)
#   PEERS="c caf go erlang"
#   THREADS=<nproc>         worker threads for every system
#   SCALING=1               also run ours and c at 1 and 2 threads (SCALE_REPS=3)
#   IDLE_N=1000000          idle actors for the footprint figure (0: skip)
#   OURS=build/savina       our binaries;  PEERS_OUT=build/peers  peer binaries
#   RESULTS=bench/savina/RESULTS.md ("-": stdout only)
#   CHART=bench/savina/ratios.svg
#   TIMEOUT=120             seconds per run
#   SIZE=tiny               the --check parameters instead of the defaults (a
#                           quick test of the harness itself)
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$REPO" || exit 2

# ------------------------------------------------ shared with bench/runtime
# defaults(), expected(), cmd_for() and median() are bench/runtime/run.sh's,
# extracted (that script has no source guard; it runs when sourced).
RT_RUN=bench/runtime/run.sh
# shellcheck disable=SC1090
source <(sed -n -e '/^defaults() {/,/^}/p' -e '/^expected() {/,/^}/p' \
  -e '/^cmd_for() {/,/^}/p' -e '/^median() {/,/^}/p' "$RT_RUN")
for f in defaults expected cmd_for median; do
  declare -F $f >/dev/null || { echo "run.sh: $f() not found in $RT_RUN" >&2; exit 2; }
done

ALL=(pingpong counting threadring fjthrput chameneos big fjcreate)
OURS=${OURS:-build/savina}
PEERS_OUT=${PEERS_OUT:-build/peers}
TIMEOUT=${TIMEOUT:-120}

# tiny parameters for --check (each well under a second)
tiny() {
  case "$1" in
    pingpong) echo 20000 ;;
    counting) echo 100000 ;;
    threadring) echo 17 20011 ;;
    fjthrput) echo 8 5000 ;;
    chameneos) echo 13 20000 ;;
    big) echo 16 2000 ;;
    fjcreate) echo 5000 ;;
  esac
}
# parameters of a full run: the peers' defaults, or tiny ones with SIZE=tiny
params() { if [ "${SIZE:-}" = tiny ]; then tiny "$1"; else defaults "$1"; fi; }

# run_one SYS BENCH ARGS...: sets R (result), E (elapsed), M (peak RSS KiB)
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT
run_one() {
  local cmd
  cmd=$(cmd_for "$@")
  R="" E="" M=""
  local out
  out=$(timeout "$TIMEOUT" /usr/bin/time -f %M -o "$TMPD/rss" $cmd 2>/dev/null | tail -1)
  R=$(sed -n 's/.*result=\([-0-9]*\).*/\1/p' <<<"$out")
  E=$(sed -n 's/.*elapsed=\([0-9.]*\).*/\1/p' <<<"$out")
  M=$(tail -1 "$TMPD/rss" 2>/dev/null | grep -E '^[0-9]+$')
}

if [ "${1:-}" = --check ]; then
  shift
  BENCHES=("$@")
  [ ${#BENCHES[@]} -gt 0 ] || BENCHES=("${ALL[@]}")
  pass=0 failn=0
  for b in "${BENCHES[@]}"; do
    read -r -a args <<<"$(tiny "$b")"
    exp=$(expected "$b" "${args[@]}")
    run_one ours "$b" "${args[@]}"
    if [ -n "$R" ] && [ "$R" = "$exp" ] && [ -n "$E" ]; then
      pass=$((pass + 1)); echo "ok   savina/$b ${args[*]} -> $R (${E}s)"
    else
      failn=$((failn + 1)); echo "FAIL savina/$b ${args[*]}: result='$R' expected $exp elapsed='$E'"
    fi
  done
  echo "$pass passed, $failn failed"
  [ $failn = 0 ]
  exit
fi

REPS=${REPS:-5}
PEERS=${PEERS:-"c caf go erlang"}
THREADS=${THREADS:-$(nproc)}
RESULTS=${RESULTS:-bench/savina/RESULTS.md}
CHART=${CHART:-bench/savina/ratios.svg}
IDLE_N=${IDLE_N:-1000000}
SCALING=${SCALING:-0}
SCALE_REPS=${SCALE_REPS:-3}
BENCHES=("$@")
[ ${#BENCHES[@]} -gt 0 ] || BENCHES=("${ALL[@]}")

set_threads() {
  export ACTOR_THREADS=$1 RT_THREADS=$1 CAF_THREADS=$1 GOMAXPROCS=$1
  ERL_S="+S $1" # read by cmd_for (bench/runtime/run.sh)
  export ERL_S
}
set_threads "$THREADS"

progress() { # a single refreshed line on a terminal, plain lines otherwise
  if [ -t 2 ]; then printf '\r\033[K%s' "$*" >&2; else echo "$*" >&2; fi
}
progress_end() { [ -t 2 ] && printf '\r\033[K' >&2; return 0; }

SYSTEMS="ours $PEERS"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date +%s)
status=0
declare -A MED RES RSS
nb=${#BENCHES[@]}
bi=0
for b in "${BENCHES[@]}"; do
  bi=$((bi + 1))
  read -r -a args <<<"$(params "$b")"
  exp=$(expected "$b" "${args[@]}")
  declare -A T=() MX=()
  for s in $SYSTEMS; do RES[$b.$s]=""; T[$s]=""; MX[$s]=0; done
  for ((i = 1; i <= REPS; i++)); do
    for s in $SYSTEMS; do
      [ "${RES[$b.$s]}" = FAILED ] && continue
      progress "[$bi/$nb] $b ${args[*]}  rep $i/$REPS  $s  ($(($(date +%s) - START))s)"
      run_one "$s" "$b" "${args[@]}"
      if [ -z "$R" ] || [ -z "$E" ]; then RES[$b.$s]=FAILED; continue; fi
      [ "$R" != "$exp" ] && RES[$b.$s]="$R!=$exp"
      [ -n "${RES[$b.$s]}" ] || RES[$b.$s]=ok
      T[$s]+="$E "
      [ -n "$M" ] && [ "$M" -gt "${MX[$s]}" ] && MX[$s]=$M
    done
  done
  for s in $SYSTEMS; do
    MED[$b.$s]=$(tr ' ' '\n' <<<"${T[$s]}" | grep . | median)
    RSS[$b.$s]=$(awk -v k="${MX[$s]}" 'BEGIN{printf "%.1f", k/1024}')
    [ "${RES[$b.$s]}" = ok ] || status=1
  done
  unset T MX
done
progress_end

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a+0>0 && b+0>0) printf "%.2f", a/b; else print "n/a" }'; }

# ------------------------------------------------------------ time table
TAB=$(
  h="| benchmark | args |"; sep="|---|---|"
  for s in $SYSTEMS; do h+=" $s (s) |"; sep+="---:|"; done
  for p in $PEERS; do h+=" ours/$p |"; sep+="---:|"; done
  echo "$h"; echo "$sep"
  for b in "${BENCHES[@]}"; do
    line="| $b | $(params "$b") |"
    for s in $SYSTEMS; do
      cell=${MED[$b.$s]}
      [ "${RES[$b.$s]}" = ok ] || cell="$cell (${RES[$b.$s]})"
      line+=" $cell |"
    done
    for p in $PEERS; do line+=" $(ratio "${MED[$b.ours]}" "${MED[$b.$p]}") |"; done
    echo "$line"
  done
)
echo "$TAB"

RSSTAB=$(
  h="| benchmark |"; sep="|---|"
  for s in $SYSTEMS; do h+=" $s |"; sep+="---:|"; done
  echo "$h"; echo "$sep"
  for b in "${BENCHES[@]}"; do
    line="| $b |"
    for s in $SYSTEMS; do line+=" ${RSS[$b.$s]} |"; done
    echo "$line"
  done
)
echo
echo "peak RSS (MiB, max over the runs):"
echo "$RSSTAB"

# ------------------------------------------------------- idle footprint
IDLE=""
if [ "$IDLE_N" -gt 0 ] && [ -x "$OURS/idle" ]; then
  progress "idle actors: $IDLE_N"
  m0=$( { /usr/bin/time -f %M "$OURS/idle" 0 >/dev/null; } 2>&1 | tail -1)
  m1=$( { /usr/bin/time -f %M "$OURS/idle" "$IDLE_N" >/dev/null; } 2>&1 | tail -1)
  progress_end
  IDLE=$(awk -v a="$m0" -v b="$m1" -v n="$IDLE_N" \
    'BEGIN{printf "idle actors: %d spawned, peak RSS %.1f MiB vs %.1f MiB with none: %.0f bytes per idle actor", n, b/1024, a/1024, (b-a)*1024/n}')
  echo
  echo "$IDLE"
fi

# --------------------------------------------------------------- scaling
SCALE=""
if [ "$SCALING" = 1 ]; then
  SCALE=$(
    echo "| benchmark | ours 1 thread (s) | ours 2 threads (s) | speed-up | c 1 thread (s) | c 2 threads (s) | speed-up |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for b in "${BENCHES[@]}"; do
      read -r -a args <<<"$(params "$b")"
      exp=$(expected "$b" "${args[@]}")
      declare -A S=()
      for ((i = 1; i <= SCALE_REPS; i++)); do
        for th in 1 2; do
          set_threads $th
          for s in ours c; do
            progress "scaling $b  threads=$th  rep $i/$SCALE_REPS  $s"
            run_one "$s" "$b" "${args[@]}"
            [ "$R" = "$exp" ] || E="nan"
            S[$s.$th]+="$E "
          done
        done
      done
      line="| $b |"
      for s in ours c; do
        m1=$(tr ' ' '\n' <<<"${S[$s.1]}" | grep . | median)
        m2=$(tr ' ' '\n' <<<"${S[$s.2]}" | grep . | median)
        line+=" $m1 | $m2 | $(ratio "$m1" "$m2") |"
      done
      echo "$line"
      unset S
    done
  )
  progress_end
  set_threads "$THREADS"
  echo
  echo "scaling (medians of $SCALE_REPS):"
  echo "$SCALE"
fi

# ----------------------------------------------------------------- chart
# ratios ours/peer per benchmark; < 1 means ours is faster
chart_data() {
  for b in "${BENCHES[@]}"; do
    printf '%s' "$b"
    for p in $PEERS; do printf ' %s' "$(ratio "${MED[$b.ours]}" "${MED[$b.$p]}" | sed 's#n/a#0#')"; done
    echo
  done
}

chart_gnuplot() { # horizontal bars from 1 to the ratio, log2 axis, one block per peer
  local dat="$TMPD/ratios.dat" np k plot="" ytics=""
  np=$(wc -w <<<"$PEERS")
  chart_data | awk -v np="$np" -v peers="$PEERS" '
    { nb++; name[nb] = $1; for (j = 1; j <= np; j++) r[nb, j] = $(j + 1) }
    END { split(peers, P, " ")
      for (j = 1; j <= np; j++) {
        printf "# ours / %s\n", P[j]
        for (i = 1; i <= nb; i++) if (r[i, j] > 0)
          printf "%.3f %s\n", (nb - i) * (np + 1) + (np - j + 1), r[i, j]
        printf "\n\n" } }' >"$dat"
  local nb=${#BENCHES[@]} i=0
  for b in "${BENCHES[@]}"; do
    i=$((i + 1))
    ytics+="${ytics:+, }\"$b\" $(((nb - i) * (np + 1) + (np + 1) / 2))"
  done
  k=0
  for p in $PEERS; do
    plot+="${plot:+, }'$dat' index $k using (\$2):1:(\$2<1?\$2:1):(\$2<1?1:\$2):(\$1-0.4):(\$1+0.4) with boxxyerror fs solid 0.85 title 'ours / $p'"
    k=$((k + 1))
  done
  gnuplot <<EOF
set terminal svg size 900,$((100 + 22 * nb * (np + 1))) dynamic font 'sans,12' background '#ffffff'
set output '$CHART'
set title "actorc: time ours / time peer (bars left of the 1.0 line = ours faster; log scale)"
set logscale x 2
set xrange [0.0625:32]
set xtics ("1/16" 0.0625, "1/8" 0.125, "1/4" 0.25, "1/2" 0.5, "1" 1, "2" 2, "4" 4, "8" 8, "16" 16, "32" 32)
set ytics ($ytics) scale 0
set yrange [0:$((nb * (np + 1) + 1))]
set grid xtics
set key outside right top
set arrow from 1, graph 0 to 1, graph 1 nohead lw 2 lc rgb '#000000' front
set arrow from 1.25, graph 0 to 1.25, graph 1 nohead dt 2 lc rgb '#9400d3' front
set label "1.25 (target vs c)" at 1.27, graph 0.99 textcolor rgb '#9400d3' font ',9'
plot $plot
EOF
}

chart_svg() { # hand-written: one horizontal bar per benchmark and peer, log2 axis
  chart_data | awk -v peers="$PEERS" '
    BEGIN { np = split(peers, P, " "); split("#4e79a7 #f28e2b #59a14f #e15759 #b07aa1", C, " ") }
    { nb++; name[nb] = $1; for (j = 1; j <= np; j++) r[nb, j] = $(j + 1) }
    END {
      L = 110; W = 560; bh = 12; gh = np * bh + 14; top = 50
      H = top + nb * gh + 40
      lo = -4; hi = 5                         # log2 range: 1/16 .. 32
      printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">\n", L + W + 150, H
      printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      printf "<text x=\"%d\" y=\"20\" font-size=\"14\">actorc: time ours / time peer (bars left of 1 = ours faster; log scale)</text>\n", 10
      for (t = lo; t <= hi; t++) {
        x = L + (t - lo) / (hi - lo) * W
        printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", x, top - 8, x, H - 30
        lab = t < 0 ? sprintf("1/%d", 2 ^ -t) : sprintf("%d", 2 ^ t)
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, H - 16, lab
      }
      x1 = L + (0 - lo) / (hi - lo) * W
      for (i = 1; i <= nb; i++) {
        y = top + (i - 1) * gh
        printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", L - 6, y + np * bh / 2 + 4, name[i]
        for (j = 1; j <= np; j++) {
          v = r[i, j]; if (v <= 0) continue
          lv = log(v) / log(2); if (lv < lo) lv = lo; if (lv > hi) lv = hi
          xv = L + (lv - lo) / (hi - lo) * W
          xa = xv < x1 ? xv : x1; w = xv < x1 ? x1 - xv : xv - x1
          printf "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", xa, y + (j - 1) * bh, w, bh - 2, C[j]
          printf "<text x=\"%.1f\" y=\"%d\" font-size=\"9\">%s</text>\n", (xv > x1 ? xv + 3 : xv - 26), y + (j - 1) * bh + 9, v
        }
      }
      printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\" stroke-width=\"2\"/>\n", x1, top - 10, x1, H - 28
      for (j = 1; j <= np; j++) {
        printf "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"10\" fill=\"%s\"/>", L + W + 15, top + (j - 1) * 16, C[j]
        printf "<text x=\"%d\" y=\"%d\">ours / %s</text>\n", L + W + 32, top + (j - 1) * 16 + 9, P[j]
      }
      print "</svg>"
    }' >"$CHART"
}

if [ -n "$CHART" ] && [ "$CHART" != - ]; then
  if [ -z "${NO_GNUPLOT:-}" ] && command -v gnuplot >/dev/null && chart_gnuplot 2>"$TMPD/gp.err"; then
    echo "wrote $CHART (gnuplot)"
  else
    chart_svg && echo "wrote $CHART"
  fi
fi

# ---------------------------------------------------------------- report
report() {
  echo "# Savina benchmarks: actorc (.actor) vs C, CAF, Go, Erlang"
  echo
  echo "Generated by \`make bench\` (bench/savina/run.sh); do not edit by hand."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(uname -srm); $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1); $(nproc) CPUs"
  echo "- load average at start: $LOAD0; at end: $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: compare ratios from this one run, not absolute times)"
  echo "- threads: $THREADS for every system (ACTOR_THREADS, RT_THREADS, CAF_THREADS, GOMAXPROCS, erl +S)"
  echo "- repetitions: $REPS per system, systems alternated inside each repetition; medians of the in-program elapsed seconds; wall time of the run $(($(date +%s) - START)) s"
  echo "- programs: bench/savina/*.actor built by build/actorc; peers from ../shared/bench-peers (built by bench/runtime/build-peers.sh); parameters = $([ "${SIZE:-}" = tiny ] && echo "TINY (SIZE=tiny), not comparable" || echo "the peers' defaults")"
  echo "- targets (issue 7): ours/c <= 1.25 and ours < fastest of caf/go/erlang"
  echo
  echo "## Time (median seconds) and ratios"
  echo
  echo "$TAB"
  echo
  [ -n "$CHART" ] && [ "$CHART" != - ] && echo "![ratios ours/peer]($(basename "$CHART"))" && echo
  echo "## Peak RSS (MiB, max over the runs, /usr/bin/time %M)"
  echo
  echo "$RSSTAB"
  echo
  if [ -n "$IDLE" ]; then
    echo "## Idle actors"
    echo
    echo "\`bench/savina/idle.actor\`: $IDLE (target <= 128)."
    echo
  fi
  if [ -n "$SCALE" ]; then
    echo "## Scaling (ACTOR_THREADS / RT_THREADS = 1 and 2, medians of $SCALE_REPS)"
    echo
    echo "$SCALE"
    echo
  fi
  [ $status = 0 ] || echo "**Some results were wrong or missing (see the table).**"
}
if [ "$RESULTS" != - ]; then
  report >"$RESULTS"
  echo "wrote $RESULTS"
fi
exit $status
