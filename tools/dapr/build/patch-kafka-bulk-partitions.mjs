// Patches Dapr's Kafka pub/sub (components-contrib common/component/kafka) in the copy our build
// compiles. The problem: a bulk subscription's consumer takes one mutex, shared by every
// partition's claim, around each bulk delivery to the app. A topic's partitions are consumed by
// one goroutine each, but their bulk deliveries reach the app one at a time, so the stream goes
// as fast as one delivery's round trip allows whatever the partition count (single-message
// subscriptions have no such lock). In `npm run bench:pipeline` on Kafka the features app spent
// about 40 ms of each ~60 ms cycle waiting on its state store and on inference, with the CPU
// a quarter idle.
// The patch drops the shared lock: each claim's batch is its own goroutine's (it always was;
// the lock guarded nothing else), so partitions deliver side by side, as in the single-message
// path. Within a partition, deliveries stay one at a time and in order, and offsets are still
// marked only after the app answered.
// Usage: node patch-kafka-bulk-partitions.mjs <components-contrib source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: partitions deliver side by side';
const lock = '\t\t\t\tconsumer.mutex.Lock()\n';
const unlock = '\t\t\t\tconsumer.mutex.Unlock()\n';

patchSource({
  name: 'patch-kafka-bulk-partitions',
  path: ['common', 'component', 'kafka', 'consumer.go'],
  marker,
  apply: (source, { need, fail }) => {
    need(lock);
    need(unlock);
    const patched = source.replaceAll(lock, '').replaceAll(unlock, '');
    if (patched.includes('consumer.mutex.')) fail('another use of consumer.mutex');
    return patched.replace(
      'func (consumer *consumer) ConsumeClaim(',
      `// ${marker}: no lock shared by the claims around a bulk delivery.\nfunc (consumer *consumer) ConsumeClaim(`,
    );
  },
});
