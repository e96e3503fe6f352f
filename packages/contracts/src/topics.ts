/** Where ingestion sends the records of a stream that fail its schema. */
export const deadLetterTopic = <T extends string>(topic: T): `${T}.dead-letter` => `${topic}.dead-letter`;

/**
 * Every topic an app publishes or subscribes to, in one table, so publishers
 * and subscribers cannot drift apart (and the test platform creates a
 * JetStream stream for each).
 */
export const Topics = {
  /** The prediction log: one PredictionEvent per inference request. */
  predictions: 'predictions',
  /** Inference requests that failed without an answer (no fallback); the monitor's error SLO reads them. */
  predictionErrors: 'prediction-errors',
  /** Delayed ground truth for predictions, joined by prediction id. */
  labels: 'labels',
  /** One ModelLifecycleEvent per stage change of a model version (registration included). */
  modelLifecycle: 'model-lifecycle',
  /** Published by the monitor when a model's inputs drift; starts a retraining run. */
  driftDetected: 'model.drift-detected',
  /** Published by the monitor when a model's quality against labels falls below its thresholds; starts a retraining run. */
  modelDegraded: 'model.degraded',
  /** Ingestion's streams (IngestedRecordsEvent), and their dead letters (DeadLetterEvent). */
  sensorReadings: 'sensor-readings',
  sensorReadingsDeadLetter: deadLetterTopic('sensor-readings'),
  userEvents: 'events',
  userEventsDeadLetter: deadLetterTopic('events'),
} as const;
export type Topic = (typeof Topics)[keyof typeof Topics];
