#!/usr/bin/env bash
# Runs the tailing tests RUNS times (default 30) beside two CPU burners (`yes > /dev/null`), the load
# under which a timing race shows, and prints "RUNS runs, F failed". Exit 1 when any run failed.
#   scripts/stress-tailing.sh [RUNS] [FILTER]   (FILTER default: FullyQualifiedName~Tailing)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/beside-burners.sh
runs=${1:-30}
filter=${2:-FullyQualifiedName~Tailing}
dotnet build tests/Watcher.Tests -c Release -nologo -v quiet -clp:ErrorsOnly
repeat_beside_burners stress "$runs" "$root/.build/stress" \
  dotnet test tests/Watcher.Tests -c Release --no-build -nologo --filter "$filter"
