// Patches Dapr's HTTP postman (pkg/runtime/subscription/postman/http/http.go) in the copy our build
// compiles. The problem: a bulk delivery's body is encoded with encoding/json, which validates and
// compacts every event held as JSON text (json.RawMessage, patch-bulk-delivery-raw-events.mjs)
// once more, byte by byte. In `npm run bench:pipeline` on Kafka (`--profile 4`) that encode was
// about a seventh of the features app's daprd CPU, for 500 readings per delivery.
// The patch writes such an event as its text (the runtime decoded it without error before it got
// here, so it is valid JSON), and the rest of the body with encoding/json as before: the same
// fields and values; only the order of the envelope's keys and the events' whitespace and HTML
// escapes may differ. An entry whose event is not JSON text is encoded as before.
// Usage: node patch-bulk-delivery-body.mjs <dapr source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: bulk delivery bodies carry events as their text';
const marshal = '\tda, marshalErr := json.Marshal(&bsrr.Envelope)\n';

patchSource({
  name: 'patch-bulk-delivery-body',
  path: ['pkg', 'runtime', 'subscription', 'postman', 'http', 'http.go'],
  marker,
  apply: (source, { need }) => {
    need(marshal);
    need('\t"github.com/dapr/dapr/pkg/runtime/pubsub"\n');
    return `${source.replace(marshal, '\tda, marshalErr := marshalBulkEnvelope(bsrr.Envelope)\n')}
// ${marker}.
// marshalBulkEnvelope encodes a bulk delivery as json.Marshal(&envelope) does, except that an
// entry's event held as JSON text is written as that text rather than validated and compacted
// again.
func marshalBulkEnvelope(envelope map[string]any) ([]byte, error) {
\tentries, ok := envelope[pubsub.Entries].([]*pubsub.BulkSubscribeMessageItem)
\tif !ok {
\t\treturn json.Marshal(&envelope)
\t}
\trest := make(map[string]any, len(envelope))
\tfor k, v := range envelope {
\t\tif k != pubsub.Entries {
\t\t\trest[k] = v
\t\t}
\t}
\thead, err := json.Marshal(rest)
\tif err != nil {
\t\treturn nil, err
\t}
\tsize := len(head) + 16
\tfor _, e := range entries {
\t\tif raw, isRaw := e.Event.(json.RawMessage); isRaw {
\t\t\tsize += len(raw) + 96
\t\t}
\t}
\tout := make([]byte, 0, size)
\tout = append(out, head[:len(head)-1]...)
\tif len(rest) > 0 {
\t\tout = append(out, ',')
\t}
\tout = append(out, \`"entries":[\`...)
\tfor i, e := range entries {
\t\tif i > 0 {
\t\t\tout = append(out, ',')
\t\t}
\t\traw, isRaw := e.Event.(json.RawMessage)
\t\tif !isRaw || len(raw) == 0 {
\t\t\tentry, err := json.Marshal(e)
\t\t\tif err != nil {
\t\t\t\treturn nil, err
\t\t\t}
\t\t\tout = append(out, entry...)
\t\t\tcontinue
\t\t}
\t\tid, err := json.Marshal(e.EntryId)
\t\tif err != nil {
\t\t\treturn nil, err
\t\t}
\t\tmetadata, err := json.Marshal(e.Metadata)
\t\tif err != nil {
\t\t\treturn nil, err
\t\t}
\t\tout = append(out, \`{"entryId":\`...)
\t\tout = append(out, id...)
\t\tout = append(out, \`,"event":\`...)
\t\tout = append(out, raw...)
\t\tout = append(out, \`,"metadata":\`...)
\t\tout = append(out, metadata...)
\t\tif e.ContentType != "" {
\t\t\tcontentType, err := json.Marshal(e.ContentType)
\t\t\tif err != nil {
\t\t\t\treturn nil, err
\t\t\t}
\t\t\tout = append(out, \`,"contentType":\`...)
\t\t\tout = append(out, contentType...)
\t\t}
\t\tout = append(out, '}')
\t}
\treturn append(out, ']', '}'), nil
}
`;
  },
});
