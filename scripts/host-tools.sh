#!/usr/bin/env bash
# Makes sure the command-line tools the tests and benchmarks call are on PATH:
#   promtool (Prometheus' linter and rule tests), yamllint, wrk, hey (a paced load generator), mtail,
#   logrotate, nginx, hyperfine, faketime (libfaketime, which the writer's clock-step test preloads
#   into the published binary) and chromium (headless: a PNG of Prometheus' graph page in the
#   dashboard test).
# Present tools are left alone. Missing ones are installed from Debian's packages where this
# script may (root with apt-get: build and CI machines); elsewhere it names what to install.
set -euo pipefail

declare -A package_of=(
  [promtool]=prometheus [yamllint]=yamllint [wrk]=wrk [mtail]=mtail
  [logrotate]=logrotate [nginx]=nginx-light [hyperfine]=hyperfine [hey]=hey [faketime]=faketime
  [chromium]=chromium
)
missing=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0

packages=()
for tool in "${missing[@]}"; do packages+=("${package_of[$tool]}"); done
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "host-tools: missing ${missing[*]}; install the packages ${packages[*]} (or equivalents) and retry" >&2
  exit 1
fi
echo "host-tools: installing ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends keeps prometheus from pulling its node exporter and web assets.
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
