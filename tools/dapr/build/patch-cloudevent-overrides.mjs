// Patches Dapr's runtime (pkg/runtime/pubsub/cloudevents.go) in the copy our build compiles.
// The problem: every published message that daprd wraps in a cloud event has its metadata
// decoded by reflection (mapstructure.WeakDecode) into the envelope's fields, to find the
// "cloudevent.*" overrides a publisher may set. It runs once per entry of a bulk publish even
// when no key is an override. In `npm run bench:pipeline` on Kafka it was 14 % of ingestion's
// daprd CPU (`--profile 6`), the largest single step of its bulk publish.
// The patch decodes only when some metadata key starts with "cloudevent." (in any case, as
// mapstructure matches the fields' tags); with none, the decode could set no field, so the
// envelope is the same.
// Usage: node patch-cloudevent-overrides.mjs <dapr source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: decode overrides only when there are some';
const decode = '\t_ = mapstructure.WeakDecode(metadata, req) // allows ignoring of case\n';
const imports = 'import (\n\t"github.com/mitchellh/mapstructure"\n';

patchSource({
  name: 'patch-cloudevent-overrides',
  path: ['pkg', 'runtime', 'pubsub', 'cloudevents.go'],
  marker,
  apply: (source, { need }) => {
    need(decode);
    need(imports);
    return `${source
      .replace(imports, 'import (\n\t"strings"\n\n\t"github.com/mitchellh/mapstructure"\n')
      .replace(
        decode,
        `\t// ${marker}.\n\tif hasCloudEventOverride(metadata) {\n\t\t_ = mapstructure.WeakDecode(metadata, req) // allows ignoring of case\n\t}\n`,
      )}
// hasCloudEventOverride tells whether a metadata key may override an envelope field: the fields'
// mapstructure tags all start with "cloudevent.", matched in any case.
func hasCloudEventOverride(metadata map[string]string) bool {
\tconst prefix = "cloudevent."
\tfor k := range metadata {
\t\tif len(k) >= len(prefix) && strings.EqualFold(k[:len(prefix)], prefix) {
\t\t\treturn true
\t\t}
\t}
\treturn false
}
`;
  },
});
