#!/usr/bin/env bash
# Runs the whole suite (`make test`) RUNS times in a row (default 5) beside two CPU burners
# (`yes > /dev/null`), the load under which real-clock windows and races show, and prints each
# run's closing line, then "RUNS runs, F failed". Exit 1 when any run failed. Not part of `make
# test`: five runs take about 40 minutes on the 2-core build machine. BURNERS=0 runs it on a quiet
# machine, as CI does, where the tests' own clients are fastest.
#   [BURNERS=0] scripts/flake-loop.sh [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/beside-burners.sh
repeat_beside_burners flake-loop "${1:-5}" "$root/.build/flake-loop" make test
