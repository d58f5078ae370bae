#!/usr/bin/env bash
# Idle cost of a glob that matches many files: 5,000 logs in one folder match Watcher:Path, 16 are followed
# (MaxLogs), the rest are skipped, nothing is written; the watcher's CPU over 30 s, with name events and without.
# Usage: bench/many-logs/many_logs.sh WATCHER [FILES] [SECONDS]. Prints one line per mode, and machine lines
# "MANY_LOGS <mode> <% of a core>".
set -euo pipefail
watcher=$1 files=${2:-5000} seconds=${3:-30}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir -p "$dir/logs"
for i in $(seq 1 "$files"); do
  printf '10.0.0.1 - - [08/Jan/2020:08:59:14 +0000] "GET / HTTP/1.1" 200 1 "-" "bench"\n' >"$dir/logs/site$i.access.log"
done
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for notifications in true false; do
  port=$(free_port)
  "$watcher" "--Watcher:Paths:0=$dir/logs/*.access.log" --Watcher:Format=combined \
    "--Watcher:UseNotifications=$notifications" "--Http:Port=$port" >"$dir/watcher-$notifications.log" 2>&1 &
  pid=$!
  # Past the start (every file listed, 16 read), then idle.
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  sleep 5
  before=$(cpu "$pid")
  sleep "$seconds"
  after=$(cpu "$pid")
  share=$(awk -v t=$((after - before)) -v hz="$ticks" -v s="$seconds" 'BEGIN {printf "%.2f", 100 * t / hz / s}')
  lines=$(grep -c . "$dir/watcher-$notifications.log" || true)
  echo "idle with $files matching files (16 followed), name events $notifications: $share % of a core over $seconds s (target < 1 %); $lines log lines" >&2
  echo "MANY_LOGS notifications=$notifications $share"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
