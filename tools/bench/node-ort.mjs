// The least a Node server that runs the model can do: read the OIP JSON request, run the
// same ONNX model with ONNX Runtime (the session options the inference app uses), answer the
// outputs as OIP JSON. No auth, no validation beyond JSON.parse, no routing, no batching,
// no metrics, no spans. bench:inference calls it as path `node-ort`: the floor under the
// inference app's overhead over raw-ort, with the model's own cost in a server included
// (between requests its caches are cold, unlike raw-ort's tight loop).
// The first argument is the model.onnx file. Prints the port it listens on (loopback, chosen
// by the OS), then serves until killed.
import { createServer } from 'node:http';
import * as ort from 'onnxruntime-node';

const session = await ort.InferenceSession.create(process.argv[2] ?? '', {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  enableCpuMemArena: true,
});
const OIP = { float32: 'FP32', int64: 'INT64' };

async function infer(model, body) {
  const request = JSON.parse(body);
  const feeds = {};
  for (const input of request.inputs)
    feeds[input.name] = new ort.Tensor('float32', Float32Array.from(input.data), input.shape);
  const result = await session.run(feeds);
  return JSON.stringify({
    model_name: model,
    outputs: session.outputNames.map((name) => ({
      name,
      datatype: OIP[result[name].type] ?? result[name].type,
      shape: result[name].dims,
      data: Array.from(result[name].data, Number),
    })),
  });
}

// The model's name as the request's path gives it (/v2/models/<name>/infer); only one model is loaded.
const modelIn = (url) => decodeURIComponent(/^\/v2\/models\/([^/]+)\//.exec(url ?? '')?.[1] ?? '');

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    infer(modelIn(req.url), Buffer.concat(chunks).toString()).then(
      (text) => {
        const answer = Buffer.from(text);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
        res.end(answer);
      },
      (err) => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String(err));
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
