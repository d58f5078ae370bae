#!/usr/bin/env bash
# Builds both images and runs the pods locally with Docker (see demo/Program.cs).
#   scripts/demo.sh [DURATION]   e.g. 60s; without it, runs until Ctrl-C
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/docker-engine.sh
bash scripts/base-images.sh
. scripts/env.sh
remove_leftovers
# The images the demo builds are the ones `make images` builds and the README runs: sidecars/*:dev.
export SIDECARS_TEST_TAG=${SIDECARS_TEST_TAG:-dev}
dotnet run --project demo/Sidecars.Demo.csproj -c Release -- "$@"
