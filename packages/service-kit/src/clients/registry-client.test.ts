import { describe, expect, it } from 'vitest';
import { fakeSidecar, problemAnswer, registryRecord, sidecarAnswer } from '@meridian/testkit';
import { RegistryClient } from './registry-client.ts';

const v1 = registryRecord({ name: 'm', version: '1', stage: 'production', metrics: { f1: 0.9 } });
const { history: _history, ...summary } = v1;

function registry() {
  const sidecar = fakeSidecar({
    invoke(call) {
      if (call.method === 'v1/registry/models')
        return sidecarAnswer({ body: [{ name: 'm', production_version: '1', latest_version: '1', versions: 1 }] });
      if (call.method === 'v1/registry/models/m/versions' && call.httpMethod === 'POST')
        return sidecarAnswer({ status: 201, body: v1 });
      if (call.method === 'v1/registry/models/m/versions') return sidecarAnswer({ body: [summary] });
      if (call.method === 'v1/registry/models/m/versions/1') return sidecarAnswer({ body: v1 });
      if (call.method === 'v1/registry/models/m/versions/1/artifact')
        return sidecarAnswer({ body: Buffer.from('onnx bytes'), headers: { 'x-artifact-sha256': 'f'.repeat(64) } });
      if (call.method === 'v1/registry/models/m/versions/1/stage')
        return sidecarAnswer({ body: { ...v1, stage: (call.body as { stage: string }).stage } });
      return problemAnswer({ status: 404, detail: 'unknown model' });
    },
  });
  return { sidecar, client: new RegistryClient({ dapr: sidecar, appId: 'registry', timeoutMs: 30_000 }) };
}

describe('RegistryClient', () => {
  it("when models, versions and a version are read, then the answers are the registry's contracts", async () => {
    const { client, sidecar } = registry();
    expect(await client.models()).toEqual([{ name: 'm', production_version: '1', latest_version: '1', versions: 1 }]);
    expect((await client.versions('m')).map((v) => [v.version, v.stage, v.metrics])).toEqual([
      ['1', 'production', { f1: 0.9 }],
    ]);
    expect((await client.version('m', '1')).history).toHaveLength(1);
    expect(sidecar.calls.every((c) => c.appId === 'registry' && c.timeoutMs === 30_000)).toBe(true);
  });

  it('when an artifact is downloaded, then its bytes come with the sha256 the registry checked', async () => {
    const { client } = registry();
    const got = await client.artifact('m', '1');
    expect([got.bytes.toString(), got.sha256]).toEqual(['onnx bytes', 'f'.repeat(64)]);
  });

  it('when a version is registered or moved, then the request goes as the registry takes it', async () => {
    const { client, sidecar } = registry();
    const metadata = { ...v1.metadata };
    expect(
      (await client.register('m', { artifact: 'AAE=', artifact_file: 'model.onnx', metadata, code_version: 'abc' }))
        .version,
    ).toBe('1');
    expect((await client.stage({ model: 'm', version: '1', stage: 'archived', reason: 'rolled back' })).stage).toBe(
      'archived',
    );
    expect(sidecar.calls.map((c) => [c.httpMethod, c.method, c.body])).toEqual([
      [
        'POST',
        'v1/registry/models/m/versions',
        { artifact: 'AAE=', artifact_file: 'model.onnx', metadata, code_version: 'abc' },
      ],
      ['POST', 'v1/registry/models/m/versions/1/stage', { stage: 'archived', reason: 'rolled back' }],
    ]);
  });

  it('when the registry does not know a model, then NOT_FOUND; names are encoded into the path', async () => {
    const { client, sidecar } = registry();
    await expect(client.versions('a b')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'listing the versions of a b: registry answered 404: unknown model',
    });
    expect(sidecar.calls[0]!.method).toBe('v1/registry/models/a%20b/versions');
  });

  it('when the registry answers a record that breaks its contract, then 502 names the field', async () => {
    const client = new RegistryClient({
      dapr: fakeSidecar({
        invoke: () => sidecarAnswer({ body: { ...v1, artifact: { ...v1.artifact, sha256: 'nope' } } }),
      }),
      appId: 'registry',
    });
    await expect(client.version('m', '1')).rejects.toMatchObject({
      code: 'BAD_GATEWAY',
      errors: [{ path: 'artifact.sha256' }],
    });
  });
});
