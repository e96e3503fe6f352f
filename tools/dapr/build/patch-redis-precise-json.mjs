// Patches Dapr's Redis state store (components-contrib state/redis) in the copy our build
// compiles. The problem: the store encodes every value with jsoniter's ConfigFastest, whose
// MarshalFloatWith6Digits writes floats with at most six decimals. daprd's HTTP state API hands
// the store a decoded JSON value, so every number we save on Redis came back rounded:
// 0.004898979485565382 as 0.004899, 1e-7 as 0. The PostgreSQL, SQLite and MySQL stores keep
// full precision (encoding/json). A model card's training reference saved on Redis had its bin
// edges rounded, while the monitor bins live values as the apps computed them: a value tied with
// an edge fell in the next bin, and held-out data looked drifted (PSI 0.9 instead of 0.02).
// The patch keeps ConfigFastest's other settings and writes floats in full (shortest exact form).
// Usage: node patch-redis-precise-json.mjs <components-contrib source dir>
import { patchSource } from './source-patch.mjs';

const marker = 'meridian: floats in full';
const fastest = 'json:                           jsoniter.ConfigFastest,';

patchSource({
  name: 'patch-redis-precise-json',
  path: ['state', 'redis', 'redis.go'],
  marker,
  apply: (source, { need }) => {
    need(fastest);
    return source.replace(
      fastest,
      `// ${marker}: ConfigFastest without MarshalFloatWith6Digits.
		json: jsoniter.Config{EscapeHTML: false, ObjectFieldMustBeSimpleString: true}.Froze(),`,
    );
  },
});
