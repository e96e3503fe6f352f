/** Records of one partition key that travel together in one event. */
export interface Pack<T> {
  partitionKey: string | undefined;
  items: T[];
}

/**
 * Groups items by partition key, each group in the order given, into packs
 * of at most `maxItems` items and `maxBytes` of their sizes (an item larger
 * than that alone is a pack of its own). Packs come in the order their first
 * item came, so the packs of one key keep the key's order.
 */
export function packByKey<T>(
  items: readonly T[],
  o: {
    keyOf: (item: T) => string | undefined;
    sizeOf: (item: T) => number;
    maxItems: number;
    maxBytes: number;
  },
): Pack<T>[] {
  const packs: Pack<T>[] = [];
  const open = new Map<string | undefined, { pack: Pack<T>; bytes: number }>();
  for (const item of items) {
    const partitionKey = o.keyOf(item);
    const size = o.sizeOf(item);
    let current = open.get(partitionKey);
    if (current && (current.pack.items.length >= o.maxItems || current.bytes + size > o.maxBytes)) current = undefined;
    if (!current) {
      current = { pack: { partitionKey, items: [] }, bytes: 0 };
      open.set(partitionKey, current);
      packs.push(current.pack);
    }
    current.pack.items.push(item);
    current.bytes += size;
  }
  return packs;
}
