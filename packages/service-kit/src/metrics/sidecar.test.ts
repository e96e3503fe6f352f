import { createServer, type Server } from 'node:http';
import type { Histogram } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { DaprClient } from '../dapr-client.ts';
import { createMetricsRegistry } from './registry.ts';

// A sidecar that answers by path: enough of the state, invoke and publish APIs to time them.
const sidecar: Server = createServer((req, res) => {
  const url = req.url ?? '';
  req.resume();
  req.on('end', () => {
    if (url.startsWith('/v1.0/state/store/key-')) return void res.writeHead(204).end();
    if (url === '/v1.0/state/store') return void res.writeHead(204).end();
    if (url === '/v1.0/state/store/transaction') return void res.writeHead(204).end();
    if (url === '/v1.0/state/store/bulk')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    if (url.startsWith('/v1.0/invoke/registry/')) return void res.writeHead(503).end('{}');
    if (url.startsWith('/v1.0/invoke/features/')) return void res.writeHead(200).end('{}');
    if (url.startsWith('/v1.0/publish/pubsub/')) return void res.writeHead(204).end();
    if (url.startsWith('/v1.0-alpha1/publish/bulk/pubsub/'))
      return void res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ failedEntries: [{ entryId: 'r2', error: 'broker said no' }] }));
    res.writeHead(404).end();
  });
});
await new Promise<void>((resolve) => sidecar.listen(0, '127.0.0.1', resolve));
const httpPort = (sidecar.address() as { port: number }).port;
afterAll(() => new Promise<void>((resolve) => sidecar.close(() => resolve())));

const metrics = createMetricsRegistry();
const dapr = new DaprClient({ httpPort, apiToken: 'dapr-token', metrics });

async function seriesCounts(name: string): Promise<Record<string, string | number>[]> {
  const { values } = await (metrics.getSingleMetric(name) as Histogram).get();
  return values.filter((v) => v.metricName === `${name}_count`).map((v) => ({ ...v.labels, count: v.value }));
}

describe('sidecar call metrics', () => {
  it('when state is read, written, deleted and read in bulk, then each is timed by store and operation, never by key', async () => {
    await dapr.getState({ store: 'store', key: 'key-1' });
    await dapr.saveState({ store: 'store', items: [{ key: 'key-1', value: 1 }] });
    await dapr.saveIfUnchanged({ store: 'store', key: 'key-2', value: 2 });
    await dapr.deleteState({ store: 'store', key: 'key-1' });
    await dapr.transact({ store: 'store', operations: [{ operation: 'delete', request: { key: 'key-3' } }] });
    await dapr.getBulkState({ store: 'store', keys: ['key-1', 'key-2'] });
    expect(await seriesCounts('meridian_dapr_state_operation_duration_seconds')).toEqual(
      expect.arrayContaining([
        { store: 'store', operation: 'get', count: 1 },
        { store: 'store', operation: 'save', count: 2 },
        { store: 'store', operation: 'delete', count: 1 },
        { store: 'store', operation: 'transaction', count: 1 },
        { store: 'store', operation: 'bulk_get', count: 1 },
      ]),
    );
    expect(await metrics.metrics()).not.toContain('key-');
  });

  it('when invocations answer 200, 503 or never, then they are timed by app id and status class', async () => {
    await dapr.invoke({ appId: 'features', method: 'v1/features/sensor/s-1' });
    await dapr.invoke({ appId: 'registry', method: 'v1/models' });
    const unreachable = new DaprClient({ httpPort: 1, apiToken: 'dapr-token', metrics });
    await expect(unreachable.invoke({ appId: 'monitor', method: 'v1/monitor/alerts' })).rejects.toThrow(/unreachable/);
    expect(await seriesCounts('meridian_dapr_invoke_duration_seconds')).toEqual(
      expect.arrayContaining([
        { app_id: 'features', status_class: '2xx', count: 1 },
        { app_id: 'registry', status_class: '5xx', count: 1 },
        { app_id: 'monitor', status_class: 'error', count: 1 },
      ]),
    );
    expect(await metrics.metrics()).not.toContain('s-1');
  });

  it('when records are published to a dead-letter topic, then the published ones count as dead letters of their topic', async () => {
    await dapr.publish({ pubsub: 'pubsub', topic: 'sensor-readings', data: { n: 1 } });
    await dapr.publish({ pubsub: 'pubsub', topic: 'sensor-readings.dead-letter', data: { n: 2 } });
    const failed = await dapr.publishBulk({
      pubsub: 'pubsub',
      topic: 'sensor-readings.dead-letter',
      entries: ['r1', 'r2', 'r3'].map((entryId) => ({ entryId, event: { entryId } })),
    });
    expect(failed).toEqual(new Set(['r2']));
    const { values } = await metrics.getSingleMetric('meridian_pubsub_dead_letters_total')!.get();
    expect(values).toEqual([expect.objectContaining({ labels: { topic: 'sensor-readings' }, value: 3 })]);
    expect(await seriesCounts('meridian_dapr_publish_duration_seconds')).toEqual(
      expect.arrayContaining([
        { topic: 'sensor-readings', count: 1 },
        { topic: 'sensor-readings.dead-letter', count: 2 },
      ]),
    );
  });
});
