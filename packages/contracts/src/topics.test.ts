import { describe, expect, it } from 'vitest';
import { Topics, deadLetterTopic } from './topics.ts';

describe('Topics', () => {
  it('when topics are listed, then every name is distinct and each ingestion stream has its dead letter', () => {
    const names = Object.values(Topics);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([deadLetterTopic(Topics.sensorReadings), deadLetterTopic(Topics.userEvents)]),
    );
  });
});
