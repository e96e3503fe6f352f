import { afterAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '@meridian/platform';
import { InferResponse } from '@meridian/contracts';
import { clientSidecar } from './helpers/client-sidecar.ts';
import { usePlatform } from './helpers/platform.ts';

describe('access control between sidecars (mTLS identities)', () => {
  const h = usePlatform('local');
  const started: ManagedProcess[] = [];
  let clientUrl = '';
  afterAll(async () => void (await Promise.all(started.map((p) => p.stop()))));

  it('when an app listed as a caller invokes inference through its own sidecar, then it is served', async () => {
    const client = await clientSidecar('example-client', h.platform.dataDir);
    started.push(client.process);
    clientUrl = client.url;
    const res = await fetch(`${client.url}/v1.0/invoke/inference/method/v2/models/sensor-anomaly/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [
          { name: 'humidity', shape: [1], datatype: 'FP32', data: [45] },
          { name: 'temperature', shape: [1], datatype: 'FP32', data: [27] },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect(InferResponse.parse(await res.json()).outputs[0]!.name).toBe('anomaly_probability');
  });

  it('when an app not in the access-control list invokes inference or monitor, then Dapr denies it', async () => {
    const intruder = await clientSidecar('intruder', h.platform.dataDir);
    started.push(intruder.process);
    for (const target of ['inference/method/v2/models/sensor-anomaly', 'monitor/method/v1/monitor/predictions']) {
      const res = await fetch(`${intruder.url}/v1.0/invoke/${target}`);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain(
        'access control policy has denied access to id: spiffe://public/ns/default/intruder',
      );
    }
  });

  it('when example-client invokes monitor, which only the gateway may call, then it is denied', async () => {
    expect(clientUrl).not.toBe('');
    const res = await fetch(`${clientUrl}/v1.0/invoke/monitor/method/v1/monitor/predictions`);
    expect(res.status).toBe(403);
  });
});
