import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root (this file is packages/platform/src/paths.ts). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const repoPath = (...parts: string[]): string => join(repoRoot, ...parts);
