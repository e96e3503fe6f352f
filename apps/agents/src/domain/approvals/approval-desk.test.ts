import { createHash } from 'node:crypto';
import type { AgentApproval } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import { describe, expect, it } from 'vitest';
import { FakeClock, FakeToolRunner, MemoryActorState } from '../../testing/fakes.ts';
import { ApprovalDesk, KEEP_DECIDED } from './approval-desk.ts';

const TIMEOUT = 600;

function setup() {
  const clock = new FakeClock();
  const state = new MemoryActorState(clock.now);
  const tools = new FakeToolRunner();
  const desk = new ApprovalDesk({ state, tools, clock: clock.now, timeoutSeconds: TIMEOUT });
  const park = (o: { sessionId?: string; tool?: string; arguments?: Record<string, unknown> } = {}) =>
    desk.park({
      sessionId: o.sessionId ?? 's1',
      tool: o.tool ?? 'rollback',
      arguments: o.arguments ?? { model: 'spam', reason: 'drifted' },
      requestedBy: 'alice',
    });
  return { clock, state, tools, desk, park };
}

const codeOf = async (p: Promise<unknown>) => {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return (err as AppError).code;
};

const iso = (ms: number) => new Date(ms).toISOString();

/** An approval as the desk stores it, requested `minute` minutes after the epoch of this test. */
function stored(o: { n: number; minute: number; status: AgentApproval['status'] }): AgentApproval {
  const t = Date.parse('2026-01-01T00:00:00Z') + o.minute * 60_000;
  return {
    id: `seeded-${o.n}`,
    session_id: 'old',
    tool: 'rollback',
    arguments: { model: 'spam', n: o.n },
    hash: `h${o.n}`,
    status: o.status,
    requested_by: 'bob',
    requested_at: iso(t),
    expires_at: iso(Date.parse('2030-01-01T00:00:00Z')),
    ...(o.status === 'pending' ? {} : { decided_by: 'carol', decided_at: iso(t + 1000) }),
  };
}

describe('ApprovalDesk', () => {
  it('when a call is parked, then it is pending with the sha256 of the canonical {tool, arguments} and a deadline', async () => {
    const { clock, park } = setup();
    const { approval, created } = await park({ arguments: { reason: 'drifted', model: 'spam' } });
    const canonical = '{"arguments":{"model":"spam","reason":"drifted"},"tool":"rollback"}';
    expect(created).toBe(true);
    expect(approval).toMatchObject({
      session_id: 's1',
      tool: 'rollback',
      status: 'pending',
      requested_by: 'alice',
      hash: createHash('sha256').update(canonical).digest('hex'),
      requested_at: clock.now().toISOString(),
      expires_at: iso(clock.ms + TIMEOUT * 1000),
    });
  });

  it('when the same call is parked again from the same session, then it is the same approval; from another session, a new one', async () => {
    const { desk, park } = setup();
    const first = await park();
    const again = await park({ arguments: { reason: 'drifted', model: 'spam' } });
    expect(again).toEqual({ approval: first.approval, created: false });
    const other = await park({ sessionId: 's2' });
    expect(other.created).toBe(true);
    expect(other.approval.id).not.toBe(first.approval.id);
    expect(other.approval.hash).toBe(first.approval.hash);
    expect((await desk.list()).map((a) => a.id)).toEqual([first.approval.id, other.approval.id]);
  });

  it('when a decision carries another hash, then it is a CONFLICT and the call neither runs nor is decided', async () => {
    const { tools, desk, park } = setup();
    const { approval } = await park();
    expect(await codeOf(desk.decide({ id: approval.id, approve: true, hash: 'f'.repeat(64), by: 'admin' }))).toBe(
      'CONFLICT',
    );
    expect(tools.calls).toEqual([]);
    expect((await desk.list())[0]!.status).toBe('pending');
  });

  it('when approved, then the call runs once through the runner and its outcome and decider are kept', async () => {
    const { clock, tools, desk, park } = setup();
    tools.answer = () => ({ status: 200, body: { version: '2' } });
    const { approval } = await park();
    clock.advance(30);
    const decided = await desk.decide({ id: approval.id, approve: true, hash: approval.hash, by: 'admin' });
    expect(tools.calls).toEqual([
      {
        app: 'registry',
        method: 'POST',
        path: '/v1/registry/models/spam/rollback',
        body: { reason: 'drifted' },
      },
    ]);
    expect(decided).toMatchObject({
      status: 'approved',
      decided_by: 'admin',
      decided_at: clock.now().toISOString(),
      outcome: { status: 200, body: { version: '2' } },
    });
    expect((await desk.list())[0]).toEqual(decided);
  });

  it('when denied, then nothing runs and the denial is kept', async () => {
    const { tools, desk, park } = setup();
    const { approval } = await park();
    expect(await desk.decide({ id: approval.id, approve: false, by: 'admin' })).toMatchObject({
      status: 'denied',
      decided_by: 'admin',
    });
    expect(tools.calls).toEqual([]);
  });

  it('when decided twice, then the second decision is a CONFLICT and the call ran only once', async () => {
    const { tools, desk, park } = setup();
    const { approval } = await park();
    await desk.decide({ id: approval.id, approve: true, by: 'admin' });
    expect(await codeOf(desk.decide({ id: approval.id, approve: true, by: 'admin' }))).toBe('CONFLICT');
    expect(await codeOf(desk.decide({ id: approval.id, approve: false, by: 'other' }))).toBe('CONFLICT');
    expect(tools.calls).toHaveLength(1);
  });

  it('when an unknown id is decided, then it is NOT_FOUND', async () => {
    const { desk } = setup();
    expect(await codeOf(desk.decide({ id: 'ap-9-nope', approve: true, by: 'admin' }))).toBe('NOT_FOUND');
  });

  it('when decided at or after expires_at, then it is a CONFLICT, the approval is expired and nothing runs', async () => {
    const { clock, tools, desk, park } = setup();
    const { approval } = await park();
    clock.advance(TIMEOUT);
    expect(await codeOf(desk.decide({ id: approval.id, approve: true, by: 'admin' }))).toBe('CONFLICT');
    expect(tools.calls).toEqual([]);
    expect((await desk.list())[0]!.status).toBe('expired');
  });

  it('when a pending approval times out, then expire() marks it expired by "timeout"; a decided one is left as it is', async () => {
    const { clock, desk, park } = setup();
    const a = (await park()).approval;
    const b = (await park({ tool: 'promote', arguments: { model: 'spam', version: 3 } })).approval;
    await desk.decide({ id: b.id, approve: false, by: 'admin' });
    clock.advance(TIMEOUT);
    expect(await desk.expire(a.id)).toMatchObject({
      status: 'expired',
      decided_by: 'timeout',
      decided_at: clock.now().toISOString(),
    });
    const before = (await desk.list()).find((x) => x.id === b.id);
    expect(await desk.expire(b.id)).toEqual(before);
    expect((await desk.list()).find((x) => x.id === b.id)).toMatchObject({ status: 'denied', decided_by: 'admin' });
    expect(await desk.expire('missing')).toBeUndefined();
  });

  it("when a session is forgotten, then only that session's approvals go", async () => {
    const { state, desk, park } = setup();
    await park({ sessionId: 's1' });
    await park({ sessionId: 's2' });
    await park({ sessionId: 's1', tool: 'promote', arguments: { model: 'spam', version: 3 } });
    expect(await desk.forgetSession('s1')).toBe(2);
    expect((await desk.list()).map((a) => a.session_id)).toEqual(['s2']);
    const commits = state.commits.length;
    expect(await desk.forgetSession('nobody')).toBe(0);
    expect(state.commits).toHaveLength(commits);
  });

  it('when more than KEEP_DECIDED approvals are decided, then the oldest decided ones are trimmed but pending ones never', async () => {
    const { state, desk, park } = setup();
    const seeded = [
      stored({ n: 0, minute: 0, status: 'pending' }),
      ...Array.from({ length: KEEP_DECIDED + 1 }, (_, i) => stored({ n: i + 1, minute: i + 1, status: 'approved' })),
    ];
    state.seed('approvals', { seq: seeded.length, approvals: seeded });
    const fresh = (await park()).approval;
    const list = await desk.list();
    expect(list.filter((a) => a.status === 'pending').map((a) => a.id)).toEqual(['seeded-0', fresh.id]);
    const decided = list.filter((a) => a.status !== 'pending');
    expect(decided).toHaveLength(KEEP_DECIDED);
    expect(decided.map((a) => a.id)).not.toContain('seeded-1');
    expect(decided.at(-1)!.id).toBe(`seeded-${KEEP_DECIDED + 1}`);
  });

  it('when a long-pending approval is decided while the desk holds KEEP_DECIDED decided ones, then its decision is kept', async () => {
    const { state, desk } = setup();
    const seeded = [
      stored({ n: 0, minute: 0, status: 'pending' }),
      ...Array.from({ length: KEEP_DECIDED }, (_, i) => stored({ n: i + 1, minute: i + 1, status: 'denied' })),
    ];
    state.seed('approvals', { seq: seeded.length, approvals: seeded });
    const decided = await desk.decide({ id: 'seeded-0', approve: false, by: 'admin' });
    expect(decided.status).toBe('denied');
    const list = await desk.list();
    expect(list).toHaveLength(KEEP_DECIDED);
    expect(list.find((a) => a.id === 'seeded-0')).toMatchObject({ status: 'denied', decided_by: 'admin' });
  });
});
