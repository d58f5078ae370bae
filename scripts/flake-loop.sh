#!/usr/bin/env bash
# Runs the whole suite (`make test`) RUNS times in a row (default 5) beside two CPU burners
# (`yes > /dev/null`), the load under which real-clock windows and races show, and prints each
# run's closing line, then "RUNS runs, F failed". Exit 1 when any run failed. Not part of `make
# test`: five runs take about an hour on the 2-core build machine.
#   scripts/flake-loop.sh [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${1:-5}
out="$root/.build/flake-loop"
rm -rf "$out"
mkdir -p "$out"
yes >/dev/null & burner1=$!
yes >/dev/null & burner2=$!
trap 'kill $burner1 $burner2 2>/dev/null || true' EXIT
failed=0
for i in $(seq 1 "$runs"); do
  started=$(date +%s)
  if make test >"$out/run-$i.log" 2>&1; then
    verdict=passed
  else
    verdict=FAILED
    failed=$((failed + 1))
  fi
  echo "flake-loop: run $i $verdict in $(( $(date +%s) - started )) s: $(tail -1 "$out/run-$i.log") (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  if [ "$verdict" = FAILED ]; then
    grep -E '^\s+Failed ' "$out/run-$i.log" >&2 || true
  fi
done
echo "$runs runs, $failed failed"
[ "$failed" -eq 0 ]
