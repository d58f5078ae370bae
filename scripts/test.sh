#!/usr/bin/env bash
# Runs every test of the solution after setting up what they need (tools, Docker engine, base
# images), then prints one closing line: "N passed, N failed" (", N skipped" if any).
#   scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Writer]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

started=$(date +%s)
bash scripts/host-tools.sh
bash scripts/docker-engine.sh
bash scripts/base-images.sh
. scripts/env.sh
remove_leftovers
echo "test: setup took $(( $(date +%s) - started )) s" >&2

results="$root/.build/test-results"
rm -rf "$results"
dotnet build Sidecars.sln -c Release -nologo -v quiet -clp:ErrorsOnly
# One test project at a time, fastest first: the pod tests build images and put nginx under
# full load, which must not share the two cores with the timing tests of the others.
status=0
projects=$(ls tests/*.Tests/*.Tests.csproj | grep -v '/Pods.Tests/'; echo tests/Pods.Tests/Pods.Tests.csproj)
for project in $projects; do
  echo "test: $project" >&2
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=$?
done

passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$(( passed + $(get passed) ))
  failed=$(( failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted) ))
  skipped=$(( skipped + $(get notExecuted) ))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the run itself broke (a crashed test host, a build error): never report green
fi
echo "test: took $(( $(date +%s) - started )) s" >&2
# CI keeps only the end of the output: name each failed test and the start of its message here.
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  awk '
    /<UnitTestResult / && /outcome="Failed"/ {
      match($0, /testName="[^"]*"/); print "test: FAILED " substr($0, RSTART + 10, RLENGTH - 11)
      waiting = 1
    }
    waiting && /<Message>/ { waiting = 0; left = 4; sub(/.*<Message>/, "") }
    left > 0 { if (sub(/<\/Message>.*/, "")) left = 1; print "test:   " $0; left-- }
  ' "$trx" | sed 's/&quot;/"/g; s/&lt;/</g; s/&gt;/>/g; s/&#xD;//g; s/&amp;/\&/g' >&2
done
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
