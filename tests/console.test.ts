import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Alert, AuditListResponse, ModelSummary, ModelVersionSummary, RunStatus, type Role } from '@meridian/contracts';
import { loadSensorReadings, stratifiedSplit } from '@meridian/ml';
import { allocatePorts, signDevToken, waitFor } from '@meridian/platform';
import { bootstrap, killAll, printed, type Run } from './helpers/bootstrap-run.ts';
import { launchChromium, screenshot, seriousViolations } from './helpers/browser.ts';
import { eventually } from './helpers/platform.ts';

// The console in a real browser (Debian's Chromium through playwright-core) against `npm start`
// as a user runs it: the models the training app bootstraps, predictions and a drifted window
// sent by the test, and the admin actions clicked in the page.

const MODEL = 'sensor-anomaly';

describe('the web console at /console, in Chromium', () => {
  const home = mkdtempSync(join(tmpdir(), 'meridian-console-'));
  const runs: Run[] = [];
  let gateway = '';
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;

  const token = (roles: Role[]) => signDevToken({ dataDir: home, roles });
  const api = async <T>(path: string, o: { roles: Role[]; body?: unknown; parse: { parse(v: unknown): T } }) => {
    const res = await fetch(`${gateway}${path}`, {
      method: o.body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${await token(o.roles)}`, 'content-type': 'application/json' },
      ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return o.parse.parse(await res.json());
  };
  const predict = async (rows: { humidity: number; temperature: number }[]) =>
    api(`/v2/models/${MODEL}/infer`, {
      roles: ['predict'],
      parse: { parse: (v) => v as { id: string } },
      body: {
        inputs: [
          { name: 'humidity', shape: [rows.length], datatype: 'FP32', data: rows.map((r) => r.humidity) },
          { name: 'temperature', shape: [rows.length], datatype: 'FP32', data: rows.map((r) => r.temperature) },
        ],
      },
    });
  const signIn = async (p: Page, roles: Role[]) => {
    await p.goto(`${gateway}/console`);
    await p.getByLabel('Token').fill(await token(roles));
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { level: 1, name: 'Models' }).waitFor();
  };
  const accessible = async (p: Page) => expect(await seriousViolations(p)).toEqual([]);

  beforeAll(async () => {
    const [gatewayPort] = await allocatePorts(1);
    // The training app bootstraps the model, so its card carries the training distributions drift is measured against.
    const launcher = bootstrap(['start'], {
      MERIDIAN_HOME: home,
      MERIDIAN_STACK: 'local',
      GATEWAY_PORT: `${gatewayPort}`,
      BOOTSTRAP_MODELS: MODEL,
      DRIFT_WINDOW: '300',
      CANARY_SECONDS: '5',
    });
    runs.push(launcher);
    await printed(launcher, '[meridian] ready in ', 240_000);
    gateway = `http://127.0.0.1:${gatewayPort}`;
    expect(launcher.output()).toContain(`console: ${gateway}/console`);
    await waitFor({
      what: `${MODEL} served`,
      timeoutMs: 120_000,
      check: async () =>
        (
          await fetch(`${gateway}/v2/models/${MODEL}/ready`, {
            headers: { authorization: `Bearer ${await token(['predict'])}` },
          })
        ).status === 200,
    });
    browser = await launchChromium();
    admin = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await admin.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await killAll(runs);
    rmSync(home, { recursive: true, force: true });
  });

  it('when /console is opened, then it asks for a token with a labelled field and a Sign in button', async () => {
    await page.goto(`${gateway}/console`);
    await expect(page.getByLabel('Token').isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await accessible(page);
    await screenshot(page, 'sign-in');
  });

  it('when an admin signs in, then the models page shows every model the registry lists, each with its stage', async () => {
    await signIn(page, ['admin']);
    const listed = await api('/v1/registry/models', { roles: ['admin'], parse: ModelSummary.array() });
    expect(listed.length).toBeGreaterThan(0);
    for (const m of listed) {
      const versions = await api(`/v1/registry/models/${m.name}/versions`, {
        roles: ['admin'],
        parse: ModelVersionSummary.array(),
      });
      const row = page.getByRole('row').filter({ hasText: m.name }).first();
      await row.waitFor();
      for (const stage of new Set(versions.map((v) => v.stage)))
        await expect(row.textContent()).resolves.toContain(stage);
    }
    await accessible(page);
    await screenshot(page, 'models');
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(phone, ['admin']);
    await phone.getByRole('row').filter({ hasText: MODEL }).first().waitFor();
    await screenshot(phone, 'models-phone');
    await phone.close();
  });

  it('when predictions and then a drifted window arrive, then the alert appears on the open Alerts page without a reload, and the drift plot shows the drifted window', async () => {
    // A stable URL opens directly (the session is kept); from here on the page is never reloaded.
    await page.goto(`${gateway}/console/alerts`);
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    const heldOut = stratifiedSplit(loadSensorReadings(), {
      testFraction: 0.25,
      seed: 42,
      label: (r) => r.label,
    }).test.filter((r) => r.label === 0);
    const step = Math.floor(heldOut.length / 300);
    const spread = (offset: number) => Array.from({ length: 300 }, (_, i) => heldOut[i * step + offset]!);
    await predict(spread(0));
    // The next window is 6 °C warmer: temperature drifts.
    await predict(spread(1).map((r) => ({ humidity: r.humidity, temperature: r.temperature + 6 })));
    const alerts = page.getByRole('table', { name: 'Alerts, newest first' });
    await alerts
      .getByRole('row')
      .filter({ hasText: MODEL })
      .filter({ hasText: 'drift' })
      .first()
      .waitFor({ timeout: 60_000 });
    await expect(page.getByText(`New drift alert on ${MODEL}`).isVisible()).resolves.toBe(true);
    await accessible(page);
    await screenshot(page, 'alerts');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
    await page.getByRole('link', { name: MODEL, exact: true }).first().click();
    await page.getByRole('heading', { level: 1, name: MODEL }).waitFor();
    const windows = page.getByRole('table', { name: `Drift per window of ${MODEL} v1` });
    await windows
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: '1', exact: true }) })
      .filter({ hasText: 'drifted' })
      .waitFor({ timeout: 30_000 });
    await accessible(page);
    await screenshot(page, 'model-detail');
  });

  it('when the retraining run the alert started completes, then its page shows the run and its steps', async () => {
    const [alert] = await api('/v1/monitor/alerts', { roles: ['predict'], parse: Alert.array() });
    const run = await eventually(
      () => api(`/v1/training/runs/${alert!.run_id}`, { roles: ['admin'], parse: RunStatus }),
      (r) => r.status === 'completed' || r.status === 'failed',
      180_000,
    );
    expect(run.status).toBe('completed');
    await page.goto(`${gateway}/console/runs/${alert!.run_id}`);
    await page.getByRole('heading', { level: 1, name: `Run ${alert!.run_id}` }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Steps' }).waitFor();
    await expect(page.getByRole('main').textContent()).resolves.toContain('completed');
    await accessible(page);
    await screenshot(page, 'run');
    await page.goto(`${gateway}/console/runs`);
    await page.getByRole('table', { name: 'Training runs, newest first' }).getByText(alert!.run_id).waitFor();
    await screenshot(page, 'runs');
  });

  it("when an admin rolls back and promotes from the console, then the stage shown and the registry's audit change", async () => {
    const versions = () =>
      api(`/v1/registry/models/${MODEL}/versions`, { roles: ['admin'], parse: ModelVersionSummary.array() });
    // The retrained version's canary ends (CANARY_SECONDS=5): no version is staging any more.
    const settled = await eventually(
      versions,
      (list) => list.length >= 2 && !list.some((v) => v.stage === 'staging'),
      60_000,
    );
    const production = () => versions().then((list) => list.find((v) => v.stage === 'production')?.version);
    await page.goto(`${gateway}/console/models/${MODEL}`);
    await page.getByRole('heading', { level: 1, name: MODEL }).waitFor();
    const table = page.getByRole('table', { name: `Versions of ${MODEL}, newest first` });
    const row = (version: string) =>
      table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: `v${version}`, exact: true }) });
    // Done once the dialog has closed and the page shows the audit entry of this very action (the
    // one before it stays on show until then).
    const act = async (o: { button: ReturnType<Page['getByRole']>; dialog: string; action: string }) => {
      await o.button.click();
      const dialog = page.getByRole('dialog', { name: o.dialog });
      await dialog.getByRole('button', { name: 'Confirm' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByRole('status').filter({ hasText: 'Audit entry' }).filter({ hasText: o.action }).waitFor();
    };
    const productionIs = (version: string) => eventually(production, (v) => v === version, 30_000);
    // The retrained version (the newest) and the one before it take turns in production: a rollback
    // brings back the version before the current one, a promotion puts the newest back.
    const newest = String(Math.max(...settled.map((v) => Number(v.version))));
    const previous = String(Number(newest) - 1);
    const promote = () =>
      act({
        button: row(newest).getByRole('button', { name: 'Promote' }),
        dialog: `Promote ${MODEL} v${newest}`,
        action: 'registry.stage',
      });
    const rollBack = () =>
      act({
        button: page.getByRole('button', { name: 'Roll back' }),
        dialog: `Roll back ${MODEL}`,
        action: 'registry.rollback',
      });
    if ((await production()) !== newest) {
      await promote();
      expect(await productionIs(newest)).toBe(newest);
      await row(newest).getByText('production').waitFor();
    }
    await rollBack();
    expect(await productionIs(previous)).toBe(previous);
    await row(previous).getByText('production').waitFor();
    await promote();
    expect(await productionIs(newest)).toBe(newest);
    await row(newest).getByText('production').waitFor();
    await screenshot(page, 'model-actions');
    const audit = await api('/v1/audit?limit=20', { roles: ['admin'], parse: AuditListResponse });
    const actions = audit.entries.map((e) => e.action);
    expect(actions).toContain('registry.stage');
    expect(actions).toContain('registry.rollback');
  });

  it('when a predict-role account signs in, then it sees no admin buttons, and an admin request forged from its session gets 403', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const reader = await context.newPage();
    await signIn(reader, ['predict']);
    await reader.goto(`${gateway}/console/models/${MODEL}`);
    await reader.getByRole('heading', { level: 2, name: 'Versions' }).waitFor();
    await reader.getByRole('table', { name: `Versions of ${MODEL}, newest first` }).waitFor();
    for (const name of ['Promote', 'Roll back', 'Set canary', 'Load', 'Unload', 'Start training run'])
      expect(await reader.getByRole('button', { name }).count(), name).toBe(0);
    // The page's own session token (sessionStorage, as the console keeps it), sent to an admin route.
    const forged = await reader.evaluate(async (model) => {
      const storage = (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } })
        .sessionStorage;
      const res = await fetch(`/v1/registry/models/${model}/rollback`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${storage.getItem('meridian.console.token')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ reason: 'forged from the console' }),
      });
      return res.status;
    }, MODEL);
    expect(forged).toBe(403);
    await context.close();
  });

  it('when the pipeline, agents and models pages open after the traffic, then they render with no serious accessibility violation', async () => {
    for (const [path, heading] of [
      ['', 'Models'],
      ['pipeline', 'Pipeline'],
      ['agents', 'Agents'],
    ] as const) {
      await page.goto(`${gateway}/console/${path}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.getByText('Loading').first().waitFor({ state: 'hidden' });
      await accessible(page);
      await screenshot(page, path || 'models-after-traffic');
    }
  });
});
