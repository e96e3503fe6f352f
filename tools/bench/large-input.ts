import { Agent } from 'node:http';
import { post, measure, type LoadResult, type Target } from './load.ts';

export interface LargeInputRow extends Omit<LoadResult, 'errors'> {
  path: 'direct';
  model: string;
  batching: false;
  concurrency: number;
  input_bytes: number;
  encoding: 'json' | 'binary';
  /** Failed requests by reason (status and problem title, or the connection error), when any failed. */
  failures?: Record<string, number>;
}

/** A problem+json answer's title, or the start of any other body. */
function problemTitle(body: string): string {
  try {
    const title = (JSON.parse(body) as { title?: unknown }).title;
    if (typeof title === 'string') return title;
  } catch {
    // not JSON: the text itself
  }
  return body.slice(0, 80);
}

/** 1 MiB of FP32 inputs: the sensor model's two inputs, 131,072 rows each. */
const ROWS = 131_072;

function tensors(): { humidity: Float32Array; temperature: Float32Array } {
  const humidity = new Float32Array(ROWS);
  const temperature = new Float32Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    humidity[i] = 30 + (i % 50);
    temperature[i] = 15 + (i % 20) / 2;
  }
  return { humidity, temperature };
}

/** The same request as JSON, and with the binary tensor extension (JSON header, then the raw bytes). */
function bodies(): { json: string; binary: Buffer; headerLength: number } {
  const t = tensors();
  const json = JSON.stringify({
    inputs: [
      { name: 'humidity', shape: [ROWS], datatype: 'FP32', data: Array.from(t.humidity) },
      { name: 'temperature', shape: [ROWS], datatype: 'FP32', data: Array.from(t.temperature) },
    ],
  });
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        { name: 'humidity', shape: [ROWS], datatype: 'FP32', parameters: { binary_data_size: ROWS * 4 } },
        { name: 'temperature', shape: [ROWS], datatype: 'FP32', parameters: { binary_data_size: ROWS * 4 } },
      ],
    }),
  );
  const binary = Buffer.concat([header, Buffer.from(t.humidity.buffer), Buffer.from(t.temperature.buffer)]);
  return { json, binary, headerLength: header.length };
}

/**
 * A 1 MiB input on the direct path, as JSON and as binary tensors, at each concurrency: what the
 * binary extension saves where the body, not the model, is the cost.
 */
export async function measureLargeInput(o: {
  url: string;
  appToken: string;
  concurrency: number[];
  seconds: number;
  warmupSeconds: number;
  say: (line: string) => void;
}): Promise<LargeInputRow[]> {
  const { json, binary, headerLength } = bodies();
  const targets: [LargeInputRow['encoding'], Target][] = [
    ['json', { url: o.url, headers: { 'dapr-api-token': o.appToken }, body: json }],
    [
      'binary',
      {
        url: o.url,
        headers: {
          'dapr-api-token': o.appToken,
          'content-type': 'application/octet-stream',
          'inference-header-content-length': `${headerLength}`,
        },
        body: binary,
      },
    ],
  ];
  const rows: LargeInputRow[] = [];
  for (const concurrency of o.concurrency) {
    for (const [encoding, target] of targets) {
      const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
      // Why requests failed: the status and the problem's title, or the connection error.
      const failures: Record<string, number> = {};
      const failed = (why: string) => {
        failures[why] = (failures[why] ?? 0) + 1;
      };
      const call = () =>
        post(agent, target, { onFailure: (status, body) => failed(`${status} ${problemTitle(body)}`) }).then(
          (status) => status === 200,
          (err: Error) => {
            failed(err.message);
            return false;
          },
        );
      const { errors, ...figures } = await measure({
        concurrency,
        seconds: o.seconds,
        warmupSeconds: o.warmupSeconds,
        call,
      });
      // Counted over the warm-up too, so the reasons may add up to more than `errors`.
      if (errors) o.say(`1 MiB ${encoding} c=${concurrency}: ${errors} failed requests (${JSON.stringify(failures)})`);
      o.say(
        `direct   1 MiB ${encoding.padEnd(6)} c=${String(concurrency).padStart(2)}  p50 ${figures.p50_ms} ms  ${figures.rps} rps`,
      );
      agent.destroy();
      rows.push({
        path: 'direct',
        model: 'sensor-anomaly',
        batching: false,
        concurrency,
        input_bytes: ROWS * 8,
        encoding,
        ...figures,
        ...(errors ? { failures } : {}),
      });
    }
  }
  return rows;
}
