/**
 * The GitHub App half of the fake GitHub API (tests/fakes/fake-github-api.ts): an App with an RSA key
 * pair, installed on the fake's repository. It speaks GitHub's protocol for installation tokens: the
 * caller signs a JWT (RS256, `iss` = the App's client ID or numeric ID, at most 10 minutes) with the
 * App's private key, finds the installation (`GET /repos/{owner}/{repo}/installation`), and exchanges
 * the JWT for an installation token (`POST /app/installations/{id}/access_tokens`), which
 * `DELETE /installation/token` revokes. This is what actions/create-github-app-token does.
 */
import { createPublicKey, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** A GitHub App registered with the fake. */
export interface FakeApp {
  id: number;
  clientId: string;
  slug: string;
  installationId: number;
  /** PKCS#1 PEM, as GitHub's "Generate a private key" downloads it. */
  privateKeyPem: string;
  publicKey: KeyObject;
}

/** An installation token the fake handed out. */
export interface FakeInstallationToken {
  token: string;
  expiresAt: Date;
  permissions: Record<string, string>;
  revoked: boolean;
}

/** Makes an App with a fresh 2048-bit key pair. */
export function makeFakeApp(opts: { id?: number; slug?: string } = {}): FakeApp {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const id = opts.id ?? 424242;
  return {
    id,
    clientId: `Iv23li${randomBytes(7).toString('hex')}`,
    slug: opts.slug ?? 'score-api-gitops-bot',
    installationId: 7000000 + (id % 1000),
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })),
  };
}

/** Why GitHub refuses a JWT: the message GitHub's 401 carries. */
export class JwtRejected extends Error {}

/** Verifies an App JWT as GitHub does: RS256 signature, `iss` this App, `iat`/`exp` within 10 minutes. */
export function verifyAppJwt(app: FakeApp, jwt: string, nowMs = Date.now()): void {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new JwtRejected('A JSON web token could not be decoded');
  const [h, p, s] = parts as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
  if (header.alg !== 'RS256') throw new JwtRejected(`'alg' must be RS256, got ${header.alg}`);
  const ok = createVerify('RSA-SHA256')
    .update(`${h}.${p}`)
    .verify(app.publicKey, Buffer.from(s, 'base64url'));
  if (!ok) throw new JwtRejected('A JSON web token could not be decoded');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as {
    iss?: string | number;
    iat?: number;
    exp?: number;
  };
  if (String(claims.iss) !== String(app.id) && claims.iss !== app.clientId) {
    throw new JwtRejected("'Issuer' claim ('iss') must be an Integer or the App's Client ID");
  }
  const now = Math.floor(nowMs / 1000);
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number')
    throw new JwtRejected("'Issued at' and 'Expiration time' claims are required");
  if (claims.iat > now + 60)
    throw new JwtRejected(
      "'Issued at' claim ('iat') must be an Integer representing a time in the past",
    );
  if (claims.exp <= now)
    throw new JwtRejected(
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    );
  if (claims.exp - claims.iat > 600)
    throw new JwtRejected("'Expiration time' claim ('exp') is too far in the future");
}

/** A new installation token (GitHub's `ghs_` prefix), valid for one hour. */
export function mintInstallationToken(
  permissions: Record<string, string>,
  nowMs = Date.now(),
): FakeInstallationToken {
  return {
    token: `ghs_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`,
    expiresAt: new Date(nowMs + 3600_000),
    permissions,
    revoked: false,
  };
}
