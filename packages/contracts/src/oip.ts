import { z } from 'zod';

/** Open Inference Protocol v2 (KServe/Triton) REST shapes. */
export const Datatype = z.enum([
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
]);
export type Datatype = z.infer<typeof Datatype>;

export const Parameters = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
export type Parameters = z.infer<typeof Parameters>;

const TensorData = z.array(z.union([z.number(), z.string(), z.boolean()]));

export const InferInputTensor = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()).min(1),
  datatype: Datatype,
  parameters: Parameters.optional(),
  data: TensorData,
});
export type InferInputTensor = z.infer<typeof InferInputTensor>;

export const InferRequestedOutput = z.object({
  name: z.string().min(1),
  parameters: Parameters.optional(),
});

export const InferRequest = z
  .object({
    id: z.string().optional(),
    parameters: Parameters.optional(),
    /** Empty only when `parameters.entities` names entities whose inputs come from the online feature store. */
    inputs: z.array(InferInputTensor),
    outputs: z.array(InferRequestedOutput).optional(),
  })
  .refine((r) => r.inputs.length > 0 || typeof r.parameters?.entities === 'string', {
    path: ['inputs'],
    message: 'at least one input tensor, or parameters.entities for a model with online features',
  });
export type InferRequest = z.infer<typeof InferRequest>;

export const InferOutputTensor = z.object({
  name: z.string(),
  shape: z.array(z.number().int()),
  datatype: Datatype,
  parameters: Parameters.optional(),
  data: TensorData,
});
export type InferOutputTensor = z.infer<typeof InferOutputTensor>;

export const InferResponse = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string(),
  parameters: Parameters.optional(),
  outputs: z.array(InferOutputTensor),
});
export type InferResponse = z.infer<typeof InferResponse>;

/** Tensor metadata: -1 in a shape is a variable dimension. */
export const TensorMetadata = z.object({
  name: z.string(),
  datatype: Datatype,
  shape: z.array(z.number().int()),
});
export type TensorMetadata = z.infer<typeof TensorMetadata>;

export const ModelMetadataResponse = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional(),
  platform: z.string(),
  inputs: z.array(TensorMetadata),
  outputs: z.array(TensorMetadata),
});
export type ModelMetadataResponse = z.infer<typeof ModelMetadataResponse>;

export const ServerMetadataResponse = z.object({
  name: z.string(),
  version: z.string(),
  extensions: z.array(z.string()),
});
export type ServerMetadataResponse = z.infer<typeof ServerMetadataResponse>;

/** A model (or one version of it) is loaded and can serve: `GET /v2/models/<name>[/versions/<v>]/ready`. */
export const ModelReadyResponse = z.object({
  name: z.string(),
  version: z.string().optional(),
  ready: z.boolean(),
});
export type ModelReadyResponse = z.infer<typeof ModelReadyResponse>;
