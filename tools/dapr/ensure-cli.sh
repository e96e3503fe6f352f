#!/usr/bin/env bash
# Provides a Dapr CLI for `dapr run -f .` and prints its path on stdout (chatter on stderr): our
# cache (~/.cache/meridian/dapr/cli-<version>-<patch level>/dapr), else a build from the Go module
# proxy into that cache. The proxy serves github.com/dapr/cli only at v1.12.0 and v1.10.0. 1.12
# predates the scheduler, which the daprd shim of `npm run prepare-run` supplies, and sends no
# API token on its metadata calls, which build/patch-cli-token.mjs adds (docs/operations.md).
set -euo pipefail

version=1.12.0
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}
# Bump the patch level when the patch changes, so an older build is not reused.
cache="$cache_root/dapr/cli-$version-meridian3"
log() { printf '[dapr-cli] %s\n' "$*" >&2; }

if [ -x "$cache/dapr" ]; then echo "$cache/dapr"; exit 0; fi
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi
command -v go >/dev/null 2>&1 || {
  log "no Dapr CLI on PATH and no Go toolchain to build one: install the Dapr CLI (https://docs.dapr.io/getting-started/install-dapr-cli/) or Go >= 1.26"
  exit 1
}
mkdir -p "$cache_root/dapr"
exec 9>"$cache_root/dapr/.build-cli-$version.lock"
flock -n 9 || { log "another build of the Dapr CLI is running; waiting for it"; flock 9; }
if [ -x "$cache/dapr" ]; then echo "$cache/dapr"; exit 0; fi

log "building the Dapr CLI $version from the Go module proxy (first time only, ~3 min)"
start=$(date +%s)
work=$(mktemp -d "$cache_root/dapr/build-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && go mod init meridian-dapr-cli >/dev/null 2>&1 \
      && src=$(GOFLAGS=-mod=mod go mod download -json "github.com/dapr/cli@v$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p') && [ -n "$src" ] \
      && cp -r "$src" "$work/cli" && chmod -R u+w "$work/cli" \
      && node "$here/build/patch-cli-token.mjs" "$work/cli" \
      && cd "$work/cli" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
        -ldflags "-s -w -X main.version=$version -X main.apiVersion=1.0" -o "$work/dapr" .) \
      >"$work/build.log" 2>&1; then
  log "the Dapr CLI build failed; its last lines:"
  tail -n 30 "$work/build.log" >&2
  exit 1
fi
mkdir -p "$cache"
mv "$work/dapr" "$cache/dapr"
log "built the Dapr CLI $version in $(( $(date +%s) - start ))s: $cache/dapr"
echo "$cache/dapr"
