import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnlineFeatures, PipelineReport } from '@meridian/contracts';
import { ensureWindowedModel } from '@meridian/platform';
import { mapLimit } from '@meridian/service-kit';
import { eventually, ingestReadings, usePlatform } from './helpers/platform.ts';

// More than one instance of an app (`replicas` in apps/apps.json), each beside its own sidecar
// under the same app id: name resolution spreads calls over them, the pub/sub consumer group
// shares their deliveries. On Redis Streams, whose consumer groups split a stream between
// instances (an MQTT client id cannot be shared, see docs/operations.md).
const h = usePlatform('pubsub=redis', {
  prepare: ensureWindowedModel,
  apps: ['gateway', 'inference', 'monitor', 'registry', 'ingestion', 'features'],
  replicas: { inference: 2, features: 2 },
});

const reading = { humidity: [45], temperature: [27] };
const inferBody = JSON.stringify({
  inputs: [
    { name: 'humidity', shape: [1], datatype: 'FP32', data: reading.humidity },
    { name: 'temperature', shape: [1], datatype: 'FP32', data: reading.temperature },
  ],
});

/** Lines an instance logged for requests on a path (service-kit logs each request with its path). */
function requestsLogged(instance: string, path: string): number {
  const log = readFileSync(join(h.platform.dataDir, 'logs', `${instance}.log`), 'utf8');
  return log.split('\n').filter((l) => l.includes('request completed') && l.includes(`"path":"${path}"`)).length;
}

describe('replicas (apps/apps.json `replicas`)', () => {
  it('when one of two inference replicas is killed with SIGKILL under load, then no prediction through the gateway fails', async () => {
    const [, second] = h.platform.instances('inference');
    expect(h.platform.instances('inference').map((i) => i.instance)).toEqual(['inference', 'inference-2']);
    const token = await h.token(['predict']);
    const predict = async () =>
      (
        await fetch(`${h.platform.gatewayUrl}/v2/models/sensor-anomaly/infer`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: inferBody,
        })
      ).status;
    const statuses: number[] = [];
    let killed = false;
    // 16 callers at once; the second replica dies once 200 predictions are answered.
    await mapLimit(
      Array.from({ length: 1200 }, (_, i) => i),
      16,
      async () => {
        statuses.push(await predict());
        if (!killed && statuses.length >= 200) {
          killed = true;
          // Both instances have answered predictions by now.
          for (const instance of ['inference', 'inference-2'])
            await eventually(
              async () => requestsLogged(instance, '/v2/models/sensor-anomaly/infer'),
              (n) => n > 0,
            );
          await Promise.all([second!.app.kill(), second!.sidecar.kill()]);
        }
      },
    );
    expect(second!.app.running || second!.sidecar.running).toBe(false);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(statuses).toHaveLength(1200);
  });

  it('when a stream is ingested with two features replicas, then both take deliveries and every reading is applied exactly once', async () => {
    expect(h.platform.instances('features').map((i) => i.instance)).toEqual(['features', 'features-2']);
    const run = Date.now() % 1_000_000_000;
    const motes = Array.from({ length: 8 }, (_, i) => run * 100 + i);
    const perMote = 40;
    const readings = motes.flatMap((m) =>
      Array.from({ length: perMote }, (_, i) => ({
        id: `${m}-${i}`,
        mote_id: m,
        humidity: 40 + (i % 20),
        temperature: 22 + i / 100,
        ts: 1_700_000_000_000 + i * 30_000,
      })),
    );
    // In batches, so the stream is spread over many deliveries.
    for (let i = 0; i < readings.length; i += 20) {
      expect((await ingestReadings(h, readings.slice(i, i + 20))).status).toBe(202);
    }
    const total = motes.length * perMote;
    const report = await eventually(
      async () =>
        PipelineReport.parse(
          await (await h.gateway(`/v1/monitor/pipeline?entities=${motes.join(',')}`, { roles: ['predict'] })).json(),
        ),
      (r) => r.rows >= total,
      90_000,
    );
    expect(report.rows).toBe(total);
    const applied = await Promise.all(
      motes.map(
        async (m) =>
          OnlineFeatures.parse(await (await h.gateway(`/v1/features/sensor/${m}`, { roles: ['predict'] })).json())
            .readings_applied,
      ),
    );
    expect(applied).toEqual(motes.map(() => perMote));
    const route = '/events/sensor-readings';
    expect(requestsLogged('features', route)).toBeGreaterThan(0);
    expect(requestsLogged('features-2', route)).toBeGreaterThan(0);
  });
});
