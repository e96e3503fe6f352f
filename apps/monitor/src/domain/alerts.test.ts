import { describe, expect, it } from 'vitest';
import { createLogger } from '@meridian/service-kit';
import { MemoryPublisher, MemoryStateStore } from '../testing/fakes.ts';
import { Alerts } from './alerts.ts';

createLogger({ name: 'test', level: 'silent' });
const drift = {
  model: 'm',
  version: '1',
  kind: 'drift' as const,
  window: 3,
  evidence: { features: [], thresholds: { psi: 0.2, ks_p_value: 0.01 } },
};

describe('Alerts', () => {
  const make = () => {
    const state = new MemoryStateStore();
    const publisher = new MemoryPublisher();
    return { state, publisher, alerts: new Alerts({ state, store: 'statestore', publisher }) };
  };

  it('when a window is raised twice, then one alert is listed and one retraining requested', async () => {
    const { alerts, publisher } = make();
    expect(await alerts.raise(drift)).toMatchObject({ id: 'm-drift-v1-w3', run_id: 'drift-m-drift-v1-w3' });
    expect(await alerts.raise(drift)).toBeUndefined();
    expect((await alerts.list()).map((a) => a.id)).toEqual(['m-drift-v1-w3']);
    expect(publisher.sent).toEqual([
      { topic: 'model.drift-detected', data: expect.objectContaining({ id: 'm-drift-v1-w3' }) },
    ]);
  });

  it('when the alert index stays contended, then the alert still goes out for retraining, unlisted', async () => {
    const { alerts, publisher, state } = make();
    const save = state.saveManyIfUnchanged.bind(state);
    state.saveManyIfUnchanged = async (o) =>
      o.items.some((i) => i.key === 'alerts-index') ? new Set(o.items.map((i) => i.key)) : save(o);
    expect(await alerts.raise(drift)).toMatchObject({ id: 'm-drift-v1-w3' });
    expect(publisher.sent).toHaveLength(1);
    expect(await alerts.list()).toEqual([]);
  }, 30_000);
});
