import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import type { Role } from '@meridian/contracts';
import { AppError } from '@meridian/service-kit';
import type { Authenticator, Principal } from '../domain/authenticator.ts';
import { requireRole } from './auth.ts';

/** An authenticator that accepts "Bearer <role,role>" and refuses anything else. */
const auth: Authenticator = {
  ready: true,
  start: () => undefined,
  stop: () => undefined,
  async verify(header): Promise<Principal> {
    const roles = header?.match(/^Bearer (.+)$/)?.[1]?.split(',');
    if (!roles) throw new AppError({ code: 'UNAUTHENTICATED', message: 'missing bearer token' });
    return { subject: 'dana', roles: roles as Role[], expiresAt: Date.now() + 60_000 };
  },
};

async function call(roles: Role[], authorization?: string) {
  const req = { header: (name: string) => (name === 'authorization' ? authorization : undefined) } as Request;
  const res = { locals: {} } as Response;
  const outcome = await new Promise<unknown>((resolve) => void requireRole({ auth, roles })(req, res, resolve));
  return { outcome, locals: res.locals };
}

describe('requireRole', () => {
  it('when the token has one of the roles, then the request goes on with its subject and roles', async () => {
    const { outcome, locals } = await call(['model-download', 'admin'], 'Bearer predict,model-download');
    expect(outcome).toBeUndefined();
    expect(locals).toEqual({ subject: 'dana', roles: ['predict', 'model-download'] });
  });

  it('when the token has none of the roles, then it is 403 naming the required roles', async () => {
    const { outcome } = await call(['model-download', 'admin'], 'Bearer predict');
    expect(outcome).toBeInstanceOf(AppError);
    expect((outcome as AppError).status).toBe(403);
    expect((outcome as AppError).message).toBe('requires role model-download or admin; the token has predict');
  });

  it('when the token is refused, then its error goes on unchanged', async () => {
    const { outcome } = await call(['predict']);
    expect((outcome as AppError).code).toBe('UNAUTHENTICATED');
  });
});
