import { describe, expect, it } from 'vitest';
import type { DaprClient, InvokeOptions, SidecarResponse } from '@meridian/service-kit';
import { References } from './references.ts';

/** A registry with model m (versions 1 and 2, production 1), answering through a fake sidecar that counts calls. */
function registry(o: { production?: string } = {}) {
  const calls: string[] = [];
  const answer = (status: number, body: unknown): SidecarResponse => {
    const bytes = Buffer.from(JSON.stringify(body));
    return { status, ok: status < 300, headers: {}, body: bytes, text: () => bytes.toString(), json: () => JSON.parse(bytes.toString()) } as unknown as SidecarResponse;
  };
  const dapr = {
    async invoke(call: InvokeOptions) {
      calls.push(call.method);
      const versions = [{ version: '1', stage: o.production === '1' ? 'production' : 'candidate' }, { version: '2', stage: 'candidate' }];
      if (call.method === 'v1/registry/models/m/versions') return answer(200, versions);
      const v = /^v1\/registry\/models\/m\/versions\/([12])$/.exec(call.method)?.[1];
      return v ? answer(200, { metadata: { version: v } }) : answer(404, { title: 'not found' });
    },
  } as unknown as DaprClient;
  return { dapr, calls };
}

describe('References: registry cards for drift', () => {
  it('when a version is known, then its card is read once; when it is not, then the answer is believed for 30 s', async () => {
    const { dapr, calls } = registry();
    let now = 0;
    const refs = new References({ dapr, registryAppId: 'registry', now: () => now });
    expect(await refs.card('m', '1')).toEqual({ version: '1' });
    expect(await refs.card('m', '1')).toEqual({ version: '1' });
    expect(await refs.card('m', '9')).toBeUndefined();
    expect(await refs.card('m', '9')).toBeUndefined();
    now += 31_000;
    await refs.card('m', '9');
    expect(calls).toEqual(['v1/registry/models/m/versions/1', 'v1/registry/models/m/versions/9', 'v1/registry/models/m/versions/9']);
  });

  it('when a report needs a version before any row, then it is production, else the latest; an unknown model has none', async () => {
    expect(await new References({ dapr: registry({ production: '1' }).dapr, registryAppId: 'registry' }).currentVersion('m')).toBe('1');
    expect(await new References({ dapr: registry().dapr, registryAppId: 'registry' }).currentVersion('m')).toBe('2');
    expect(await new References({ dapr: registry().dapr, registryAppId: 'registry' }).currentVersion('other')).toBeUndefined();
  });

  it('when there is no registry (REGISTRY_APP_ID empty), then nothing is known and nothing is called', async () => {
    const { dapr, calls } = registry();
    const refs = new References({ dapr, registryAppId: '' });
    expect([await refs.card('m', '1'), await refs.currentVersion('m')]).toEqual([undefined, undefined]);
    expect(calls).toEqual([]);
  });
});
