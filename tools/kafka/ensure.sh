#!/usr/bin/env bash
# Provides kfake-broker, a Kafka-protocol broker for tests and local runs
# (tools/kafka/main.go on franz-go's kfake), and prints its path on stdout (all
# chatter goes to stderr).
#
# Order: $MERIDIAN_KAFKA_BROKER_BIN, then our cache
# (~/.cache/meridian/kafka/<hash of go.mod, go.sum and main.go>/kfake-broker),
# and last a build from the Go module proxy into that cache (about 40 s on 2
# cores, 80 s with an empty Go module cache; a second run is instant).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
name=kfake-broker
cache_root=${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}

log() { printf '[kafka] %s\n' "$*" >&2; }

if [ -n "${MERIDIAN_KAFKA_BROKER_BIN:-}" ]; then
  [ -x "$MERIDIAN_KAFKA_BROKER_BIN" ] || { log "MERIDIAN_KAFKA_BROKER_BIN=$MERIDIAN_KAFKA_BROKER_BIN is not an executable"; exit 1; }
  echo "$MERIDIAN_KAFKA_BROKER_BIN"
  exit 0
fi

hash=$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-16)
cache="$cache_root/kafka/$hash"
if [ -x "$cache/$name" ]; then echo "$cache/$name"; exit 0; fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<EOF2
[kafka] $name is not built yet ($cache/$name) and there is no Go toolchain to build it.
[kafka] Install Go >= 1.26 so Meridian can build it from the Go module proxy (once, under 1.5 min),
[kafka] or point MERIDIAN_KAFKA_BROKER_BIN at a built kfake-broker, or run a real Kafka and
[kafka] set MERIDIAN_KAFKA_BROKERS=host:port (then no broker is started).
EOF2
  exit 1
fi

# One build at a time: a second caller waits and then finds the cache filled.
mkdir -p "$cache_root/kafka"
exec 9>"$cache_root/kafka/.build.lock"
if ! flock -n 9; then
  log "another build of $name is running; waiting for it"
  flock 9
fi
if [ -x "$cache/$name" ]; then echo "$cache/$name"; exit 0; fi

log "building $name from the Go module proxy (first time only, about 40 s on 2 cores)"
work=$(mktemp -d "$cache_root/kafka/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
if ! (cd "$here" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -ldflags '-s -w' -o "$work/$name" .) >"$work/build.log" 2>&1; then
  log "the $name build failed (go build in $here); its last lines:"
  tail -n 40 "$work/build.log" >&2
  exit 1
fi
mkdir -p "$cache"
mv -f "$work/$name" "$cache/$name"
log "built $name in $(( $(date +%s) - start ))s: $(du -h "$cache/$name" | cut -f1) in $cache"
echo "$cache/$name"
