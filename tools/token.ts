import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { JWT_SECRET_NAME, Role, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@meridian/contracts';
import { ensureDevSecrets, repoPath } from '@meridian/testkit';

/** Prints a dev JWT the gateway accepts, signed with the key in the local secret store. */
const { values } = parseArgs({
  options: {
    role: { type: 'string', multiple: true, default: ['predict'] },
    sub: { type: 'string', default: 'dev' },
    ttl: { type: 'string', default: '12h' },
  },
});
const roles = values.role.flatMap((r) => r.split(','));
const parsed = Role.array().safeParse(roles);
if (!parsed.success) {
  process.stderr.write(`unknown role in "${roles.join(',')}"; roles are ${Role.options.join(', ')}\n`);
  process.exit(2);
}
const secrets = ensureDevSecrets(process.env.MERIDIAN_HOME ?? repoPath('.meridian'));
const token = await new SignJWT({ roles: parsed.data })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(values.sub)
  .setIssuer(TOKEN_ISSUER)
  .setAudience(TOKEN_AUDIENCE)
  .setIssuedAt()
  .setExpirationTime(values.ttl)
  .sign(new TextEncoder().encode(secrets[JWT_SECRET_NAME]));
process.stdout.write(`${token}\n`);
