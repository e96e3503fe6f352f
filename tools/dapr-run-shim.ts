// The files through which `dapr run -f .` (Dapr CLI 1.12 or newer) starts daprd 1.18.3 against
// the control plane of `npm run prepare-run`: a shell-sourceable environment file, and the daprd
// shim the CLI finds at <runtimePath>/.dapr/bin/daprd.

/** Single-quoted for sh: safe for any value. */
const quote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;

export interface RuntimeEnv {
  pid: number;
  /** The real daprd 1.18.3. */
  daprd: string;
  sentry: string;
  placement: string;
  scheduler: string;
  trustDomain: string;
  trustAnchorsFile: string;
  /** The embedded MQTT broker: the local profile's pub/sub and the sensors' input binding. */
  brokerUrl: string;
}

export function runtimeEnv(e: RuntimeEnv): string {
  const vars: Record<string, string | number> = {
    MERIDIAN_CONTROL_PLANE_PID: e.pid,
    MERIDIAN_DAPRD: e.daprd,
    MERIDIAN_SENTRY_ADDRESS: e.sentry,
    MERIDIAN_PLACEMENT_ADDRESS: e.placement,
    MERIDIAN_SCHEDULER_ADDRESS: e.scheduler,
    MERIDIAN_CONTROL_PLANE_TRUST_DOMAIN: e.trustDomain,
    MERIDIAN_TRUST_ANCHORS_FILE: e.trustAnchorsFile,
    MERIDIAN_EMBEDDED_BROKER_URL: e.brokerUrl,
    MERIDIAN_MQTT_URL: e.brokerUrl,
  };
  return `${Object.entries(vars)
    .map(([k, v]) => `${k}=${quote(String(v))}`)
    .join('\n')}\n`;
}

/**
 * The daprd the CLI runs. CLI 1.12 passes `--sentry-address localhost:50001` and
 * `--placement-host-address localhost:50005` and knows no scheduler; daprd takes the last value of
 * a repeated flag, so the shim appends the control plane's addresses after the CLI's arguments. It
 * gives each daprd the trust anchors and the identity token of the app id it was started for.
 */
export function daprdShim(o: { envFile: string; identityDir: string }): string {
  return `#!/usr/bin/env bash
# Written by \`npm run prepare-run\`: daprd for \`dapr run -f .\` (see docs/operations.md).
set -euo pipefail
env_file=${quote(o.envFile)}
if [ ! -f "$env_file" ]; then
  echo "meridian: the control plane is not running (no $env_file): run 'npm run prepare-run' first" >&2
  exit 1
fi
set -a
. "$env_file"
set +a
app_id=
prev=
for arg in "$@"; do
  if [ "$prev" = "--app-id" ]; then app_id=$arg; fi
  case "$arg" in --app-id=*) app_id=\${arg#--app-id=} ;; esac
  prev=$arg
done
token_file=${quote(o.identityDir)}/"$app_id".jwt
if [ ! -f "$token_file" ]; then
  echo "meridian: no identity for app id '$app_id' (apps/apps.json lists the apps; run 'npm run prepare-run' again)" >&2
  exit 1
fi
DAPR_TRUST_ANCHORS=$(cat "$MERIDIAN_TRUST_ANCHORS_FILE")
export DAPR_TRUST_ANCHORS DAPR_SENTRY_TOKEN_FILE="$token_file" NAMESPACE=default
exec "$MERIDIAN_DAPRD" "$@" \\
  --enable-mtls \\
  --sentry-address "$MERIDIAN_SENTRY_ADDRESS" \\
  --control-plane-trust-domain "$MERIDIAN_CONTROL_PLANE_TRUST_DOMAIN" \\
  --placement-host-address "$MERIDIAN_PLACEMENT_ADDRESS" \\
  --scheduler-host-address "$MERIDIAN_SCHEDULER_ADDRESS"
`;
}
