#!/usr/bin/env bash
# Provides a real kube-apiserver (k8s.io/kubernetes v1.34.x) and etcd (v3.6.x) for the
# Kubernetes checks in tests/deploy, and prints the directory holding both on stdout (all
# chatter goes to stderr).
#
# With --crds it prints instead a directory holding the CustomResourceDefinitions that the
# checks install: dapr/ (charts/dapr/crds of the pinned Dapr, tools/dapr/VERSION) and keda/
# (config/crd/bases of github.com/kedacore/keda/v2 at $keda_version below), both taken from
# the Go module proxy once into ~/.cache/meridian/k8s/crds-dapr<v>-keda<v>.
#
# Order: $MERIDIAN_APISERVER_BIN_DIR, then our cache
# (~/.cache/meridian/k8s/apiserver-<hash of tools/k8s/apiserver and the build flags>), and
# last a build from the Go module proxy into that cache (tools/k8s/apiserver; once: 38 min
# measured on 2 cores while three other Go builds shared them, 50 s when only the cache folder
# is new and Go's build cache is warm; a second run is instant). kube-apiserver is 98 MB and
# etcd 25 MB.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mod="$here/apiserver"
bins=(kube-apiserver etcd)
cache_root=${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}

keda_version=v2.21.0

log() { printf '[k8s] %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi

# The source folder of a module version in the Go module cache (downloaded on first use).
module_dir() {
  (cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
}

if [ "${1:-}" = "--crds" ]; then
  dapr_version=$(sed -n 's/^runtime=//p' "$here/../dapr/VERSION")
  crds="$cache_root/k8s/crds-dapr$dapr_version-keda$keda_version"
  if [ -d "$crds/dapr" ] && [ -d "$crds/keda" ]; then echo "$crds"; exit 0; fi
  command -v go >/dev/null 2>&1 || { log "no Go toolchain to fetch the Dapr and KEDA CRDs from the Go module proxy"; exit 1; }
  dapr_src=$(module_dir "github.com/dapr/dapr@v$dapr_version")
  keda_src=$(module_dir "github.com/kedacore/keda/v2@$keda_version")
  [ -d "$dapr_src/charts/dapr/crds" ] && [ -d "$keda_src/config/crd/bases" ] || {
    log "could not fetch the CRDs (dapr v$dapr_version: '$dapr_src', keda $keda_version: '$keda_src')"
    exit 1
  }
  mkdir -p "$cache_root/k8s"
  exec 9>"$cache_root/k8s/.crds.lock"
  flock 9
  if [ -d "$crds/dapr" ] && [ -d "$crds/keda" ]; then echo "$crds"; exit 0; fi
  work=$(mktemp -d "$cache_root/k8s/crds.XXXXXX")
  mkdir "$work/dapr" "$work/keda"
  cp "$dapr_src"/charts/dapr/crds/*.yaml "$work/dapr/"
  cp "$keda_src"/config/crd/bases/*.yaml "$work/keda/"
  chmod -R u+w "$work"
  rm -rf "$crds"
  mv "$work" "$crds"
  echo "$crds"
  exit 0
fi

has_all() {
  local dir=$1 b
  for b in "${bins[@]}"; do [ -x "$dir/$b" ] || return 1; done
}

if [ -n "${MERIDIAN_APISERVER_BIN_DIR:-}" ]; then
  has_all "$MERIDIAN_APISERVER_BIN_DIR" || {
    log "MERIDIAN_APISERVER_BIN_DIR=$MERIDIAN_APISERVER_BIN_DIR does not hold ${bins[*]}"
    exit 1
  }
  echo "$MERIDIAN_APISERVER_BIN_DIR"
  exit 0
fi

# The version stamped into kube-apiserver is the k8s.io/kubernetes version in go.mod.
k8s_version=$(sed -n 's/^[[:space:]]*k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$mod/go.mod")
minor=$(echo "$k8s_version" | cut -d. -f2)
vpkg=k8s.io/component-base/version
ldflags="-s -w -X $vpkg.gitVersion=$k8s_version -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor"
ldflags+=" -X $vpkg.gitTreeState=clean"
hash=$( (cat "$mod/go.mod" "$mod/go.sum" "$mod/tools.go"; echo "$ldflags") | sha256sum | cut -c1-16)
cache="$cache_root/k8s/apiserver-$hash"
if has_all "$cache"; then echo "$cache"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<EOF
[k8s] kube-apiserver and etcd are not built yet ($cache) and there is no Go toolchain to build them.
[k8s] Install Go >= 1.26 so Meridian can build them from the Go module proxy (once, 20-40 min
[k8s] on 2 cores), or point MERIDIAN_APISERVER_BIN_DIR at a directory holding
[k8s] kube-apiserver $k8s_version and etcd v3.6.
EOF
  exit 1
fi

# One build at a time: a second caller waits and then finds the cache filled.
mkdir -p "$cache_root/k8s"
exec 9>"$cache_root/k8s/.build-apiserver.lock"
if ! flock -n 9; then
  log "another build of kube-apiserver/etcd is running; waiting for it"
  flock 9
fi
if has_all "$cache"; then echo "$cache"; exit 0; fi

log "building kube-apiserver $k8s_version and etcd from the Go module proxy (first time only, 20-40 min on 2 cores)"
work=$(mktemp -d "$cache_root/k8s/build-apiserver.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
export CGO_ENABLED=0 GOFLAGS=-mod=readonly
if ! (cd "$mod" \
      && go build -trimpath -ldflags "$ldflags" -o "$work/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver \
      && go build -trimpath -ldflags '-s -w' -o "$work/etcd" go.etcd.io/etcd/server/v3) >"$work/build.log" 2>&1; then
  log "the kube-apiserver/etcd build failed (go build in $mod); its last lines:"
  tail -n 40 "$work/build.log" >&2
  exit 1
fi
got=$("$work/kube-apiserver" --version)
if [ "$got" != "Kubernetes $k8s_version" ]; then
  log "built kube-apiserver reports '$got', expected 'Kubernetes $k8s_version'"
  exit 1
fi
mkdir -p "$cache"
for b in "${bins[@]}"; do mv -f "$work/$b" "$cache/$b"; done
log "built kube-apiserver and etcd in $(( $(date +%s) - start ))s: $(du -sh "$cache" | cut -f1) in $cache"
echo "$cache"
