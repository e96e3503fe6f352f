import type { RequestHandler } from 'express';
import type { Role } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import type { SigningKey } from '../domain/signing-key.ts';

/** Requires a valid token carrying at least one of the roles. */
export function requireRole(opts: { key: SigningKey; roles: Role[] }): RequestHandler {
  return async function authenticate(req, res, next) {
    try {
      const verifier = opts.key.current;
      if (!verifier) throw new AppError({ code: 'UNAVAILABLE', message: 'gateway is starting: signing key not loaded yet', headers: { 'retry-after': '1' } });
      const principal = await verifier.verify(req.header('authorization'));
      res.locals.subject = principal.subject;
      if (!principal.roles.some((r) => opts.roles.includes(r))) {
        throw new AppError({ code: 'FORBIDDEN', message: `requires role ${opts.roles.join(' or ')}; token has ${principal.roles.join(', ')}` });
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}
