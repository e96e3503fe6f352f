// Patches Dapr's runtime (pkg/runtime/subscription/bulksubscription.go) in the copy our build
// compiles. The problem: a bulk delivery to an HTTP app decodes each cloud event from the broker
// into generic maps (for its expiry, routing rules and trace context), then encodes those maps
// again into the request body. In `npm run bench:pipeline` on Kafka (`--profile 6`) the encode was
// about a sixth of the features app's daprd CPU, for 500 readings per delivery.
// The patch keeps the decode and all it serves, and delivers each event as the JSON text it came
// as (compacted by the encoder): the same JSON value, keys in the publisher's order, numbers
// exactly as written (upstream rounded integers past 2^53 through float64). Only the HTTP
// postman reads this field; the gRPC one uses the decoded map, as before.
// Usage: node patch-bulk-delivery-raw-events.mjs <dapr source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: bulk deliveries carry events as their JSON text';
const populate =
  '\t\t\t\ttodo.PopulateBulkSubcribedMessage(&(msg.Entries[i]), cloudEvent, &routePathBulkMessageMap, rPath, i, msg, true, psName, message.ContentType, namespacedConsumer, s.namespace)\n';

patchSource({
  name: 'patch-bulk-delivery-raw-events',
  path: ['pkg', 'runtime', 'subscription', 'bulksubscription.go'],
  marker,
  apply: (source, { need }) => {
    need(populate);
    need('\t"encoding/json"\n');
    return source.replace(
      populate,
      `${populate}\t\t\t\t// ${marker}: the event decoded without error above, so its text is valid JSON.
\t\t\t\tif delivered := routePathBulkMessageMap[rPath]; delivered.Length > 0 {
\t\t\t\t\tdelivered.PubSubMessages[delivered.Length-1].RawData.Event = json.RawMessage(message.Event)
\t\t\t\t}
`,
    );
  },
});
