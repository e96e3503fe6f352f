import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
}

/** Lowest port handed out when the kernel's ephemeral range leaves room below it. */
const FLOOR = 10_000;
/**
 * The ports fetch refuses to connect to (the Fetch standard's "bad ports"; Node's fetch answers
 * "fetch failed", cause "bad port"): never handed out. 10080 is in our range; CI drew it for a
 * gateway, which daprd reached and every readiness check could not.
 */
export const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);
/** Ports this process has handed out, or must not: never twice, though an earlier one may be free again. */
const handedOut = new Set<number>(FETCH_BAD_PORTS);

/**
 * The ports below the kernel's ephemeral range (Linux), or undefined. A port the kernel chose
 * for `listen(0)` lies inside that range, where every outgoing connection takes its local port
 * too: between our probe and the child's bind, a connection to Redis or a sidecar could take
 * it, and the child failed with EADDRINUSE (seen in CI: a daprd, then a gateway).
 */
function belowEphemeral(): { from: number; to: number } | undefined {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low !== undefined && low > FLOOR + 1_000 ? { from: FLOOR, to: low - 1 } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `count` distinct free ports: below the ephemeral range where there is one (chosen at random,
 * each probed by binding it, none handed out twice by this process), else from the kernel.
 * They are distinct within the set (Dapr's defaults collide: daprd gRPC and sentry both use
 * 50001, healthz and metrics ports clash too).
 */
export async function allocatePorts(count: number): Promise<number[]> {
  const range = belowEphemeral();
  const ports: number[] = [];
  for (let tries = 0; range && ports.length < count && tries < count * 50; tries++) {
    const port = range.from + Math.floor(Math.random() * (range.to - range.from + 1));
    if (handedOut.has(port) || !(await isPortFree(port)) || !claimPort(port)) continue;
    handedOut.add(port);
    ports.push(port);
  }
  return ports.length === count ? ports : [...ports, ...(await kernelPorts(count - ports.length))];
}

/**
 * Ports fixed by the user (the gateway's, Jaeger's, Prometheus'): never handed out, though
 * nothing listens on them yet while the other ports are chosen. Without it the launcher gave
 * the registry the gateway's port, free until the gateway bound it (seen in CI).
 */
export function reservePorts(ports: number[]): void {
  for (const port of ports) handedOut.add(port);
}

/** Where processes of this machine claim the ports they hand out (one file per port: the claimer's pid and thread). */
export const PORT_CLAIMS_DIR = join(tmpdir(), `meridian-port-claims-${process.getuid?.() ?? 'user'}`);
/** Who claims: worker threads of one process (Vitest's) each hand out ports of their own. */
const claimer = `${process.pid}:${threadId}`;
const claimed: number[] = [];
let releaseOnExit = false;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Claims `port` for this process among the processes of this machine: false when a live other
 * process claimed it. Each process draws its ports at random from the same range, and a port is
 * free until the child it is for binds it; without a claim, two processes (the integration
 * tests' platform and the deploy tests' control plane, side by side in `npm test`) could both
 * hand out a port in that window (seen: a daprd's "could not listen on any endpoint"). A claim
 * whose process is gone is taken over; a process's claims go when it exits normally (a killed
 * one's are taken over later). Where the folder cannot be written, the probe alone decides.
 */
export function claimPort(port: number): boolean {
  const file = join(PORT_CLAIMS_DIR, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(PORT_CLAIMS_DIR, { recursive: true });
      writeFileSync(file, claimer, { flag: 'wx' });
      claimed.push(port);
      if (!releaseOnExit) {
        releaseOnExit = true;
        process.once('exit', () => {
          for (const p of claimed) rmSync(join(PORT_CLAIMS_DIR, String(p)), { force: true });
        });
      }
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return true;
      let owner = '';
      try {
        owner = readFileSync(file, 'utf8');
      } catch {
        // removed meanwhile: try again
      }
      if (owner === claimer) return true;
      const pid = Number(owner.split(':')[0]);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) return false;
      try {
        rmSync(file, { force: true });
      } catch {
        return true; // a folder we cannot write to: the probe alone decides
      }
    }
  }
  return false;
}

/** Ports the kernel chooses; all are held open until every one is chosen, so the set has no duplicates. */
async function kernelPorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  while (ports.length < count) {
    const server = await listen(0);
    servers.push(server);
    const { port } = server.address() as { port: number };
    if (!handedOut.has(port)) ports.push(port);
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  for (const port of ports) handedOut.add(port);
  return ports;
}

export async function isPortFree(port: number): Promise<boolean> {
  try {
    const server = await listen(port);
    await new Promise((r) => server.close(r));
    return true;
  } catch {
    return false;
  }
}
