#!/usr/bin/env bash
# Issue 3 figures against the real agent: dnsperf -c 8 -q 200 on the
# queries of dns/bench/queries.txt (web.service.consul A and SRV,
# v1.web.service.consul A) with 10 passing instances of web registered from
# config files on a -dev agent, side by side in one run with a trivial
# miekg/dns server answering three A records.
# Needs: dnsperf. Usage: bench/dns.sh [seconds per run]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v dnsperf >/dev/null || { echo "dnsperf not found (apt-get install dnsperf)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/pylon" .
go build -o "$tmp/dnsbench" ./dns/bench/cmd/dnsbench
go build -o "$tmp/trivialhttp" ./bench/trivialhttp

"$tmp/trivialhttp" -addr 127.0.0.1:18611 -body /dev/null &
mkdir -p "$tmp/conf"
for i in $(seq 1 10); do
  cat > "$tmp/conf/web$i.hcl" <<HCL
service {
  id      = "web$i"
  name    = "web"
  address = "127.0.0.$((10 + i))"
  port    = $((8000 + i))
  tags    = ["v1"]
  check {
    tcp      = "127.0.0.1:18611"
    interval = "10s"
  }
}
HCL
done
sleep 0.3
"$tmp/pylon" agent -dev -log-level warn -config-dir "$tmp/conf" -http-port 18510 -dns-port 18610 \
  -grpc-port -1 -server-port 18310 >"$tmp/agent.log" 2>&1 &
until [ "$(curl -s 'http://127.0.0.1:18510/v1/health/service/web?passing' 2>/dev/null | grep -o '"ServiceID"' | wc -l)" = 10 ]; do
  sleep 0.01
done
"$tmp/dnsbench" -mode trivial >"$tmp/trivial.out" 2>&1 &
for _ in $(seq 100); do grep -q '^ready' "$tmp/trivial.out" && break; sleep 0.1; done
trivial_port=$(awk '/^ready/ {n=split($2, a, ":"); print a[n]}' "$tmp/trivial.out")

run() { # NAME PORT
  dnsperf -s 127.0.0.1 -p "$2" -d dns/bench/queries.txt -c 8 -q 200 -l "$secs" >"$tmp/$1.perf" 2>&1
}
run pylon 18610
run trivial "$trivial_port"
field() { grep -m1 -E "$2" "$1" | sed -E "s/.*$2[^0-9]*([0-9.]+).*/\1/"; }
printf '%-22s %14s %14s\n' "dnsperf -c 8 -q 200 -l $secs" "pylon agent" "trivial miekg"
for row in "Queries completed:" "Queries lost:" "Queries per second:" "Average Latency \(s\):"; do
  printf '%-22s %14s %14s\n' "${row//\\/}" "$(field "$tmp/pylon.perf" "$row")" "$(field "$tmp/trivial.perf" "$row")"
done
echo "agent RSS after the run: $(( $(ps -o rss= -p "$(pgrep -f "$tmp/pylon agent")") / 1024 )) MB"
