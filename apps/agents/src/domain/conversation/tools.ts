import {
  ModelPolicy,
  RegistryName,
  RollbackRequest,
  Stage,
  StageChangeRequest,
  StartRunRequest,
} from '@meridian/contracts';
import {
  SENSOR_ANOMALY_INPUTS,
  SENSOR_ANOMALY_MODEL_NAME,
  SPAM_INPUT,
  SPAM_MODEL_NAME,
  WAGE_FEATURES,
  WAGE_MODEL_NAME,
} from '@meridian/ml';
import { z } from 'zod';
import type { ToolSpec } from './llm.ts';

/** The platform request a tool call stands for; the executor sends it by service invocation. */
export interface PlatformCall {
  app: 'inference' | 'monitor' | 'registry' | 'training' | 'features';
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
}

export type PlanResult = { ok: true; call: PlatformCall } | { ok: false; error: string };

export interface PlatformTool extends ToolSpec {
  /** Validates arguments as a model sent them and builds the request; a bad argument is a value, not a throw. */
  plan(args: unknown): PlanResult;
  /** plan() for arguments already known good: throws on bad ones (a caller that skipped planCall). */
  call(args: unknown): PlatformCall;
}

function defineTool<S extends z.ZodType>(o: {
  spec: Omit<ToolSpec, 'parameters'>;
  args: S;
  build: (args: z.output<S>) => PlatformCall;
}): PlatformTool {
  const { $schema: _, ...parameters } = z.toJSONSchema(o.args, { io: 'input' });
  const plan = (args: unknown): PlanResult => {
    const parsed = o.args.safeParse(args ?? {});
    if (!parsed.success) return { ok: false, error: `${o.spec.name}: ${describeIssues(parsed.error)}` };
    return { ok: true, call: o.build(parsed.data) };
  };
  const call = (args: unknown): PlatformCall => {
    const planned = plan(args);
    if (!planned.ok) throw new Error(planned.error);
    return planned.call;
  };
  return { ...o.spec, parameters: parameters as ToolSpec['parameters'], plan, call };
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

const at = encodeURIComponent;
const Model = RegistryName.describe('model name, e.g. spam, sensor-anomaly, wage-above-median');
const Mote = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "_" and "-", at most 64')
  .describe('mote (sensor) id, e.g. 7');
// Models stringify numbers often enough that "3" is accepted too; the path wants the string.
const Version = z
  .union([z.number().int().positive(), z.string().regex(/^[1-9][0-9]*$/, 'a version is a positive integer')])
  .transform(String)
  .describe('version number: 1, 2, 3, ...');
const Reason = z.string().trim().min(1).max(1000).describe('why, for the audit trail');

/** Inputs the platform's own models take: a wrong or missing name is caught before the call. */
export const MODEL_INPUTS: Record<string, { names: readonly string[]; datatype: 'FP32' | 'BYTES' }> = {
  [SPAM_MODEL_NAME]: { names: [SPAM_INPUT], datatype: 'BYTES' },
  [SENSOR_ANOMALY_MODEL_NAME]: { names: SENSOR_ANOMALY_INPUTS, datatype: 'FP32' },
  [WAGE_MODEL_NAME]: { names: WAGE_FEATURES, datatype: 'FP32' },
};

/** The platform's own models, for a planner that spots them in free text. */
export const KNOWN_MODELS: readonly string[] = Object.keys(MODEL_INPUTS);

const MAX_ROWS = 1000;
const InputValue = z.union(
  [
    z.number(),
    z.string().max(20_000),
    z.array(z.number()).min(1).max(MAX_ROWS),
    z.array(z.string().max(20_000)).min(1).max(MAX_ROWS),
  ],
  { error: `a number or a text, or an array (1 to ${MAX_ROWS}) of numbers or of texts` },
);
const PredictArgs = z
  .strictObject({
    model: Model,
    inputs: z
      .record(z.string().min(1).max(128), InputValue)
      .describe('input name → a number or text (one row), or an array of them (one value per row)'),
  })
  .superRefine(({ model, inputs }, ctx) => {
    const names = Object.keys(inputs);
    if (names.length === 0) ctx.addIssue({ code: 'custom', path: ['inputs'], message: 'give at least one input' });
    const rows = new Set(Object.values(inputs).map((v) => (Array.isArray(v) ? v.length : 1)));
    if (rows.size > 1) ctx.addIssue({ code: 'custom', path: ['inputs'], message: 'every input needs as many rows' });
    const known = MODEL_INPUTS[model];
    if (!known) return;
    const takes = `${model} takes ${known.names.join(', ')}`;
    const missing = known.names.filter((n) => !(n in inputs)).map((n) => `missing ${n}`);
    const unknown = names.filter((n) => !known.names.includes(n)).map((n) => `unknown ${n}`);
    const wrong = [...missing, ...unknown];
    if (wrong.length) ctx.addIssue({ code: 'custom', path: ['inputs'], message: `${wrong.join(', ')} (${takes})` });
    const wantsText = known.datatype === 'BYTES';
    for (const [name, value] of Object.entries(inputs)) {
      const first = Array.isArray(value) ? value[0] : value;
      if ((typeof first === 'string') !== wantsText) {
        ctx.addIssue({
          code: 'custom',
          path: ['inputs', name],
          message: wantsText ? 'must be text' : 'must be numbers',
        });
      }
    }
  });

/** OIP v2: one tensor per input, shape [rows]; text is BYTES, numbers FP32. */
function inferBody(inputs: z.output<typeof PredictArgs>['inputs']) {
  return {
    inputs: Object.entries(inputs).map(([name, value]) => {
      const data = Array.isArray(value) ? value : [value];
      return { name, shape: [data.length], datatype: typeof data[0] === 'string' ? 'BYTES' : 'FP32', data };
    }),
  };
}

const ModelOnly = z.strictObject({ model: Model });
const monitorTool = (name: string, report: string, description: string) =>
  defineTool({
    spec: { name, description, mutating: false },
    args: ModelOnly,
    build: ({ model }) => ({ app: 'monitor', method: 'GET', path: `/v1/monitor/models/${at(model)}/${report}` }),
  });

export const PLATFORM_TOOLS: readonly PlatformTool[] = [
  defineTool({
    spec: {
      name: 'predict',
      description: 'Score inputs with a served model (its production version).',
      mutating: false,
    },
    args: PredictArgs,
    build: ({ model, inputs }) => ({
      app: 'inference',
      method: 'POST',
      path: `/v2/models/${at(model)}/infer`,
      body: inferBody(inputs),
    }),
  }),
  defineTool({
    spec: { name: 'explain', description: 'Per-feature attributions of a prediction for the inputs.', mutating: false },
    args: PredictArgs,
    build: ({ model, inputs }) => ({
      app: 'inference',
      method: 'POST',
      path: `/v2/models/${at(model)}/explain`,
      body: inferBody(inputs),
    }),
  }),
  monitorTool('drift', 'drift', 'Data drift of a model: its served inputs and outputs against training.'),
  monitorTool('quality', 'quality', 'Accuracy of a model against the labels that came back.'),
  monitorTool('bias', 'bias', 'Fairness of a model across protected groups.'),
  monitorTool('slo', 'slo', 'Latency and error-rate SLOs of a model.'),
  defineTool({
    spec: { name: 'alerts', description: 'Open monitoring alerts (drift, degraded quality, SLO).', mutating: false },
    args: z.strictObject({}),
    build: () => ({ app: 'monitor', method: 'GET', path: '/v1/monitor/alerts' }),
  }),
  defineTool({
    spec: { name: 'model_versions', description: 'Registered versions of a model, with stages.', mutating: false },
    args: ModelOnly,
    build: ({ model }) => ({ app: 'registry', method: 'GET', path: `/v1/registry/models/${at(model)}/versions` }),
  }),
  defineTool({
    spec: { name: 'mote_features', description: 'Online rolling-window features of one mote.', mutating: false },
    args: z.strictObject({ mote: Mote }),
    build: ({ mote }) => ({ app: 'features', method: 'GET', path: `/v1/features/sensor/${at(mote)}` }),
  }),
  defineTool({
    spec: { name: 'start_training', description: 'Start a training run for a model.', mutating: true },
    args: z.strictObject({ model: Model, params: StartRunRequest.shape.params }),
    build: ({ model, params }) => ({
      app: 'training',
      method: 'POST',
      path: '/v1/training/runs',
      body: StartRunRequest.parse({ model, ...(params ? { params } : {}), trigger: 'api' }),
    }),
  }),
  defineTool({
    spec: { name: 'promote', description: 'Move a model version to a stage (production by default).', mutating: true },
    args: z.strictObject({ model: Model, version: Version, stage: Stage.optional(), reason: Reason.optional() }),
    build: ({ model, version, stage = 'production', reason }) => ({
      app: 'registry',
      method: 'POST',
      path: `/v1/registry/models/${at(model)}/versions/${at(version)}/stage`,
      body: StageChangeRequest.parse({ stage, reason: reason ?? `${stage} asked for in an agent conversation` }),
    }),
  }),
  defineTool({
    spec: { name: 'rollback', description: 'Put the previous production version of a model back.', mutating: true },
    args: z.strictObject({ model: Model, reason: Reason.optional() }),
    build: ({ model, reason }) => ({
      app: 'registry',
      method: 'POST',
      path: `/v1/registry/models/${at(model)}/rollback`,
      body: RollbackRequest.parse({ reason: reason ?? 'rollback asked for in an agent conversation' }),
    }),
  }),
  defineTool({
    spec: {
      name: 'set_traffic_policy',
      description: "Replace a model's whole serving policy (canary, A/B, shadow, batching, deadline, fallback).",
      mutating: true,
    },
    args: z.strictObject({ model: Model, policy: ModelPolicy }),
    build: ({ model, policy }) => ({
      app: 'inference',
      method: 'PUT',
      path: `/v2/models/${at(model)}/policy`,
      body: policy,
    }),
  }),
];

/** The catalogue as a model is shown it: plain data, no functions. */
export const PLATFORM_TOOL_SPECS: readonly ToolSpec[] = PLATFORM_TOOLS.map(
  ({ name, description, parameters, mutating }) => ({
    name,
    description,
    parameters,
    mutating,
  }),
);

export function toolByName(name: string): PlatformTool | undefined {
  return PLATFORM_TOOLS.find((t) => t.name === name);
}

/** A model's tool call → the platform request, or the error to hand back to the model as the tool's answer. */
export function planCall(name: string, args: unknown): PlanResult {
  const tool = toolByName(name);
  if (!tool) return { ok: false, error: `unknown tool ${JSON.stringify(name)}; known: ${TOOL_NAMES.join(', ')}` };
  return tool.plan(args);
}

const TOOL_NAMES = PLATFORM_TOOLS.map((t) => t.name);
