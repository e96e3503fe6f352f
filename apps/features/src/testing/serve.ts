import type { SensorWindowSpec } from '@meridian/ml';
import { KeyedLock, createServiceApp, parseEnv, type DaprClient } from '@meridian/service-kit';
import { inProcessEnv, servedApp } from '@meridian/testkit';
import { ConsumptionMeter } from '../domain/consumption-meter.ts';
import type { EntityStates, FeatureLog, RowScorer } from '../domain/ports.ts';
import { StreamProcessor } from '../domain/stream-processor.ts';
import { featuresEnv } from '../env.ts';
import { createApp } from '../server.ts';

/** The env of the features app's in-process tests: its tokens, silent logs, and `vars` on top. */
export const featuresTestEnv = (vars: Record<string, string> = {}) =>
  parseEnv(featuresEnv, { ...inProcessEnv({ app: 'features' }), ...vars });

/**
 * The features app over `store`, with a stream processor keeping 10 readings and 100 row keys per mote,
 * served in-process with its app token. The caller closes `served`.
 */
export async function serveFeatures(o: {
  env: ReturnType<typeof featuresTestEnv>;
  spec: SensorWindowSpec;
  store: EntityStates;
  scorer: RowScorer;
  offlineLog: FeatureLog;
  clock: () => Date;
}) {
  const { env, spec, store, offlineLog } = o;
  const processor = new StreamProcessor({
    store,
    lock: new KeyedLock(),
    spec,
    historySize: 10,
    keysSize: env.KEYS_PER_ENTITY,
    scorer: o.scorer,
    offlineLog,
    clock: o.clock,
  });
  const dapr = { healthy: async () => true } as unknown as DaprClient;
  const meter = new ConsumptionMeter({ clock: o.clock, instance: 'features-test' });
  const app = createServiceApp(createApp({ env, dapr, store, processor, meter, offlineLog, spec }));
  return { processor, meter, served: await servedApp({ app, token: env.APP_API_TOKEN }) };
}
