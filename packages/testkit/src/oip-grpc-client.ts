import { credentials, loadPackageDefinition, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { OIP_GRPC_PROTO } from '@meridian/contracts';

/** A gRPC failure as the client sees it. */
export interface GrpcFailure {
  code: number;
  details: string;
  metadata: Record<string, unknown>;
}

export type GrpcAnswer<T> = { ok: true; value: T } | { ok: false; error: GrpcFailure };

type Unary = (
  request: object,
  metadata: Metadata,
  callback: (err: ServiceError | null, value: unknown) => void,
) => void;

export interface OipGrpcClient {
  /** Calls `method` (e.g. `ModelInfer`) with `request`; a failure is returned, never thrown. */
  call<T = Record<string, unknown>>(method: string, request: object): Promise<GrpcAnswer<T>>;
  close(): void;
}

// What a KServe or Triton user does: load the protocol's definition, make a generic client.
const definition = fromJSON(protobuf.parse(OIP_GRPC_PROTO, { keepCase: true }).root.toJSON(), {
  longs: Number,
  defaults: true,
  arrays: true,
});
const { inference } = loadPackageDefinition(definition) as unknown as {
  inference: {
    GRPCInferenceService: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Client;
  };
};

/**
 * An Open Inference Protocol gRPC client (@grpc/grpc-js on the protocol's .proto), plain-text to
 * `address` (a daprd's gRPC port, or an app port), sending `metadata` with every call, e.g.
 * `{ 'dapr-app-id': 'inference' }` through a sidecar.
 */
export function oipGrpcClient(o: { address: string; metadata?: Record<string, string> }): OipGrpcClient {
  const client = new inference.GRPCInferenceService(o.address, credentials.createInsecure());
  const metadata = () => {
    const m = new Metadata();
    for (const [k, v] of Object.entries(o.metadata ?? {})) m.set(k, v);
    return m;
  };
  return {
    call<T>(method: string, request: object): Promise<GrpcAnswer<T>> {
      const fn = (client as unknown as Record<string, Unary>)[method];
      if (!fn) throw new Error(`the OIP gRPC service has no method ${method}`);
      return new Promise((resolve) =>
        fn.call(client, request, metadata(), (err, value) =>
          resolve(
            err
              ? { ok: false, error: { code: err.code, details: err.details, metadata: err.metadata.getMap() } }
              : { ok: true, value: value as T },
          ),
        ),
      );
    },
    close: () => client.close(),
  };
}
