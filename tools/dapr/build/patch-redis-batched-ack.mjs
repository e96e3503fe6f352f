// Patches Dapr's Redis Streams pub/sub (components-contrib pubsub/redis) in the copy our build
// compiles. The problem: each message a subscriber handled is acknowledged with an XACK of its
// own, one round trip per message, even when the app took 500 of them in one bulk delivery.
// In `npm run bench:pipeline` on Redis, those XACKs were a fifth of the features app's sidecar's
// CPU (`--profile`: redisStreams.processMessage → XAck).
// The patch sends the acknowledgements of handled messages to one goroutine that acknowledges
// what has gathered, per stream, in one XACK with many ids: while one XACK is on its way the
// next ones gather, so a quiet stream still acknowledges each message at once. A message is
// still acknowledged only after its handler returned. If an XACK fails (logged), its messages
// stay pending and are delivered again after processingTimeout, as when a single XACK failed;
// acknowledgements not yet sent when the sidecar stops are lost the same way (consumers dedupe).
// Usage: node patch-redis-batched-ack.mjs <components-contrib source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: acknowledgements gathered into one XACK';
const field = '\tqueue chan redisMessageWrapper\n}';
const workers = '\tfor range r.clientSettings.Concurrency {\n\t\tr.wg.Add(1)';
const ack =
  '\tif err := r.client.XAck(context.Background(), msg.message.Topic, r.clientSettings.ConsumerID, msg.messageID); err != nil {\n\t\tr.logger.Errorf("Error acknowledging Redis message %s: %v", msg.messageID, err)\n\n\t\treturn err\n\t}\n\n\treturn nil\n}';

patchSource({
  name: 'patch-redis-batched-ack',
  path: ['pubsub', 'redis', 'redis.go'],
  marker,
  apply: (source, { need }) => {
    for (const text of [field, workers, ack]) need(text);
    return `${source
      .replace(field, '\tqueue chan redisMessageWrapper\n\tacks  chan redisAck\n}')
      .replace(
        workers,
        `\t// ${marker}: one goroutine acknowledges for every worker.
\tr.acks = make(chan redisAck, 4096)
\tr.wg.Add(1)
\tgo func() {
\t\tdefer r.wg.Done()
\t\tr.acknowledger()
\t}()

${workers}`,
      )
      .replace(
        ack,
        `\t// Once the component closes nothing acknowledges any more: the message will be delivered again.
\tselect {
\tcase r.acks <- redisAck{stream: msg.message.Topic, id: msg.messageID}:
\tcase <-r.closeCh:
\t}

\treturn nil
}`,
      )}
// ${marker}.
type redisAck struct {
	stream string
	id     string
}

// acknowledger acknowledges handled messages: what has gathered since the last XACK goes in
// one XACK per stream. On close it sends what it holds and stops.
func (r *redisStreams) acknowledger() {
	for {
		select {
		case first := <-r.acks:
			r.acknowledge(r.gathered(first))
		case <-r.closeCh:
			var batch []redisAck
			for more := true; more; {
				select {
				case a := <-r.acks:
					batch = append(batch, a)
				default:
					more = false
				}
			}
			r.acknowledge(batch)
			return
		}
	}
}

// gathered is first and the acknowledgements waiting behind it, at most 1,000.
func (r *redisStreams) gathered(first redisAck) []redisAck {
	batch := []redisAck{first}
	for len(batch) < 1000 {
		select {
		case a := <-r.acks:
			batch = append(batch, a)
		default:
			return batch
		}
	}
	return batch
}

func (r *redisStreams) acknowledge(batch []redisAck) {
	byStream := map[string][]interface{}{}
	for _, a := range batch {
		byStream[a.stream] = append(byStream[a.stream], a.id)
	}
	for stream, ids := range byStream {
		args := append([]interface{}{"XACK", stream, r.clientSettings.ConsumerID}, ids...)
		// The background context, as for the single XACK: the subscription's may be closed already.
		if err := r.client.DoWrite(context.Background(), args...); err != nil {
			r.logger.Errorf("Error acknowledging %d Redis messages of %s: %v", len(ids), stream, err)
		}
	}
}
`;
  },
});
