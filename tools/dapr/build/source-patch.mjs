// What every patch of our Dapr and Dapr CLI builds shares: one Go source file in the copy the
// build compiles (the copy's folder is the script's first argument), patched once.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Patches `path` (inside the copy) unless it already holds `marker`: `apply` answers the patched
 * source, which is written back. In `apply`, `need(text)` stops the build when `text` is not in
 * the file and `fail(what)` stops it naming `what`: the code upstream changed, and the patch
 * must be reviewed.
 */
export function patchSource({ name, path, marker, apply }) {
  const file = join(process.argv[2], ...path);
  const source = readFileSync(file, 'utf8');
  if (source.includes(marker)) return;
  const fail = (what) => {
    process.stderr.write(`${name}: ${what} not found in ${file}; the code changed, review the patch\n`);
    process.exit(1);
  };
  const need = (text) => {
    if (!source.includes(text)) fail(`"${text.trim()}"`);
  };
  writeFileSync(file, apply(source, { need, fail }));
}
