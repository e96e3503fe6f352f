import { describe, expect, it } from 'vitest';
import { BACKLOG_BROKER_BOUND, backlogBound, batchSize, MQTT_BOUND, parsePipelineOptions } from './pipeline-options.ts';
import { fractionOfBare, pipelineTable, type PipelineRow } from './pipeline-report.ts';

describe('backlogBound', () => {
  it('when auto, then MQTT brokers get the bound that protects Mosquitto and brokers that keep a backlog the larger one', () => {
    expect(backlogBound({ broker: 'embedded', flag: 'auto' })).toBe(MQTT_BOUND);
    expect(backlogBound({ broker: 'mqtt', flag: 'auto' })).toBe(800);
    for (const broker of ['kafka', 'redis', 'jetstream', 'rabbitmq'])
      expect(backlogBound({ broker, flag: 'auto' })).toBe(BACKLOG_BROKER_BOUND);
  });

  it('when a number is given, then every broker gets it', () => {
    expect(backlogBound({ broker: 'embedded', flag: '0' })).toBe(0);
    expect(backlogBound({ broker: 'kafka', flag: '5000' })).toBe(5000);
  });
});

describe('batchSize', () => {
  it('when auto, then batches are 1000 or a quarter of the bound, whichever is less; a number is kept', () => {
    expect(batchSize({ flag: 'auto', bound: 800 })).toBe(200);
    expect(batchSize({ flag: 'auto', bound: BACKLOG_BROKER_BOUND })).toBe(1000);
    expect(batchSize({ flag: 'auto', bound: 0 })).toBe(1000);
    expect(batchSize({ flag: '500', bound: 800 })).toBe(500);
  });
});

describe('parsePipelineOptions', () => {
  it('when given flags, then they are read with the rest at their defaults', () => {
    const o = parsePipelineOptions(['--brokers', 'embedded, redis', '--records', '2000', '--skip-bare']);
    expect(o.brokers).toEqual(['embedded', 'redis']);
    expect(o.records).toBe(2000);
    expect(o.batch).toBe('auto');
    expect(o.backlogRecords).toBe('auto');
    expect(o.skipBare).toBe(true);
    expect(o.drainTimeoutMs).toBe(180_000);
    expect(o.profileSeconds).toBe(0);
    expect(parsePipelineOptions(['--profile', '5']).profileSeconds).toBe(5);
  });
});

describe('the pipeline report', () => {
  it('when the bare path was measured, then the fraction is records/s over bare records/s; without it, none', () => {
    expect(fractionOfBare(3000, 6000)).toBe(0.5);
    expect(fractionOfBare(1000, 3000)).toBe(0.33);
    expect(fractionOfBare(1000, null)).toBeNull();
  });

  it('when printed, then each row shows records/s, the bare path, the fraction and the refused batches', () => {
    const row = {
      broker: 'redis',
      records: 100,
      records_per_s: 40,
      bare_records_per_s: 80,
      fraction_of_bare: 0.5,
      lag_p50_ms: 5,
      lag_p99_ms: null,
      lost: 0,
      double_counted: 0,
      refused_batches: 7,
      batch: 1000,
      max_backlog_records: 20000,
      dead_lettered: 1,
      redeliveries_recognised: 0,
      cpu_us_per_record: 210,
      bare_cpu_us_per_record: null,
    } as PipelineRow;
    expect(pipelineTable([row]).split('\n')[2]).toBe(
      '| redis | 100 | 40 | 80 | 0.5 | 210 | - | 5 | - | 0 | 0 | 1 | 1000 | 20000 | 7 | 0 |',
    );
  });
});
