#!/usr/bin/env bash
# Mutation testing with Stryker.NET, one folder at a time, bounded for a 2-core machine. Not part
# of `make test`: a run takes minutes per folder and says how good the tests are, not whether the
# code works.
#   scripts/mutate.sh                  # every folder: parsing tailing state writer
#   scripts/mutate.sh parsing writer   # only these
# Bounds (environment):
#   MUTATE_TIMEOUT      wall-clock limit per folder, as for timeout(1) (default 90m: a whole Tailing run takes about 75 min); a folder
#                       that runs out is reported as "timed out" and the next one starts
#   MUTATE_CONCURRENCY  test runs Stryker makes at once (default 2: the machine's two cores; 1 to
#                       leave a core to other work)
# Each folder runs only the tests of its own test folder (a --test-case-filter), so a mutant is
# killed by the tests written for that code, not by an end-to-end test passing through it.
# Reports: .build/mutate/<folder>/reports/mutation-report.{html,json}. Ends with a score per folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

timeout_per_folder=${MUTATE_TIMEOUT:-90m}
concurrency=${MUTATE_CONCURRENCY:-2}
if [ "$concurrency" -lt 1 ] || [ "$concurrency" -gt 2 ]; then
  echo "mutate: MUTATE_CONCURRENCY must be 1 or 2 on these machines (got $concurrency)" >&2
  exit 2
fi

# folder: project under test | test project | files to mutate (globs, space-separated) | tests to run
declare -A target=(
  [parsing]="watcher/Watcher.csproj|tests/Watcher.Tests/Watcher.Tests.csproj|**/watcher/Parsing/*.cs|FullyQualifiedName~Sidecars.Tests.Watcher.Parsing."
  [tailing]="watcher/Watcher.csproj|tests/Watcher.Tests/Watcher.Tests.csproj|**/watcher/Tailing/*.cs|FullyQualifiedName~Sidecars.Tests.Watcher.Tailing."
  [state]="watcher/Watcher.csproj|tests/Watcher.Tests/Watcher.Tests.csproj|**/watcher/State/*.cs|FullyQualifiedName~Sidecars.Tests.Watcher.State."
  # The writer's tests but those of a whole process: the published AOT binary and writer.dll under
  # `dotnet` run apart from the test host, where Stryker cannot switch mutants (so Program.cs, which
  # only they reach, is left out); the real-clock host test takes seconds per mutant, and the
  # fake-clock tests cover the same logic.
  [writer]="writer/Writer.csproj|tests/Writer.Tests/Writer.Tests.csproj|**/writer/*.cs !**/writer/Program.cs|FullyQualifiedName!~Sidecars.Tests.Writer.ClockStepBinaryTests&FullyQualifiedName!~Sidecars.Tests.Writer.CommandLineTests&FullyQualifiedName!~Sidecars.Tests.Writer.EndToEndTests"
)
order=(parsing tailing state writer)
folders=("$@")
[ ${#folders[@]} -gt 0 ] || folders=("${order[@]}")
for folder in "${folders[@]}"; do
  if [ -z "${target[$folder]:-}" ]; then
    echo "mutate: unknown folder '$folder' (known: ${order[*]})" >&2
    exit 2
  fi
done

echo "mutate: restoring the local tools (.config/dotnet-tools.json: dotnet-stryker)" >&2
dotnet tool restore >/dev/null

# A progress bar on a terminal; elsewhere (CI, a log file) one character per mutant tested.
progress=Dots
[ -t 1 ] && progress=Progress

declare -A result
for folder in "${folders[@]}"; do
  IFS='|' read -r project test_project globs filter <<<"${target[$folder]}"
  out="$root/.build/mutate/$folder"
  rm -rf "$out"
  mkdir -p "$out"
  args=(stryker --project "$(basename "$project")" --test-project "$root/$test_project"
        --concurrency "$concurrency" --test-case-filter "$filter"
        --reporter "$progress" --reporter Html --reporter Json --output "$out" --skip-version-check)
  set -f  # the globs are Stryker's, not the shell's
  for glob in $globs; do
    args+=(--mutate "$glob")
  done
  set +f
  echo "mutate: $folder ($project, tests: $filter; limit $timeout_per_folder, concurrency $concurrency)" >&2
  started=$(date +%s)
  set +e
  # Stryker resolves --project among the test project's references; run it from the project's folder.
  (cd "$root/$(dirname "$project")" && timeout -k 30s "$timeout_per_folder" dotnet "${args[@]}") 2>&1 | tee "$out/stryker.log"
  status=${PIPESTATUS[0]}
  set -e
  took=$(( $(date +%s) - started ))
  report="$out/reports/mutation-report.json"
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    result[$folder]="timed out after $timeout_per_folder"
  elif [ "$status" -ne 0 ] || [ ! -f "$report" ]; then
    result[$folder]="failed (exit $status, see $out/stryker.log)"
  else
    count() { grep -o "\"status\":\"$1\"" "$report" | wc -l; }
    killed=$(count Killed) timedout=$(count Timeout) survived=$(count Survived) uncovered=$(count NoCoverage)
    detected=$(( killed + timedout ))
    total=$(( detected + survived + uncovered ))
    if [ "$total" -eq 0 ]; then
      result[$folder]="no mutants"
    else
      score=$(awk -v d="$detected" -v t="$total" 'BEGIN { printf "%.1f", 100 * d / t }')
      result[$folder]="$score % ($detected of $total detected: $killed killed, $timedout timed out, $survived survived, $uncovered without coverage; ${took} s)"
    fi
  fi
done

echo
echo "mutation scores (Stryker.NET; killed + timed out over all valid mutants):"
for folder in "${folders[@]}"; do
  printf '  %-8s %s\n' "$folder" "${result[$folder]}"
done
