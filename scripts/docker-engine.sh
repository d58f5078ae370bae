#!/usr/bin/env bash
# Makes sure a Docker engine answers. On a machine that already has one (a laptop, a CI
# runner with Docker) this does nothing. On a fresh build machine it installs Debian's
# engine and starts it in the background (there is no systemd there).
set -euo pipefail

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "docker-engine: no Docker engine answers and I cannot install one here; start Docker and retry" >&2
    exit 1
  fi
  echo "docker-engine: installing Debian's docker.io" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

# A dockerd (and its containerd) killed without a chance to clean up leaves pid files behind, and
# a new dockerd refuses to start while they exist: remove those whose process is gone.
for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
  if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then
    rm -f "$pidfile"
  fi
done

log=/var/log/sidecars-dockerd.log
echo "docker-engine: starting dockerd (log: $log)" >&2
nohup dockerd >"$log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    exit 0
  fi
  if ! kill -0 "$dockerd_pid" 2>/dev/null; then
    echo "docker-engine: dockerd exited at start:" >&2
    tail -5 "$log" >&2
    exit 1
  fi
  sleep 1
done
echo "docker-engine: dockerd did not answer within 60 s; see $log" >&2
exit 1
