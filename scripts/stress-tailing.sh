#!/usr/bin/env bash
# Runs the tailing tests RUNS times (default 30) beside two CPU burners (`yes > /dev/null`), the load
# under which a timing race shows, and prints "RUNS runs, F failed". Exit 1 when any run failed.
#   scripts/stress-tailing.sh [RUNS] [FILTER]   (FILTER default: FullyQualifiedName~Tailing)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${1:-30}
filter=${2:-FullyQualifiedName~Tailing}
out="$root/.build/stress"
mkdir -p "$out"
dotnet build tests/Watcher.Tests -c Release -nologo -v quiet -clp:ErrorsOnly
yes >/dev/null & burner1=$!
yes >/dev/null & burner2=$!
trap 'kill $burner1 $burner2 2>/dev/null || true' EXIT
failed=0
for i in $(seq 1 "$runs"); do
  if dotnet test tests/Watcher.Tests -c Release --no-build -nologo --filter "$filter" >"$out/run-$i.log" 2>&1; then
    echo "stress: run $i passed ($(grep -o 'Passed: *[0-9]*' "$out/run-$i.log" | tail -1), load $(cut -d' ' -f1 /proc/loadavg))" >&2
  else
    failed=$((failed + 1))
    echo "stress: run $i FAILED (see $out/run-$i.log):" >&2
    grep -E '^\s+Failed ' "$out/run-$i.log" >&2 || true
  fi
done
echo "$runs runs, $failed failed"
[ "$failed" -eq 0 ]
