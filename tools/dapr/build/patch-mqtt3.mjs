// Patches Dapr's MQTT pub/sub (components-contrib pubsub/mqtt3) in the copy
// our build compiles. The problem: with a persistent session (cleanSession
// false, which at-least-once needs), a restarted daprd reconnects and the
// broker sends the messages queued for it right after CONNACK, before daprd
// has subscribed again. The component registers no handler for that moment,
// so the client drops them without acknowledging; the broker keeps them in
// flight, and once its in-flight window is full nothing more is delivered.
// The patch gives the client a default handler that holds such a message
// until the topic's handler exists, then handles and acknowledges it as usual.
// Usage: node patch-mqtt3.mjs <components-contrib source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: queued messages of a resumed session';
const anchor = '\topts.OnConnectionLost = func(';
patchSource({
  name: 'patch-mqtt3',
  path: ['pubsub', 'mqtt3', 'mqtt.go'],
  marker,
  apply: (source, { need }) => {
    need(anchor);
    return `${source.replace(
      anchor,
      `\t// ${marker}: hold them until Subscribe has registered the topic's handler.\n\topts.SetDefaultPublishHandler(m.onQueuedMessage)\n\n${anchor}`,
    )}
// ${marker} (see SetDefaultPublishHandler): messages the broker sends before
// this component has subscribed wait for the topic's handler, up to a limit;
// without one they stay unacknowledged and the broker sends them again later.
func (m *mqttPubSub) onQueuedMessage(client mqtt.Client, mqttMsg mqtt.Message) {
\tdeadline := time.Now().Add(5 * time.Minute)
\tfor m.handlerForTopic(mqttMsg.Topic()) == nil {
\t\tif m.closed.Load() || time.Now().After(deadline) {
\t\t\tm.logger.Warnf("No handler for queued MQTT message on topic %s; left unacknowledged", mqttMsg.Topic())
\t\t\treturn
\t\t}
\t\ttime.Sleep(100 * time.Millisecond)
\t}
\tm.onMessage(context.Background())(client, mqttMsg)
}
`;
  },
});
