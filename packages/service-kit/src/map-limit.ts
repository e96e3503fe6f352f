/** Maps with at most `limit` calls in flight, keeping the order of the input. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** The items in consecutive slices of at most `size`, in order (none for no items). */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError(`a chunk holds at least one item, not ${size}`);
  const chunks: T[][] = [];
  for (let at = 0; at < items.length; at += size) chunks.push(items.slice(at, at + size));
  return chunks;
}
