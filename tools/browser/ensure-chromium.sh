#!/usr/bin/env bash
# Provides Chromium for the console's browser tests and prints its path on stdout (chatter on
# stderr). Playwright's own browser download cannot work offline, so the tests drive Debian's
# chromium through playwright-core's executablePath.
#
# Order: $MERIDIAN_CHROMIUM_BIN, then chromium on PATH (/usr/bin/chromium), and last
# `apt-get install chromium` when running as root (about 20 s from the Debian mirror).
set -euo pipefail

log() { printf '[chromium] %s\n' "$*" >&2; }

if [ -n "${MERIDIAN_CHROMIUM_BIN:-}" ]; then
  [ -x "$MERIDIAN_CHROMIUM_BIN" ] || { log "MERIDIAN_CHROMIUM_BIN=$MERIDIAN_CHROMIUM_BIN is not an executable"; exit 1; }
  echo "$MERIDIAN_CHROMIUM_BIN"
  exit 0
fi

found() { command -v chromium 2>/dev/null || { [ -x /usr/bin/chromium ] && echo /usr/bin/chromium; } || true; }

bin=$(found)
if [ -n "$bin" ]; then echo "$bin"; exit 0; fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "Chromium is not installed. Install Debian's package (sudo apt-get install chromium),"
  log "or point MERIDIAN_CHROMIUM_BIN at a Chromium or Chrome binary."
  exit 1
fi

# One install at a time: a second caller waits for the first.
exec 9>/tmp/meridian-chromium-install.lock
flock 9
bin=$(found)
if [ -n "$bin" ]; then echo "$bin"; exit 0; fi
log "installing Debian's chromium (first time only)"
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/tmp/meridian-chromium-install.log 2>&1; then
  # A machine whose package lists were never fetched finds no candidate: fetch them once and retry.
  apt-get update >>/tmp/meridian-chromium-install.log 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >>/tmp/meridian-chromium-install.log 2>&1 || {
    log "apt-get install chromium failed; its last lines:"
    tail -n 20 /tmp/meridian-chromium-install.log >&2
    exit 1
  }
fi
bin=$(found)
[ -n "$bin" ] || { log "chromium was installed but is not on PATH"; exit 1; }
echo "$bin"
