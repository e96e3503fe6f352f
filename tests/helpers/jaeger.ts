/** Reading traces back from Jaeger's query API (GET /api/traces/{id}), as the tests need them. */

interface JaegerSpan {
  spanID: string;
  operationName: string;
  references?: { refType: string; spanID: string }[];
  processID: string;
  tags?: { key: string; value: unknown }[];
}

interface JaegerTrace {
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags?: { key: string; value: unknown }[] }>;
}

/** One span: which process made it (`<app id>/app` for our Node apps, `<app id>/daprd` for sidecars) and its parent. */
export interface TraceSpan {
  id: string;
  name: string;
  who: string;
  parent: string | undefined;
  tags: Record<string, unknown>;
}

/**
 * A daprd names its spans with its app id, as the app does: the SDK language (Go for daprd)
 * tells the two processes apart.
 */
function who(process: JaegerTrace['processes'][string]): string {
  const language = process.tags?.find((t) => t.key === 'telemetry.sdk.language')?.value;
  return `${process.serviceName}/${language === 'go' ? 'daprd' : 'app'}`;
}

export function parseTrace(body: { data?: JaegerTrace[] }): TraceSpan[] {
  const trace = body.data?.[0];
  if (!trace) return [];
  return trace.spans.map((s) => ({
    id: s.spanID,
    name: s.operationName,
    who: who(trace.processes[s.processID]!),
    parent: s.references?.find((r) => r.refType === 'CHILD_OF')?.spanID,
    tags: Object.fromEntries((s.tags ?? []).map((t) => [t.key, t.value])),
  }));
}

/** The trace as Jaeger has it now (empty until its spans arrive). */
export async function fetchTrace(jaegerUrl: string, traceId: string): Promise<TraceSpan[]> {
  const res = await fetch(`${jaegerUrl}/api/traces/${traceId}`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`jaeger: ${res.status} ${await res.text()}`);
  return parseTrace((await res.json()) as { data?: JaegerTrace[] });
}

/** The span's ancestors, nearest first, as far as the trace holds them. */
export function ancestors(spans: TraceSpan[], span: TraceSpan): TraceSpan[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  const chain: TraceSpan[] = [];
  for (let p = span.parent && byId.get(span.parent); p; p = p.parent ? byId.get(p.parent) : undefined) chain.push(p);
  return chain;
}

/** Whether some span of `child` has a span of `parent` as its direct parent. */
export function hasEdge(spans: TraceSpan[], parent: string, child: string): boolean {
  const byId = new Map(spans.map((s) => [s.id, s]));
  return spans.some((s) => s.who === child && s.parent !== undefined && byId.get(s.parent)?.who === parent);
}

/**
 * Each process exports its spans in its own batches: a trace is whole once every process named in
 * `hops` has reported and every span but the first (whose parent is the caller's, outside the trace)
 * has its parent in it.
 */
export function isWhole(spans: TraceSpan[], hops: string[]): boolean {
  const ids = new Set(spans.map((s) => s.id));
  const orphans = spans.filter((s) => s.parent !== undefined && !ids.has(s.parent));
  const roots = spans.filter((s) => s.parent === undefined);
  return hops.every((h) => spans.some((s) => s.who === h)) && orphans.length + roots.length === 1;
}
