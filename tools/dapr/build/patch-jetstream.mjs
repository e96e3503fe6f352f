// Patches Dapr's JetStream pub/sub (components-contrib pubsub/jetstream) in the copy our build
// compiles. The problem: it subscribes without nats.ManualAck(), so the NATS client acknowledges
// each message as soon as the subscription's callback returns. With `concurrency: parallel` the
// callback only starts a goroutine, so every message is acknowledged on arrival, before the app
// has it; a daprd killed at that moment loses what it held (the monitor's kill -9 test lost 2 of
// 60 predictions), and the component's own Ack afterwards logs "message was already
// acknowledged". With ManualAck the component's Ack after the app answered is the only one.
// Usage: node patch-jetstream.mjs <components-contrib source dir>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const file = join(process.argv[2], 'pubsub', 'jetstream', 'jetstream.go');
let source = readFileSync(file, 'utf8');
const bind = 'nats.Bind(streamName, consumerInfo.Name))';
const patched =
  'nats.Bind(streamName, consumerInfo.Name), nats.ManualAck()) // meridian: acknowledge only after the app answered';
if (source.includes(patched)) process.exit(0);
const count = source.split(bind).length - 1;
if (count !== 2) {
  process.stderr.write(
    `patch-jetstream: expected 2 subscriptions binding "${bind}" in ${file}, found ${count}; the component changed, review the patch\n`,
  );
  process.exit(1);
}
source = source.replaceAll(bind, patched);
writeFileSync(file, source);
