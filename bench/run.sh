#!/usr/bin/env bash
# The watcher against mtail (Google's log-to-metrics tool) on the same inputs, in one run:
#   1. one-shot: a realistic 2,000,000-line `main` log, `watcher --once` vs `mtail --one_shot`
#   2. live: lines appended one at a time, time until each shows on /metrics
#   3. cost beside a real nginx at 100, 1,000 and 5,000 requests/s (paced by hey) and under wrk,
#      with mtail on the same log (bench/cost/cost.py), and the CPU of one state save
#   4. the scrape guarantee (10,000 trials) and the time to answer a scrape with 500 label sets
#      (bench/scrape/scrape.py)
#   5. idle with 5,000 files matching a glob, 16 followed (bench/many-logs/many_logs.sh)
# Prints the figures and the targets and writes them to .build/bench/figures.txt. Benchmarks print
# figures; a missed target is reported, not failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/host-tools.sh
out=.build/bench
mkdir -p "$out"
lines=${BENCH_LINES:-2000000}

echo "bench: publishing the watcher (Native AOT)" >&2
dotnet publish watcher/Watcher.csproj -c Release -r linux-x64 -o "$out/watcher" -nologo -v quiet -clp:ErrorsOnly
watcher="$out/watcher/watcher"

log="$out/access-$lines.log"
if [ ! -s "$log" ]; then
  echo "bench: generating $lines lines in the main format" >&2
  dotnet run -c Release --project bench/Watcher.Benchmarks -- generate "$lines" "$log" >/dev/null
fi

progs="$out/mtail-progs"
mkdir -p "$progs"
# Debian's example for the combined format; its last field is greedy, so the extra
# "$http_x_forwarded_for" of nginx's main format is taken in too.
zcat -f "$(dpkg -L mtail | grep '/apache_combined.mtail' | head -1)" >"$progs/apache_combined.mtail"

echo "bench: one-shot, $lines lines" >&2
read -r w_s w_mib w_code < <(python3 bench/measure.py "$out/watcher.prom" -- "$watcher" --once "$log")
read -r m_s m_mib m_code < <(python3 bench/measure.py "$out/mtail.prom" -- \
  mtail --one_shot --one_shot_format=prometheus --progs "$progs" --logs "$log" --logtostderr=false)
sum() { awk -v m="$1" 'index($0, m) == 1 && substr($0, length(m) + 1, 1) ~ /[ {]/ {s += $NF} END {printf "%d", s}' "$2"; }
w_lines=$(sum watcher_lines_total "$out/watcher.prom")  # every complete line, parsed or not
w_parsed=$(sum 'watcher_lines_total{result="parsed"}' "$out/watcher.prom")
w_count=$(sum nginx_http_requests_total "$out/watcher.prom")
m_count=$(sum apache_http_requests_total "$out/mtail.prom")

echo "bench: one-shot with a label from a variable and three regex routes" >&2
labels=(--Watcher:Labels:0:Name=client '--Watcher:Labels:0:Variable=$remote_addr'
  --Watcher:Routes:0:Name=items '--Watcher:Routes:0:Regex=^/api/items/[0-9]+$' --Watcher:Routes:0:Replacement=/api/items/:id
  --Watcher:Routes:1:Name=users '--Watcher:Routes:1:Regex=^/api/users/[0-9]+(/.*)?$' --Watcher:Routes:1:Replacement=/api/users/:id
  --Watcher:Routes:2:Name=static '--Watcher:Routes:2:Regex=^/static/.*[.](js|css|png)$')
read -r wl_s wl_mib wl_code < <(python3 bench/measure.py "$out/watcher-labels.prom" -- "$watcher" --once "$log" "${labels[@]}")
wl_count=$(sum nginx_http_requests_total "$out/watcher-labels.prom")

echo "bench: live latency (300 lines, about 20 ms apart)" >&2
# mtail reads its logs on a timer (--poll_interval, 250ms by default in Debian's 3.0.0).
m_poll=$(mtail --help 2>&1 | awk '/-poll_interval duration/ {getline; if (match($0, /default [^)]*/)) print substr($0, RSTART + 8, RLENGTH - 8)}')
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
live() { # name metric command...
  local name=$1 metric=$2 port=$3; shift 3
  : >"$out/live-$name.log"
  "$@" >"$out/live-$name.out" 2>&1 &
  local pid=$!
  LIVE_LATENCY_DUMP="$out/live-$name.latencies" python3 bench/live-latency/live_latency.py "$out/live-$name.log" "http://127.0.0.1:$port/metrics" "$metric" 300 20 \
    2>"$out/live-$name.measure" || echo "- - -"
  cat "$out/live-$name.measure" >&2
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
}
wport=$(free_port)
read -r wl50 wl99 wlmax < <(live watcher nginx_http_requests_total "$wport" \
  "$watcher" --Watcher:Path="$out/live-watcher.log" --Http:Port="$wport")
mkdir -p "$out/state"
wsport=$(free_port)
read -r ws50 ws99 wsmax < <(live watcher-state nginx_http_requests_total "$wsport" \
  "$watcher" --Watcher:Path="$out/live-watcher-state.log" --Watcher:StateDirectory="$out/state" --Http:Port="$wsport")
mport=$(free_port)
read -r ml50 ml99 mlmax < <(live mtail apache_http_requests_total "$mport" \
  mtail --progs "$progs" --logs "$out/live-mtail.log" --port "$mport" --address 127.0.0.1 --logtostderr)

echo "bench: cost beside nginx at paced rates (about a minute)" >&2
# The floor: the least a follower that wakes on each write costs on this machine (bench/cost/floor.c).
floor=()
if command -v cc >/dev/null && cc -O2 -o "$out/floor" bench/cost/floor.c; then
  floor=("$out/floor")
else
  echo "bench: no C compiler (cc): the cost table goes without the floor" >&2
fi
python3 bench/cost/cost.py "$watcher" "$out/cost" "$progs" "${BENCH_SECONDS:-10}" "${floor[@]}" >"$out/cost.txt" || echo "  (cost benchmark failed; see $out/cost)" >"$out/cost.txt"
echo "bench: the scrape guarantee and the time to answer a scrape (about a minute)" >&2
python3 bench/scrape/scrape.py "$watcher" "$out/scrape" "${BENCH_TRIALS:-10000}" >"$out/scrape.txt" 2>&1 || echo "  (scrape benchmark failed; see $out/scrape)" >>"$out/scrape.txt"
echo "bench: idle with 5,000 files matching a glob (about 80 s)" >&2
bash bench/many-logs/many_logs.sh "$watcher" 5000 30 >"$out/many-logs.txt" 2>&1 || echo "  (many-logs benchmark failed)" >>"$out/many-logs.txt"
echo "bench: CPU of one state save" >&2
dotnet run -c Release --project bench/Watcher.Benchmarks -- save-cost "$out/save-cost" 2000 >"$out/save-cost.txt" 2>&1 || true

ratio=$(python3 -c "print(f'{$m_s / $w_s:.1f}')")
rate=$(python3 -c "print(f'{$w_count / $w_s:,.0f}')")
verdict() { if python3 -c "import sys; sys.exit(0 if $1 else 1)" 2>/dev/null; then echo PASS; else echo MISS; fi; }
{
  echo "one-shot, $lines lines of nginx's main format ($(du -h "$log" | cut -f1)):"
  echo "  watcher --once: ${w_s} s, ${rate} lines/s, peak RSS ${w_mib} MiB, exit ${w_code}"
  echo "  mtail one-shot: ${m_s} s, peak RSS ${m_mib} MiB, requests counted ${m_count}, exit ${m_code}"
  echo "  watcher counted: lines ${w_lines} (parsed ${w_parsed}), requests ${w_count}   all ${lines}: $(verdict "$w_lines == $lines and $w_parsed == $lines and $w_count == $lines")"
  echo "  watcher is ${ratio}x mtail's speed                 target >= 20x: $(verdict "$ratio >= 20")"
  echo "  with a label from \$remote_addr (50 values, then other) and three regex routes: ${wl_s} s, requests counted ${wl_count}, peak RSS ${wl_mib} MiB, exit ${wl_code}"
  echo "  watcher peak RSS ${w_mib} MiB                        target < 64 MB: $(verdict "$w_mib * 1.048576 < 64")"
  echo "live, write to visible on /metrics, 300 lines (p50 / p99 / max ms):"
  echo "  watcher:                        ${wl50} / ${wl99} / ${wlmax}     target p99 < 20 ms: $(verdict "$wl99 < 20")"
  echo "  watcher with StateDirectory:    ${ws50} / ${ws99} / ${wsmax}"
  echo "  mtail (polls every ${m_poll:-?}):      ${ml50} / ${ml99} / ${mlmax}"
  echo "                                  targets: p99 <= 5 ms with StateDirectory ($(verdict "$ws99 <= 5")), <= 2 ms without ($(verdict "$wl99 <= 2"))"
  echo "cost beside nginx (1 worker, main format), watcher with StateDirectory; share = watcher CPU / nginx worker CPU"
  echo "  (floor: bench/cost/floor.c on the same log, the least a follower that wakes on each write costs here)"
  grep -v '^COST\|^NGINX_RATE' "$out/cost.txt"
  grep -v '^GUARANTEE\|^SCRAPE_TIME' "$out/scrape.txt"
  grep -v '^MANY_LOGS' "$out/many-logs.txt"
  cat "$out/save-cost.txt"
  python3 bench/targets.py "$out/cost.txt" "$out/scrape.txt" "$wl99"
} | tee "$out/figures.txt"
