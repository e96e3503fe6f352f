#!/usr/bin/env bash
# Provides Dapr's sidecar injector (github.com/dapr/dapr cmd/injector, the pinned Dapr version
# of tools/dapr/VERSION) for the Kubernetes checks in tests/deploy, and prints its path on
# stdout (all chatter goes to stderr).
#
# Order: $MERIDIAN_DAPR_INJECTOR_BIN, then our cache
# (~/.cache/meridian/dapr/injector-<version>-<hash of the build inputs>/injector), and last a
# build from the Go module proxy into that cache (once: 17 min measured on 2 cores while three
# other Go builds shared them, 15 s with a warm Go build cache; 52 MB).
#
# The build reuses the module requirements of the Dapr runtime build (tools/dapr/build/go.mod
# and go.sum, copied into a scratch folder; tools/dapr is not changed). The injector needs
# only a few of components-contrib's shared packages (metadata, pubsub, contenttype, health)
# and none of the components, so it builds from dapr's module as published, without the
# source copy and patches that daprd needs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dapr_tools="$here/../dapr"
version=$(sed -n 's/^runtime=//p' "$dapr_tools/VERSION")
commit=$(sed -n 's/^commit=//p' "$dapr_tools/VERSION")
cache_root=${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}
pkg=github.com/dapr/dapr

log() { printf '[dapr-injector] %s\n' "$*" >&2; }

if [ -n "${MERIDIAN_DAPR_INJECTOR_BIN:-}" ]; then
  [ -x "$MERIDIAN_DAPR_INJECTOR_BIN" ] || { log "MERIDIAN_DAPR_INJECTOR_BIN=$MERIDIAN_DAPR_INJECTOR_BIN is not an executable"; exit 1; }
  echo "$MERIDIAN_DAPR_INJECTOR_BIN"
  exit 0
fi

ldflags="-s -w -X $pkg/pkg/buildinfo.version=$version -X $pkg/pkg/buildinfo.gitversion=v$version"
ldflags+=" -X $pkg/pkg/buildinfo.gitcommit=$commit -X github.com/dapr/kit/logger.DaprVersion=$version"
hash=$( (cat "$dapr_tools/build/go.mod" "$dapr_tools/build/go.sum"; echo "$ldflags") | sha256sum | cut -c1-16)
cache="$cache_root/dapr/injector-$version-$hash"
if [ -x "$cache/injector" ]; then echo "$cache/injector"; exit 0; fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<EOF
[dapr-injector] Dapr's sidecar injector $version is not built yet ($cache/injector) and there is no
[dapr-injector] Go toolchain to build it. Install Go >= 1.26 so Meridian can build it from the Go
[dapr-injector] module proxy (once, 5-20 min), or point MERIDIAN_DAPR_INJECTOR_BIN at an
[dapr-injector] injector binary of Dapr $version.
EOF
  exit 1
fi

# One build at a time: a second caller waits and then finds the cache filled. The lock is
# not the runtime build's lock, so both can build at once.
mkdir -p "$cache_root/dapr"
exec 9>"$cache_root/dapr/.build-injector-$version.lock"
if ! flock -n 9; then
  log "another build of the injector $version is running; waiting for it"
  flock 9
fi
if [ -x "$cache/injector" ]; then echo "$cache/injector"; exit 0; fi

log "building Dapr's sidecar injector $version from the Go module proxy (first time only, 5-20 min on 2 cores)"
work=$(mktemp -d "$cache_root/dapr/build-injector-$version.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
# Same as tools/dapr/ensure.sh: served modules that the checksum database lacks; go.sum pins them.
export GONOSUMDB=github.com/dapr/durabletask-go,github.com/diagridio/go-etcd-cron
cp "$dapr_tools/build/go.mod" "$dapr_tools/build/go.sum" "$work/"
if ! (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" \
      -o "$work/injector" "$pkg/cmd/injector") >"$work/build.log" 2>&1; then
  log "the injector build failed (go build $pkg/cmd/injector with tools/dapr/build/go.mod); its last lines:"
  tail -n 40 "$work/build.log" >&2
  exit 1
fi
mkdir -p "$cache"
mv -f "$work/injector" "$cache/injector"
log "built the injector in $(( $(date +%s) - start ))s: $(du -h "$cache/injector" | cut -f1) in $cache"
echo "$cache/injector"
