import { ensureDevModels, ensureDevSecrets, repoPath } from '@meridian/testkit';

// Prepares .meridian/ for `dapr run -f .` (secrets.json, the model repository).
const home = process.env.MERIDIAN_HOME ?? repoPath('.meridian');
ensureDevSecrets(home);
await ensureDevModels(home);
process.stdout.write(`prepared ${home} for 'dapr run -f .'\n`);
