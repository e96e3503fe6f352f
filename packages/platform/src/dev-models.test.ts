import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelCard, driftReferenceIssues } from '@meridian/contracts';
import { ensureDevModels, ensureWindowedModel } from './dev-models.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'meridian-dev-models-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('dev models seeded for tests', () => {
  it('when seeded, then their cards carry the training distribution of every input and output, as the registry requires', async () => {
    const repository = await ensureDevModels(dataDir);
    await ensureWindowedModel(repository);
    for (const name of ['sensor-anomaly', 'sensor-anomaly-windowed']) {
      const card = ModelCard.parse(JSON.parse(readFileSync(join(repository, name, '1', 'model.json'), 'utf8')));
      expect([name, driftReferenceIssues(card)]).toEqual([name, []]);
    }
  });
});
