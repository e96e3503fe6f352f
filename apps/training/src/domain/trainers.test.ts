import { describe, expect, it } from 'vitest';
import { ModelCard, driftReferenceIssues } from '@meridian/contracts';
import { createLogger } from '@meridian/service-kit';
import { TRAINERS } from './trainers.ts';

createLogger({ name: 'test', level: 'silent' });

// Each trainer with its defaults, and the sensor MLP for one epoch (its card is built apart from the logistic one's).
const cases = [
  ...Object.keys(TRAINERS).map((model) => [model, {}]),
  ['sensor-anomaly', { algorithm: 'mlp', epochs: 1 }],
] as [string, Record<string, unknown>][];

describe('every trainer', () => {
  it.each(cases)(
    'when %s is trained (%j), then its card passes the registry: every input and output has its training distribution or a reason',
    async (model, params) => {
      const trained = await TRAINERS[model]!.train(params, () => undefined, { offlineRows: [] });
      const card = ModelCard.parse(JSON.parse(JSON.stringify(trained.metadata)));
      expect(driftReferenceIssues(card)).toEqual([]);
      expect(card.drift_monitoring?.enabled).not.toBe(false);
    },
    120_000,
  );
});

describe('the windowed trainer with the offline feature log', () => {
  it("when labelled rows were logged during a mote's warm-up and after it, then both train the model, and only the later one enters the window statistics' reference", async () => {
    const windowed = TRAINERS['sensor-anomaly-windowed']!;
    const plain = (await windowed.train({}, () => undefined, { offlineRows: [] })).metadata.reference!;
    const names = Object.keys(plain).slice(0, -1);
    const row = (seq: number) => ({
      row_key: `m@1#${seq}`,
      entity: 'm',
      record_key: `k${seq}`,
      ts: seq,
      received_at: seq,
      names,
      values: names.map(() => 40),
      label: 0 as const,
    });
    const trained = await windowed.train({}, () => undefined, { offlineRows: [row(1), row(9)] });
    const reference = trained.metadata.reference!;
    expect(trained.metadata.params?.offline_training_rows).toBe(2);
    expect(reference.humidity!.count).toBe(plain.humidity!.count + 2);
    expect(reference.humidity_mean_w5!.count).toBe(plain.humidity_mean_w5!.count + 1);
  });
});
