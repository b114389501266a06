#!/usr/bin/env bash
# Issue 6 figure, side by side in one run on this machine: GET
# /v1/health/service/web?passing (10 instances) on an agent with ACLs off
# and on one with ACLs on (default deny) with a token whose policy is
# service_prefix "" { policy = "read" } (and node_prefix "" read, so that
# both answers are the same 10 instances). Target: ACLs on keep >= 90% of
# the ACLs-off throughput.
# Needs: hey (apt install hey). Usage: bench/acl.sh [seconds per load run]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/pylon" .
mgmt=5f1c3a9e-8b7d-4e2f-a6c1-0d9e8f7a6b5c

mkdir -p "$tmp/conf"
for i in $(seq 1 10); do
  cat > "$tmp/conf/web$i.hcl" <<HCL
service {
  id   = "web$i"
  name = "web"
  port = $((8000 + i))
}
HCL
done

start() { # name, base port, extra args...
  local name=$1 base=$2; shift 2
  "$tmp/pylon" agent -dev -log-level warn -node "$name" -config-dir "$tmp/conf" \
    -http-port "$base" -dns-port -1 -grpc-port -1 -server-port $((base + 1)) \
    -serf-lan-port $((base + 2)) -serf-wan-port $((base + 3)) "$@" >"$tmp/$name.log" 2>&1 &
}
start acl-off 18510
pid_off=$!
start acl-on 18520 -hcl "acl { enabled = true default_policy = \"deny\" tokens { initial_management = \"$mgmt\" } }"
pid_on=$!

ready() { # port, token
  [ "$(curl -s -H "X-Consul-Token: ${2:-}" "http://127.0.0.1:$1/v1/health/service/web?passing" 2>/dev/null |
    grep -o '"ServiceID"' | wc -l)" = 10 ]
}
until ready 18510 && ready 18520 "$mgmt"; do sleep 0.05; done

curl -sf -X PUT -H "X-Consul-Token: $mgmt" http://127.0.0.1:18520/v1/acl/policy \
  -d '{"Name":"read-all","Rules":"service_prefix \"\" { policy = \"read\" }\nnode_prefix \"\" { policy = \"read\" }"}' >/dev/null
token=$(curl -sf -X PUT -H "X-Consul-Token: $mgmt" http://127.0.0.1:18520/v1/acl/token \
  -d '{"Description":"bench","Policies":[{"Name":"read-all"}]}' | sed -n 's/.*"SecretID": *"\([^"]*\)".*/\1/p')
ready 18520 "$token" || { echo "the read-all token does not see the 10 instances" >&2; exit 1; }

cpu() { # pid: user+system CPU time in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat"
}
hz=$(getconf CLK_TCK)
run() { # name, agent pid, hey args...: prints req/s and agent CPU µs per request
  local name=$1 pid=$2; shift 2
  local c0 c1 n rps us
  c0=$(cpu "$pid")
  hey -z "${secs}s" -c 32 "$@" > "$tmp/hey.out"
  c1=$(cpu "$pid")
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/hey.out")
  n=$(awk '/\[200\]/ {print $2}' "$tmp/hey.out")
  us=$(awk -v c=$((c1 - c0)) -v n="$n" -v hz="$hz" 'BEGIN { printf "%.1f", c * 1e6 / hz / n }')
  printf '%-40s %10s req/s   p99 %s   agent CPU %s µs/req\n' "$name" "$rps" \
    "$(awk '/99% in/ {print $3 " " $4}' "$tmp/hey.out")" "$us" >&2
  echo "$rps $us"
}
url='/v1/health/service/web?passing'
# Alternate the two, three rounds, and compare medians. Other load on the
# machine shifts single runs' throughput by more than the difference
# measured, so the agents' CPU time per request is reported too: it is
# what ACLs add, whatever else runs.
offs=() ons=() offcpu=() oncpu=()
for round in 1 2 3; do
  read -r r c < <(run "ACLs off (round $round)" "$pid_off" "http://127.0.0.1:18510$url")
  offs+=("$r") offcpu+=("$c")
  read -r r c < <(run "ACLs on, read-all token (round $round)" "$pid_on" -H "X-Consul-Token: $token" "http://127.0.0.1:18520$url")
  ons+=("$r") oncpu+=("$c")
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
awk -v on="$(median "${ons[@]}")" -v off="$(median "${offs[@]}")" \
  -v oncpu="$(median "${oncpu[@]}")" -v offcpu="$(median "${offcpu[@]}")" 'BEGIN {
  printf "median req/s: off %.0f, on %.0f; on / off = %.1f%%\n", off, on, 100 * on / off
  printf "median agent CPU per request: off %.1f µs, on %.1f µs; throughput at equal CPU on / off = %.1f%%\n", offcpu, oncpu, 100 * offcpu / oncpu
}'
