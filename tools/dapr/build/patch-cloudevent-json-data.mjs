// Patches Dapr's pub/sub envelope (components-contrib pubsub/envelope.go) in the copy our build
// compiles. The problem: a published event whose content type is JSON has its data decoded
// into generic maps (to place it as the cloud event's `data`), and the envelope then encoded
// again, field by field, map by map. For a prediction event of 500 rows, or a bulk publish of
// 1,000 readings, that round trip is most of what the publisher's daprd does.
// The patch places valid JSON data in the envelope as its text (json.RawMessage), which the
// envelope's encoding writes out compacted: the same JSON value, with its keys in the order
// the publisher wrote them and its numbers as written (the decode kept numbers as written
// too). Data that is not valid JSON is carried as a string, as before; upstream decoded only
// the first value of such data and dropped the rest.
// Usage: node patch-cloudevent-json-data.mjs <components-contrib source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: JSON data is carried as its text';
const decode = '\t\terr = unmarshalPrecise(data, &ceData)\n';

patchSource({
  name: 'patch-cloudevent-json-data',
  path: ['pubsub', 'envelope.go'],
  marker,
  apply: (source, { need }) => {
    need(decode);
    need('\tif err != nil {\n\t\tceData = string(data)\n\t}\n');
    return (
      source.replace(
        decode,
        `\t\t// ${marker}.\n\t\tif json.Valid(data) {\n\t\t\tceData = json.RawMessage(data)\n\t\t} else {\n\t\t\terr = errDataNotJSON\n\t\t}\n`,
      ) +
      '\n// errDataNotJSON marks JSON-typed data that does not parse: it is carried as a string.\nvar errDataNotJSON = fmt.Errorf("data is not valid JSON")\n'
    );
  },
});
