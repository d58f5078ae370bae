# Sourced by the scripts that talk to Docker: the base images chosen by base-images.sh and
# what Testcontainers needs to talk to this engine.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
set -a
# shellcheck disable=SC1091
. "$root/.build/images.env"
set +a
# Testcontainers speaks a newer API than older engines accept: use the engine's own version.
DOCKER_API_VERSION=$(docker version --format '{{.Server.APIVersion}}')
export DOCKER_API_VERSION
# Ryuk (Testcontainers' reaper) is an image that may not be pullable: the fixtures clean up.
export TESTCONTAINERS_RYUK_DISABLED=true
# Image builds choose their builder in scripts/docker-build.sh (BuildKit where the CLI has buildx).

# Containers and volumes left by a pod run that was killed before it could clean up.
remove_leftovers() {
  local ids
  ids=$(docker ps -aq --filter label=org.sidecars.test)
  [ -z "$ids" ] || docker rm -f $ids >/dev/null
  ids=$(docker volume ls -q --filter label=org.sidecars.test)
  [ -z "$ids" ] || docker volume rm $ids >/dev/null
}
