import { createHash } from 'node:crypto';
import { OfflineFeatureRow } from '@meridian/contracts';
import { unlessRefused, type ArtifactsBinding } from '@meridian/service-kit';
import type { FeatureLog } from '../domain/ports.ts';

const ROOT = 'feature-log/sensor-readings';

/**
 * The offline feature log: every scored row with the exact values it was
 * scored with, as JSON lines in the artifacts binding (local files, S3 or
 * Azure Blob by component YAML), one object per batch, its first line the
 * feature names (`{"names": [...]}`). A batch written
 * twice (a redelivery after a crash) repeats rows under the same row key,
 * and readers keep one of each: the log is at least once, reads are exact.
 */
export class OfflineLog implements FeatureLog {
  constructor(private readonly opts: { artifacts: ArtifactsBinding; names: string[] }) {}

  async append(rows: Omit<OfflineFeatureRow, 'names'>[]): Promise<void> {
    if (!rows.length) return;
    const day = new Date(rows[0]!.received_at).toISOString().slice(0, 10);
    // The feature names once, as the file's first line, rather than on every row.
    const text = `${[{ names: this.opts.names }, ...rows].map((r) => JSON.stringify(r)).join('\n')}\n`;
    const name = `${ROOT}/${day}/${Date.now()}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.jsonl`;
    await this.opts.artifacts.put({ path: name, bytes: text });
  }

  /** Rows of the days in [from, to] (YYYY-MM-DD), one per row key, ordered by entity and time. */
  async read(o: { from: string; to: string; entity?: string }): Promise<OfflineFeatureRow[]> {
    // Nothing scored yet: the log's folder does not exist, and lists as empty (a fresh platform's bootstrap training reads it).
    const files = (await this.opts.artifacts.list(ROOT)).filter((f) => {
      const day = /(\d{4}-\d{2}-\d{2})\/[^/]+\.jsonl$/.exec(f)?.[1];
      return day !== undefined && day >= o.from && day <= o.to;
    });
    const rows = new Map<string, OfflineFeatureRow>();
    for (const file of files) {
      // An object the binding fails to read is left out of this read, as a missing one is (an unreachable sidecar fails it).
      const got = await unlessRefused(this.opts.artifacts.get(file.slice(file.indexOf(ROOT))), [
        'BAD_GATEWAY',
        'PAYLOAD_TOO_LARGE',
      ]);
      if (!got) continue;
      let names: unknown;
      for (const line of got.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        // The file's header names the features; a file written before headers named them on every row.
        if (!('row_key' in parsed) && 'names' in parsed) {
          names = parsed.names;
          continue;
        }
        const row = OfflineFeatureRow.parse({ names, ...parsed });
        if (o.entity !== undefined && row.entity !== o.entity) continue;
        rows.set(row.row_key, row);
      }
    }
    return [...rows.values()].sort(
      (a, b) => a.entity.localeCompare(b.entity) || a.ts - b.ts || a.row_key.localeCompare(b.row_key),
    );
  }
}
