#!/usr/bin/env bash
# Builds the two sidecar images from the Dockerfiles, with the base images base-images.sh chose.
#   scripts/images.sh [TAG]   (default: dev) -> sidecars/writer:TAG, sidecars/watcher:TAG
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tag=${1:-dev}
bash scripts/docker-engine.sh
bash scripts/base-images.sh
. scripts/env.sh
for service in writer watcher; do
  docker build -q -f "Dockerfile.$service" \
    --build-arg SDK_IMAGE="$SIDECARS_SDK_IMAGE" --build-arg RUNTIME_IMAGE="$SIDECARS_RUNTIME_IMAGE" \
    -t "sidecars/$service:$tag" . >/dev/null
  docker image ls "sidecars/$service:$tag" --format "{{.Repository}}:{{.Tag}} {{.Size}}"
done
