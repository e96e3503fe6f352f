import { OfflineFeatureRow } from '@meridian/contracts';
import { AppError, type DaprClient } from '@meridian/service-kit';
import { z } from 'zod';

const Answer = z.object({ rows: z.array(OfflineFeatureRow) });

/** The offline feature log of the last `days` days, through the features app (service invocation). */
export async function readOfflineLog(o: { dapr: DaprClient; appId: string; days: number; now?: Date }): Promise<OfflineFeatureRow[]> {
  const now = o.now ?? new Date();
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const from = day(new Date(now.getTime() - (o.days - 1) * 86_400_000));
  const res = await o.dapr.invoke({ appId: o.appId, method: `v1/features/offline?from=${from}&to=${day(now)}`, httpMethod: 'GET', timeoutMs: 120_000 });
  if (!res.ok) throw new AppError({ code: 'BAD_GATEWAY', message: `reading the offline feature log failed (${res.status}): ${res.text().slice(0, 300)}` });
  return Answer.parse(res.json()).rows;
}
