/** Items of one key that go together (records in one event, readings in one step). */
export interface Pack<T> {
  key: string | undefined;
  items: T[];
}

/**
 * Groups items by key, each group in the order given, into packs of at most
 * `maxItems` items and `maxSize` of their sizes (an item larger than that
 * alone is a pack of its own). Packs come in the order their first item
 * came, so the packs of one key keep the key's order.
 */
export function packByKey<T>(
  items: readonly T[],
  o: {
    keyOf: (item: T) => string | undefined;
    sizeOf: (item: T) => number;
    maxItems: number;
    maxSize: number;
  },
): Pack<T>[] {
  const packs: Pack<T>[] = [];
  const open = new Map<string | undefined, { pack: Pack<T>; size: number }>();
  for (const item of items) {
    const key = o.keyOf(item);
    const size = o.sizeOf(item);
    let current = open.get(key);
    if (current && (current.pack.items.length >= o.maxItems || current.size + size > o.maxSize)) current = undefined;
    if (!current) {
      current = { pack: { key, items: [] }, size: 0 };
      open.set(key, current);
      packs.push(current.pack);
    }
    current.pack.items.push(item);
    current.size += size;
  }
  return packs;
}
