import {
  FeaturesStats,
  FeatureVectorsResponse,
  OfflineFeatureLog,
  type FeatureVectorsRequest,
} from '@meridian/contracts';
import { callApp, type InvokePort } from '../app-client.ts';

/** The features app (online and offline features), through Dapr service invocation. */
export class FeaturesClient {
  constructor(private readonly opts: { dapr: InvokePort; appId: string }) {}

  /** One feature vector per entity, in order; entities without readings are listed as missing. */
  vectors(request: FeatureVectorsRequest, o: { timeoutMs?: number } = {}): Promise<FeatureVectorsResponse> {
    return callApp(this.opts.dapr, {
      appId: this.opts.appId,
      method: 'v1/features/sensor/vectors',
      body: request,
      schema: FeatureVectorsResponse,
      timeoutMs: o.timeoutMs ?? 10_000,
      what: 'online features',
    });
  }

  /** The offline feature log of the days in [from, to] (YYYY-MM-DD), optionally of one entity. */
  offlineLog(o: { from: string; to: string; entity?: string; timeoutMs?: number }): Promise<OfflineFeatureLog> {
    return callApp(this.opts.dapr, {
      appId: this.opts.appId,
      method: 'v1/features/offline',
      query: { from: o.from, to: o.to, entity: o.entity },
      schema: OfflineFeatureLog,
      timeoutMs: o.timeoutMs ?? 120_000,
      what: 'reading the offline feature log',
    });
  }

  /** The app's counters, its progress through the sensor-readings topic among them. */
  stats(o: { timeoutMs?: number } = {}): Promise<FeaturesStats> {
    return callApp(this.opts.dapr, {
      appId: this.opts.appId,
      method: 'v1/features/stats',
      schema: FeaturesStats,
      timeoutMs: o.timeoutMs ?? 5_000,
      what: "reading the features app's stats",
    });
  }
}
