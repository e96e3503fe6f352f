import type { Role } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import type { Authenticator } from '../domain/authenticator.ts';

/**
 * Tokens are "<subject>:<role>,<role>"; anything else is refused as a real verifier would.
 * For in-process tests and bench:gateway-alone (no test runner there, so no testkit import here).
 */
export const bearerAuth: Authenticator = {
  ready: true,
  start() {},
  stop() {},
  async verify(header) {
    const m = /^Bearer ([a-z-]+):([a-z,-]+)$/.exec(header ?? '');
    if (!m) throw new AppError({ code: 'UNAUTHENTICATED', message: 'invalid token' });
    return { subject: m[1]!, roles: m[2]!.split(',') as Role[], expiresAt: Date.now() + 60_000 };
  },
};
