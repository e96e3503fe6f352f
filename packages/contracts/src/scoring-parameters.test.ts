import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PredictionIds, ScoringParameters } from './scoring-parameters.ts';

describe('ScoringParameters', () => {
  it('when the features app writes its parameters, then the wire form is the comma-joined strings inference has always read', () => {
    const wire = ScoringParameters.encode({
      record_keys: ['3@1#1', '3@1#2'],
      record_times: [1709287200000, 1709287200001],
      prediction_log: 'required',
    });
    expect(wire).toEqual({
      record_keys: '3@1#1,3@1#2',
      record_times: '1709287200000,1709287200001',
      prediction_log: 'required',
    });
  });

  it('when protected attributes and entities are written, then they travel as protected.<attr> and one joined entities value', () => {
    expect(ScoringParameters.encode({ entities: ['3', '7'], protected: { sex: ['f', 'm'] } })).toEqual({
      entities: '3,7',
      'protected.sex': 'f,m',
    });
  });

  it("when a request's parameters are read, then the lists come out typed and other parameters are ignored", () => {
    const wire = {
      record_keys: '3@1#1,3@1#2',
      record_times: '10,20',
      'protected.sex': ' f, m',
      'protected.race': 'a,b',
      entities: ' 3, ,7',
      prediction_log: 'required',
      deadline_ms: 50,
      sticky_key: 'u',
    };
    expect(ScoringParameters.decode(wire)).toEqual({
      record_keys: ['3@1#1', '3@1#2'],
      record_times: [10, 20],
      entities: ['3', '7'],
      protected: { sex: ['f', 'm'], race: ['a', 'b'] },
      prediction_log: 'required',
    });
    expect(ScoringParameters.decode({})).toEqual({});
  });

  it('when prediction_log is anything but "required", then it is not required (as before)', () => {
    expect(ScoringParameters.decode({ prediction_log: 'sampled' })).toEqual({});
  });

  it('when a record time is not a number, then the issue names the parameter and the row', () => {
    const parsed = ScoringParameters.safeDecode({ record_keys: 'a,b,c', record_times: '1,soon,' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['record_times.1', 'record_times.2']);
  });

  it('when a value to write contains a comma, then it is refused instead of splitting into two rows', () => {
    expect(ScoringParameters.safeEncode({ record_keys: ['a,b'] }).error?.issues[0]?.path).toEqual(['record_keys', 0]);
  });

  it('when lists without commas are written and read back, then they are unchanged', () => {
    const item = fc.string({ minLength: 1 }).filter((s) => !s.includes(',') && s.trim() === s && s.length > 0);
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1 }),
        fc.array(fc.integer({ min: 0 }), { minLength: 1 }),
        (keys, times) => {
          const fields = { record_keys: keys, record_times: times, entities: keys, protected: { sex: keys } };
          expect(ScoringParameters.decode(ScoringParameters.encode(fields))).toEqual(fields);
        },
      ),
    );
  });
});

describe('PredictionIds', () => {
  it('when a response carries its row ids, then they are comma-joined and split back', () => {
    expect(PredictionIds.encode(['r:0', 'r:1'])).toBe('r:0,r:1');
    expect(PredictionIds.decode('r:0,r:1')).toEqual(['r:0', 'r:1']);
  });
});
