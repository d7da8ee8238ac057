#!/usr/bin/env bash
# Instructions per TCP echo request of one server system, counted with
# valgrind's callgrind: the server's main thread, user space only (system
# calls are not counted; they cost the same for every system that makes the
# same calls). Unlike CPU time, the count is the same run after run whatever
# else the machine does, so it can judge a change of a few percent.
#
#   bench/scripts/echo-instructions.sh [size] [connections] [warm-up requests] [measured requests] [system...]
#   bench/scripts/echo-instructions.sh 1024 1 30000 20000 node-net selector-protocol
#
# Warm-up and measurement are counted in requests, not seconds (the client
# runs in 2 s rounds until enough are done): under valgrind on a busy
# machine a few seconds may be too few requests for the JIT to have
# optimized the server's code, and the count would measure the interpreter.
#
# With one connection every wake-up of the server carries exactly one
# request, so the per-wake-up costs show in full; with 10 the server, slowed
# down by valgrind, finds all 10 ready at each wake-up, so they are spread.
# Needs `npm run build` in bench/ and valgrind; builds the C client if absent.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
size="${1:-1024}"; conns="${2:-1}"; warm="${3:-30000}"; meas="${4:-20000}"
shift $(( $# < 4 ? $# : 4 ))
systems=("$@")
[ ${#systems[@]} -gt 0 ] || systems=(node-net selector-protocol selector-buffered selector-streams)
client="$here/build/echo-client"
if [ ! -x "$client" ]; then mkdir -p "$here/build"; "${CC:-cc}" -O2 -o "$client" "$here/c/echo-client.c"; fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for sys in "${systems[@]}"; do
  coproc SRV { exec valgrind --tool=callgrind --separate-threads=yes --dump-instr=no \
    --callgrind-out-file="$out/cg.%p" node --expose-gc "$here/dist/tcp-echo-server.js" "$sys" 2>"$out/valgrind.log"; }
  read -r line <&"${SRV[0]}"
  case "$line" in ready*) ;; *) echo "$sys: $line"; echo quit >&"${SRV[1]}"; wait "$SRV_PID" || true; continue ;; esac
  port="${line#ready }"
  rounds() { # rounds N: runs the client in 2 s rounds until N requests are done; prints the count
    local done=0 n
    while [ "$done" -lt "$1" ]; do
      n="$("$client" pingpong 127.0.0.1 "$port" "$conns" "$size" 0 2 | grep -o '"requests":[0-9]*' | cut -d: -f2)"
      done=$(( done + ${n:-0} ))
    done
    echo "$done"
  }
  rounds "$warm" >/dev/null
  callgrind_control -z "$SRV_PID" >/dev/null 2>&1
  requests="$(rounds "$meas")"
  callgrind_control -d "$SRV_PID" >/dev/null 2>&1
  # The dump just asked for is part 1 of the main thread (thread 1).
  for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$out/cg.$SRV_PID.1-01" ] && break; sleep 0.5; done
  ir="$(grep -m1 '^summary:' "$out/cg.$SRV_PID.1-01" | awk '{print $2}')"
  echo quit >&"${SRV[1]}"; wait "$SRV_PID" 2>/dev/null || true
  rm -f "$out"/cg.*
  printf '%-20s size %6d  conns %3d  requests %8d  instructions/request %8d\n' "$sys" "$size" "$conns" "$requests" $(( ir / (requests > 0 ? requests : 1) ))
done
