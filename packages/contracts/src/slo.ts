/**
 * The service-level objectives of every model, in one place: the monitor judges its SLO report
 * by them (its env can override them per deployment), and the Prometheus alert rules burn the
 * same error budgets, so the report and the alerts never disagree about what "met" means.
 */
export const SLO_OBJECTIVES = {
  /** p99 latency of answered requests, at most this (ms). */
  latency_p99_ms: 500,
  /** Failed requests (no answer) over all requests, at most this share. */
  error_rate: 0.01,
} as const;
