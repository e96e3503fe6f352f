import { createHash } from 'node:crypto';
import { OfflineFeatureRow } from '@meridian/contracts';
import { AppError, DaprClient } from '@meridian/service-kit';

const ROOT = 'feature-log/sensor-readings';

/**
 * The offline feature log: every scored row with the exact values it was
 * scored with, as JSON lines in the artifacts binding (local files, S3 or
 * Azure Blob by component YAML), one object per batch. A batch written
 * twice (a redelivery after a crash) repeats rows under the same row key,
 * and readers keep one of each: the log is at least once, reads are exact.
 */
export class OfflineLog {
  constructor(private readonly opts: { dapr: DaprClient; binding: string; names: string[] }) {}

  async append(rows: Omit<OfflineFeatureRow, 'names'>[]): Promise<void> {
    if (!rows.length) return;
    const day = new Date(rows[0]!.received_at).toISOString().slice(0, 10);
    const text = rows.map((r) => JSON.stringify({ ...r, names: this.opts.names })).join('\n') + '\n';
    const name = `${ROOT}/${day}/${Date.now()}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.jsonl`;
    const res = await this.opts.dapr.invokeBinding({
      name: this.opts.binding, operation: 'create', data: Buffer.from(text).toString('base64'),
      metadata: { fileName: name, key: name, blobName: name, decodeBase64: 'true' },
    });
    if (!res.ok) throw new AppError({ code: 'BAD_GATEWAY', message: `offline feature log write failed (${res.status}): ${res.text().slice(0, 200)}` });
  }

  /** Rows of the days in [from, to] (YYYY-MM-DD), one per row key, ordered by entity and time. */
  async read(o: { from: string; to: string; entity?: string }): Promise<OfflineFeatureRow[]> {
    const list = await this.opts.dapr.invokeBinding({ name: this.opts.binding, operation: 'list', metadata: { fileName: ROOT, prefix: ROOT } });
    // Nothing scored yet: the log's folder does not exist (a fresh platform's bootstrap training reads it).
    if (!list.ok && DaprClient.bindingObjectMissing(list)) return [];
    if (!list.ok) throw new AppError({ code: 'BAD_GATEWAY', message: `offline feature log list failed (${list.status}): ${list.text().slice(0, 200)}` });
    const files = listedNames(list.json<unknown>()).filter((f) => {
      const day = /(\d{4}-\d{2}-\d{2})\/[^/]+\.jsonl$/.exec(f)?.[1];
      return day !== undefined && day >= o.from && day <= o.to;
    });
    const rows = new Map<string, OfflineFeatureRow>();
    for (const file of files) {
      const rel = file.slice(file.indexOf(ROOT));
      const got = await this.opts.dapr.invokeBinding({ name: this.opts.binding, operation: 'get', metadata: { fileName: rel, key: rel, blobName: rel } });
      if (!got.ok) continue;
      for (const line of got.text().split('\n')) {
        if (!line.trim()) continue;
        const row = OfflineFeatureRow.parse(JSON.parse(line));
        if (o.entity !== undefined && row.entity !== o.entity) continue;
        rows.set(row.row_key, row);
      }
    }
    return [...rows.values()].sort((a, b) => a.entity.localeCompare(b.entity) || a.ts - b.ts || a.row_key.localeCompare(b.row_key));
  }
}

/** Bindings list objects differently: plain names, or objects with a name/key. */
function listedNames(body: unknown): string[] {
  const items = Array.isArray(body) ? body : Array.isArray((body as { Contents?: unknown[] })?.Contents) ? (body as { Contents: unknown[] }).Contents : [];
  return items.flatMap((i) => (typeof i === 'string' ? [i] : typeof (i as { Key?: unknown }).Key === 'string' ? [(i as { Key: string }).Key] : typeof (i as { name?: unknown }).name === 'string' ? [(i as { name: string }).name] : []));
}
