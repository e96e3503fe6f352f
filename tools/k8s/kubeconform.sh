#!/usr/bin/env bash
# Provides kubeconform (github.com/yannh/kubeconform, pinned below), the validator behind the
# strict schema check of deploy/ (tests/deploy/schemas.test.ts), and prints its path on stdout
# (all chatter goes to stderr).
#
# Order: $MERIDIAN_KUBECONFORM_BIN, then our cache
# (~/.cache/meridian/k8s/kubeconform-<version>/kubeconform), and last a build from the Go
# module proxy into that cache (5-15 s when Go's caches are warm; about 3.5 min from empty Go
# caches on a busy 2-core machine; a second run is instant).
set -euo pipefail

version=v0.8.0
pkg=github.com/yannh/kubeconform/cmd/kubeconform
name=kubeconform
cache_root=${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}
cache="$cache_root/k8s/$name-$version"

log() { printf '[k8s] %s\n' "$*" >&2; }

if [ -n "${MERIDIAN_KUBECONFORM_BIN:-}" ]; then
  [ -x "$MERIDIAN_KUBECONFORM_BIN" ] || { log "MERIDIAN_KUBECONFORM_BIN=$MERIDIAN_KUBECONFORM_BIN is not an executable"; exit 1; }
  echo "$MERIDIAN_KUBECONFORM_BIN"
  exit 0
fi

if [ -x "$cache/$name" ]; then echo "$cache/$name"; exit 0; fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<EOF2
[k8s] $name $version is not built yet ($cache/$name) and there is no Go toolchain to build it.
[k8s] Install Go >= 1.26 (kubeconform $version needs it) so Meridian can build it from the Go module proxy (once),
[k8s] or point MERIDIAN_KUBECONFORM_BIN at a kubeconform $version binary.
EOF2
  exit 1
fi

# One build at a time: a second caller waits and then finds the cache filled.
mkdir -p "$cache_root/k8s"
exec 9>"$cache_root/k8s/.$name.lock"
if ! flock -n 9; then
  log "another build of $name is running; waiting for it"
  flock 9
fi
if [ -x "$cache/$name" ]; then echo "$cache/$name"; exit 0; fi

log "building $name $version from the Go module proxy (first time only; seconds to a few minutes)"
work=$(mktemp -d "$cache_root/k8s/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
# `go install pkg@version` builds the module exactly as its own go.mod pins it, outside any
# workspace; GOBIN puts the binary in our scratch directory first so a failed build leaves no trace.
if ! (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="$work" \
  go install -trimpath -ldflags "-s -w -X main.version=$version" "$pkg@$version") >"$work/build.log" 2>&1; then
  log "the $name build failed (go install $pkg@$version); its last lines:"
  tail -n 40 "$work/build.log" >&2
  exit 1
fi
mkdir -p "$cache"
mv -f "$work/$name" "$cache/$name"
log "built $name $version in $(( $(date +%s) - start ))s: $(du -h "$cache/$name" | cut -f1) in $cache"
echo "$cache/$name"
