import type { RequestHandler } from 'express';
import type { Role } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import type { Authenticator } from '../domain/authenticator.ts';

/** Requires a valid token carrying at least one of the roles; sets res.locals.subject and res.locals.roles. */
export function requireRole(opts: { auth: Authenticator; roles: Role[] }): RequestHandler {
  return async function requireRoleHandler(req, res, next) {
    try {
      const principal = await opts.auth.verify(req.header('authorization'));
      res.locals.subject = principal.subject;
      res.locals.roles = principal.roles;
      if (!principal.roles.some((r) => opts.roles.includes(r))) {
        throw new AppError({
          code: 'FORBIDDEN',
          message: `requires role ${opts.roles.join(' or ')}; the token has ${principal.roles.join(', ')}`,
          headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' },
        });
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}
