import type { IncomingHttpHeaders } from 'node:http';
import { ModelVersionRecord } from '@meridian/contracts';

/** A buffered sidecar answer, shaped as service-kit's SidecarResponse. */
export interface FakeAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  ok: boolean;
  text(): string;
  json<T>(): T;
}

export interface FakeInvocation {
  appId: string;
  method: string;
  httpMethod?: string;
  body?: unknown;
  timeoutMs?: number;
}

export interface FakeBindingCall {
  name: string;
  operation: string;
  data?: unknown;
  metadata?: Record<string, string>;
}

/** An answer of the sidecar: JSON unless the body is a Buffer or a string (content-type follows). */
export function sidecarAnswer(
  o: { status?: number; body?: unknown; headers?: Record<string, string> } = {},
): FakeAnswer {
  const status = o.status ?? 200;
  const raw =
    o.body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(o.body)
        ? o.body
        : Buffer.from(typeof o.body === 'string' ? o.body : JSON.stringify(o.body));
  const type = Buffer.isBuffer(o.body)
    ? 'application/octet-stream'
    : typeof o.body === 'string'
      ? 'text/plain'
      : 'application/json';
  return {
    status,
    ok: status >= 200 && status < 300,
    body: raw,
    headers: { 'content-type': type, ...o.headers },
    text: () => raw.toString('utf8'),
    json: <T>() => JSON.parse(raw.toString('utf8')) as T,
  };
}

/** A problem+json answer, as our apps fail. */
export function problemAnswer(o: {
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
  headers?: Record<string, string>;
}): FakeAnswer {
  return sidecarAnswer({
    status: o.status,
    headers: { 'content-type': 'application/problem+json', ...o.headers },
    body: {
      type: 'about:blank',
      title: 'problem',
      status: o.status,
      code: 'X',
      detail: o.detail,
      ...(o.errors ? { errors: o.errors } : {}),
    },
  });
}

/**
 * A sidecar in memory for in-process tests: it records every invocation and
 * binding call and answers what the test's handlers say (404 when none).
 * Pass it where a DaprClient (or its invoke/invokeBinding port) is expected.
 */
export function fakeSidecar(
  o: {
    invoke?: (call: FakeInvocation) => FakeAnswer | Promise<FakeAnswer>;
    invokeBinding?: (call: FakeBindingCall) => FakeAnswer | Promise<FakeAnswer>;
  } = {},
) {
  const calls: FakeInvocation[] = [];
  const bindingCalls: FakeBindingCall[] = [];
  return {
    calls,
    bindingCalls,
    async invoke(call: FakeInvocation): Promise<FakeAnswer> {
      calls.push(call);
      return o.invoke ? o.invoke(call) : sidecarAnswer({ status: 404 });
    },
    async invokeBinding(call: FakeBindingCall): Promise<FakeAnswer> {
      bindingCalls.push(call);
      return o.invokeBinding
        ? o.invokeBinding(call)
        : sidecarAnswer({ status: 500, body: { errorCode: 'ERR_INVOKE_OUTPUT_BINDING', message: 'not found' } });
    },
    async healthy(): Promise<boolean> {
      return true;
    },
  };
}

/** A version record as the registry answers it (valid against its contract). */
export function registryRecord(o: {
  name: string;
  version: string;
  stage?: string;
  sha256?: string;
  file?: string;
  metadata?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
}): ModelVersionRecord {
  const at = '2026-01-01T00:00:00.000Z';
  const file = o.file ?? 'model.onnx';
  return ModelVersionRecord.parse({
    name: o.name,
    version: o.version,
    stage: o.stage ?? 'candidate',
    platform: 'onnx',
    registered_by: 'app:training',
    created_at: at,
    updated_at: at,
    artifact: { file, sha256: o.sha256 ?? '0'.repeat(64), size: 1, path: `${o.name}/${o.version}/${file}` },
    ...(o.metrics ? { metrics: o.metrics } : {}),
    metadata: {
      platform: 'onnx',
      created_at: at,
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
      ...o.metadata,
    },
    history: [{ at, by: 'app:training', from: null, to: 'candidate', reason: 'registered', action: 'registered' }],
  });
}
