import { describe, expect, it } from 'vitest';
import { fakeSidecar, problemAnswer, registryRecord, sidecarAnswer } from '@meridian/testkit';
import { RegistryClient } from '@meridian/service-kit';
import { References } from './references.ts';

/** A registry with model m (versions 1 and 2, production 1), answering through a fake sidecar that counts calls. */
function registry(o: { production?: string } = {}) {
  const record = (version: string, stage = 'candidate') =>
    registryRecord({ name: 'm', version, stage, metadata: { version } });
  const sidecar = fakeSidecar({
    invoke(call) {
      if (call.method === 'v1/registry/models/m/versions')
        return sidecarAnswer({ body: [record('1', o.production === '1' ? 'production' : 'candidate'), record('2')] });
      const v = /^v1\/registry\/models\/m\/versions\/([12])$/.exec(call.method)?.[1];
      return v ? sidecarAnswer({ body: record(v) }) : problemAnswer({ status: 404, detail: 'not found' });
    },
  });
  const client = new RegistryClient({ dapr: sidecar, appId: 'registry' });
  return { client, sidecar };
}

describe('References: registry cards for drift', () => {
  it('when a version is known, then its card is read once; when it is not, then the answer is believed for 30 s', async () => {
    const { client, sidecar } = registry();
    let now = 0;
    const refs = new References({ registry: client, now: () => now });
    expect(await refs.card('m', '1')).toMatchObject({ version: '1', platform: 'onnx' });
    expect(await refs.card('m', '1')).toMatchObject({ version: '1' });
    expect(await refs.card('m', '9')).toBeUndefined();
    expect(await refs.card('m', '9')).toBeUndefined();
    now += 31_000;
    await refs.card('m', '9');
    expect(sidecar.calls.map((c) => c.method)).toEqual([
      'v1/registry/models/m/versions/1',
      'v1/registry/models/m/versions/9',
      'v1/registry/models/m/versions/9',
    ]);
  });

  it('when the registry fails other than with 404, then the card is not cached as unknown and the failure surfaces', async () => {
    const sidecar = fakeSidecar({
      invoke: () =>
        sidecarAnswer({ status: 500, body: { errorCode: 'ERR_DIRECT_INVOKE', message: 'app not reachable' } }),
    });
    const refs = new References({ registry: new RegistryClient({ dapr: sidecar, appId: 'registry' }) });
    await expect(refs.card('m', '1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(refs.card('m', '1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(sidecar.calls).toHaveLength(2);
  });

  it('when a report needs a version before any row, then it is production, else the latest; an unknown model has none', async () => {
    expect(await new References({ registry: registry({ production: '1' }).client }).currentVersion('m')).toBe('1');
    expect(await new References({ registry: registry().client }).currentVersion('m')).toBe('2');
    expect(await new References({ registry: registry().client }).currentVersion('other')).toBeUndefined();
  });

  it('when the registry refuses a model name (400), then the model is unknown', async () => {
    const sidecar = fakeSidecar({ invoke: () => problemAnswer({ status: 400, detail: 'path is invalid' }) });
    expect(
      await new References({ registry: new RegistryClient({ dapr: sidecar, appId: 'registry' }) }).currentVersion(
        'bad name',
      ),
    ).toBeUndefined();
  });

  it('when there is no registry (REGISTRY_APP_ID empty), then nothing is known and nothing is called', async () => {
    const refs = new References({ registry: undefined });
    expect([await refs.card('m', '1'), await refs.currentVersion('m')]).toEqual([undefined, undefined]);
  });
});
