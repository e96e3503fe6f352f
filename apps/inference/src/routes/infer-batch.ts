import type { Express } from 'express';
import {
  INFER_BATCH_PATH,
  InferBatchItem,
  InferBatchRequest,
  InferRequest,
  type InferBatchAnswer,
  type InferBatchResponse,
} from '@meridian/contracts';
import {
  AppError,
  activeTraceContext,
  asAppError,
  badRequest,
  contextFromTraceparent,
  fieldErrors,
  inTraceContext,
  orAfter,
  parseOrThrow,
  problemBody,
  requestLogger,
} from '@meridian/service-kit';
import { binaryOutputs } from '../domain/binary-outputs.ts';
import type { ModelLimits } from '../domain/model-limits.ts';
import { predict, type PredictDeps } from '../domain/predict.ts';
import { withModelSlot } from './model-limit.ts';

type BatchDeps = PredictDeps & { limits: ModelLimits; env: { BATCH_ITEM_TIMEOUT_MS: number } };

const inferPath = (item: InferBatchItem) =>
  `/v2/models/${item.model}${item.version === undefined ? '' : `/versions/${item.version}`}/infer`;

/** A failure as the answer a request gets alone: its status, headers and problem. */
function problemAnswer(item: InferBatchItem, err: unknown): InferBatchAnswer {
  const problem = asAppError(err);
  if (problem.status >= 500)
    requestLogger().error({ err: problem.cause ?? err, code: problem.code, model: item.model }, 'request failed');
  return {
    status: problem.status,
    ...(problem.headers ? { headers: problem.headers } : {}),
    body: problemBody(problem, inferPath(item)),
  };
}

/**
 * One request of a batch, as infer answers it alone: the model's concurrency
 * slot first, the same validation, the sticky key from the body or the
 * policy's header, the same prediction, in the request's own trace context.
 * Its failure is its own answer, never the batch's.
 */
async function answerOne(deps: BatchDeps, item: InferBatchItem): Promise<InferBatchAnswer> {
  try {
    const response = await withModelSlot(deps, item.model, async () => {
      const body = parseOrThrow(InferRequest, item.body, 'inference request');
      const binary = binaryOutputs(body);
      if (body.outputs?.some((o) => binary(o.name)) || body.parameters?.binary_data_output === true)
        throw new AppError({
          code: 'BAD_REQUEST',
          message: 'binary outputs are answered only to a request sent alone (POST its infer path)',
        });
      const header = (deps.store.entry(item.model)?.policy.traffic.ab?.sticky_header ?? 'x-sticky-key').toLowerCase();
      const headers = item.headers ?? {};
      const sticky = body.parameters?.sticky_key ?? (Object.hasOwn(headers, header) ? headers[header] : undefined);
      if (sticky !== undefined && typeof sticky !== 'string')
        throw new AppError({ code: 'BAD_REQUEST', message: 'parameters.sticky_key must be a string' });
      return predict(deps, { model: item.model, version: item.version, body, stickyKey: sticky });
    });
    return { status: 200, body: response };
  } catch (err) {
    return problemAnswer(item, err);
  }
}

/** The request's answer, or its own 503 once BATCH_ITEM_TIMEOUT_MS have passed (its work goes on, as a call cut off by its sidecar). */
function answerInTime(deps: BatchDeps, item: InferBatchItem): Promise<InferBatchAnswer> {
  return orAfter(answerOne(deps, item), deps.env.BATCH_ITEM_TIMEOUT_MS, () =>
    // What the request alone gets when its sidecar cuts the call off: 503 with Retry-After.
    problemAnswer(
      item,
      new AppError({
        code: 'UNAVAILABLE',
        message: `model ${item.model} did not answer within ${deps.env.BATCH_ITEM_TIMEOUT_MS} ms; retry later`,
        headers: { 'retry-after': '1' },
      }),
    ),
  );
}

/**
 * POST /v1/infer-batch: infer requests the gateway sends together
 * (contracts' InferBatchRequest), answered side by side in their order.
 * Only the gateway may call it (its ACL in apps/apps.json). Keep every
 * refusal of the whole batch (a 4xx) before any request runs: the gateway
 * sends a refused batch's requests again, one by one.
 */
export function inferBatchRoutes(app: Express, deps: BatchDeps): void {
  app.post(`/${INFER_BATCH_PATH}`, async (req, res) => {
    const batch = parseOrThrow(InferBatchRequest, req.body, 'infer batch');
    const here = activeTraceContext();
    const responses = await Promise.all(
      batch.requests.map((raw, i) => {
        const item = InferBatchItem.safeParse(raw);
        if (!item.success) {
          const problem = badRequest(`request ${i} of the batch is invalid`, fieldErrors(item.error.issues));
          return { status: problem.status, body: problemBody(problem, `/${INFER_BATCH_PATH}`) };
        }
        return inTraceContext(contextFromTraceparent(item.data) ?? here, () => answerInTime(deps, item.data));
      }),
    );
    const answer: InferBatchResponse = { responses };
    res.json(answer);
  });
}
