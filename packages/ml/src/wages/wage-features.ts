import type { CpsWorker } from './wage-data.ts';

/**
 * The model's inputs: what a pay decision may legitimately rest on (schooling, experience,
 * region, union cover, job). Left out on purpose:
 * - gender and race: protected attributes. They are not inputs; they are kept beside the
 *   predictions to measure the model's fairness against them (proxies may still carry them,
 *   which is what the fairness report is there to show).
 * - age: protected too (age discrimination), and in this data it is education + experience + 6
 *   on 533 of 534 rows, so it adds nothing a linear model could use.
 * - married: a personal status some jurisdictions protect in employment, not a job attribute.
 * Categories are one-hot against a reference level ('other' for both), so the columns are not
 * collinear with the bias.
 */
export const WAGE_FEATURES = [
  'education',
  'experience',
  'south',
  'union',
  'occupation_management',
  'occupation_professional',
  'occupation_sales',
  'occupation_clerical',
  'occupation_service',
  'sector_manufacturing',
  'sector_construction',
] as const;

export type WageFeature = (typeof WAGE_FEATURES)[number];

/** Protected attributes reported on, with the group treated as privileged for each. */
export const WAGE_PROTECTED_ATTRIBUTES = {
  sex: { field: 'gender', privileged: 'male' },
  race: { field: 'race', privileged: 'white' },
} as const;

export const WAGE_EXCLUDED_FIELDS = ['gender', 'race', 'age', 'married'] as const;

/** Feature row in WAGE_FEATURES order: what a caller sends, one named FP32 input each. */
export function wageFeatures(worker: Omit<CpsWorker, 'wage' | 'gender' | 'race' | 'age' | 'married'>): number[] {
  const { occupation, sector } = worker;
  return [
    worker.education,
    worker.experience,
    worker.south,
    worker.union,
    occupation === 'management' ? 1 : 0,
    occupation === 'professional' ? 1 : 0,
    occupation === 'sales' ? 1 : 0,
    occupation === 'clerical' ? 1 : 0,
    occupation === 'service' ? 1 : 0,
    sector === 'manufacturing' ? 1 : 0,
    sector === 'construction' ? 1 : 0,
  ];
}
