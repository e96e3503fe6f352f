import type { OfflineFeatureRow } from '@meridian/contracts';
import type { FeaturesClient } from '@meridian/service-kit';

/** The offline feature log of the last `days` days, through the features app. */
export async function readOfflineLog(o: {
  features: FeaturesClient;
  days: number;
  now?: Date;
}): Promise<OfflineFeatureRow[]> {
  const now = o.now ?? new Date();
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const from = day(new Date(now.getTime() - (o.days - 1) * 86_400_000));
  return (await o.features.offlineLog({ from, to: day(now) })).rows;
}
