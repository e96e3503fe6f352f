// A do-nothing HTTP hop in Node: every request is sent on, as it came, to the upstream origin
// given as the first argument, and its answer sent back. No routing, no auth, no logs, no
// metrics, no spans. bench:inference puts it in front of the sidecar path (path `node-hop`) to
// measure what one Node HTTP hop costs on this machine: the floor under the gateway's hop.
// Prints the port it listens on (loopback, chosen by the OS), then serves until killed.
import { Agent, createServer, request } from 'node:http';

const upstream = new URL(process.argv[2] ?? '');
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: `${upstream.pathname.replace(/\/$/, '')}${req.url}`,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json', 'content-length': body.length },
        agent,
      },
      (answer) => {
        const parts = [];
        answer.on('data', (c) => parts.push(c));
        answer.on('end', () => {
          const payload = Buffer.concat(parts);
          res.writeHead(answer.statusCode ?? 502, {
            'content-type': answer.headers['content-type'] ?? 'application/json',
            'content-length': payload.length,
          });
          res.end(payload);
        });
      },
    );
    out.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    out.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
