/** Polls until `check` answers true; fails early if `abort` returns a reason. */
export async function waitFor(opts: {
  what: string;
  check: () => Promise<boolean>;
  timeoutMs: number;
  intervalMs?: number;
  abort?: () => string | undefined;
}): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const reason = opts.abort?.();
    if (reason) throw new Error(`${opts.what}: ${reason}`);
    if (await opts.check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${opts.what}: not ready after ${opts.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 150));
  }
}

export async function httpOk(
  url: string,
  accept: (status: number) => boolean = (s) => s >= 200 && s < 300,
): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return accept(res.status);
}
