import { InferResponse, ModelReadyResponse, type InferRequest } from '@meridian/contracts';
import { callApp, type InvokePort } from '../app-client.ts';

const modelPath = (o: { model: string; version?: string | undefined }) =>
  `v2/models/${encodeURIComponent(o.model)}${o.version !== undefined ? `/versions/${encodeURIComponent(o.version)}` : ''}`;

/** The inference app (Open Inference Protocol v2), through Dapr service invocation. */
export class InferenceClient {
  constructor(private readonly opts: { dapr: InvokePort; appId: string }) {}

  /** Scores a request on a model (on one version when given); BAD_REQUEST when inference refuses the inputs. */
  infer(o: { model: string; version?: string; request: InferRequest; timeoutMs?: number }): Promise<InferResponse> {
    return callApp(this.opts.dapr, {
      appId: this.opts.appId,
      method: `${modelPath(o)}/infer`,
      body: o.request,
      schema: InferResponse,
      timeoutMs: o.timeoutMs ?? 30_000,
      what: `scoring on ${o.model}`,
    });
  }

  /** Whether a version is loaded and serving; NOT_FOUND while inference does not have it. */
  ready(o: { model: string; version?: string; timeoutMs?: number }): Promise<ModelReadyResponse> {
    return callApp(this.opts.dapr, {
      appId: this.opts.appId,
      method: `${modelPath(o)}/ready`,
      schema: ModelReadyResponse,
      timeoutMs: o.timeoutMs ?? 5000,
      what: `readiness of ${o.model}${o.version !== undefined ? ` v${o.version}` : ''}`,
    });
  }
}
