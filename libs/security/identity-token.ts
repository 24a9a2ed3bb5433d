import { createHmac, timingSafeEqual } from 'node:crypto';
import { classifySubjectCode } from '../domain/identity';

/**
 * 第十七条 有效身份验证: a subject proves who it is at an identity provider the operator trusts
 * (e.g. the city's unified identity platform); the provider hands the subject a short-lived token
 * signed with a secret it shares with the hub (HMAC-SHA256). The hub takes the subject code only
 * from a valid token, never from the request.
 *
 *   token   = "sid1." + base64url(JSON payload) + "." + base64url(HMAC-SHA256(secret, "sid1." + payloadPart))
 *   payload = { iss, sub: USCC or citizen ID, iat, exp (seconds since epoch), name? }
 */
export const IDENTITY_TOKEN_PREFIX = 'sid1.';
/** A token may live at most this long (a session, not a credential). */
export const MAX_TOKEN_LIFETIME_S = 24 * 3600;
const CLOCK_SKEW_S = 120;

export interface IdentityClaims {
  readonly iss: string;
  readonly sub: string;
  readonly iat: number;
  readonly exp: number;
  readonly name?: string;
}

export interface VerifiedIdentity {
  readonly subjectCode: string;
  readonly issuer: string;
  readonly expiresAt: Date;
}

export type IdentityTokenRefusal = 'MALFORMED' | 'BAD_SIGNATURE' | 'WRONG_ISSUER' | 'EXPIRED' | 'NOT_YET_VALID' | 'LIFETIME_TOO_LONG' | 'INVALID_SUBJECT';

export type IdentityTokenResult = { readonly ok: true; readonly identity: VerifiedIdentity } | { readonly ok: false; readonly reason: IdentityTokenRefusal };

export interface IdentityProvider {
  readonly issuer: string;
  readonly secret: string;
}

export function isIdentityToken(token: string): boolean {
  return token.startsWith(IDENTITY_TOKEN_PREFIX);
}

/** What an identity provider does (used by tests, the benchmark and the operator's integration checks). */
export function mintIdentityToken(provider: IdentityProvider, claims: IdentityClaims): string {
  const payloadPart = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${IDENTITY_TOKEN_PREFIX}${payloadPart}.${sign(provider.secret, payloadPart)}`;
}

export function verifyIdentityToken(token: string, provider: IdentityProvider, now: Date): IdentityTokenResult {
  if (!isIdentityToken(token)) return refused('MALFORMED');
  const parts = token.slice(IDENTITY_TOKEN_PREFIX.length).split('.');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return refused('MALFORMED');
  const [payloadPart, signature] = parts as [string, string];
  const expected = Buffer.from(sign(provider.secret, payloadPart), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refused('BAD_SIGNATURE');

  const claims = parseClaims(payloadPart);
  if (!claims) return refused('MALFORMED');
  if (claims.iss !== provider.issuer) return refused('WRONG_ISSUER');
  const nowS = Math.floor(now.getTime() / 1000);
  if (claims.iat > nowS + CLOCK_SKEW_S) return refused('NOT_YET_VALID');
  if (claims.exp <= nowS) return refused('EXPIRED');
  if (claims.exp - claims.iat > MAX_TOKEN_LIFETIME_S) return refused('LIFETIME_TOO_LONG');
  const code = classifySubjectCode(claims.sub, now);
  if (!code.ok) return refused('INVALID_SUBJECT');
  return { ok: true, identity: { subjectCode: code.code, issuer: claims.iss, expiresAt: new Date(claims.exp * 1000) } };
}

function sign(secret: string, payloadPart: string): string {
  return createHmac('sha256', secret).update(`${IDENTITY_TOKEN_PREFIX}${payloadPart}`, 'utf8').digest('base64url');
}

function parseClaims(payloadPart: string): IdentityClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const c = value as Record<string, unknown>;
  const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (typeof c.iss !== 'string' || typeof c.sub !== 'string' || !isTime(c.iat) || !isTime(c.exp)) return undefined;
  if (c.name !== undefined && typeof c.name !== 'string') return undefined;
  return { iss: c.iss, sub: c.sub, iat: c.iat, exp: c.exp, name: c.name as string | undefined };
}

function refused(reason: IdentityTokenRefusal): IdentityTokenResult {
  return { ok: false, reason };
}
