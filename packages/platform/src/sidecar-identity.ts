import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Sentry's own SPIFFE id (its trust domain, namespace `default`): the audience of every identity token. */
export const sentryAudience = (controlPlaneTrustDomain: string) =>
  `spiffe://${controlPlaneTrustDomain}/ns/default/dapr-sentry`;
/** The identity a sidecar asks sentry to certify (apps live in trust domain `public`, as their Configurations say). */
export const appSpiffeId = (appId: string) => `spiffe://public/ns/default/${appId}`;

const KID = 'meridian-sidecar-identity';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * The key the platform proves sidecar identities with. Self-hosted sentry
 * otherwise certifies any app id anyone asks for: with this key's JWKS as
 * sentry's token validator, a daprd gets a certificate for an app id only
 * with a token this key signed for that id. The private key stays in the
 * control plane's CA folder (owner only); sentry reads only the public set.
 */
export function ensureIdentityKey(o: { caDir: string; jwksFile: string }): string {
  const keyFile = join(o.caDir, 'identity-key.pem');
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }
  const pem = readFileSync(keyFile, 'utf8');
  const jwk = createPublicKey(createPrivateKey(pem)).export({ format: 'jwk' });
  writeFileSync(o.jwksFile, JSON.stringify({ keys: [{ ...jwk, kid: KID, alg: 'ES256', use: 'sig' }] }));
  chmodSync(o.caDir, 0o700);
  return pem;
}

/** Placement and scheduler ask sentry for certificates too, under their own ids in the control plane's trust domain. */
export const controlPlaneSpiffeId = (service: 'placement' | 'scheduler', controlPlaneTrustDomain: string) =>
  `spiffe://${controlPlaneTrustDomain}/ns/default/dapr-${service}`;

/** A token that lets one process be certified as `spiffeId` (default: app `appId`); ES256, signed with the platform's identity key. */
export function identityToken(o: {
  key: string;
  appId?: string;
  spiffeId?: string;
  controlPlaneTrustDomain: string;
  ttlSeconds?: number;
  now?: number;
}): string {
  const iat = Math.floor((o.now ?? Date.now()) / 1000);
  const sub = o.spiffeId ?? appSpiffeId(o.appId ?? '');
  const header = b64({ alg: 'ES256', typ: 'JWT', kid: KID });
  const payload = b64({
    sub,
    aud: sentryAudience(o.controlPlaneTrustDomain),
    iat,
    nbf: iat - 60,
    exp: iat + (o.ttlSeconds ?? 7 * 86400),
  });
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
    key: createPrivateKey(o.key),
    dsaEncoding: 'ieee-p1363',
  }).toString('base64url');
  return `${header}.${payload}.${signature}`;
}
