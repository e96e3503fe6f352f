#!/usr/bin/env bash
# Provides Prometheus (and promtool beside it) for local metrics and alert rules, and prints the
# path of `prometheus` on stdout (chatter on stderr).
#
# Order: $MERIDIAN_PROMETHEUS_BIN, then `prometheus` on PATH, and last the distribution's package
# (apt-get, as root only). The package's own service is kept from starting: Meridian runs its own
# Prometheus per platform, with its own config and ports, and a second one on :9090 would clash.
set -euo pipefail

log() { printf '[prometheus] %s\n' "$*" >&2; }

if [ -n "${MERIDIAN_PROMETHEUS_BIN:-}" ]; then
  [ -x "$MERIDIAN_PROMETHEUS_BIN" ] || { log "MERIDIAN_PROMETHEUS_BIN=$MERIDIAN_PROMETHEUS_BIN is not an executable"; exit 1; }
  echo "$MERIDIAN_PROMETHEUS_BIN"
  exit 0
fi

if bin=$(command -v prometheus); then echo "$bin"; exit 0; fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "prometheus is not installed. Install it (Debian/Ubuntu: sudo apt-get install --no-install-recommends prometheus),"
  log "or point MERIDIAN_PROMETHEUS_BIN at a prometheus (>= 2.42) binary with promtool beside it."
  exit 1
fi

log "installing prometheus from apt (first time only)"
# No service start during the install: policy-rc.d answering 101 is Debian's way to say so.
# An existing policy is left alone.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
fi
trap '[ -n "$own_policy" ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends prometheus >&2; then
  log "apt-get install failed; running apt-get update and trying once more"
  apt-get update >&2
  apt-get install -y --no-install-recommends prometheus >&2
fi

# Should a service have started anyway (a policy that allowed it), stop it through its own init script.
if pgrep -x prometheus >/dev/null 2>&1 && [ -x /etc/init.d/prometheus ]; then
  log "stopping the prometheus service the package started"
  /etc/init.d/prometheus stop >&2 || true
fi
if pgrep -x prometheus >/dev/null 2>&1; then
  log "note: a prometheus process runs (pids $(pgrep -x prometheus | tr '\n' ' ')); it may hold port 9090"
fi

command -v prometheus
