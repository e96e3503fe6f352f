import { parseArgs } from 'node:util';

export interface SidecarArgs {
  appId: string;
  httpPort: number;
  grpcPort: number | undefined;
  appPort: number | undefined;
  verbose: boolean;
}

export const USAGE =
  'usage: npm run sidecar -- --app-id <id> [--http-port 3500] [--grpc-port <port>] [--app-port <port>] [--verbose]';

function port(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new Error(`--${name} takes a port (1-65535), not "${text}"`);
  return n;
}

/** The command line of `npm run sidecar`; throws a message for the user when it is wrong. */
export function parseSidecarArgs(argv: string[], meridianApps: string[]): SidecarArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      'app-id': { type: 'string' },
      'http-port': { type: 'string' },
      'grpc-port': { type: 'string' },
      'app-port': { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const appId = values['app-id'];
  if (appId === undefined) throw new Error(`--app-id is required\n${USAGE}`);
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(appId))
    throw new Error(`--app-id takes an app id (lowercase letters, digits, "-"), not "${appId}"`);
  if (meridianApps.includes(appId))
    throw new Error(`--app-id ${appId} is one of Meridian's own apps; an outside application needs an id of its own`);
  const httpPort = port('http-port', values['http-port']) ?? 3500;
  const grpcPort = port('grpc-port', values['grpc-port']);
  const appPort = port('app-port', values['app-port']);
  const ports = [httpPort, grpcPort, appPort].filter((p) => p !== undefined);
  if (new Set(ports).size !== ports.length) throw new Error(`--http-port, --grpc-port and --app-port must differ`);
  return { appId, httpPort, grpcPort, appPort, verbose: values.verbose };
}

/** One reading for the dev model sensor-anomaly (its inputs are in GET /v2/models/sensor-anomaly). */
const SENSOR_READING = JSON.stringify({
  inputs: [
    { name: 'temperature', shape: [1], datatype: 'FP32', data: [27] },
    { name: 'humidity', shape: [1], datatype: 'FP32', data: [45] },
  ],
});

/** The model an example call reads: the first `GET /v2/models/{model}` the app may call, else any operation. */
function exampleCall(operations: { app: string; op: string }[]): { app: string; path: string } | undefined {
  const chosen =
    operations.find((o) => o.op === 'GET /v2/models/{model}') ?? operations.find((o) => o.op.startsWith('GET '));
  if (!chosen) return undefined;
  return { app: chosen.app, path: chosen.op.slice(4).replace('{model}', 'sensor-anomaly').replace(/^\//, '') };
}

/** What `npm run sidecar` prints once the sidecar can make calls. */
export function readyLines(o: {
  appId: string;
  url: string;
  grpcPort: number;
  apiToken: string;
  appPort: number | undefined;
  appToken: string | undefined;
  operations: { app: string; op: string }[];
  gatewayUrl: string;
  logFile: string;
}): string[] {
  const lines = [
    `sidecar for ${o.appId} ready: ${o.url} (gRPC 127.0.0.1:${o.grpcPort}); Ctrl-C stops it`,
    `  dapr-api-token: ${o.apiToken}`,
    '  every call to this sidecar must send that header (it answers 401 without it); the token lasts as long as this sidecar',
    `  for a Dapr SDK: DAPR_HTTP_PORT=${o.url.split(':').pop()} DAPR_GRPC_PORT=${o.grpcPort} DAPR_API_TOKEN=${o.apiToken}`,
  ];
  if (o.appPort)
    lines.push(
      `  calls to ${o.appId} reach your app on 127.0.0.1:${o.appPort} with header dapr-api-token: ${o.appToken} (check it);`,
      `  no Meridian app is allowed to call ${o.appId}`,
    );
  if (o.operations.length === 0) {
    lines.push(
      `  no Meridian app lists ${o.appId} among its callers (apps/apps.json): every call will be denied (403)`,
    );
  } else {
    lines.push(`  ${o.appId} may call (apps/apps.json):`);
    for (const { app, op } of o.operations) lines.push(`    ${app.padEnd(10)} ${op}`);
  }
  const example = exampleCall(o.operations);
  if (example)
    lines.push(
      '  try:',
      `    curl -H 'dapr-api-token: ${o.apiToken}' ${o.url}/v1.0/invoke/${example.app}/method/${example.path}`,
    );
  if (o.operations.some((x) => x.app === 'inference' && x.op === 'POST /v2/models/{model}/infer'))
    lines.push(
      `    curl -H 'dapr-api-token: ${o.apiToken}' -H 'content-type: application/json' -d '${SENSOR_READING}' \\`,
      `      ${o.url}/v1.0/invoke/inference/method/v2/models/sensor-anomaly/infer`,
    );
  lines.push(`  (the platform's own gateway is ${o.gatewayUrl}; this sidecar's log is ${o.logFile})`);
  return lines;
}
