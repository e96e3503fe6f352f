import type { AuditListedEntry, ModelVersionRecord } from '@meridian/contracts';
import { describe, expect, it } from 'vitest';
import { entriesForModel } from './audit.ts';
import { buildTimeline } from './timeline.ts';

const record = (version: string, history: ModelVersionRecord['history']) =>
  ({ version, history }) as ModelVersionRecord;
const audit = (path: string, at: string, summary: Record<string, unknown> = {}) =>
  ({
    id: at,
    at,
    subject: 'ana',
    roles: ['admin'],
    action: 'registry.stage',
    method: 'POST',
    path,
    target: 'registry',
    summary,
    ip: null,
    outcome: null,
  }) as AuditListedEntry;

describe('versions timeline', () => {
  it('when versions were registered, promoted and rolled back, then every change is listed newest first with who and why', () => {
    const items = buildTimeline(
      [
        record('1', [
          {
            at: '2026-01-01T00:00:00Z',
            by: 'training',
            from: null,
            to: 'candidate',
            reason: 'trained',
            action: 'registered',
          },
          {
            at: '2026-01-03T00:00:00Z',
            by: 'ana',
            from: 'production',
            to: 'archived',
            reason: 'bad',
            action: 'rolled-back',
          },
        ]),
        record('2', [
          {
            at: '2026-01-02T00:00:00Z',
            by: 'ana',
            from: 'staging',
            to: 'production',
            reason: 'better',
            action: 'moved',
          },
        ]),
      ],
      [audit('/v1/registry/models/m/rollback', '2026-01-03T00:00:01Z', { reason: 'bad' })],
    );
    expect(items.map((i) => [i.title, i.by, i.why])).toEqual([
      ['registry.stage: POST /v1/registry/models/m/rollback (pending)', 'ana', 'bad'],
      ['v1 rolled back (production → archived)', 'ana', 'bad'],
      ['v2 moved (staging → production)', 'ana', 'better'],
      ['v1 registered (candidate)', 'training', 'trained'],
    ]);
  });

  it('when the audit log holds other models, then only the entries of this model are kept', () => {
    const entries = [
      audit('/v1/registry/models/m/versions/2/stage', '1'),
      audit('/v1/registry/models/m2/rollback', '2'),
      audit('/v2/repository/models/m/load', '3'),
      audit('/v1/training/runs', '4', { model: 'm' }),
    ];
    expect(entriesForModel(entries, 'm').map((e) => e.at)).toEqual(['1', '3', '4']);
  });
});
