#!/usr/bin/env bash
# Builds the two sidecar images from the Dockerfiles, with the base images base-images.sh chose.
#   scripts/images.sh [TAG]   (default: dev) -> sidecars/writer:TAG, sidecars/watcher:TAG
# Shows each build step as it starts; the full output of each build is in .build/images/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tag=${1:-dev}
bash scripts/docker-engine.sh
bash scripts/base-images.sh
. scripts/env.sh
if [ "$(bash scripts/docker-build.sh --builder)" = buildkit ]; then
  echo "images: building with BuildKit"
else
  echo "images: building with Docker's legacy builder: this docker CLI has no buildx plugin, which BuildKit needs"
fi
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
mkdir -p .build/images
for service in writer watcher; do
  log=".build/images/$service-$tag.log"
  started=$(date +%s)
  echo "images: sidecars/$service:$tag (the first build restores packages and compiles Native AOT: a few minutes)"
  # Step lines of either builder: "Step 5/14 : RUN ..." (legacy), "#8 [build 5/9] RUN ..." (BuildKit).
  if ! bash scripts/docker-build.sh -f "Dockerfile.$service" \
      --build-arg SDK_IMAGE="$SIDECARS_SDK_IMAGE" --build-arg RUNTIME_IMAGE="$SIDECARS_RUNTIME_IMAGE" \
      --build-arg COMMIT="$commit" -t "sidecars/$service:$tag" . 2>&1 \
      | tee "$log" | { grep --line-buffered -E '^(Step [0-9]+/[0-9]+ :|#[0-9]+ \[)' || true; } \
      | sed -u -E 's/^(.{0,98}).*/  \1/'; then
    echo "images: building sidecars/$service:$tag failed; the end of $log:" >&2
    tail -30 "$log" >&2
    exit 1
  fi
  size=$(docker image ls "sidecars/$service:$tag" --format "{{.Size}}")
  echo "images: sidecars/$service:$tag $size, built in $(( $(date +%s) - started )) s"
done
