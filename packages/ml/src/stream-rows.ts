/**
 * Keys of stream rows, as the features app mints them and the monitor and training read them:
 * `<entity>@<epoch>#<seq>`, where epoch is when the entity's state was created (epoch ms) and
 * seq counts the entity's readings applied in that epoch (1, 2, ...): unique per applied reading.
 */
export function streamRowKey(entity: string, epoch: number, seq: number): string {
  return `${entity}@${epoch}#${seq}`;
}

export function parseStreamRowKey(key: string): { entity: string; epoch: string; seq: number } | undefined {
  const m = /^(.+)@(\d+)#(\d+)$/.exec(key);
  return m ? { entity: m[1]!, epoch: m[2]!, seq: Number(m[3]) } : undefined;
}

/**
 * Whether a stream row's sensor window could not be full: the row is one of its entity's first
 * `window` readings in its state epoch (a new mote, or one whose state expired), so fewer than
 * `window` readings came before it. Undefined for a key that is not a stream row's.
 */
export function warmUpRow(key: string, window: number): boolean | undefined {
  const parsed = parseStreamRowKey(key);
  return parsed && parsed.seq <= window;
}
