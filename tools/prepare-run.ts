import { ensureDevSecrets, repoPath } from '@meridian/testkit';

// Prepares .meridian/ for `dapr run -f .`: the local secret store's file. Models come from the
// registry, where the training app registers its first versions when it starts.
const home = process.env.MERIDIAN_HOME ?? repoPath('.meridian');
ensureDevSecrets(home);
process.stdout.write(`prepared ${home} for 'dapr run -f .'\n`);
