#!/usr/bin/env bash
# Resolves the four base images the images and tests need, and writes their names to
# .build/images.env for `make` and the tests:
#   SIDECARS_SDK_IMAGE         mcr.microsoft.com/dotnet/sdk:10.0-noble-aot
#   SIDECARS_RUNTIME_IMAGE     mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled
#   SIDECARS_NGINX_IMAGE       nginx:1.27
#   SIDECARS_PROMETHEUS_IMAGE  prom/prometheus:v2.55.1
# An image that is present or can be pulled is used as it is: nothing is installed or
# built on a machine that reaches a registry. Only where the official image cannot be had
# (build machines without a registry) a stand-in with the same layout is built from
# Debian packages (debootstrap + docker import). See docs/build-machines.md.
set -euo pipefail
shopt -s inherit_errexit

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.build"
mkdir -p "$out"
work="$out/standins"

official_sdk=${SIDECARS_SDK_IMAGE:-mcr.microsoft.com/dotnet/sdk:10.0-noble-aot}
official_runtime=${SIDECARS_RUNTIME_IMAGE:-mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled}
official_nginx=${SIDECARS_NGINX_IMAGE:-nginx:1.27}
official_prometheus=${SIDECARS_PROMETHEUS_IMAGE:-prom/prometheus:v2.55.1}

standin_tag=sidecars-standin
# Bump when a stand-in's recipe changes, so machines that kept an older one rebuild it.
standin_rev=2
# The runtime stand-in's own: 3 added OpenSSL, without which .NET's cryptography (TLS, the HMAC
# of basic auth) aborts with "No usable version of libssl was found".
runtime_rev=3
log() { echo "base-images: $*" >&2; }

have() { docker image inspect "$1" >/dev/null 2>&1; }

# Prints the image to use: the official one if present or pullable, else "".
official_or_empty() {
  if have "$1"; then echo "$1"; return; fi
  if timeout 60 docker pull -q "$1" >/dev/null 2>&1; then echo "$1"; return; fi
  echo ""
}

need_host_tools() {
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
  fi
}

# A minimal Debian root, made once and reused by every stand-in.
base_rootfs() {
  local dir="$work/base"
  if [ ! -f "$dir/.done" ]; then
    need_host_tools
    log "debootstrap bookworm (once, about a minute)"
    rm -rf "$dir"
    debootstrap --variant=minbase --include=ca-certificates bookworm "$dir" >"$work/debootstrap.log" 2>&1 \
      || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
    touch "$dir/.done"
  fi
  echo "$dir"
}

# Copies the base root to a fresh folder and installs packages in it.
derived_rootfs() {
  local name=$1; shift
  local dir="$work/$name"
  rm -rf "$dir"
  cp -a "$(base_rootfs)" "$dir"
  rm -f "$dir/.done"
  if [ $# -gt 0 ]; then
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    log "installing $* for the $name stand-in"
    # apt in a chroot complains about things a container does not have (/dev/pts, an init system):
    # its output goes to a log, shown only if the install fails.
    { chroot "$dir" apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive chroot "$dir" apt-get install -y -qq --no-install-recommends "$@"; } \
      >"$work/$name-apt.log" 2>&1 || { tail -20 "$work/$name-apt.log" >&2; exit 1; }
    chroot "$dir" apt-get clean
    rm -rf "$dir"/var/lib/apt/lists/*
  fi
  echo "$dir"
}

import_dir() {
  local dir=$1 image=$2; shift 2
  local args=() stopsignal=""
  for change in "$@"; do
    # `docker import` on older engines refuses STOPSIGNAL: add it in a one-line build instead.
    case "$change" in
      STOPSIGNAL*) stopsignal=$change ;;
      *) args+=(--change "$change") ;;
    esac
  done
  if [ -n "$stopsignal" ]; then
    tar -C "$dir" -c . | docker import "${args[@]}" - "$image-import" >/dev/null
    printf 'FROM %s\n%s\n' "$image-import" "$stopsignal" | bash "$root/scripts/docker-build.sh" -q -t "$image" - >/dev/null
    docker rmi "$image-import" >/dev/null
  else
    tar -C "$dir" -c . | docker import "${args[@]}" - "$image" >/dev/null
  fi
  rm -rf "$dir"
  log "built $image"
}

standin_sdk() {
  local image="$standin_tag/dotnet-sdk-aot:10.0-r$standin_rev"
  have "$image" && { echo "$image"; return; }
  local dir dotnet_root
  dir=$(derived_rootfs sdk clang zlib1g-dev)
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  mkdir -p "$dir/usr/share/dotnet"
  cp -a "$dotnet_root/." "$dir/usr/share/dotnet/"
  ln -sf /usr/share/dotnet/dotnet "$dir/usr/bin/dotnet"
  # The build machines reach NuGet through a proxy whose CA only the host trusts.
  cp -a /etc/ssl/certs/. "$dir/etc/ssl/certs/"
  import_dir "$dir" "$image" \
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "ENV DOTNET_ROOT=/usr/share/dotnet" \
    "ENV DOTNET_CLI_TELEMETRY_OPTOUT=1" \
    "ENV DOTNET_NOLOGO=1" \
    "ENV NUGET_CERT_REVOCATION_MODE=${NUGET_CERT_REVOCATION_MODE:-online}" \
    "WORKDIR /src"
  echo "$image"
}

# Like the chiseled runtime-deps image: glibc and friends, OpenSSL, CA certificates, user 1654, no shell.
standin_runtime() {
  local image="$standin_tag/dotnet-runtime-deps:10.0-r$runtime_rev"
  have "$image" && { echo "$image"; return; }
  local src dir
  src=$(base_rootfs)
  dir="$work/runtime"
  rm -rf "$dir"
  mkdir -p "$dir/etc/ssl" "$dir/lib/x86_64-linux-gnu" "$dir/lib64" "$dir/tmp" "$dir/home/app" "$dir/app"
  chmod 1777 "$dir/tmp"
  local lib
  for lib in ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libgcc_s.so.1 libstdc++.so.6 libz.so.1 \
             libpthread.so.0 libdl.so.2 librt.so.1 libssl.so.3 libcrypto.so.3; do
    cp -L "$src/lib/x86_64-linux-gnu/$lib" "$dir/lib/x86_64-linux-gnu/" 2>/dev/null \
      || cp -L "$src/usr/lib/x86_64-linux-gnu/$lib" "$dir/lib/x86_64-linux-gnu/"
  done
  ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$dir/lib64/ld-linux-x86-64.so.2"
  cp -a "$src/etc/ssl/certs" "$dir/etc/ssl/"
  printf 'root:x:0:0:root:/root:/noshell\napp:x:1654:1654:app:/home/app:/noshell\n' >"$dir/etc/passwd"
  printf 'root:x:0:\napp:x:1654:\n' >"$dir/etc/group"
  chown 1654:1654 "$dir/home/app"
  import_dir "$dir" "$image" "ENV APP_UID=1654" "USER 1654" "WORKDIR /app"
  echo "$image"
}

# Like the official nginx image: same config, content and log layout, logs to stdout/stderr.
standin_nginx() {
  local image="$standin_tag/nginx:bookworm-r$standin_rev"
  have "$image" && { echo "$image"; return; }
  local dir
  dir=$(derived_rootfs nginx nginx-light procps)
  chroot "$dir" sh -ec '
    groupadd --system --gid 101 nginx
    useradd --system --gid nginx --no-create-home --home /nonexistent --shell /bin/false --uid 101 nginx
    rm -f /etc/nginx/sites-enabled/default
    mkdir -p /etc/nginx/conf.d /usr/share/nginx/html /var/cache/nginx
    rm -rf /var/log/nginx && mkdir -p /var/log/nginx
    ln -sf /dev/stdout /var/log/nginx/access.log
    ln -sf /dev/stderr /var/log/nginx/error.log
    printf "<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\n" >/usr/share/nginx/html/index.html
    printf "<html><body><h1>An error occurred.</h1></body></html>\n" >/usr/share/nginx/html/50x.html
    # The official image starts through /docker-entrypoint.sh (templates, tuning); manifests may call it.
    printf "#!/bin/sh\nexec \"\$@\"\n" >/docker-entrypoint.sh
    chmod 0755 /docker-entrypoint.sh
  '
  cp "$root/scripts/standins/nginx.conf" "$dir/etc/nginx/nginx.conf"
  cp "$root/scripts/standins/default.conf" "$dir/etc/nginx/conf.d/default.conf"
  import_dir "$dir" "$image" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'EXPOSE 80' 'STOPSIGNAL SIGQUIT' 'ENTRYPOINT ["/docker-entrypoint.sh"]' 'CMD ["nginx", "-g", "daemon off;"]'
  echo "$image"
}

# Like prom/prometheus: the server as entrypoint, config at /etc/prometheus/prometheus.yml.
standin_prometheus() {
  local image="$standin_tag/prometheus:bookworm-r$standin_rev"
  have "$image" && { echo "$image"; return; }
  local dir
  dir=$(derived_rootfs prometheus prometheus)
  mkdir -p "$dir/prometheus"
  chmod 777 "$dir/prometheus"
  import_dir "$dir" "$image" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'EXPOSE 9090' 'WORKDIR /prometheus' \
    'ENTRYPOINT ["/usr/bin/prometheus"]' \
    'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]'
  echo "$image"
}

mkdir -p "$work"
resolve() {
  local official=$1 builder=$2 got
  got=$(official_or_empty "$official")
  if [ -z "$got" ]; then
    log "$official cannot be pulled; using a local stand-in"
    got=$($builder)
  fi
  echo "$got"
}

sdk=$(resolve "$official_sdk" standin_sdk)
runtime=$(resolve "$official_runtime" standin_runtime)
nginx=$(resolve "$official_nginx" standin_nginx)
prometheus=$(resolve "$official_prometheus" standin_prometheus)

cat >"$out/images.env" <<ENV
SIDECARS_SDK_IMAGE=$sdk
SIDECARS_RUNTIME_IMAGE=$runtime
SIDECARS_NGINX_IMAGE=$nginx
SIDECARS_PROMETHEUS_IMAGE=$prometheus
ENV
log "base images (written to .build/images.env): sdk $sdk, runtime $runtime, nginx $nginx, prometheus $prometheus"

