#!/usr/bin/env bash
# check-wire / check-wire-asan (mk/wire.mk): the wire-format suite.
#   1. test_wire (or test_wire_asan): goldens, round trips, interop,
#      malformed input, frames, times — one count per test function
#   2. examples/wire_producer | examples/wire_consumer as a pipeline, output
#      compared with examples/wire_pipeline.expected
#   3. malformed streams fed to the consumer: a clear error, exit 0, no crash
#   3b. examples/wire_server and wire_client over a Unix socket and TCP,
#      and the errors of listen/connect
#   4. (plain variant) the decoder fuzzer for WIRE_FUZZ_TIME seconds from the
#      seed corpus under ASan+UBSan
# Last line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
WB=${WB:-build/wire}
ACTORC=${ACTORC:-build/actorc}
VARIANT=${WIRE_VARIANT:-}
export LC_ALL=C NO_COLOR=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# 1. the C tests
tw=$WB/test_wire${VARIANT:+_$VARIANT}
timeout 300 "$tw" > "$tmp/tw.out" 2> "$tmp/tw.err"
rc=$?
grep -E '^(ok|FAIL) ' "$tmp/tw.out"
last=$(tail -n 1 "$tmp/tw.out")
p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<< "$last")
f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<< "$last")
if [ -z "$p" ]; then p=0; f=1; fi
if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
pass=$((pass + p)); fail=$((fail + f))
if [ "$f" != 0 ]; then tail -n 40 "$tmp/tw.err" | sed 's/^/    /'; fi

# 2. the pipeline example
build() { timeout 120 "$ACTORC" build "$1" -o "$2" > "$tmp/build.log" 2>&1; }
if build examples/wire_producer.actor "$tmp/producer" &&
   build examples/wire_consumer.actor "$tmp/consumer"; then
  timeout 60 "$tmp/producer" 2> "$tmp/prod.err" | timeout 60 "$tmp/consumer" > "$tmp/pipe.out" 2> "$tmp/cons.err"
  st=("${PIPESTATUS[@]}")
  if [ "${st[0]}" = 0 ] && [ "${st[1]}" = 0 ] && diff -u examples/wire_pipeline.expected "$tmp/pipe.out" > "$tmp/pipe.diff" &&
     [ "$(cat "$tmp/prod.err")" = "producer: 6 messages written" ] && [ ! -s "$tmp/cons.err" ]; then
    ok "pipeline wire_producer | wire_consumer"
  else
    bad "pipeline wire_producer | wire_consumer (exit ${st[*]})"
    sed 's/^/    /' "$tmp/pipe.diff" "$tmp/prod.err" "$tmp/cons.err" | head -20
  fi
  # 3. malformed streams: name | input (printf format) | expected stderr
  "$tmp/producer" 2> /dev/null > "$tmp/good.bin"
  head -c 130 "$tmp/good.bin" > "$tmp/cut.bin"   # one frame and a piece of the next
  while IFS='|' read -r name input want_out want_err; do
    if [ "$input" = "@cut" ]; then cat "$tmp/cut.bin"; else printf "$input"; fi > "$tmp/in.bin"
    timeout 30 "$tmp/consumer" < "$tmp/in.bin" > "$tmp/m.out" 2> "$tmp/m.err"
    rc=$?
    want_out=$(printf '%b' "$want_out")
    if [ $rc = 0 ] && [ "$(cat "$tmp/m.out")" = "$want_out" ] && [ "$(cat "$tmp/m.err")" = "$want_err" ]; then
      ok "consumer: $name"
    else
      bad "consumer: $name (exit $rc)"; sed 's/^/    /' "$tmp/m.out" "$tmp/m.err" | head -10
    fi
  done <<'CASES'
empty input||no readings|
not msgpack|\x00\x00\x00\x05hello|no readings|consumer: bad input: cannot decode `Reading`: expected a map, found an integer
truncated frame|\x00\x00\x00\x10\x80|no readings|consumer: bad input: read_msg: truncated frame (1 of 16 bytes)
frame over the limit|\x7f\xff\xff\xff|no readings|consumer: bad input: read_msg: frame of 2147483647 bytes exceeds the limit of 16777216 bytes
truncated header|\x00\x00|no readings|consumer: bad input: read_msg: truncated frame header (2 of 4 bytes)
missing field|\x00\x00\x00\x0a\x81\xa6sensor\xa1x|no readings|consumer: bad input: cannot decode `Reading`: missing required field `seq`
wrong type|\x00\x00\x00\x06\x81\xa3seq\xc3|no readings|consumer: bad input: cannot decode `Reading`: field `seq` of `Reading`: expected an integer, found a bool
good frame then a cut one|@cut|north #1: 20.25 C ["lab", "north"] -\n1 readings, mean 20.25 C|consumer: bad input: read_msg: truncated frame (2 of 120 bytes)
CASES
else
  bad "build the pipeline examples"; sed 's/^/    /' "$tmp/build.log" | head -20
fi

# 3b. the socket examples: wire_server answers wire_client over a Unix socket
# (two connections) and over TCP (a free port the server prints); errors
# of connect/listen reach the program through os_error()
# wait_line FILE PATTERN: until a line of FILE matches (5 s at most)
wait_line() {
  for _ in $(seq 100); do grep -q "$2" "$1" 2> /dev/null && return 0; sleep 0.05; done
  return 1
}
if build examples/wire_server.actor "$tmp/server" && build examples/wire_client.actor "$tmp/client"; then
  sock="unix:$tmp/calc.sock"
  timeout 60 "$tmp/server" "$sock" 2 > "$tmp/srv.out" 2> "$tmp/srv.err" &
  spid=$!
  if wait_line "$tmp/srv.out" '^listening on unix:' &&
     timeout 30 "$tmp/client" "$sock" > "$tmp/cl1.out" 2>&1 &&
     timeout 30 "$tmp/client" "$sock" > "$tmp/cl2.out" 2>&1 && wait $spid &&
     diff -u examples/wire_client.expected "$tmp/cl1.out" &&
     diff -u examples/wire_client.expected "$tmp/cl2.out" &&
     [ "$(tail -n 1 "$tmp/srv.out")" = "served 8 queries on 2 connections" ] && [ ! -s "$tmp/srv.err" ]; then
    ok "sockets: wire_server / wire_client over unix:, 2 connections"
  else
    bad "sockets: wire_server / wire_client over unix:"; kill $spid 2> /dev/null
    sed 's/^/    /' "$tmp/srv.out" "$tmp/srv.err" "$tmp/cl1.out" "$tmp/cl2.out" 2> /dev/null | head -20
  fi
  timeout 60 "$tmp/server" tcp:127.0.0.1:0 1 > "$tmp/srv.out" 2> "$tmp/srv.err" &
  spid=$!
  if wait_line "$tmp/srv.out" '^listening on port [0-9]' &&
     port=$(sed -n 's/^listening on port //p' "$tmp/srv.out") &&
     timeout 30 "$tmp/client" "tcp:127.0.0.1:$port" > "$tmp/cl1.out" 2>&1 && wait $spid &&
     diff -u examples/wire_client.expected "$tmp/cl1.out" &&
     [ "$(tail -n 1 "$tmp/srv.out")" = "served 4 queries on 1 connection" ]; then
    ok "sockets: wire_server / wire_client over tcp: (port 0)"
  else
    bad "sockets: wire_server / wire_client over tcp:"; kill $spid 2> /dev/null
    sed 's/^/    /' "$tmp/srv.out" "$tmp/srv.err" "$tmp/cl1.out" 2> /dev/null | head -20
  fi
  # name | program | address | expected stderr (exit 1)
  touch "$tmp/plain-file"
  while IFS='|' read -r name prog addr want; do
    addr=${addr//@T/$tmp}; want=${want//@T/$tmp}
    timeout 30 "$tmp/$prog" "$addr" > /dev/null 2> "$tmp/e.err"
    rc=$?
    if [ $rc = 1 ] && [ "$(cat "$tmp/e.err")" = "$want" ]; then ok "sockets: $name"
    else bad "sockets: $name (exit $rc)"; sed 's/^/    /' "$tmp/e.err" | head -5; fi
  done <<'CASES'
no server|client|unix:@T/none.sock|client: connect_socket unix:@T/none.sock: No such file or directory
refused|client|tcp:127.0.0.1:1|client: connect_socket tcp:127.0.0.1:1: Connection refused
bad address|server|udp:x|server: listen_socket udp:x: expected an address unix:PATH or tcp:HOST:PORT
not a socket file|server|unix:@T/plain-file|server: listen_socket unix:@T/plain-file: Address already in use
CASES
  [ -f "$tmp/plain-file" ] || bad "sockets: listen_socket removed a regular file"
else
  bad "build the socket examples"; sed 's/^/    /' "$tmp/build.log" | head -20
fi

# 4. the fuzzer (plain variant only: it is an ASan build already)
if [ -z "$VARIANT" ]; then
  if [ -x "$WB/fuzz_wire" ]; then
    mkdir -p "$WB/corpus" "$WB/artifacts"
    t=${WIRE_FUZZ_TIME:-25}
    if timeout $((t + 60)) "$WB/fuzz_wire" -max_len=4096 -timeout=5 -rss_limit_mb=2048 \
         -artifact_prefix="$WB/artifacts/" -print_final_stats=1 -max_total_time="$t" \
         "$WB/corpus" "$WB/seeds" > "$tmp/fuzz.log" 2>&1; then
      runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/fuzz.log")
      ok "fuzz_wire: ${t}s, ${runs:-?} inputs, no crash"
    else
      bad "fuzz_wire (artifacts in $WB/artifacts)"; grep -E 'ERROR|SUMMARY|Test unit' "$tmp/fuzz.log" | head -10 | sed 's/^/    /'
    fi
  else
    bad "fuzz_wire not built"
  fi
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
