import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { allocatePorts, claimPort, isPortFree, PORT_CLAIMS_DIR, reservePorts } from './ports.ts';

/** The low end of the kernel's ephemeral range. */
const ephemeralLow = () =>
  readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)[0]!;
/** The range allocatePorts draws from: 10000 up to just below the ephemeral range. */
const FROM = 10_000;
/** What Math.random must return for allocatePorts to pick `port`. */
const pick = (port: number) => (port - FROM + 0.5) / (ephemeralLow() - FROM);

describe('allocatePorts', () => {
  describe('with a reserved port', () => {
    afterEach(() => vi.restoreAllMocks());

    it('when the random pick lands on a reserved port (free, nothing bound to it yet), then another port is handed out', async () => {
      let reserved = FROM + 1_234;
      while (!(await isPortFree(reserved))) reserved++;
      let other = reserved + 1;
      // Free, and claimed by no other live process (tests beside this one claim ports too): claimed here.
      while (!(await isPortFree(other)) || !claimPort(other)) other++;
      reservePorts([reserved]);
      vi.spyOn(Math, 'random').mockReturnValueOnce(pick(reserved)).mockReturnValueOnce(pick(other));
      expect(await allocatePorts(1)).toEqual([other]);
    });
  });

  describe('with a port fetch refuses', () => {
    afterEach(() => vi.restoreAllMocks());

    it('when the random pick lands on 10080, which fetch will not connect to, then another port is handed out', async () => {
      // Node's fetch refuses the port before connecting: no readiness check could reach a server there.
      const refused = await fetch('http://127.0.0.1:10080/').catch((err: Error) => (err.cause as Error).message);
      expect(refused).toBe('bad port');
      let other = 10_081;
      while (!(await isPortFree(other)) || !claimPort(other)) other++;
      vi.spyOn(Math, 'random').mockReturnValueOnce(pick(10_080)).mockReturnValueOnce(pick(other));
      expect(await allocatePorts(1)).toEqual([other]);
    });
  });

  it('when a port is held, then isPortFree says so', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    expect(await isPortFree(port)).toBe(false);
    server.close();
  });

  describe('claims between processes', () => {
    afterEach(() => vi.restoreAllMocks());

    it('when another live process claimed a port, then it is not handed out here; once that process is gone, it is', async () => {
      let taken = FROM + 4_321;
      // Free and claimed by no other live process; then the claim is handed to the holder below.
      while (!(await isPortFree(taken)) || !claimPort(taken)) taken++;
      let other = taken + 1;
      // Free, and claimed by no other live process (tests beside this one claim ports too): claimed here.
      while (!(await isPortFree(other)) || !claimPort(other)) other++;
      // Another process (alive until its stdin closes) holds the claim on `taken`.
      const holder = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'] });
      writeFileSync(join(PORT_CLAIMS_DIR, String(taken)), String(holder.pid));
      vi.spyOn(Math, 'random').mockReturnValueOnce(pick(taken)).mockReturnValueOnce(pick(other));
      expect(await allocatePorts(1)).toEqual([other]);
      const gone = new Promise((r) => holder.once('exit', r));
      holder.stdin!.end();
      await gone;
      expect(claimPort(taken)).toBe(true);
      expect(readFileSync(join(PORT_CLAIMS_DIR, String(taken)), 'utf8')).toBe(`${process.pid}:${threadId}`);
    });
  });

  // Last: the ports they hand out could otherwise be the ones the tests above pick on purpose.
  it('when many ports are asked for, then they are distinct and free', async () => {
    const ports = await allocatePorts(40);
    expect(new Set(ports).size).toBe(40);
    expect(await isPortFree(ports[0]!)).toBe(true);
  });

  it("when the kernel's ephemeral range leaves room below it, then ports come from below it and none is handed out twice", async () => {
    const first = await allocatePorts(100);
    const second = await allocatePorts(100);
    expect(new Set([...first, ...second]).size).toBe(200);
    expect(Math.max(...first, ...second)).toBeLessThan(ephemeralLow());
  });
});
