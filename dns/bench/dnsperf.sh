#!/usr/bin/env bash
# Load benchmark for Pylon's DNS server, side by side with a trivial
# miekg/dns server that answers three A records (the ceiling of the library).
#
#   dns/bench/dnsperf.sh [seconds]      (default 10; needs dnsperf on PATH)
#
# Both servers run from the same binary (dns/bench/cmd/dnsbench) on
# 127.0.0.1 and get the same dnsperf run: 8 clients, 200 queries in flight,
# the three queries of queries.txt (web.service.consul A and SRV,
# v1.web.service.consul A; "web" has 10 instances).
set -euo pipefail
secs=${1:-10}
here=$(cd "$(dirname "$0")" && pwd)
command -v dnsperf >/dev/null || { echo "dnsperf not found (apt-get install dnsperf)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
(cd "$here/../.." && go build -o "$work/dnsbench" ./dns/bench/cmd/dnsbench)

# start MODE: runs dnsbench in MODE (in this shell, so cleanup can stop it).
start() {
  "$work/dnsbench" -mode "$1" >"$work/$1.out" 2>&1 &
  pids+=($!)
}

# port MODE: waits for dnsbench MODE to serve and prints its UDP port.
port() {
  for _ in $(seq 100); do
    if grep -q '^ready' "$work/$1.out"; then
      awk '/^ready/ {n=split($2, a, ":"); print a[n]}' "$work/$1.out"
      return
    fi
    sleep 0.1
  done
  echo "dnsbench -mode $1 did not start" >&2
  cat "$work/$1.out" >&2
  exit 1
}

run() { # run NAME PORT
  dnsperf -s 127.0.0.1 -p "$2" -d "$here/queries.txt" -c 8 -q 200 -l "$secs" >"$work/$1.perf" 2>&1
}

start pylon
start trivial
pylon_port=$(port pylon)
trivial_port=$(port trivial)
run pylon "$pylon_port"
run trivial "$trivial_port"

field() { # field FILE REGEX: the first number after REGEX
  grep -m1 -E "$2" "$1" | sed -E "s/.*$2[^0-9]*([0-9.]+).*/\1/"
}
printf '%-22s %14s %14s\n' "dnsperf -c 8 -q 200 -l $secs" "pylon" "trivial miekg"
for row in "Queries sent:" "Queries completed:" "Queries lost:" "Queries per second:" "Average Latency \(s\):" "Latency StdDev \(s\):"; do
  label=${row//\\/}
  printf '%-22s %14s %14s\n' "$label" "$(field "$work/pylon.perf" "$row")" "$(field "$work/trivial.perf" "$row")"
done
