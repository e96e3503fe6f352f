#!/usr/bin/env bash
# Provides Jaeger (v1.76 all-in-one: OTLP and Zipkin in, the query API and UI out,
# spans in memory) for local traces, and prints its path on stdout (chatter on stderr).
#
# Order: $MERIDIAN_JAEGER_BIN, then our cache
# (~/.cache/meridian/jaeger/<hash of jaeger/go.mod and go.sum>/jaeger), and last a
# build from the Go module proxy into that cache (`go get -tool` pinned it in
# tools/observability/jaeger; 344 s on 2 cores the first time here).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}

log() { printf '[jaeger] %s\n' "$*" >&2; }

if [ -n "${MERIDIAN_JAEGER_BIN:-}" ]; then
  [ -x "$MERIDIAN_JAEGER_BIN" ] || { log "MERIDIAN_JAEGER_BIN=$MERIDIAN_JAEGER_BIN is not an executable"; exit 1; }
  echo "$MERIDIAN_JAEGER_BIN"
  exit 0
fi

hash=$(cat "$here/jaeger/go.mod" "$here/jaeger/go.sum" | sha256sum | cut -c1-16)
cache="$cache_root/jaeger/$hash"
if [ -x "$cache/jaeger" ]; then echo "$cache/jaeger"; exit 0; fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null 2>&1; then
  log "jaeger is not built yet ($cache/jaeger) and there is no Go toolchain to build it."
  log "Install Go >= 1.26, or point MERIDIAN_JAEGER_BIN at a Jaeger v1.76+ binary."
  exit 1
fi

# One build at a time: a second caller waits and then finds the cache filled.
mkdir -p "$cache_root/jaeger"
exec 9>"$cache_root/jaeger/.build.lock"
if ! flock -n 9; then
  log "another build of jaeger is running; waiting for it"
  flock 9
fi
if [ -x "$cache/jaeger" ]; then echo "$cache/jaeger"; exit 0; fi

log "building jaeger from the Go module proxy (first time only, about 6 min on 2 cores)"
work=$(mktemp -d "$cache_root/jaeger/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
if ! (cd "$here/jaeger" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -ldflags '-s -w' \
  -o "$work/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger) >"$work/build.log" 2>&1; then
  log "the jaeger build failed (go build in $here/jaeger); its last lines:"
  tail -n 40 "$work/build.log" >&2
  exit 1
fi
mkdir -p "$cache"
mv -f "$work/jaeger" "$cache/jaeger"
log "built jaeger in $(( $(date +%s) - start ))s: $(du -h "$cache/jaeger" | cut -f1) in $cache"
echo "$cache/jaeger"
