import { describe, expect, it } from 'vitest';
import { INFER_BATCH_PATH } from '@meridian/contracts';
import { loadApps, parseOperation } from '@meridian/platform';
import { EDGE_ROUTES, PARAMS } from './route-table.ts';

const apps = loadApps();
/** Operations of other apps the gateway is listed for in apps/apps.json (its ACL entries), as "<app> <VERB> <path>". */
const granted = new Set(
  apps.flatMap((a) =>
    a.operations
      .filter((o) => o.callers.includes('gateway'))
      .map((o) => {
        const { verb, path } = parseOperation(o.op);
        return `${a.id} ${verb} ${path}`;
      }),
  ),
);

describe('the gateway route table', () => {
  it('when a route forwards to an app, then apps/apps.json lets the gateway call exactly that operation', () => {
    for (const r of EDGE_ROUTES.filter((x) => x.app !== 'gateway'))
      expect(granted.has(`${r.app} ${r.method} ${r.path}`), r.id).toBe(true);
  });

  it('when apps/apps.json lets the gateway call an operation, then a route serves it, but for the batches the gateway sends itself', () => {
    const served = new Set(EDGE_ROUTES.map((r) => `${r.app} ${r.method} ${r.path}`));
    const unused = [...granted].filter((g) => !served.has(g));
    // No client reaches it: the gateway's infer routes send it their requests under load (infer-batching.ts).
    expect(unused).toEqual([`inference POST /${INFER_BATCH_PATH}`]);
    expect(EDGE_ROUTES.filter((r) => r.batch).map((r) => r.id)).toEqual([
      'inference.model-infer',
      'inference.version-infer',
    ]);
  });

  it('when routes are listed, then each (method, path) is unique, ids are unique, and every parameter has a pattern', () => {
    expect(new Set(EDGE_ROUTES.map((r) => `${r.method} ${r.path}`)).size).toBe(EDGE_ROUTES.length);
    expect(new Set(EDGE_ROUTES.map((r) => r.id)).size).toBe(EDGE_ROUTES.length);
    for (const r of EDGE_ROUTES)
      for (const [, name] of r.path.matchAll(/\{([a-z]+)\+?\}/g))
        expect(PARAMS[name!], `${r.id} {${name}}`).toBeDefined();
  });

  it('when a route asks no token, then it is a console GET the gateway answers itself; every other route names a role', () => {
    const open = EDGE_ROUTES.filter((r) => r.public || r.roles.length === 0);
    expect(open.map((r) => r.id).sort()).toEqual(['gateway.console', 'gateway.console-page', 'gateway.console-root']);
    for (const r of open) {
      expect([r.public, r.method, r.app, r.roles, r.body, r.audit], r.id).toEqual([
        true,
        'GET',
        'gateway',
        [],
        undefined,
        undefined,
      ]);
      expect(r.path, r.id).toMatch(/^\/console(\/|$)/);
    }
    // A path that takes several segments, or keeps a trailing slash, is the console's alone.
    for (const r of EDGE_ROUTES.filter((x) => /\+\}|\/$/.test(x.path))) expect(r.public, r.id).toBe(true);
  });

  it('when a route streams events, then it has the stream class (no shedding slot held for its life) and read roles', () => {
    const streams = EDGE_ROUTES.filter((r) => r.class === 'stream');
    expect(streams.map((r) => [r.id, r.method, r.path, r.roles])).toEqual([
      ['gateway.events', 'GET', '/v1/events', ['predict', 'admin']],
    ]);
  });

  it('when a route changes something, then only admin may call it and it is audited; artifacts need model-download', () => {
    for (const r of EDGE_ROUTES.filter((x) => x.method !== 'GET' && x.class === 'admin'))
      expect(r.roles, r.id).toEqual(['admin']);
    for (const r of EDGE_ROUTES.filter((x) => x.class === 'admin' && x.method !== 'GET' && x.id !== 'inference.index'))
      expect(r.audit, r.id).toBe(true);
    expect(EDGE_ROUTES.find((r) => r.id === 'registry.artifact')!.roles).toEqual(['model-download', 'admin']);
  });
});
