#!/usr/bin/env bash
# Issue 4 figures, side by side in one run on this machine:
#   dev agent: PUT /v1/kv and GET /v1/kv with hey -c 32, next to a trivial
#   Go server returning the same GET body; an agent with a -data-dir
#   (fsync on): PUT /v1/kv with p99; N blocking watchers on a key, then N
#   on a prefix (one after the other: this machine's hard limit of 20,000
#   open files per process is below 2N + the agent's own): memory per
#   watcher and time for one change to wake them all.
# Needs: hey. Usage: bench/kv.sh [seconds per load run] [watchers per kind]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
watchers=${2:-10000}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/pylon" .
go build -o "$tmp/trivial" ./bench/trivialhttp
go build -o "$tmp/kvwatch" ./bench/kvwatch

ports=(-http-port 18500 -dns-port -1 -grpc-port -1 -server-port 18300 -serf-lan-port 18301 -serf-wan-port 18302)
wait_up() { until curl -sf http://127.0.0.1:18500/v1/status/leader | grep -q :; do sleep 0.05; done; }
run() { # name, hey args...
  local name=$1; shift
  hey -z "${secs}s" -c 32 "$@" > "$tmp/hey.out"
  printf '%-36s %10s req/s   p99 %s\n' "$name" \
    "$(awk '/Requests\/sec/ {print $2}' "$tmp/hey.out")" \
    "$(awk '/99% in/ {print $3 " " $4}' "$tmp/hey.out")"
}
head -c 100 /dev/zero | tr '\0' 'x' > "$tmp/value"

"$tmp/pylon" agent -dev -log-level warn "${ports[@]}" >"$tmp/dev.log" 2>&1 &
dev=$!
wait_up
curl -sf -X PUT --data-binary @"$tmp/value" http://127.0.0.1:18500/v1/kv/bench/key >/dev/null
curl -sf http://127.0.0.1:18500/v1/kv/bench/key > "$tmp/get.json"
"$tmp/trivial" -addr 127.0.0.1:18600 -body "$tmp/get.json" &
sleep 0.3
echo "== dev mode (in-memory Raft)"
run "trivial Go server (same GET body)" http://127.0.0.1:18600/
run "GET /v1/kv/bench/key" http://127.0.0.1:18500/v1/kv/bench/key
run "PUT /v1/kv/bench/key (100 B)" -m PUT -D "$tmp/value" http://127.0.0.1:18500/v1/kv/bench/key
kill "$dev"; wait "$dev" 2>/dev/null || true

echo "== blocking watchers, one connection each, each run on a fresh dev agent"
# Every watcher comes from 127.0.0.1: lift the per-client connection cap
# (Consul's default of 200 would refuse the rest with 429).
for kind in "" -prefix; do
  "$tmp/pylon" agent -dev -log-level warn "${ports[@]}" -hcl 'limits { http_max_conns_per_client = 0 }' >"$tmp/dev.log" 2>&1 &
  dev=$!
  wait_up
  "$tmp/kvwatch" -addr 127.0.0.1:18500 -pid "$dev" -n "$watchers" $kind
  kill "$dev"; wait "$dev" 2>/dev/null || true
done

"$tmp/pylon" agent -server -bootstrap -node bench -data-dir "$tmp/data" -log-level warn "${ports[@]}" \
  -bind 127.0.0.1 -client 127.0.0.1 >"$tmp/disk.log" 2>&1 &
disk=$!
wait_up
curl -sf -X PUT --data-binary @"$tmp/value" http://127.0.0.1:18500/v1/kv/bench/key >/dev/null
echo "== -data-dir (raft-wal, fsync on)"
run "PUT /v1/kv/bench/key (100 B)" -m PUT -D "$tmp/value" http://127.0.0.1:18500/v1/kv/bench/key
kill "$disk"; wait "$disk" 2>/dev/null || true
