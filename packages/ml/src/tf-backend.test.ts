import { describe, expect, it } from 'vitest';
import { TF_PACKAGES, importFirstAvailable, loadTf } from './tf-backend.ts';

function notFound(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/src/tf-backend.ts`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
}

describe('importFirstAvailable', () => {
  it('when the first packages are not installed, then the first installed one is imported', async () => {
    const tried: string[] = [];
    const result = await importFirstAvailable(['gpu', 'node', 'js'], async (specifier) => {
      tried.push(specifier);
      if (specifier !== 'js') throw notFound(specifier);
      return { name: 'pure js' };
    });
    expect(result).toEqual({ module: { name: 'pure js' }, specifier: 'js' });
    expect(tried).toEqual(['gpu', 'node', 'js']);
  });

  it('when an installed package fails to load, then the error surfaces instead of a silent fallback', async () => {
    const broken = Object.assign(new Error('libtensorflow.so.2: cannot open shared object file'), {
      code: 'ERR_DLOPEN_FAILED',
    });
    await expect(
      importFirstAvailable(['node', 'js'], async (specifier) => {
        if (specifier === 'node') throw broken;
        return {};
      }),
    ).rejects.toBe(broken);
  });

  it("when a package's own dependency is missing, then that is a broken install, not an absent package", async () => {
    await expect(
      importFirstAvailable(['node', 'js'], async () => {
        throw notFound('some-transitive-dependency');
      }),
    ).rejects.toThrow(/some-transitive-dependency/);
  });

  it('when nothing is installed, then the error lists what was tried', async () => {
    await expect(importFirstAvailable(['gpu', 'node'], async (s) => Promise.reject(notFound(s)))).rejects.toThrow(
      'none of gpu, node is installed',
    );
  });

  it('when a package is really absent from node_modules, then the real import error counts as not installed', async () => {
    const result = await importFirstAvailable(['@meridian/no-such-package', '@tensorflow/tfjs']);
    expect(result.specifier).toBe('@tensorflow/tfjs');
  });
});

describe('loadTf', () => {
  it('when called twice, then it loads once and returns a TensorFlow.js that computes', async () => {
    const first = await loadTf();
    const second = await loadTf();
    expect(second).toBe(first);
    expect(TF_PACKAGES).toContain(first.backend);
    const sum = first.tf.tidy(() => first.tf.add(first.tf.tensor1d([1, 2]), first.tf.tensor1d([3, 4])).arraySync());
    expect(sum).toEqual([4, 6]);
  });
});
