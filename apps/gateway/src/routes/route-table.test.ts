import { describe, expect, it } from 'vitest';
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

  it('when apps/apps.json lets the gateway call an operation, then a route serves it', () => {
    const served = new Set(EDGE_ROUTES.map((r) => `${r.app} ${r.method} ${r.path}`));
    const unused = [...granted].filter((g) => !served.has(g));
    expect(unused).toEqual([]);
  });

  it('when routes are listed, then each (method, path) is unique, ids are unique, and every parameter has a pattern', () => {
    expect(new Set(EDGE_ROUTES.map((r) => `${r.method} ${r.path}`)).size).toBe(EDGE_ROUTES.length);
    expect(new Set(EDGE_ROUTES.map((r) => r.id)).size).toBe(EDGE_ROUTES.length);
    for (const r of EDGE_ROUTES)
      for (const [, name] of r.path.matchAll(/\{([a-z]+)\}/g)) expect(PARAMS[name!], `${r.id} {${name}}`).toBeDefined();
  });

  it('when a route changes something, then only admin may call it and it is audited; artifacts need model-download', () => {
    for (const r of EDGE_ROUTES.filter((x) => x.method !== 'GET' && x.class === 'admin'))
      expect(r.roles, r.id).toEqual(['admin']);
    for (const r of EDGE_ROUTES.filter((x) => x.class === 'admin' && x.method !== 'GET' && x.id !== 'inference.index'))
      expect(r.audit, r.id).toBe(true);
    expect(EDGE_ROUTES.find((r) => r.id === 'registry.artifact')!.roles).toEqual(['model-download', 'admin']);
  });
});
