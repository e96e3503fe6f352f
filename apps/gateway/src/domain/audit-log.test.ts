import { describe, expect, it } from 'vitest';
import { AppError, createLogger } from '@meridian/service-kit';
import { FakeClock, MemoryStateStore, memoryAuditStore } from '../testing/fakes.ts';
import { AuditLog, capSummary, type AuditRequest } from './audit-log.ts';

createLogger({ name: 'test', level: 'silent' });

function setup(o: { mask?: (v: unknown) => unknown } = {}) {
  const clock = new FakeClock(Date.parse('2026-12-01T10:00:00.000Z'));
  const state = new MemoryStateStore(clock);
  const audit = new AuditLog({ store: memoryAuditStore(state), now: clock.now, ...(o.mask ? { mask: o.mask } : {}) });
  return { clock, state, audit };
}

const request = (over: Partial<AuditRequest> = {}): AuditRequest => ({
  id: 'req-1',
  subject: 'alice',
  roles: ['admin'],
  action: 'registry.stage',
  method: 'POST',
  path: '/v1/registry/models/m/versions/3/stage',
  target: 'registry',
  summary: { stage: 'production', reason: 'better auc' },
  ip: '10.0.0.7',
  ...over,
});

const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (err: unknown) => (err instanceof AppError ? err.code : String(err)),
  );

describe('the audit log', () => {
  it('when the answer to the first write is lost, then the retry finds it and the entry is written once', async () => {
    const { state, audit } = setup();
    state.loseAnswers = 1;
    const entry = await audit.begin(request());
    expect(entry).toMatchObject({ id: 'req-1', subject: 'alice', at: '2026-12-01T10:00:00.000Z' });
    expect(state.values('audit:entry:')).toHaveLength(1);
    expect(state.values('audit:index:')).toEqual([{ ids: ['req-1'] }]);
  });

  it('when the same request is written again before it finished, then it is the same entry, not a second one', async () => {
    const { state, audit, clock } = setup();
    const first = await audit.begin(request());
    clock.advance(500);
    expect(await audit.begin(request())).toEqual(first);
    expect(state.values('audit:entry:')).toHaveLength(1);
    expect(state.values('audit:index:')).toEqual([{ ids: ['req-1'] }]);
  });

  it('when a request id is reused for another action or after its action finished, then it is refused', async () => {
    const { audit } = setup();
    const entry = await audit.begin(request());
    expect(await codeOf(audit.begin(request({ summary: { stage: 'archived' } })))).toBe('CONFLICT');
    expect(await codeOf(audit.begin(request({ subject: 'mallory' })))).toBe('CONFLICT');
    await audit.finish({ entry, status: 200 });
    expect(await codeOf(audit.begin(request()))).toBe('CONFLICT');
  });

  it('when the store is down, then begin fails with UNAVAILABLE (the action must be refused)', async () => {
    const { state, audit } = setup();
    state.down = true;
    expect(await codeOf(audit.begin(request()))).toBe('UNAVAILABLE');
  });

  it('when an outcome is written twice, then the first one stays', async () => {
    const { state, audit, clock } = setup();
    const entry = await audit.begin(request());
    clock.advance(1234);
    await audit.finish({ entry, status: 502 });
    await audit.finish({ entry, status: 200 });
    expect(state.values('audit:outcome:')).toEqual([
      { entry_id: 'req-1', at: '2026-12-01T10:00:01.234Z', status: 502, ok: false, duration_ms: 1234 },
    ]);
  });

  it('when the store is down at the end, then finish logs instead of throwing', async () => {
    const { state, audit } = setup();
    const entry = await audit.begin(request());
    state.down = true;
    await expect(audit.finish({ entry, status: 200 })).resolves.toBeUndefined();
  });

  it('when entries span days, then the list is newest first, joined with outcomes, filtered and bounded', async () => {
    const { audit, clock } = setup();
    const written = [];
    for (let i = 0; i < 6; i++) {
      const entry = await audit.begin(
        request({
          id: `req-${i}`,
          subject: i % 2 ? 'bob' : 'alice',
          action: i < 4 ? 'registry.stage' : 'inference.unload',
        }),
      );
      written.push(entry);
      if (i !== 5) await audit.finish({ entry, status: 200 + i });
      clock.advance(8 * 3_600_000);
    }
    const all = await audit.list();
    expect(all.entries.map((e) => e.id)).toEqual(['req-5', 'req-4', 'req-3', 'req-2', 'req-1', 'req-0']);
    expect(all.entries[0]!.outcome).toBeNull();
    expect(all.entries[1]!.outcome).toMatchObject({ status: 204, ok: true });
    expect((await audit.list({ subject: 'bob' })).entries.map((e) => e.id)).toEqual(['req-5', 'req-3', 'req-1']);
    expect((await audit.list({ action: 'inference.unload' })).entries.map((e) => e.id)).toEqual(['req-5', 'req-4']);
    expect((await audit.list({ limit: 2 })).entries.map((e) => e.id)).toEqual(['req-5', 'req-4']);
    const window = await audit.list({ from: written[1]!.at, to: written[3]!.at });
    expect(window.entries.map((e) => e.id)).toEqual(['req-3', 'req-2', 'req-1']);
  });

  it('when the span is longer than the maximum, then the listing is a bad request', async () => {
    const { audit } = setup();
    expect(await codeOf(audit.list({ from: '2026-01-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }))).toBe('BAD_REQUEST');
  });

  it('when a mask is given, then it runs on the capped summary before it is stored', async () => {
    const seen: unknown[] = [];
    const { state, audit } = setup({
      mask: (v) => {
        seen.push(v);
        return { ...(v as object), reason: '***' };
      },
    });
    await audit.begin(
      request({ summary: { stage: 'production', reason: 'asked by alice@example.com', blob: 'x'.repeat(5000) } }),
    );
    expect(seen).toEqual([{ stage: 'production', reason: 'asked by alice@example.com', blob: '[5000 chars omitted]' }]);
    expect(state.values('audit:entry:')[0]).toMatchObject({ summary: { stage: 'production', reason: '***' } });
  });

  it('when a summary is large or deep, then it is capped field by field', () => {
    const capped = capSummary({
      note: 'n'.repeat(300),
      list: Array.from({ length: 15 }, (_, i) => i),
      deep: { a: { b: { c: 1 } } },
      ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, i])),
    });
    expect(capped.note).toBe(`${'n'.repeat(200)}… (300 chars)`);
    expect(capped.list).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, '… 5 more']);
    expect(capped.deep).toEqual({ a: { b: '[object]' } });
    expect(Object.keys(capped)).toHaveLength(17);
  });
});
