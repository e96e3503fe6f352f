import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkflowActivityContext } from '@dapr/dapr';
import type { OfflineFeatureRow, RegisterVersionRequest, Stage } from '@meridian/contracts';
import { AppError, retryUntilReady, rootLogger } from '@meridian/service-kit';
import type { Inference, Registry, RunRecords } from '../domain/ports.ts';
import { promotionGate } from '../domain/promotion-gate.ts';
import { registeredVersions } from '../domain/registered-versions.ts';
import { TRAINERS, type Progress, type Trainer } from '../domain/trainers.ts';

export interface ActivityDeps {
  registry: Registry;
  inference: Inference;
  /** Where training progress is kept for the status API. */
  records: Pick<RunRecords, 'saveProgress'>;
  workDir: string;
  gateMargin: number;
  codeVersion: string;
  /** Where the offline feature log is read (empty: trainers learn from their dataset only). */
  featuresAppId: string;
  offlineFeatures(): Promise<OfflineFeatureRow[]>;
}

const OFFLINE_ROWS_FILE = 'offline-rows.json';

async function readOfflineRows(dir: string): Promise<OfflineFeatureRow[]> {
  try {
    return JSON.parse(await readFile(join(dir, OFFLINE_ROWS_FILE), 'utf8')) as OfflineFeatureRow[];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function trainerFor(model: string): Trainer {
  const trainer = TRAINERS[model];
  if (!trainer) throw new Error(`no trainer for model ${model}`);
  return trainer;
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

/** The workflow's steps. Each may run more than once (at-least-once), so each is safe to repeat. */
export function createActivities(deps: ActivityDeps) {
  const runDir = (runId: string) => join(deps.workDir, runId);
  const log = () => rootLogger();

  /** A step may run again after a crash, so a version already in the wanted stage counts as moved. */
  async function moveTo(o: { model: string; version: string; stage: Stage; reason: string }): Promise<void> {
    try {
      await deps.registry.stage(o);
    } catch (err) {
      const current = (await registeredVersions(deps.registry, o.model)).find((v) => v.version === o.version)?.stage;
      if (current !== o.stage) throw err;
    }
  }

  /**
   * The data a run trains on, fixed before training: the dataset's identity, and for trainers
   * that learn from live data too, the labelled rows of the offline feature log, copied into
   * the run's folder (a re-run of train reads the same rows).
   */
  async function snapshot(
    _: WorkflowActivityContext,
    i: { runId: string; model: string },
  ): Promise<{ dataset: string; hash: string; rows: number; offline?: { rows: number; labelled: number } }> {
    const trainer = trainerFor(i.model);
    const base = trainer.snapshot();
    if (!trainer.offlineFeatures || !deps.featuresAppId) return base;
    const rows = await deps.offlineFeatures();
    const labelled = rows.filter((r) => r.label !== undefined);
    await mkdir(runDir(i.runId), { recursive: true });
    await writeAtomically(join(runDir(i.runId), OFFLINE_ROWS_FILE), JSON.stringify(labelled));
    return { ...base, offline: { rows: rows.length, labelled: labelled.length } };
  }

  async function train(
    _: WorkflowActivityContext,
    i: { runId: string; model: string; params: Record<string, unknown> },
  ) {
    const trainer = trainerFor(i.model);
    log().info({ run: i.runId, model: i.model, params: i.params }, 'training started');
    const onProgress = (p: Progress) => {
      log().info({ run: i.runId, model: i.model, ...p }, 'training progress');
      // Progress is informative: a lost write must not fail the training.
      void deps.records.saveProgress({ id: i.runId, progress: p }).catch(() => undefined);
    };
    const offlineRows = trainer.offlineFeatures ? await readOfflineRows(runDir(i.runId)) : [];
    const trained = await trainer.train(i.params, onProgress, { offlineRows });
    const metadata = { ...trained.metadata, params: { ...trained.metadata.params, training_run: i.runId } };
    await mkdir(runDir(i.runId), { recursive: true });
    await writeAtomically(join(runDir(i.runId), trained.artifactFile), trained.artifact);
    await writeAtomically(
      join(runDir(i.runId), 'trained.json'),
      JSON.stringify({ artifactFile: trained.artifactFile, metadata, metrics: trained.metrics }),
    );
    log().info({ run: i.runId, model: i.model, metrics: trained.metrics }, 'training finished');
    return { artifactFile: trained.artifactFile };
  }

  async function readTrained(runId: string) {
    return JSON.parse(await readFile(join(runDir(runId), 'trained.json'), 'utf8')) as {
      artifactFile: string;
      metadata: Record<string, unknown> & { dataset?: { test_rows?: number } };
      metrics: Record<string, number>;
    };
  }

  async function evaluate(_: WorkflowActivityContext, i: { runId: string; model: string }) {
    const trained = await readTrained(i.runId);
    const gateMetric = trainerFor(i.model).gateMetric;
    const value = trained.metrics[gateMetric];
    if (value === undefined || !Number.isFinite(value))
      throw new Error(`held-out ${gateMetric} is not a number (${value})`);
    return { metrics: trained.metrics, gateMetric, testRows: trained.metadata.dataset?.test_rows ?? 0 };
  }

  async function gate(
    _: WorkflowActivityContext,
    i: { model: string; metrics: Record<string, number>; gateMetric: string },
  ) {
    return promotionGate({
      versions: await registeredVersions(deps.registry, i.model),
      metrics: i.metrics,
      gateMetric: i.gateMetric,
      margin: deps.gateMargin,
    });
  }

  async function register(_: WorkflowActivityContext, i: { runId: string; model: string }) {
    const already = (await registeredVersions(deps.registry, i.model)).find(
      (v) => v.metadata.params?.training_run === i.runId,
    );
    if (already) return already.version;
    const trained = await readTrained(i.runId);
    const artifact = await readFile(join(runDir(i.runId), trained.artifactFile));
    const registered = await deps.registry.register(i.model, {
      artifact: artifact.toString('base64'),
      artifact_file: trained.artifactFile,
      metadata: trained.metadata as RegisterVersionRequest['metadata'],
      code_version: deps.codeVersion,
    });
    return registered.version;
  }

  async function canary(_: WorkflowActivityContext, i: { model: string; version: string; percent: number }) {
    await moveTo({ model: i.model, version: i.version, stage: 'staging', reason: `canary at ${i.percent}%` });
  }

  // Inference loads a staging version when the registry's event reaches it: give that up to a minute.
  async function checkCanary(_: WorkflowActivityContext, i: { model: string; version: string }) {
    let status = 0;
    const ready = () =>
      deps.inference.ready({ model: i.model, version: i.version }).catch((err: unknown) => {
        status = err instanceof AppError ? err.status : 0;
        throw err;
      });
    try {
      await retryUntilReady({
        what: `${i.model} v${i.version} in inference`,
        attempt: ready,
        intervalMs: 500,
        warnEvery: 0,
        signal: AbortSignal.timeout(60_000),
      });
      return { healthy: true, reason: `version ${i.version} loaded and ready in inference` };
    } catch {
      return { healthy: false, reason: `inference answers ${status} for version ${i.version} after a minute` };
    }
  }

  async function promote(_: WorkflowActivityContext, i: { model: string; version: string; reason: string }) {
    await moveTo({ model: i.model, version: i.version, stage: 'production', reason: i.reason });
  }

  async function rollback(_: WorkflowActivityContext, i: { model: string; version: string; reason: string }) {
    await moveTo({ model: i.model, version: i.version, stage: 'archived', reason: i.reason });
  }

  return { snapshot, train, evaluate, gate, register, canary, checkCanary, promote, rollback };
}

export type RetrainActivities = ReturnType<typeof createActivities>;
