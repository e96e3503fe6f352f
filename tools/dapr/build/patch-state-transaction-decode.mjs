// Patches Dapr's HTTP API (pkg/api/http/http.go) in the copy our build compiles.
// The problem: a state transaction's body is decoded twice per operation. encoding/json first
// builds a generic map of each operation's request, then mapstructure copies that map into the
// SetRequest or DeleteRequest by reflection. Ingestion writes its idempotency marks 250 to a
// transaction; in `npm run bench:pipeline` on Kafka the mapstructure step alone was 12 % of its
// daprd's CPU (`--profile 6`).
// The patch keeps each operation's request as its JSON text and decodes it once, straight into
// the request type. encoding/json matches the same names as mapstructure did here (the field
// names or json tags, in any case: key, value, etag, metadata, options, contentType), ignores
// unknown keys as it did, and refuses a wrong type (a number as a key or a metadata value, a
// request that is not an object) as it did, with 400. A missing or null request decodes to an
// empty one, as before.
// Usage: node patch-state-transaction-decode.mjs <dapr source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: each operation decoded once';
const field = '\tRequest   any    `json:"request"`\n';
const upsert = '\t\t\terr := mapstructure.Decode(o.Request, &upsertReq)\n';
const remove = '\t\t\terr := mapstructure.Decode(o.Request, &delReq)\n';
const importLine = '\t"github.com/mitchellh/mapstructure"\n';

patchSource({
  name: 'patch-state-transaction-decode',
  path: ['pkg', 'api', 'http', 'http.go'],
  marker,
  apply: (source, { need, fail }) => {
    for (const text of [field, upsert, remove, importLine]) need(text);
    const patched = source
      .replace(field, `\t// ${marker}.\n\tRequest json.RawMessage \`json:"request"\`\n`)
      .replace(upsert, '\t\t\terr := decodeStateOperation(o.Request, &upsertReq)\n')
      .replace(remove, '\t\t\terr := decodeStateOperation(o.Request, &delReq)\n')
      .replace(importLine, '');
    if (patched.includes('mapstructure.')) fail('another use of mapstructure in http.go');
    return `${patched}
// decodeStateOperation decodes a transaction operation's request into its type; a missing or
// null request leaves it empty.
func decodeStateOperation(raw json.RawMessage, into any) error {
\tif len(raw) == 0 || string(raw) == "null" {
\t\treturn nil
\t}
\treturn json.Unmarshal(raw, into)
}
`;
  },
});
