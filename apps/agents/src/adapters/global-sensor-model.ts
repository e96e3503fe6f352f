import type { DaprClient } from '@meridian/service-kit';
import { rootLogger } from '@meridian/service-kit';

const MODEL = 'sensor-anomaly';

interface InferAnswer {
  model_version?: string;
  outputs?: { name: string; data: number[] }[];
}

/**
 * The global sensor-anomaly model's verdicts for a batch of readings (one
 * inference call), at the threshold on the served version's card. When
 * inference or the registry cannot answer, the mote agents go on without
 * a global verdict: they degrade, they never stop.
 */
export class GlobalSensorModel {
  private readonly thresholds = new Map<string, number>();

  constructor(private readonly o: { dapr: DaprClient; timeoutMs: number }) {}

  async verdicts(rows: { humidity: number; temperature: number }[]): Promise<(boolean | undefined)[]> {
    const none = rows.map(() => undefined);
    if (!rows.length) return none;
    try {
      const res = await this.o.dapr.invoke({
        appId: 'inference',
        method: `/v2/models/${MODEL}/infer`,
        timeoutMs: this.o.timeoutMs,
        body: {
          inputs: [
            { name: 'humidity', shape: [rows.length], datatype: 'FP32', data: rows.map((r) => r.humidity) },
            { name: 'temperature', shape: [rows.length], datatype: 'FP32', data: rows.map((r) => r.temperature) },
          ],
        },
      });
      if (!res.ok) return none;
      const answer = res.json<InferAnswer>();
      const scores = answer.outputs?.[0]?.data;
      const threshold = answer.model_version ? await this.threshold(answer.model_version) : undefined;
      if (!scores || threshold === undefined) return none;
      // One verdict per row asked about, whatever came back: a short answer leaves the rest without one.
      return rows.map((_, i) => (typeof scores[i] === 'number' ? scores[i] >= threshold : undefined));
    } catch (err) {
      rootLogger().warn(
        { err: (err as Error).message },
        'global sensor model unavailable; mote agents go on without it',
      );
      return none;
    }
  }

  private async threshold(version: string): Promise<number | undefined> {
    const known = this.thresholds.get(version);
    if (known !== undefined) return known;
    const res = await this.o.dapr.invoke({
      appId: 'registry',
      method: `/v1/registry/models/${MODEL}/versions/${encodeURIComponent(version)}`,
      httpMethod: 'GET',
      timeoutMs: this.o.timeoutMs,
    });
    if (!res.ok) return undefined;
    const threshold = res.json<{ metadata?: { threshold?: number } }>().metadata?.threshold;
    if (typeof threshold === 'number') this.thresholds.set(version, threshold);
    return typeof threshold === 'number' ? threshold : undefined;
  }
}
