#!/usr/bin/env bash
# Provides the strict JSON schemas that kubeconform checks deploy/ against (Kubernetes' own API
# from the k8s.io/kubernetes module's OpenAPI spec, Dapr's and KEDA's CRDs, unknown fields
# rejected) and prints their directory on stdout (all chatter goes to stderr). Use it as
#   kubeconform -strict -schema-location "$(tools/k8s/schemas.sh)/{{ .ResourceKind }}{{ .KindSuffix }}.json"
#
# Order: $MERIDIAN_K8S_SCHEMAS_DIR, then our cache
# (~/.cache/meridian/k8s/schemas-<versions>-<hash of the generator>), and last a generation from
# the modules on the Go module proxy into that cache (tools/k8s/schemas.ts; about 20 s with an
# empty Go module cache, 7 s with the modules downloaded; a second run is instant).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
kubernetes=v1.34.4
dapr=v$(sed -n 's/^runtime=//p' "$repo/tools/dapr/VERSION")
keda=v2.21.0
cache_root=${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}

log() { printf '[k8s] %s\n' "$*" >&2; }

if [ -n "${MERIDIAN_K8S_SCHEMAS_DIR:-}" ]; then
  [ -f "$MERIDIAN_K8S_SCHEMAS_DIR/index.json" ] || { log "MERIDIAN_K8S_SCHEMAS_DIR=$MERIDIAN_K8S_SCHEMAS_DIR holds no generated schemas (no index.json)"; exit 1; }
  echo "$MERIDIAN_K8S_SCHEMAS_DIR"
  exit 0
fi

code=$(cat "$here/schemas.ts" "$here/schemas-sources.ts" "$here/openapi-to-jsonschema.ts" | sha256sum | cut -c1-12)
cache="$cache_root/k8s/schemas-k8s-$kubernetes-dapr-$dapr-keda-$keda-$code"
if [ -f "$cache/index.json" ]; then echo "$cache"; exit 0; fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<EOF2
[k8s] The Kubernetes schemas are not generated yet ($cache) and there is no Go toolchain to fetch
[k8s] their sources (k8s.io/kubernetes $kubernetes, github.com/dapr/dapr $dapr, github.com/kedacore/keda/v2 $keda)
[k8s] from the Go module proxy. Install Go, or point MERIDIAN_K8S_SCHEMAS_DIR at a directory
[k8s] that this script generated on another machine.
EOF2
  exit 1
fi
tsx="$repo/node_modules/.bin/tsx"
[ -x "$tsx" ] || { log "no $tsx: run npm ci in $repo first"; exit 1; }

# One generation at a time: a second caller waits and then finds the cache filled.
mkdir -p "$cache_root/k8s"
exec 9>"$cache_root/k8s/.schemas.lock"
if ! flock -n 9; then
  log "another generation of the schemas is running; waiting for it"
  flock 9
fi
if [ -f "$cache/index.json" ]; then echo "$cache"; exit 0; fi

log "generating strict schemas (Kubernetes $kubernetes, Dapr $dapr, KEDA $keda) from the Go module proxy"
work=$(mktemp -d "$cache_root/k8s/schemas-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
"$tsx" "$here/schemas.ts" --out "$work/out" --kubernetes "$kubernetes" --dapr "$dapr" --keda "$keda"
rm -rf "$cache"
mv "$work/out" "$cache"
log "schemas ready in $(( $(date +%s) - start ))s: $(find "$cache" -name '*.json' | wc -l) files, $(du -sh "$cache" | cut -f1) in $cache"
echo "$cache"
