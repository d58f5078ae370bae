# Sourced by scripts/stress-tailing.sh and scripts/flake-loop.sh: runs a command RUNS times in a row
# beside two CPU burners (`yes > /dev/null`), the load under which real-clock windows and races show
# on a 2-core machine (BURNERS=0: without them).
#   repeat_beside_burners NAME RUNS OUT_DIR COMMAND...
# Each run's output goes to OUT_DIR/run-N.log; a line per run (its time, the log's last line, the
# load) and the failed tests of a failed run go to stderr; ends with "RUNS runs, F failed" on stdout
# and returns 1 when any run failed.
repeat_beside_burners() {
  local name=$1 runs=$2 out=$3
  shift 3
  rm -rf "$out"
  mkdir -p "$out"
  # BURNERS=0 runs without them: some races show only on a quiet machine, where the test's own
  # clients are fast (the pod restart test's SIGTERM during the watcher's start did).
  local burners=""
  if [ "${BURNERS:-2}" != 0 ]; then
    yes >/dev/null & burners=$!
    yes >/dev/null & burners="$burners $!"
  fi
  trap "kill $burners 2>/dev/null || true" EXIT
  local failed=0 i started verdict
  for i in $(seq 1 "$runs"); do
    started=$(date +%s)
    if "$@" >"$out/run-$i.log" 2>&1; then
      verdict=passed
    else
      verdict=FAILED
      failed=$((failed + 1))
    fi
    echo "$name: run $i $verdict in $(( $(date +%s) - started )) s: $(tail -1 "$out/run-$i.log") (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    if [ "$verdict" = FAILED ]; then
      grep -E '^\s+Failed ' "$out/run-$i.log" >&2 || true
    fi
  done
  kill $burners 2>/dev/null || true
  echo "$runs runs, $failed failed"
  [ "$failed" -eq 0 ]
}
