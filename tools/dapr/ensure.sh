#!/usr/bin/env bash
# Provides the pinned Dapr runtime binaries (daprd, placement, scheduler, sentry)
# and prints the directory that holds them on stdout (all chatter goes to stderr).
#
# Order: $MERIDIAN_DAPR_BIN_DIR, then an installed Dapr of the pinned version
# (PATH, ~/.dapr/bin), then our cache (~/.cache/meridian/dapr/<version>-<patch level>), and
# last a build from the Go module proxy into that cache. A second run is instant.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
version=$(sed -n 's/^runtime=//p' "$here/VERSION")
commit=$(sed -n 's/^commit=//p' "$here/VERSION")
bins=(daprd placement scheduler sentry)
cache_root=${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}
# Bump the patch level when the build's patches change, so an older build is not reused.
patchlevel=meridian13
cache="$cache_root/dapr/$version-$patchlevel"

log() { printf '[dapr] %s\n' "$*" >&2; }

has_all() {
  local dir=$1 b
  for b in "${bins[@]}"; do [ -x "$dir/$b" ] || return 1; done
}

# An installed daprd counts only if it is exactly the pinned version.
is_pinned() {
  local dir=$1
  has_all "$dir" || return 1
  "$dir/daprd" --version 2>/dev/null | grep -qx "$version"
}

if [ -n "${MERIDIAN_DAPR_BIN_DIR:-}" ]; then
  is_pinned "$MERIDIAN_DAPR_BIN_DIR" || {
    log "MERIDIAN_DAPR_BIN_DIR=$MERIDIAN_DAPR_BIN_DIR does not hold Dapr $version (${bins[*]})"
    exit 1
  }
  echo "$MERIDIAN_DAPR_BIN_DIR"
  exit 0
fi

candidates=("$cache" "$HOME/.dapr/bin")
if command -v daprd >/dev/null 2>&1; then candidates+=("$(dirname "$(command -v daprd)")"); fi
for dir in "${candidates[@]}"; do
  if is_pinned "$dir"; then
    echo "$dir"
    exit 0
  fi
done

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<EOF
[dapr] Dapr $version was not found (looked in: ${candidates[*]}) and there is no Go toolchain to build it.
[dapr] Either install Dapr $version (https://docs.dapr.io/getting-started/install-dapr-selfhost/ then
[dapr]   'dapr init --slim --runtime-version $version', which puts the binaries in ~/.dapr/bin),
[dapr] or install Go >= 1.26 so Meridian can build Dapr from the Go module proxy,
[dapr] or point MERIDIAN_DAPR_BIN_DIR at a directory holding ${bins[*]}.
EOF
  exit 1
fi

# One build at a time: a second caller waits and then finds the cache filled.
mkdir -p "$cache_root/dapr"
exec 9>"$cache_root/dapr/.build-$version.lock"
if ! flock -n 9; then
  log "another build of Dapr $version is running; waiting for it"
  flock 9
fi
if is_pinned "$cache"; then echo "$cache"; exit 0; fi

log "building Dapr $version (${bins[*]}) from the Go module proxy; first time only, ~15-25 min on 2 cores"
work=$(mktemp -d "$cache_root/dapr/build-$version.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
pkg=github.com/dapr/dapr
ldflags="-s -w -X $pkg/pkg/buildinfo.version=$version -X $pkg/pkg/buildinfo.gitversion=v$version"
ldflags+=" -X $pkg/pkg/buildinfo.gitcommit=$commit -X github.com/dapr/kit/logger.DaprVersion=$version"
targets=()
for b in "${bins[@]}"; do targets+=("$pkg/cmd/$b"); done
# The module proxy here refuses the Pulsar client fork and the Avro fork that
# the Pulsar pub/sub needs, so we build from a copy of dapr's source without
# that one component registration (cmd/daprd/components/pubsub_pulsar.go).
# The two modules below are served but missing from the checksum database;
# go.sum (dapr's own, plus durabletask-go v0.12.1) pins their hashes.
export GONOSUMDB=github.com/dapr/durabletask-go,github.com/diagridio/go-etcd-cron
cp "$here/build/go.mod" "$here/build/go.sum" "$here/build/tools.go" "$work/"
# go mod download (not go list -m, which prints nothing while the module cache is empty) fetches
# dapr's source and names its folder.
if ! (cd "$work" && src=$(GOFLAGS=-mod=mod go mod download -json "$pkg" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p') && [ -n "$src" ] \
      && cp -r "$src" "$work/dapr" && chmod -R u+w "$work/dapr" \
      && rm -f "$work"/dapr/cmd/daprd/components/pubsub_pulsar*.go \
      && go mod edit -replace "$pkg=./dapr" \
      && contrib=$(GOFLAGS=-mod=mod go mod download -json github.com/dapr/components-contrib | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p') && [ -n "$contrib" ] \
      && cp -r "$contrib" "$work/contrib" && chmod -R u+w "$work/contrib" \
      && node "$here/build/patch-mqtt3.mjs" "$work/contrib" \
      && node "$here/build/patch-jetstream.mjs" "$work/contrib" \
      && node "$here/build/patch-nr-sqlite.mjs" "$work/contrib" \
      && node "$here/build/patch-redis-bulkget.mjs" "$work/contrib" \
      && node "$here/build/patch-redis-bulkpublish.mjs" "$work/contrib" \
      && node "$here/build/patch-redis-precise-json.mjs" "$work/contrib" \
      && node "$here/build/patch-redis-batched-ack.mjs" "$work/contrib" \
      && node "$here/build/patch-kafka-bulk-partitions.mjs" "$work/contrib" \
      && node "$here/build/patch-cloudevent-overrides.mjs" "$work/dapr" \
      && node "$here/build/patch-state-transaction-decode.mjs" "$work/dapr" \
      && node "$here/build/patch-bulk-publish-raw-events.mjs" "$work/dapr" \
      && node "$here/build/patch-cloudevent-json-data.mjs" "$work/contrib" \
      && node "$here/build/patch-bulk-delivery-raw-events.mjs" "$work/dapr" \
      && node "$here/build/patch-bulk-delivery-body.mjs" "$work/dapr" \
      && go mod edit -replace "github.com/dapr/components-contrib=./contrib" \
      && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags allcomponents \
        -ldflags "$ldflags" -o "$work/bin/" "${targets[@]}") >"$work/build.log" 2>&1; then
  log "the Dapr $version build failed (go build -tags allcomponents in $here/build); its last lines:"
  tail -n 40 "$work/build.log" >&2
  exit 1
fi
mkdir -p "$cache"
for b in "${bins[@]}"; do mv -f "$work/bin/$b" "$cache/$b"; done
got=$("$cache/daprd" --version)
if [ "$got" != "$version" ]; then
  log "built daprd reports version '$got', expected $version"
  exit 1
fi
log "built Dapr $version in $(( $(date +%s) - start ))s: $(du -sh "$cache" | cut -f1) in $cache"
echo "$cache"
