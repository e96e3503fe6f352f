// Patches Dapr's JetStream pub/sub (components-contrib pubsub/jetstream) in the copy our build
// compiles. The problem: it subscribes without nats.ManualAck(), so the NATS client acknowledges
// each message as soon as the subscription's callback returns. With `concurrency: parallel` the
// callback only starts a goroutine, so every message is acknowledged on arrival, before the app
// has it; a daprd killed at that moment loses what it held (the monitor's kill -9 test lost 2 of
// 60 predictions), and the component's own Ack afterwards logs "message was already
// acknowledged". With ManualAck the component's Ack after the app answered is the only one.
// Usage: node patch-jetstream.mjs <components-contrib source dir>
import { patchSource } from './source-patch.mjs';

const bind = 'nats.Bind(streamName, consumerInfo.Name))';
const patched =
  'nats.Bind(streamName, consumerInfo.Name), nats.ManualAck()) // meridian: acknowledge only after the app answered';
patchSource({
  name: 'patch-jetstream',
  path: ['pubsub', 'jetstream', 'jetstream.go'],
  marker: patched,
  apply: (source, { fail }) => {
    const count = source.split(bind).length - 1;
    if (count !== 2) fail(`2 subscriptions binding "${bind}" (found ${count})`);
    return source.replaceAll(bind, patched);
  },
});
