// Patches Dapr's HTTP API (pkg/api/http) in the copy our build compiles. The problem: each entry
// of a bulk publish is decoded into generic maps when the request is read, then encoded back
// to bytes (ConvertEventToBytes) before it is wrapped in its cloud event: for ingestion's
// batches of 1,000 readings, a decode and an encode per reading that change nothing.
// The patch keeps each entry's event as its JSON text. A JSON (or cloud event) entry is used
// as that text, compacted: the same JSON value, keys in the publisher's order, numbers exactly
// as written (upstream rounded integers past 2^53 through float64). Any other content type is
// decoded and converted as before, with the same errors.
// Usage: node patch-bulk-publish-raw-events.mjs <dapr source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: bulk entries kept as their JSON text';
const field = '\tEvent       any               `json:"event"`\n';
const convert = '\t\tdBytes, err = ConvertEventToBytes(entry.Event, entry.ContentType)\n';

patchSource({
  name: 'patch-bulk-publish-raw-events',
  path: ['pkg', 'api', 'http', 'http.go'],
  marker,
  apply: (source, { need }) => {
    need(field);
    need(convert);
    return source
      .replace(field, `\t// ${marker}.\n\tEvent       json.RawMessage   \`json:"event"\`\n`)
      .replace(convert, '\t\tdBytes, err = bulkEntryBytes(entry.Event, entry.ContentType)\n');
  },
});

patchSource({
  name: 'patch-bulk-publish-raw-events',
  path: ['pkg', 'api', 'http', 'util.go'],
  marker,
  apply: (source, { need }) => {
    need('import (\n\t"encoding/base64"\n');
    return `${source.replace('import (\n\t"encoding/base64"\n', 'import (\n\t"bytes"\n\t"encoding/base64"\n')}
// ${marker}.
// bulkEntryBytes is a bulk entry's event as bytes: JSON as its compacted text, any other
// content type decoded and converted as ConvertEventToBytes always did.
func bulkEntryBytes(raw json.RawMessage, contentType string) ([]byte, error) {
\tif contribContentType.IsJSONContentType(contentType) || contribContentType.IsCloudEventContentType(contentType) {
\t\tif len(raw) == 0 {
\t\t\treturn []byte("null"), nil
\t\t}
\t\tvar out bytes.Buffer
\t\tif err := json.Compact(&out, raw); err != nil {
\t\t\treturn []byte{}, fmt.Errorf("%s: %w", errContentTypeMismatch.Error(), err)
\t\t}
\t\treturn out.Bytes(), nil
\t}
\tvar event any
\tif len(raw) > 0 {
\t\tif err := json.Unmarshal(raw, &event); err != nil {
\t\t\treturn []byte{}, err
\t\t}
\t}
\treturn ConvertEventToBytes(event, contentType)
}
`;
  },
});
