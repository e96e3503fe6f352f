import { defineConfig } from 'vitest/config';

/** Tests that start Meridian as a user does (npm start, dapr run), each with its own control plane. */
const launcherTests = [
  'tests/dapr-run.test.ts',
  'tests/outside-client.test.ts',
  'tests/observability.test.ts',
  'tests/console.test.ts',
];

// One config, three projects: unit tests beside the code (no Dapr), integration tests in
// tests/ against real sidecars sharing one control plane, and the Kubernetes checks.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'tools/**/*.test.ts'],
          environment: 'node',
          // Some cases train a model or start promtool: about 2 s on a quiet machine, and over
          // 5 s (the default) on a busy one. A timeout here is no statement about speed.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/deploy/**', ...launcherTests],
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
