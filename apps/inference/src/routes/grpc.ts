import protobuf from 'protobufjs';
import { InferRequest, OIP_GRPC_PROTO, OIP_GRPC_SERVICE } from '@meridian/contracts';
import { AppError, parseOrThrow, type GrpcMethods } from '@meridian/service-kit';
import { inferRequestFromGrpc, inferResponseToGrpc, type GrpcInferRequest } from '../domain/grpc-tensors.ts';
import type { ModelLimits } from '../domain/model-limits.ts';
import { predict, type PredictDeps } from '../domain/predict.ts';
import { resolveVersion } from '../domain/resolve.ts';
import { withModelSlot } from './model-limit.ts';
import { modelMetadata, serverMetadata } from './oip.ts';

// Field names as the protocol spells them (model_name, raw_input_contents), as the REST shapes do.
const { root } = protobuf.parse(OIP_GRPC_PROTO, { keepCase: true });
const type = (name: string) => root.lookupType(`inference.${name}`);

/** Decoded with 64-bit integers as numbers (shapes, int64 parameters) and bytes as Buffers. */
const READ = { longs: Number, bytes: Buffer, arrays: true, objects: true, oneofs: false, defaults: false } as const;

/** A unary method from its request and response message names and a handler on plain objects. */
function method<Req>(
  request: string,
  response: string,
  handle: (req: Req, metadata: Record<string, string | string[] | undefined>) => Promise<object> | object,
) {
  const In = type(request);
  const Out = type(response);
  return async (bytes: Buffer, call: { metadata: Record<string, string | string[] | undefined> }) => {
    let decoded: Req;
    try {
      decoded = In.toObject(In.decode(bytes), READ) as Req;
    } catch (err) {
      throw new AppError({
        code: 'BAD_REQUEST',
        message: `the ${request} message cannot be read: ${(err as Error).message}`,
      });
    }
    const answer = await handle(decoded, call.metadata);
    return Out.encode(Out.fromObject(answer)).finish();
  };
}

interface ModelRef {
  name?: string;
  version?: string;
}

/**
 * The Open Inference Protocol over gRPC (inference.GRPCInferenceService), on
 * the same models, traffic policies, limits and prediction log as REST: what a
 * Triton or KServe gRPC client calls through daprd's gRPC proxying.
 */
export function oipGrpcMethods(deps: PredictDeps & { serverVersion: string; limits: ModelLimits }): GrpcMethods {
  const { store } = deps;
  const resolve = (ref: ModelRef) =>
    resolveVersion(store, { model: ref.name ?? '', version: ref.version || undefined, noSplit: true });
  const methods: Record<string, GrpcMethods[string]> = {
    ServerLive: method('ServerLiveRequest', 'ServerLiveResponse', () => ({ live: true })),
    ServerReady: method('ServerReadyRequest', 'ServerReadyResponse', () => ({ ready: store.list().length > 0 })),
    ServerMetadata: method('ServerMetadataRequest', 'ServerMetadataResponse', () => serverMetadata(deps.serverVersion)),
    ModelReady: method<ModelRef>('ModelReadyRequest', 'ModelReadyResponse', (ref) => {
      resolve(ref);
      return { ready: true };
    }),
    ModelMetadata: method<ModelRef>('ModelMetadataRequest', 'ModelMetadataResponse', (ref) => {
      const { entry, handle } = resolve(ref);
      return modelMetadata(handle, [...entry.versions.keys()]);
    }),
    ModelInfer: method<GrpcInferRequest>('ModelInferRequest', 'ModelInferResponse', (m, metadata) => {
      const model = m.model_name ?? '';
      if (!model) throw new AppError({ code: 'BAD_REQUEST', message: 'model_name is required' });
      const body = parseOrThrow(InferRequest, inferRequestFromGrpc(m), 'inference request');
      const header = store.entry(model)?.policy.traffic.ab?.sticky_header ?? 'x-sticky-key';
      const sticky = body.parameters?.sticky_key ?? metadata[header.toLowerCase()];
      if (sticky !== undefined && typeof sticky !== 'string')
        throw new AppError({ code: 'BAD_REQUEST', message: 'parameters.sticky_key must be a string' });
      return withModelSlot(deps, model, async () =>
        inferResponseToGrpc(
          await predict(deps, { model, version: m.model_version || undefined, body, stickyKey: sticky }),
        ),
      );
    }),
  };
  return Object.fromEntries(Object.entries(methods).map(([name, fn]) => [`/${OIP_GRPC_SERVICE}/${name}`, fn]));
}
