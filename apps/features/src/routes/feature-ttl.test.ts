import { afterAll, describe, expect, it } from 'vitest';
import type { IngestedRecordsEvent } from '@meridian/contracts';
import { sensorWindowSpec } from '@meridian/ml';
import { createLogger } from '@meridian/service-kit';
import { FakeClock } from '@meridian/testkit';
import { MemoryFeatureLog, MemoryStateStore, RecordingScorer, memoryEntityStore } from '../testing/fakes.ts';
import { featuresTestEnv, serveFeatures } from '../testing/serve.ts';

createLogger({ name: 'test', level: 'silent' });
const env = featuresTestEnv({ FEATURE_TTL_SECONDS: '60' });
const spec = sensorWindowSpec(3, ['mean']);
// The state store's clock decides expiry; the processor stamps states with the same clock.
const clock = new FakeClock();
const state = new MemoryStateStore({ now: clock.now });
const store = memoryEntityStore(state, { ttlSeconds: env.FEATURE_TTL_SECONDS });
const { served } = await serveFeatures({
  env,
  spec,
  store,
  scorer: new RecordingScorer(),
  offlineLog: new MemoryFeatureLog(),
  clock: () => new Date(clock.now()),
});
afterAll(() => served.close());

const online = async (mote: number) => (await served.send('GET', `/v1/features/sensor/${mote}`)).status;
let sent = 0;
/** One reading of a mote, delivered as daprd posts a bulk delivery. */
async function deliver(mote: number): Promise<void> {
  sent += 1;
  const data: IngestedRecordsEvent = {
    stream: 'sensor-readings',
    received_at: new Date(clock.now()).toISOString(),
    records: [{ key: `k-${sent}`, record: { mote_id: mote, humidity: 40, temperature: 20, ts: clock.now() } }],
  };
  const body = {
    id: `bulk-${sent}`,
    topic: env.READINGS_TOPIC,
    pubsubname: env.PUBSUB_NAME,
    entries: [{ entryId: 'e0', event: { specversion: '1.0', id: `ce-${sent}`, data } }],
  };
  const res = await served.send('POST', '/events/sensor-readings', body);
  expect(((await res.json()) as { statuses: { status: string }[] }).statuses).toEqual([
    { entryId: 'e0', status: 'SUCCESS' },
  ]);
}

describe('FEATURE_TTL_SECONDS', () => {
  it("when a mote's state is written, then it carries the TTL, and once that has passed without a reading its online features are 404", async () => {
    await deliver(5);
    expect(state.data.get('statestore/features:sensor:5')?.expiresAt).toBe(clock.now() + 60_000);
    clock.advance(59_999);
    expect(await online(5)).toBe(200);
    clock.advance(1);
    expect(await online(5)).toBe(404);
  });

  it('when a new reading arrives before the TTL ran out, then the state lives a full TTL from that reading', async () => {
    await deliver(6);
    clock.advance(40_000);
    await deliver(6);
    clock.advance(40_000);
    expect(await online(6)).toBe(200);
    clock.advance(20_000);
    expect(await online(6)).toBe(404);
  });
});
