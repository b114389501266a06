#!/usr/bin/env bash
# Issue 5 figure "idle server CPU <= 2%": starts three pylon servers as
# processes on loopback (-bootstrap-expect 3, each with its own -data-dir,
# production timings), waits for a leader and for the cluster to settle,
# then reads each server's CPU time (utime + stime, /proc/<pid>/stat) at the
# start and end of a window of idle and prints it as % of one core, with
# the RSS at the end. Nothing is sent to the servers during the window.
# Usage: bench/idle.sh [window seconds, default 30] [settle seconds, default 10]
# Environment: IDLE_PYLON=path uses that binary instead of building one;
# IDLE_ARGS="..." adds agent flags (e.g. -hcl 'performance { raft_multiplier = 2 }').
set -euo pipefail
cd "$(dirname "$0")/.."
window=${1:-30}
settle=${2:-10}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT

pylon=${IDLE_PYLON:-$tmp/pylon}
[[ -n "${IDLE_PYLON:-}" ]] || go build -o "$pylon" .
read -r -a extra <<<"${IDLE_ARGS:-}"

base=19200 # node i: http base+10i, server base+10i+1, serf lan base+10i+2
pids=()
for i in 0 1 2; do
  p=$((base + 10 * i))
  "$pylon" agent -server -bootstrap-expect 3 -node "s$i" -bind 127.0.0.1 -client 127.0.0.1 \
    -data-dir "$tmp/s$i" -log-level warn \
    -http-port "$p" -server-port $((p + 1)) -serf-lan-port $((p + 2)) \
    -serf-wan-port -1 -dns-port -1 -grpc-port -1 \
    -retry-join "127.0.0.1:$((base + 2))" -retry-interval 200ms "${extra[@]}" >"$tmp/s$i.log" 2>&1 &
  pids+=($!)
done

leader() { curl -sf "http://127.0.0.1:$1/v1/status/leader" 2>/dev/null | tr -d '"'; }
deadline=$((SECONDS + 60))
for i in 0 1 2; do
  until [[ "$(leader $((base + 10 * i)))" == *:* ]]; do
    if ((SECONDS > deadline)); then
      echo "no leader within 60s" >&2
      tail -n 20 "$tmp"/s*.log >&2
      exit 1
    fi
    sleep 0.1
  done
done
# One write, so the leader's first barrier and reconcile are behind us.
curl -sf -X PUT -d x "http://127.0.0.1:$base/v1/kv/idle" >/dev/null
sleep "$settle"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
declare -A before
for pid in "${pids[@]}"; do before[$pid]=$(ticks "$pid"); done
start=$(date +%s.%N)
sleep "$window"
end=$(date +%s.%N)

echo "== 3 servers idle for ${window}s after a ${settle}s settle (leader: $(leader $base))"
for i in 0 1 2; do
  pid=${pids[$i]}
  used=$(( $(ticks "$pid") - before[$pid] ))
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  awk -v n="s$i" -v t="$used" -v hz="$hz" -v s="$start" -v e="$end" -v rss="$rss" \
    'BEGIN { printf "%-3s CPU %5.2f%% of one core (%d ticks of 1/%ds in %.1fs)   RSS %d MiB\n", n, 100 * t / hz / (e - s), t, hz, e - s, rss / 1024 }'
done
