// A do-nothing HTTP server in Node: every request's body is read, then answered with the same
// fixed JSON (the first argument). No routing, no auth, no parsing, no model. bench:inference
// calls it as path `node-echo` with the inference request, answered with inference's own answer
// to it: what any Node app costs a caller here before it does any work, the floor under the
// inference app's overhead over raw ONNX Runtime.
// Prints the port it listens on (loopback, chosen by the OS), then serves until killed.
import { createServer } from 'node:http';

const answer = Buffer.from(process.argv[2] ?? '{}');

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
    res.end(answer);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
