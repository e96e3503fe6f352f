import { afterEach, describe, expect, it, vi } from 'vitest';
import { orAfter } from './or-after.ts';

describe('orAfter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when the work settles in time, then its outcome is the answer and no timer is left', async () => {
    vi.useFakeTimers();
    const late = vi.fn(() => 'late');
    expect(await orAfter(Promise.resolve('done'), 1000, late)).toBe('done');
    await expect(orAfter(Promise.reject(new Error('failed')), 1000, late)).rejects.toThrow('failed');
    expect(vi.getTimerCount()).toBe(0);
    expect(late).not.toHaveBeenCalled();
  });

  it('when the work is not done within the time, then late answers, with its value or its error', async () => {
    vi.useFakeTimers();
    const never = new Promise<string>(() => undefined);
    const value = orAfter(never, 1000, () => 'late');
    const error = expect(
      orAfter(never, 2000, () => {
        throw new Error('too late');
      }),
    ).rejects.toThrow('too late');
    await vi.advanceTimersByTimeAsync(999);
    expect(vi.getTimerCount()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(await value).toBe('late');
    await vi.advanceTimersByTimeAsync(1000);
    await error;
  });
});
