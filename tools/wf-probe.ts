import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaprWorkflowClient, WorkflowRuntime, type WorkflowActivityContext, type WorkflowContext } from '@dapr/dapr';
import {
  allocatePorts,
  daprBinDir,
  httpOk,
  repoPath,
  sidecarPorts,
  SIDECAR_PORT_COUNT,
  startControlPlane,
  startSidecar,
  waitFor,
} from '@meridian/platform';

const home = mkdtempSync(join(tmpdir(), 'wf-'));
const cp = await startControlPlane({ binDir: daprBinDir(), home });
const ports = sidecarPorts(await allocatePorts(SIDECAR_PORT_COUNT));
const sidecar = startSidecar({
  appId: 'wfprobe',
  ports,
  cp,
  config: repoPath('configuration/client.yaml'),
  resources: [repoPath('components/state/sqlite')],
  dataDir: home,
});
await waitFor({
  what: 'sidecar',
  timeoutMs: 30000,
  check: () => httpOk(`http://127.0.0.1:${ports.http}/v1.0/healthz/outbound`),
});
const hello = async (_: WorkflowActivityContext, name: string) => `hello ${name}`;
const wf = async function* (ctx: WorkflowContext, input: string): any {
  const a = yield ctx.callActivity(hello, input);
  const b = yield ctx.callActivity(hello, a);
  return b;
};
const runtime = new WorkflowRuntime({ daprHost: '127.0.0.1', daprPort: `${ports.grpc}` });
runtime.registerWorkflow(wf).registerActivity(hello);
await runtime.start();
const client = new DaprWorkflowClient({ daprHost: '127.0.0.1', daprPort: `${ports.grpc}` });
const id = await client.scheduleNewWorkflow(wf, 'world');
console.log('scheduled', id);
const state = await client.waitForWorkflowCompletion(id, undefined, 60);
console.log('state', state?.runtimeStatus, state?.serializedOutput);
await runtime.stop();
await client.stop();
await sidecar.stop();
await cp.stop();
console.log(sidecar.lastLines(10).join('\n'));
process.exit(0);
