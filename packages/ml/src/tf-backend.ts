/** The TensorFlow.js namespace; the native packages re-export the same API as the pure-JS one. */
export type Tf = typeof import('@tensorflow/tfjs');

export interface LoadedTf {
  tf: Tf;
  /** The package that was loaded, so the caller can log which backend serves. */
  backend: string;
}

/**
 * Fastest first. The native packages are not dependencies: their install downloads libtensorflow,
 * which fails on machines without network, so they are used only when an operator installed one.
 */
export const TF_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs'] as const;

export type ModuleImporter = (specifier: string) => Promise<unknown>;

// A variable specifier keeps TypeScript from resolving packages that are deliberately absent.
const importModule: ModuleImporter = (specifier) => import(specifier);

/**
 * Imports the first of `specifiers` that is installed. Only "this package is not installed" moves
 * on to the next: a native package that is installed but fails to load (e.g. libtensorflow missing)
 * is a broken deployment, and silently serving 10× slower on pure JS would hide it.
 */
export async function importFirstAvailable(
  specifiers: readonly string[],
  importer: ModuleImporter = importModule,
): Promise<{ module: unknown; specifier: string }> {
  for (const specifier of specifiers) {
    try {
      return { module: await importer(specifier), specifier };
    } catch (error) {
      if (!isNotInstalled(error, specifier)) throw error;
    }
  }
  throw new Error(`none of ${specifiers.join(', ')} is installed`);
}

let loading: Promise<LoadedTf> | undefined;

/** The best available TensorFlow.js, loaded once per process and ready to compute. */
export function loadTf(): Promise<LoadedTf> {
  loading ??= loadBest().catch((error: unknown) => {
    // Do not memoise a failure: a later call may follow a fix (or a transient error).
    loading = undefined;
    throw error;
  });
  return loading;
}

async function loadBest(): Promise<LoadedTf> {
  const { module, specifier } = await importFirstAvailable(TF_PACKAGES);
  // The packages are CommonJS; Node exposes their exports as named exports, or only as default.
  const namespace = module as Tf & { default?: Tf };
  const tf = typeof namespace.ready === 'function' ? namespace : namespace.default;
  if (typeof tf?.ready !== 'function') throw new Error(`${specifier} does not export the TensorFlow.js API`);
  await tf.ready();
  return { tf, backend: specifier };
}

function isNotInstalled(error: unknown, specifier: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // Node names the package it could not find; a missing transitive dependency names another one.
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${specifier}'`)
  );
}
