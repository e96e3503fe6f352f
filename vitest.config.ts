import { defineConfig } from 'vitest/config';

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
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/deploy/**', 'tests/dapr-run.test.ts', 'tests/outside-client.test.ts'],
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
        // Dapr's injector), `dapr run -f .`, and an outside app's sidecar beside `npm start`. Each
        // brings its own control plane, so they run in their own fork beside the integration tests.
        test: {
          name: 'deploy',
          include: ['tests/deploy/**/*.test.ts', 'tests/dapr-run.test.ts', 'tests/outside-client.test.ts'],
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
