import { configDefaults, defineConfig } from 'vitest/config';

/** Tests that start Meridian as a user does (npm start, dapr run), each with its own control plane. */
const launcherTests = [
  'tests/dapr-run.test.ts',
  'tests/outside-client.test.ts',
  'tests/observability.test.ts',
  'tests/console.test.ts',
];

const unitTests = ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'tools/**/*.test.ts'];
/** Unit tests that run models in onnxruntime-node. */
const nativeUnitTests = ['apps/inference/src/**/*.test.ts', 'packages/ml/src/**/*.test.ts', 'tools/bench/**/*.test.ts'];

// One config, four projects: unit tests beside the code (no Dapr; those that load onnxruntime
// in a project of their own), integration tests in tests/ against real sidecars sharing one
// control plane, and the other ways to run Meridian. Vitest runs files of different pools at once,
// and within a pool its multi-worker projects first: threads run the unit tests then the deploy
// tests, beside forks running the native unit tests then the integration tests.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: unitTests,
          // Vitest's own excludes (node_modules, dist, ...) stay: `exclude` replaces them.
          exclude: [...configDefaults.exclude, ...nativeUnitTests],
          environment: 'node',
          // Some cases train a model or start promtool: about 2 s on a quiet machine, and over
          // 5 s (the default) on a busy one. A timeout here is no statement about speed.
          testTimeout: 30_000,
          // Worker threads: the threads pool, where they go beside the integration tests' fork
          // rather than before it, and the deploy tests after them.
          pool: 'threads',
        },
      },
      {
        // Unit tests that load onnxruntime-node, whose addon loads once per process (a second
        // worker thread gets "Module did not self-register"): a fork each, before the integration tests.
        test: {
          name: 'unit-native',
          include: nativeUnitTests,
          environment: 'node',
          testTimeout: 30_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'tests/deploy/**', ...launcherTests],
          environment: 'node',
          globalSetup: ['tests/setup/control-plane.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        // The other ways to run Meridian: the Kubernetes checks (schemas, a real API server with
        // Dapr's injector), `dapr run -f .`, an outside app's sidecar beside `npm start`, and
        // `MERIDIAN_OBSERVABILITY=1 npm start` with Jaeger and Prometheus, and the web console in
        // Chromium. Each
        // brings its own control plane, so they run in their own fork beside the integration tests.
        test: {
          name: 'deploy',
          include: ['tests/deploy/**/*.test.ts', ...launcherTests],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
          // Another pool than the integration project's: Vitest runs files of different pools at
          // once, and files of one pool one after another on this 2-core machine.
          pool: 'threads',
          poolOptions: { threads: { singleThread: true } },
        },
      },
    ],
  },
});
