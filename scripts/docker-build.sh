#!/usr/bin/env bash
# `docker build ARGS...` with BuildKit where the docker CLI has it (the buildx plugin) and the legacy
# builder only where it must (Debian's docker.io 20.10 has no buildx). The legacy builder's
# DEPRECATED notice is dropped: scripts/images.sh says in one line why the legacy builder is used.
#   scripts/docker-build.sh --builder       prints "buildkit" or "legacy"
#   scripts/docker-build.sh ARGS...         docker build ARGS... (with --progress=plain under BuildKit)
set -euo pipefail

if docker buildx version >/dev/null 2>&1; then
  builder=buildkit
else
  builder=legacy
fi
if [ "${1:-}" = --builder ]; then
  echo "$builder"
  exit 0
fi

if [ "$builder" = buildkit ]; then
  DOCKER_BUILDKIT=1 exec docker build --progress=plain "$@"
fi
# Only stderr goes through the filter, which drops the notice up to the blank line after it.
{ DOCKER_BUILDKIT=0 docker build "$@" 2>&1 1>&3 3>&- \
    | awk '/^DEPRECATED: The legacy builder/ { skip = 1; next } skip && /^[[:space:]]*$/ { skip = 0; next } !skip' >&2; } 3>&1
