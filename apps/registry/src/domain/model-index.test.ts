import { describe, expect, it } from 'vitest';
import type { StageChange } from '@meridian/contracts';
import {
  registeredVersions,
  reserveVersion,
  rollbackTarget,
  withRegisteredVersion,
  type ModelIndex,
} from './model-index.ts';

const at = '2025-01-01T00:00:00.000Z';
const registered: StageChange = {
  at,
  by: 'training',
  from: null,
  to: 'candidate',
  reason: 'registered',
  action: 'registered',
};

describe('version numbering', () => {
  it('when a model is new, then its first version is 1, and each reservation takes the next number', () => {
    const first = reserveVersion(undefined, { name: 'm', at });
    expect(first.version).toBe('1');
    expect(reserveVersion(first.index, { name: 'm', at }).version).toBe('2');
  });

  it('when a reserved version never completed, then its number is not reused and it is not listed', () => {
    const one = reserveVersion(undefined, { name: 'm', at });
    const two = reserveVersion(one.index, { name: 'm', at });
    const listed = withRegisteredVersion(two.index, { version: '2', change: registered });
    expect(reserveVersion(listed, { name: 'm', at }).version).toBe('3');
    expect(registeredVersions(listed)).toEqual(['2']);
    expect(listed.versions['2']).toEqual({ stage: 'candidate', updated_at: at, history: [registered] });
  });

  it('when versions pass 9, then they are listed in numeric order', () => {
    const versions = Object.fromEntries(
      ['10', '9', '1'].map((v) => [v, { stage: 'candidate' as const, updated_at: at, history: [registered] }]),
    );
    expect(
      registeredVersions({
        name: 'm',
        last_version: 10,
        versions,
        production_history: [],
        created_at: at,
        updated_at: at,
      }),
    ).toEqual(['1', '9', '10']);
  });
});

describe('rollbackTarget', () => {
  const base: ModelIndex = {
    name: 'm',
    last_version: 3,
    versions: {},
    production_history: [],
    created_at: at,
    updated_at: at,
  };
  it('when there were earlier production versions, then the latest of them is the target', () => {
    expect(rollbackTarget({ ...base, production_version: '3', production_history: ['1', '2', '3'] })).toEqual({
      current: '3',
      previous: '2',
    });
  });
  it('when there is no production version or none before it, then there is nothing to roll back', () => {
    expect(rollbackTarget({ ...base, production_history: ['1'] })).toHaveProperty('problem');
    expect(rollbackTarget({ ...base, production_version: '1', production_history: ['1'] })).toHaveProperty('problem');
  });
});
