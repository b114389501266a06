#!/usr/bin/env bash
# Issue 2 figures, side by side in one run on this machine:
#   GET /v1/health/service/web?passing (10 instances) vs a trivial Go server
#   returning the same body; PUT /v1/catalog/register; agent start to all
#   10 instances passing; idle RSS; binary size.
# Needs: hey (apt install hey). Usage: bench/http.sh [seconds per load run]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/pylon" .
go build -ldflags="-s -w" -o "$tmp/pylon-stripped" .
go build -o "$tmp/trivial" ./bench/trivialhttp

# Ten instances of web, each with a TCP check against a listener that is up.
"$tmp/trivial" -addr 127.0.0.1:18601 -body /dev/null & 
mkdir -p "$tmp/conf"
for i in $(seq 1 10); do
  cat > "$tmp/conf/web$i.hcl" <<HCL
service {
  id   = "web$i"
  name = "web"
  port = $((8000 + i))
  tags = ["v1"]
  check {
    tcp      = "127.0.0.1:18601"
    interval = "10s"
  }
}
HCL
done
sleep 0.3

ports=(-http-port 18500 -dns-port -1 -grpc-port -1 -server-port 18300 -serf-lan-port 18301 -serf-wan-port 18302)
start=$(date +%s%N)
"$tmp/pylon" agent -dev -log-level warn -config-dir "$tmp/conf" "${ports[@]}" >"$tmp/agent.log" 2>&1 &
agent=$!
until [ "$(curl -s 'http://127.0.0.1:18500/v1/health/service/web?passing' 2>/dev/null | grep -o '"ServiceID"' | wc -l)" = 10 ]; do
  sleep 0.005
done
end=$(date +%s%N)
echo "start to 10 passing: $(( (end - start) / 1000000 )) ms"

curl -s 'http://127.0.0.1:18500/v1/health/service/web?passing' > "$tmp/body.json"
echo "health body: $(wc -c < "$tmp/body.json") bytes"
"$tmp/trivial" -addr 127.0.0.1:18600 -body "$tmp/body.json" &
sleep 5
echo "idle RSS: $(( $(ps -o rss= -p $agent) / 1024 )) MB"
echo "binary: $(( $(stat -c %s "$tmp/pylon") / 1048576 )) MB (stripped: $(( $(stat -c %s "$tmp/pylon-stripped") / 1048576 )) MB)"

run() { # name, hey args...
  local name=$1; shift
  hey -z "${secs}s" -c 32 "$@" > "$tmp/hey.out"
  printf '%-34s %10s req/s   p99 %s\n' "$name" \
    "$(awk '/Requests\/sec/ {print $2}' "$tmp/hey.out")" \
    "$(awk '/99% in/ {print $3 " " $4}' "$tmp/hey.out")"
}
run "trivial Go server (same body)" http://127.0.0.1:18600/
run "GET health/service/web?passing" 'http://127.0.0.1:18500/v1/health/service/web?passing'
cat > "$tmp/reg.json" <<JSON
{"Node":"ext1","Address":"10.0.0.1","Service":{"ID":"ext-web","Service":"ext-web","Port":80}}
JSON
run "PUT catalog/register" -m PUT -D "$tmp/reg.json" http://127.0.0.1:18500/v1/catalog/register
