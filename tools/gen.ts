import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generatedFiles, loadApps, repoPath } from '@meridian/platform';

// Writes every file derived from apps/apps.json; a test fails while they differ.
for (const [path, content] of generatedFiles(loadApps())) {
  mkdirSync(dirname(repoPath(path)), { recursive: true });
  writeFileSync(repoPath(path), content);
  process.stdout.write(`wrote ${path}\n`);
}
