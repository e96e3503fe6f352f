import { Agent } from 'node:http';
import { loadSensorReadings, type SensorReading } from '@meridian/ml';
import { post, RequestTimeout } from './load.ts';
import type { Outcome } from './open-loop.ts';

/** The same order on every run, mixed so that any window of requests looks like the whole data (the monitor checks drift). */
function shuffled(readings: SensorReading[]): SensorReading[] {
  const out = [...readings];
  let seed = 0x2545f491;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Predictions through the gateway, one Suthaharan reading each, with a
 * `predict` token. Every request carries an id of its own (`<runId>-<n>`),
 * which becomes the id of its prediction event, so the monitor can be asked
 * about each answered one. The 200s are the expected count: they do not
 * depend on the model or on what the monitor says.
 */
export class PredictionClient {
  /** Ids of the requests answered 200, in answer order. */
  readonly answeredIds: string[] = [];
  /** The first answer of each failing status, to tell who said no (the gateway's limiter, a queue, Dapr). */
  readonly failureSamples: Record<string, string> = {};
  inFlight = 0;
  private sequence = 0;
  private readonly agent: Agent;
  private readonly readings = shuffled(loadSensorReadings());
  private readonly url: string;

  constructor(
    private readonly o: {
      gatewayUrl: string;
      token: string;
      runId: string;
      maxSockets: number;
      timeoutMs: number;
      model?: string;
    },
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: o.maxSockets });
    this.url = `${o.gatewayUrl}/v2/models/${o.model ?? 'sensor-anomaly'}/infer`;
  }

  get answered(): number {
    return this.answeredIds.length;
  }

  readonly call = async (): Promise<Outcome> => {
    const n = this.sequence++;
    const id = `${this.o.runId}-${n}`;
    const r = this.readings[n % this.readings.length]!;
    const body = JSON.stringify({
      id,
      inputs: [
        { name: 'humidity', shape: [1], datatype: 'FP32', data: [r.humidity] },
        { name: 'temperature', shape: [1], datatype: 'FP32', data: [r.temperature] },
      ],
    });
    this.inFlight += 1;
    const sentAt = performance.now();
    try {
      const status = await post(
        this.agent,
        { url: this.url, headers: { authorization: `Bearer ${this.o.token}` }, body },
        {
          timeoutMs: this.o.timeoutMs,
          onFailure: (code, text) => {
            this.failureSamples[code] ??= text.slice(0, 400);
          },
        },
      );
      if (status === 200) this.answeredIds.push(id);
      return status;
    } catch (err) {
      return err instanceof RequestTimeout || performance.now() - sentAt >= this.o.timeoutMs ? 'timeout' : 'error';
    } finally {
      this.inFlight -= 1;
    }
  };

  close(): void {
    this.agent.destroy();
  }
}
