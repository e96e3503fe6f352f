// Patches Dapr's Redis state store (components-contrib state/redis) in the copy our build
// compiles. The problem: the store has no bulk read of its own, so a bulk read of n keys is n
// HGETALL round trips, one goroutine each (state.DoBulkGet). Ingestion reads one idempotency
// mark per record (1,000 per batch) and features reads one entity per mote per delivery; in
// `npm run bench:pipeline` ingestion's daprd was the process that used the most CPU.
// The patch gives the store a BulkGet that reads every key in one EVAL (HGETALL per key inside
// the script) and parses each hash as Get does. Whatever that one call cannot answer falls back
// to the old way: a key that is not a hash is read by Get, and when the EVAL fails (a cluster
// whose keys span slots, a replica that refuses scripts) or the request asks for JSON values,
// the whole read goes through state.DoBulkGet as before.
// Usage: node patch-redis-bulkget.mjs <components-contrib source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: bulk reads in one round trip';

patchSource({
  name: 'patch-redis-bulkget',
  path: ['state', 'redis', 'redis.go'],
  marker,
  apply: (original, { fail }) => {
    let source = original;

    for (const needed of [
      'func (r *StateStore) getKeyVersion(vals []any) (data string, version *string, err error)',
      'func (r *StateStore) Get(ctx context.Context, req *state.GetRequest) (*state.GetResponse, error)',
      '\tstate.BulkStore\n',
      'req.Metadata[daprmetadata.ContentType] == contenttype.JSONContentType && r.clientHasJSON',
    ]) {
      if (!source.includes(needed)) fail(needed.trim());
    }
    const imports = 'import (\n\t"context"\n';
    if (!source.includes(imports)) fail('the import block');
    if (/\nfunc \(r \*StateStore\) BulkGet\(/.test(source)) fail('no BulkGet of its own (it has one now)');

    source = source.replace(imports, 'import (\n\t"context"\n\t"encoding/json"\n');
    source += `
// ${marker}: HGETALL of every key in one script; a key that is not a hash answers 0.
const bulkGetDefaultQuery = \`
local out = {}
for i = 1, #KEYS do
  local v = redis.pcall("HGETALL", KEYS[i])
  if type(v) == "table" and v.err then
    out[i] = 0
  else
    out[i] = v
  end
end
return out\`

// BulkGet reads the keys in one round trip; see bulkGetDefaultQuery.
func (r *StateStore) BulkGet(ctx context.Context, req []state.GetRequest, opts state.BulkGetOpts) ([]state.BulkGetResponse, error) {
	if len(req) < 2 {
		return r.BulkStore.BulkGet(ctx, req, opts)
	}
	args := make([]any, 0, len(req)+3)
	args = append(args, "EVAL", bulkGetDefaultQuery, len(req))
	for i := range req {
		if req[i].Metadata[daprmetadata.ContentType] == contenttype.JSONContentType && r.clientHasJSON {
			return r.BulkStore.BulkGet(ctx, req, opts)
		}
		args = append(args, req[i].Key)
	}
	res, err := r.client.DoRead(ctx, args...)
	if err != nil {
		return r.BulkStore.BulkGet(ctx, req, opts)
	}
	rows, ok := res.([]any)
	if !ok || len(rows) != len(req) {
		return r.BulkStore.BulkGet(ctx, req, opts)
	}
	out := make([]state.BulkGetResponse, len(req))
	for i := range req {
		out[i].Key = req[i].Key
		var vals []any
		switch row := rows[i].(type) {
		case []any:
			vals = row
		case map[any]any:
			vals = make([]any, 0, 2*len(row))
			for k, v := range row {
				vals = append(vals, k, v)
			}
		default:
			one, gErr := r.Get(ctx, &req[i])
			if gErr != nil {
				out[i].Error = gErr.Error()
			} else if one != nil {
				out[i].Data = json.RawMessage(one.Data)
				out[i].ETag = one.ETag
				out[i].Metadata = one.Metadata
			}
			continue
		}
		if len(vals) == 0 {
			continue
		}
		data, version, vErr := r.getKeyVersion(vals)
		if vErr != nil {
			out[i].Error = vErr.Error()
			continue
		}
		out[i].Data = json.RawMessage(data)
		out[i].ETag = version
	}
	return out, nil
}
`;
    return source;
  },
});
