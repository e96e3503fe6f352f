import { z } from 'zod';
import { SENSOR_WINDOW_STATS, sensorWindowSpec, type SensorWindowSpec } from '@meridian/ml';
import { badRequest, fieldErrors } from '@meridian/service-kit';

/** `mean,std`: the statistics of a window spec, each once (empty items are ignored). */
const StatList = z
  .string()
  .transform((s) => s.split(',').filter(Boolean))
  .pipe(
    z
      .array(z.enum(SENSOR_WINDOW_STATS))
      .refine((stats) => new Set(stats).size === stats.length, 'a statistic is listed twice'),
  );

/** The query of an online read: a window spec other than the app's own (either part defaults to the app's), and a time bound. */
export const OnlineReadQuery = z.object({
  window: z.coerce.number().int().min(1).optional(),
  stats: StatList.optional(),
  seconds: z.coerce.number().positive().optional(),
});
export type OnlineReadQuery = z.infer<typeof OnlineReadQuery>;

/** The spec and time bound a request asks for; a bad query is a 400 naming each field (`query.window`, `query.stats`, `query.seconds`). */
export function onlineReadQuery(
  query: unknown,
  fallback: SensorWindowSpec,
): { spec: SensorWindowSpec; seconds: number | undefined } {
  const parsed = OnlineReadQuery.safeParse(query);
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error.issues, 'query');
    throw badRequest(`query is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
  }
  const { window, stats, seconds } = parsed.data;
  const spec =
    window === undefined && stats === undefined
      ? fallback
      : sensorWindowSpec(window ?? fallback.window, stats ?? fallback.features);
  return { spec, seconds };
}
