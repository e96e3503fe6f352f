import type { AlertingRule, RuleGroup } from './alert-rules.ts';

const ticket = (o: Omit<AlertingRule, 'labels'>): AlertingRule => ({ ...o, labels: { severity: 'ticket' } });
const page = (o: Omit<AlertingRule, 'labels'>): AlertingRule => ({ ...o, labels: { severity: 'page' } });

/**
 * Stream records accepted by ingestion but not processed by their consumer, from ingestion's backlog
 * measurements (apps/ingestion/src/domain/backpressure.ts; docs/pipeline-and-monitoring.md#backpressure).
 */
const pipelineBacklogRules: AlertingRule[] = [
  page({
    alert: 'PipelineBacklogStuck',
    // A busy stream always has records waiting; stuck is records waiting all along while none are processed.
    expr: 'min by (app, stream) (min_over_time(meridian_pipeline_backlog_records[10m])) > 0 unless sum by (app, stream) (increase(meridian_pipeline_processed_records_total[10m])) > 0',
    annotations: {
      summary: 'Records of {{ $labels.stream }} are ingested but not processed',
      description:
        'At least {{ $value }} records of {{ $labels.stream }} have been accepted by {{ $labels.app }} and not processed for 10 minutes, and its consumer processed none: new batches are refused (429), or taken without a bound while the consumer cannot be reached.',
    },
  }),
  ticket({
    alert: 'PipelineRecordsLost',
    expr: 'sum by (app, stream) (increase(meridian_pipeline_written_off_records_total[15m])) > 0',
    annotations: {
      summary: 'Records of {{ $labels.stream }} were ingested but never processed',
      description:
        '{{ $value | humanize }} records of {{ $labels.stream }} accepted by {{ $labels.app }} in the last 15 minutes were still unprocessed when the consumer had gone idle, so it will never get them (lost at the broker, or published while nothing subscribed); replay them from the source.',
    },
  }),
  ticket({
    alert: 'PipelineBacklogUnmeasured',
    expr: 'max by (app, stream) (meridian_pipeline_backlog_failing_open) == 1',
    for: '5m',
    annotations: {
      summary: '{{ $labels.app }} takes {{ $labels.stream }} without backpressure',
      description:
        "{{ $labels.app }} could not measure the backlog of {{ $labels.stream }} (its consumer's stats or the state store unreachable) for BACKLOG_FAIL_OPEN_MS and has taken batches without a bound for 5 minutes: a broker that drops past a queue limit may be losing records.",
    },
  }),
];

/**
 * Messages handled late, redelivered, dropped or dead-lettered, from the apps' and the sidecars' counts;
 * and stream records ingested but not processed, from ingestion's backlog.
 */
export const pubsubRules: RuleGroup = {
  name: 'meridian-pubsub',
  rules: [
    ticket({
      alert: 'ConsumerLagHigh',
      expr: 'histogram_quantile(0.95, sum by (app, topic, le) (rate(meridian_pubsub_delivery_lag_seconds_bucket[5m]))) > 30',
      for: '10m',
      annotations: {
        summary: '{{ $labels.app }} handles {{ $labels.topic }} late',
        description:
          '95% of the messages {{ $labels.app }} handled on {{ $labels.topic }} took up to {{ $value | humanizeDuration }} from publish to handling over the last 5 minutes.',
      },
    }),
    ticket({
      alert: 'ConsumerRetrying',
      // daprd's own count: it sees every delivery, including those that never reach the app.
      expr: 'sum by (app, topic) (rate(dapr_component_pubsub_ingress_count{process_status="retry"}[10m])) / sum by (app, topic) (rate(dapr_component_pubsub_ingress_count[10m])) > 0.1',
      for: '10m',
      annotations: {
        summary: '{{ $labels.app }} asks for redelivery of {{ $labels.topic }} often',
        description:
          '{{ $value | humanizePercentage }} of the deliveries of {{ $labels.topic }} to {{ $labels.app }} ended in RETRY over the last 10 minutes: the consumer falls behind while a dependency fails.',
      },
    }),
    ticket({
      alert: 'DeadLettersGrowing',
      expr: 'sum by (app, topic) (increase(meridian_pubsub_dead_letters_total[10m])) > 0',
      annotations: {
        summary: 'Dead letters of {{ $labels.topic }} are growing',
        description:
          '{{ $labels.app }} dead-lettered {{ $value }} messages of {{ $labels.topic }} in the last 10 minutes; they need a look and a replay.',
      },
    }),
    ticket({
      alert: 'MessagesDropped',
      expr: 'sum by (app, topic) (increase(dapr_component_pubsub_ingress_count{process_status="drop"}[10m])) > 0',
      annotations: {
        summary: '{{ $labels.app }} dropped messages of {{ $labels.topic }}',
        description:
          '{{ $labels.app }} answered DROP to {{ $value }} deliveries of {{ $labels.topic }} in the last 10 minutes (messages that can never succeed).',
      },
    }),
    ...pipelineBacklogRules,
  ],
};

/** A sidecar or an app that stopped answering its scrapes. */
export const upRules: RuleGroup = {
  name: 'meridian-up',
  rules: [
    page({
      alert: 'SidecarDown',
      expr: 'up{job="daprd"} == 0',
      for: '1m',
      annotations: {
        summary: 'The sidecar of {{ $labels.instance }} is down',
        description:
          'daprd of {{ $labels.instance }} (app {{ $labels.app }}) has not answered a metrics scrape for a minute.',
      },
    }),
    page({
      alert: 'AppDown',
      expr: 'up{job="apps"} == 0',
      for: '1m',
      annotations: {
        summary: 'App {{ $labels.instance }} is down',
        description: '{{ $labels.instance }} (app {{ $labels.app }}) has not answered a metrics scrape for a minute.',
      },
    }),
  ],
};
