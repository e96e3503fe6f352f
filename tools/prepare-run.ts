import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDevSecrets, repoPath } from '@meridian/platform';

// Prepares .meridian/ for `dapr run -f .`: the local secret store's file, and the tokens every
// daprd and app of that run require (the CLI hands its own environment to every daprd, so one
// pair serves all apps there; `npm start` gives each app its own). Models come from the
// registry, where the training app registers its first versions when it starts.
const home = process.env.MERIDIAN_HOME ?? repoPath('.meridian');
mkdirSync(home, { recursive: true, mode: 0o700 });
chmodSync(home, 0o700);
ensureDevSecrets(home);
const token = () => randomBytes(24).toString('base64url');
const envFile = join(home, 'run.env');
writeFileSync(envFile, `DAPR_API_TOKEN=${token()}\nAPP_API_TOKEN=${token()}\n`, { mode: 0o600 });
process.stdout.write(
  `prepared ${home} for 'dapr run -f .': load ${envFile} into the shell first (set -a; . ${envFile}; set +a)\n`,
);
