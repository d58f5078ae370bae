#!/usr/bin/env bash
# Mutation testing with Stryker.NET, one folder at a time, bounded for a 2-core machine. Not part
# of `make test`: a run takes minutes per folder and says how good the tests are, not whether the
# code works.
#   scripts/mutate.sh                  # every folder: parsing tailing state writer
#   scripts/mutate.sh parsing writer   # only these
#   SINCE=REV scripts/mutate.sh        # only the code changed since REV (make mutate SINCE=HEAD~1)
# Bounds (environment):
#   MUTATE_TIMEOUT      wall-clock limit per folder, as for timeout(1) (default 90m: a whole Tailing run takes about 75 min); a folder
#                       that runs out is reported as "timed out" and the next one starts
#   MUTATE_CONCURRENCY  test runs Stryker makes at once (default 2: the machine's two cores; 1 to
#                       leave a core to other work)
# Each folder runs only the tests of its own test folder (a --test-case-filter), so a mutant is
# killed by the tests written for that code, not by an end-to-end test passing through it.
# Reports: .build/mutate/<folder>/reports/mutation-report.{html,json}. Ends with a score per folder.
# SINCE=REV (any commit name git knows: HEAD~1, main, a hash) tests only the code changed since REV,
# as Stryker's since mode does: only the folders with a file to mutate that changed between REV and
# the working tree (committed or not) run, each with only its changed files to mutate and its own
# test filter; reports go to .build/mutate-since/<folder>/. Minutes instead of an hour, to check a
# change before it lands. The changed files are found here (git diff) and given as --mutate, not
# with Stryker's --since: in a linked worktree (git worktree add) Stryker 5.1 puts the changed
# paths under the worktree's git folder (.git/worktrees/NAME/...), so they match no source file
# and it ignores every mutant.
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

since=${SINCE:-}
since_commit=""
report_root="$root/.build/mutate"
if [ -n "$since" ]; then
  if ! since_commit=$(git rev-parse --verify --quiet "$since^{commit}"); then
    echo "mutate: SINCE=$since names no commit" >&2
    exit 2
  fi
  report_root="$root/.build/mutate-since"
fi

# The files of FOLDER that Stryker may mutate (its --mutate globs, as git pathspecs) and that
# changed between SINCE and the working tree (still there: a deleted file has nothing to mutate).
changed_files() {
  local globs pathspecs=() glob
  IFS='|' read -r _ _ globs _ <<<"${target[$1]}"
  set -f
  for glob in $globs; do
    case "$glob" in
      '!'*) pathspecs+=(":(glob,exclude)${glob#!}") ;;
      *) pathspecs+=(":(glob)$glob") ;;
    esac
  done
  set +f
  git diff --name-only --diff-filter=d "$since_commit" -- "${pathspecs[@]}"  # not the deleted ones
}

declare -A result changed
if [ -n "$since" ]; then
  changed_folders=()
  for folder in "${folders[@]}"; do
    files=$(changed_files "$folder")
    if [ -n "$files" ]; then
      changed_folders+=("$folder")
      changed[$folder]=$files
      echo "mutate: $folder changed since $since: $(echo $files)" >&2
    else
      result[$folder]="nothing to mutate changed since $since"
    fi
  done
  if [ ${#changed_folders[@]} -eq 0 ]; then
    echo "mutate: no file to mutate changed since $since (${since_commit:0:12}) in: ${folders[*]}"
    exit 0
  fi
fi

echo "mutate: restoring the local tools (.config/dotnet-tools.json: dotnet-stryker)" >&2
dotnet tool restore >/dev/null

# A progress bar on a terminal; elsewhere (CI, a log file) one character per mutant tested.
progress=Dots
[ -t 1 ] && progress=Progress

for folder in "${folders[@]}"; do
  [ -z "${result[$folder]:-}" ] || continue  # SINCE: nothing of it changed
  IFS='|' read -r project test_project globs filter <<<"${target[$folder]}"
  out="$report_root/$folder"
  rm -rf "$out"
  mkdir -p "$out"
  args=(stryker --project "$(basename "$project")" --test-project "$root/$test_project"
        --concurrency "$concurrency" --test-case-filter "$filter"
        --reporter "$progress" --reporter Html --reporter Json --output "$out" --skip-version-check)
  set -f  # the globs are Stryker's, not the shell's
  if [ -n "$since" ]; then
    globs=$(printf '**/%s ' ${changed[$folder]})  # the changed files only, each matched at any depth
  fi
  for glob in $globs; do
    args+=(--mutate "$glob")
  done
  set +f
  echo "mutate: $folder${since:+ since $since} ($project, tests: $filter; limit $timeout_per_folder, concurrency $concurrency)" >&2
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
  elif [ ! -f "$report" ]; then
    result[$folder]="failed (exit $status, see $out/stryker.log)"
  else
    count() { { grep -o "\"status\":\"$1\"" "$report" || true; } | wc -l; }
    killed=$(count Killed) timedout=$(count Timeout) survived=$(count Survived) uncovered=$(count NoCoverage)
    detected=$(( killed + timedout ))
    total=$(( detected + survived + uncovered ))
    if [ "$total" -eq 0 ]; then
      result[$folder]="no mutants"  # Stryker exits 1 then: it has no score to give
    elif [ "$status" -ne 0 ]; then
      result[$folder]="failed (exit $status, see $out/stryker.log)"
    else
      score=$(awk -v d="$detected" -v t="$total" 'BEGIN { printf "%.1f", 100 * d / t }')
      result[$folder]="$score % ($detected of $total detected: $killed killed, $timedout timed out, $survived survived, $uncovered without coverage; ${took} s)"
    fi
  fi
done

echo
if [ -n "$since" ]; then
  echo "mutation scores of the files changed since $since (${since_commit:0:12}; Stryker.NET; killed + timed out over their valid mutants):"
else
  echo "mutation scores (Stryker.NET; killed + timed out over all valid mutants):"
fi
for folder in "${folders[@]}"; do
  printf '  %-8s %s\n' "$folder" "${result[$folder]}"
done
