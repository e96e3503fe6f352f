import { parseArgs } from 'node:util';
import { Role } from '@meridian/contracts';
import { repoPath, signDevToken } from '@meridian/testkit';

/** Prints a dev JWT the gateway accepts, signed with the key in the local secret store. */
const { values } = parseArgs({
  options: {
    role: { type: 'string', multiple: true, default: ['predict'] },
    sub: { type: 'string', default: 'dev' },
    ttl: { type: 'string', default: '12h' },
  },
});
const roles = Role.array().safeParse(values.role.flatMap((r) => r.split(',')));
if (!roles.success) {
  process.stderr.write(`unknown role in "${values.role.join(',')}"; roles are ${Role.options.join(', ')}\n`);
  process.exit(2);
}
const dataDir = process.env.MERIDIAN_HOME ?? repoPath('.meridian');
process.stdout.write(`${await signDevToken({ dataDir, roles: roles.data, sub: values.sub, ttl: values.ttl })}\n`);
