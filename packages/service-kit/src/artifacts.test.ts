import { describe, expect, it } from 'vitest';
import { fakeSidecar, sidecarAnswer, type FakeBindingCall } from '@meridian/testkit';
import { ArtifactsBinding } from './artifacts.ts';

const missing = () =>
  sidecarAnswer({
    status: 500,
    body: {
      errorCode: 'ERR_INVOKE_OUTPUT_BINDING',
      message: 'open /data/artifacts/m/1/model.onnx: no such file or directory',
    },
  });

/** A local-storage binding in memory: base64 in, raw bytes out, as daprd and bindings.localstorage do. */
function storage() {
  const files = new Map<string, Buffer>();
  const sidecar = fakeSidecar({
    invokeBinding(call: FakeBindingCall) {
      const name = call.metadata?.fileName ?? '';
      if (call.operation === 'create') {
        files.set(name, Buffer.from(String(call.data), 'base64'));
        return sidecarAnswer({ status: 200 });
      }
      if (call.operation === 'get') return files.has(name) ? sidecarAnswer({ body: files.get(name)! }) : missing();
      if (call.operation === 'delete') {
        files.delete(name);
        return sidecarAnswer({ status: 204 });
      }
      const listed = [...files.keys()].filter((f) => f.startsWith(name)).map((f) => `/data/artifacts/${f}`);
      return listed.length ? sidecarAnswer({ body: listed }) : missing();
    },
  });
  return { files, sidecar, artifacts: new ArtifactsBinding({ dapr: sidecar, binding: 'artifacts' }) };
}

describe('ArtifactsBinding', () => {
  it("when bytes are put, then they go as base64 under every binding's name for the object, and read back exactly", async () => {
    const { sidecar, artifacts } = storage();
    const bytes = Buffer.from([0, 255, 10, 13, 128]);
    await artifacts.put({ path: 'm/1/model.onnx', bytes });
    expect(sidecar.bindingCalls[0]).toEqual({
      name: 'artifacts',
      operation: 'create',
      data: bytes.toString('base64'),
      metadata: { fileName: 'm/1/model.onnx', key: 'm/1/model.onnx', blobName: 'm/1/model.onnx', decodeBase64: 'true' },
    });
    expect((await artifacts.get('m/1/model.onnx'))?.equals(bytes)).toBe(true);
  });

  it('when an object or a folder does not exist, then get answers undefined and list answers none', async () => {
    const { artifacts } = storage();
    expect(await artifacts.get('m/9/model.onnx')).toBeUndefined();
    expect(await artifacts.list('feature-log/sensor-readings')).toEqual([]);
  });

  it("when objects are listed, then their names come back as the binding spells them, in any of the bindings' shapes", async () => {
    const { artifacts } = storage();
    await artifacts.put({ path: 'log/2024-01-01/a.jsonl', bytes: 'x\n' });
    expect(await artifacts.list('log')).toEqual(['/data/artifacts/log/2024-01-01/a.jsonl']);
    for (const body of [{ Contents: [{ Key: 'log/a' }] }, [{ name: 'log/a' }], ['log/a']]) {
      const s3 = new ArtifactsBinding({
        dapr: fakeSidecar({ invokeBinding: () => sidecarAnswer({ body }) }),
        binding: 'artifacts',
      });
      expect(await s3.list('log')).toEqual(['log/a']);
    }
  });

  it('when an object is removed, then it is gone', async () => {
    const { artifacts, files } = storage();
    await artifacts.put({ path: 'm/1/model.onnx', bytes: new Uint8Array([1]) });
    await artifacts.remove('m/1/model.onnx');
    expect(files.size).toBe(0);
  });

  it('when the binding fails, then BAD_GATEWAY with its message; when the sidecar refuses the size, then PAYLOAD_TOO_LARGE', async () => {
    const failing = (message: string) =>
      new ArtifactsBinding({
        dapr: fakeSidecar({
          invokeBinding: () =>
            sidecarAnswer({ status: 500, body: { errorCode: 'ERR_INVOKE_OUTPUT_BINDING', message } }),
        }),
        binding: 'artifacts',
      });
    await expect(failing('access denied').put({ path: 'p', bytes: 'x' })).rejects.toMatchObject({
      code: 'BAD_GATEWAY',
      message: 'storing p in artifacts failed (500): access denied',
    });
    await expect(failing('access denied').get('p')).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
    await expect(failing('access denied').list('p')).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
    await expect(failing('stream too large').put({ path: 'p', bytes: 'x' })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
  });
});
