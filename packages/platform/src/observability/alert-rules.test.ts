import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SLO_OBJECTIVES } from '@meridian/contracts';
import { alertRules, alertRulesYaml, type AlertingRule } from './alert-rules.ts';
import { promtool } from './promtool.ts';

const dir = mkdtempSync(join(tmpdir(), 'alert-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alerts = (o: Parameters<typeof alertRules>[0] = {}) =>
  alertRules(o).groups.flatMap((g) => g.rules.filter((r): r is AlertingRule => 'alert' in r));
const alert = (name: string, o: Parameters<typeof alertRules>[0] = {}) => alerts(o).find((a) => a.alert === name)!;

/** A promtool unit test of the generated rules: `series` fed in, the alerts firing at `at` expected. */
async function promtoolTest(o: {
  series: { series: string; values: string }[];
  at: string;
  alertname: string;
  expected: unknown[];
}) {
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, alertRulesYaml());
  const test = join(dir, `${o.alertname}.test.yaml`);
  writeFileSync(
    test,
    stringify({
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: o.series,
          alert_rule_test: [{ eval_time: o.at, alertname: o.alertname, exp_alerts: o.expected }],
        },
      ],
    }),
  );
  return promtool(['test', 'rules', test]);
}

describe('alertRules', () => {
  it('when promtool checks the rule file, then every rule parses', async () => {
    const file = join(dir, 'check.yaml');
    writeFileSync(file, alertRulesYaml());
    expect(await promtool(['check', 'rules', file])).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("when the SLO alerts are built, then they burn the monitor's objectives: its error rate, and the share slower than its p99 latency", () => {
    const errors = alert('InferenceSloErrorsBurn1h');
    expect(errors.expr).toContain(`> 14.4 * ${SLO_OBJECTIVES.error_rate}`);
    const rules = alertRules().groups.flatMap((g) => g.rules);
    const latency1h = rules.find((r) => 'record' in r && r.record === 'meridian:inference_latency_ratio:rate1h')!;
    expect(latency1h.expr).toContain(`le="${SLO_OBJECTIVES.latency_p99_ms / 1000}"`);
    expect(latency1h.expr).toContain('sum by (model)');
  });

  it('when other objectives are given, then the thresholds follow them', () => {
    const o = { objectives: { latency_p99_ms: 250, error_rate: 0.05 } };
    expect(alert('InferenceSloErrorsBurn6h', o).expr).toContain('> 6 * 0.05');
    const rules = alertRules(o).groups.flatMap((g) => g.rules);
    expect(rules.find((r) => 'record' in r && r.record === 'meridian:inference_latency_ratio:rate5m')!.expr).toContain(
      'le="0.25"',
    );
  });

  it('when every burn window is listed, then each SLO pages on fast burns and files a ticket on a slow one', () => {
    for (const slo of ['Errors', 'Latency'])
      expect(
        alerts()
          .filter((a) => a.alert.startsWith(`InferenceSlo${slo}Burn`))
          .map((a) => [a.alert, a.labels.severity]),
      ).toEqual([
        [`InferenceSlo${slo}Burn1h`, 'page'],
        [`InferenceSlo${slo}Burn6h`, 'page'],
        [`InferenceSlo${slo}Burn3d`, 'ticket'],
      ]);
    expect(alerts().map((a) => a.alert)).toEqual(
      expect.arrayContaining(['ConsumerLagHigh', 'DeadLettersGrowing', 'SidecarDown', 'AppDown']),
    );
  });

  it('when a sidecar stops answering scrapes for over a minute, then SidecarDown fires for it alone', async () => {
    const out = await promtoolTest({
      series: [
        { series: 'up{job="daprd",app="inference",instance="inference"}', values: '1 1 0 0 0 0' },
        { series: 'up{job="daprd",app="gateway",instance="gateway"}', values: '1 1 1 1 1 1' },
        { series: 'up{job="apps",app="inference",instance="inference"}', values: '1 1 1 1 1 1' },
      ],
      at: '5m',
      alertname: 'SidecarDown',
      expected: [
        {
          exp_labels: { severity: 'page', job: 'daprd', app: 'inference', instance: 'inference' },
          exp_annotations: {
            summary: 'The sidecar of inference is down',
            description: 'daprd of inference (app inference) has not answered a metrics scrape for a minute.',
          },
        },
      ],
    });
    expect(out).toContain('SUCCESS');
  });

  it("when a fifth of a model's requests fail for an hour, then the fast error burn pages for that model", async () => {
    const out = await promtoolTest({
      series: [
        { series: 'meridian_inference_requests_total{model="m",version="1",outcome="ok"}', values: '0+100x70' },
        { series: 'meridian_inference_errors_total{model="m",version="1",code="internal"}', values: '0+20x70' },
        { series: 'meridian_inference_requests_total{model="n",version="1",outcome="ok"}', values: '0+100x70' },
        { series: 'meridian_inference_errors_total{model="n",version="1",code="internal"}', values: '0+0x70' },
      ],
      at: '65m',
      alertname: 'InferenceSloErrorsBurn1h',
      expected: [
        {
          exp_labels: { severity: 'page', model: 'm' },
          exp_annotations: {
            summary: 'Model m is burning its errors budget 14.4x too fast',
            description: `Over the last 1h and 5m, model m spent the error budget of its errors objective (at most ${SLO_OBJECTIVES.error_rate * 100}% of requests failing, as in the monitor's SLO report) 14.4x as fast as 30 days allow: at this rate it is gone in 2 days.`,
          },
        },
      ],
    });
    expect(out).toContain('SUCCESS');
  });

  it('when a fifth of answered requests are slower than the objective for an hour, then the fast latency burn pages for that model', async () => {
    const le = `${SLO_OBJECTIVES.latency_p99_ms / 1000}`;
    const histogram = (model: string, fast: number) => [
      {
        series: `meridian_inference_request_duration_seconds_bucket{model="${model}",version="1",le="${le}"}`,
        values: `0+${fast}x70`,
      },
      {
        series: `meridian_inference_request_duration_seconds_bucket{model="${model}",version="1",le="+Inf"}`,
        values: '0+100x70',
      },
      { series: `meridian_inference_request_duration_seconds_count{model="${model}",version="1"}`, values: '0+100x70' },
    ];
    const out = await promtoolTest({
      series: [...histogram('m', 80), ...histogram('n', 100)],
      at: '65m',
      alertname: 'InferenceSloLatencyBurn1h',
      expected: [
        {
          exp_labels: { severity: 'page', model: 'm' },
          exp_annotations: {
            summary: 'Model m is burning its latency budget 14.4x too fast',
            description: `Over the last 1h and 5m, model m spent the error budget of its latency objective (p99 latency at most ${SLO_OBJECTIVES.latency_p99_ms} ms, as in the monitor's SLO report) 14.4x as fast as 30 days allow: at this rate it is gone in 2 days.`,
          },
        },
      ],
    });
    expect(out).toContain('SUCCESS');
  });

  it('when dead letters of a topic grow, then DeadLettersGrowing files a ticket for that app and topic only', async () => {
    const out = await promtoolTest({
      series: [
        {
          series: 'meridian_pubsub_dead_letters_total{app="monitor",instance="monitor",job="apps",topic="predictions"}',
          values: '0 0 1 2 3 3',
        },
        {
          series: 'meridian_pubsub_dead_letters_total{app="features",instance="features",job="apps",topic="readings"}',
          values: '4 4 4 4 4 4',
        },
      ],
      at: '5m',
      alertname: 'DeadLettersGrowing',
      expected: [
        {
          exp_labels: { severity: 'ticket', app: 'monitor', topic: 'predictions' },
          exp_annotations: {
            summary: 'Dead letters of predictions are growing',
            description:
              'monitor dead-lettered 3 messages of predictions in the last 10 minutes; they need a look and a replay.',
          },
        },
      ],
    });
    expect(out).toContain('SUCCESS');
  });

  it('when records of a stream stay ingested but unprocessed for ten minutes, then PipelineBacklogStuck pages for that stream, not for one that drains', async () => {
    const labels = (stream: string) => `app="ingestion",instance="ingestion",job="apps",stream="${stream}"`;
    const out = await promtoolTest({
      series: [
        { series: `meridian_pipeline_backlog_records{${labels('sensor-readings')}}`, values: '0 0 500x14' },
        { series: `meridian_pipeline_processed_records_total{${labels('sensor-readings')}}`, values: '100 120 120x14' },
        // Busy, not stuck: records always waiting, and processed all along.
        { series: `meridian_pipeline_backlog_records{${labels('busy')}}`, values: '0 0 500x14' },
        { series: `meridian_pipeline_processed_records_total{${labels('busy')}}`, values: '0+300x16' },
      ],
      at: '13m',
      alertname: 'PipelineBacklogStuck',
      expected: [
        {
          exp_labels: { severity: 'page', app: 'ingestion', stream: 'sensor-readings' },
          exp_annotations: {
            summary: 'Records of sensor-readings are ingested but not processed',
            description:
              'At least 500 records of sensor-readings have been accepted by ingestion and not processed for 10 minutes, and its consumer processed none: new batches are refused (429), or taken without a bound while the consumer cannot be reached.',
          },
        },
      ],
    });
    expect(out).toContain('SUCCESS');
  });

  it('when the backlog has been stuck for less than ten minutes, then PipelineBacklogStuck does not fire yet', async () => {
    const labels = 'app="ingestion",instance="ingestion",job="apps",stream="sensor-readings"';
    const out = await promtoolTest({
      series: [
        { series: `meridian_pipeline_backlog_records{${labels}}`, values: '0 0 500x14' },
        { series: `meridian_pipeline_processed_records_total{${labels}}`, values: '100 120 120x14' },
      ],
      // Its window still reaches back to the last minute with nothing waiting (left-open windows or not).
      at: '10m',
      alertname: 'PipelineBacklogStuck',
      expected: [],
    });
    expect(out).toContain('SUCCESS');
  });

  it('when records are written off as never processed, then PipelineRecordsLost files a ticket for that stream', async () => {
    const out = await promtoolTest({
      series: [
        {
          series:
            'meridian_pipeline_written_off_records_total{app="ingestion",instance="ingestion",job="apps",stream="sensor-readings"}',
          values: '0 0 0 300 300 300',
        },
      ],
      at: '5m',
      alertname: 'PipelineRecordsLost',
      expected: [
        {
          exp_labels: { severity: 'ticket', app: 'ingestion', stream: 'sensor-readings' },
          exp_annotations: {
            summary: 'Records of sensor-readings were ingested but never processed',
            description:
              '300 records of sensor-readings accepted by ingestion in the last 15 minutes were still unprocessed when the consumer had gone idle, so it will never get them (lost at the broker, or published while nothing subscribed); replay them from the source.',
          },
        },
      ],
    });
    expect(out).toContain('SUCCESS');
  });
});
