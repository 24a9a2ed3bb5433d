import { createHmac } from 'node:crypto';
import { citizenId, uscc } from '../../test/fixtures/credit-data';
import {
  IdentityClaims,
  IdentityProvider,
  MAX_TOKEN_LIFETIME_S,
  IdentityTokenResult,
  isIdentityToken,
  mintIdentityToken,
  verifyIdentityToken,
} from './identity-token';

/** 第十七条 有效身份验证: the hub takes a subject's code only from a token its identity provider signed. */
const PROVIDER: IdentityProvider = { issuer: 'xm-idp', secret: 'a-shared-secret-of-at-least-32-characters!' };
const NOW = new Date('2026-03-01T08:00:00Z');
const NOW_S = NOW.getTime() / 1000;

const validUscc = () => uscc(4242);
const validCitizenId = () => citizenId(4242);

function claims(overrides: Partial<IdentityClaims> = {}): IdentityClaims {
  return { iss: PROVIDER.issuer, sub: validUscc(), iat: NOW_S - 60, exp: NOW_S + 3600, ...overrides };
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

function refusal(result: IdentityTokenResult): string | undefined {
  return result.ok ? undefined : result.reason;
}

describe('verifyIdentityToken (第十七条: the subject code comes from a verified token only)', () => {
  it('accepts a token signed by the configured provider and answers the normalised subject code', () => {
    const result = verifyIdentityToken(mintIdentityToken(PROVIDER, claims()), PROVIDER, NOW);
    expect(result).toEqual({ ok: true, identity: { subjectCode: validUscc(), issuer: 'xm-idp', expiresAt: new Date((NOW_S + 3600) * 1000) } });
  });

  it('accepts a citizen ID subject', () => {
    const result = verifyIdentityToken(mintIdentityToken(PROVIDER, claims({ sub: validCitizenId() })), PROVIDER, NOW);
    expect(result.ok && result.identity.subjectCode).toBe(validCitizenId());
  });

  it.each<[string, () => string, string]>([
    ['signed with another secret', () => mintIdentityToken({ ...PROVIDER, secret: 'another-secret-of-at-least-32-characters!!' }, claims()), 'BAD_SIGNATURE'],
    ['issued by another provider (same secret)', () => mintIdentityToken(PROVIDER, claims({ iss: 'someone-else' })), 'WRONG_ISSUER'],
    ['expired', () => mintIdentityToken(PROVIDER, claims({ iat: NOW_S - 7200, exp: NOW_S - 1 })), 'EXPIRED'],
    ['expiring exactly now', () => mintIdentityToken(PROVIDER, claims({ exp: NOW_S })), 'EXPIRED'],
    ['issued in the future beyond the clock skew', () => mintIdentityToken(PROVIDER, claims({ iat: NOW_S + 600, exp: NOW_S + 3600 })), 'NOT_YET_VALID'],
    ['living longer than a day', () => mintIdentityToken(PROVIDER, claims({ iat: NOW_S - 60, exp: NOW_S - 60 + MAX_TOKEN_LIFETIME_S + 1 })), 'LIFETIME_TOO_LONG'],
    ['naming an invalid subject code (bad check character)', () => mintIdentityToken(PROVIDER, claims({ sub: `${validUscc().slice(0, 17)}0` })), 'INVALID_SUBJECT'],
    ['naming no code at all', () => mintIdentityToken(PROVIDER, claims({ sub: '' })), 'INVALID_SUBJECT'],
  ])('refuses a token %s', (_name, token, reason) => {
    expect(refusal(verifyIdentityToken(token(), PROVIDER, NOW))).toBe(reason);
  });

  it('tolerates an issue time slightly ahead of the hub clock (skew of two minutes)', () => {
    const token = mintIdentityToken(PROVIDER, claims({ iat: NOW_S + 60, exp: NOW_S + 3600 }));
    expect(verifyIdentityToken(token, PROVIDER, NOW).ok).toBe(true);
  });

  it('refuses a tampered payload: another subject put into a genuinely signed token', () => {
    const genuine = mintIdentityToken(PROVIDER, claims());
    const [prefix, , signature] = genuine.split('.');
    const forged = Buffer.from(JSON.stringify({ ...payloadOf(genuine), sub: validCitizenId() }), 'utf8').toString('base64url');
    expect(refusal(verifyIdentityToken(`${prefix}.${forged}.${signature}`, PROVIDER, NOW))).toBe('BAD_SIGNATURE');
  });

  it('refuses a tampered expiry', () => {
    const genuine = mintIdentityToken(PROVIDER, claims({ iat: NOW_S - 7200, exp: NOW_S - 1 }));
    const [prefix, , signature] = genuine.split('.');
    const extended = Buffer.from(JSON.stringify({ ...payloadOf(genuine), exp: NOW_S + 3600 }), 'utf8').toString('base64url');
    expect(refusal(verifyIdentityToken(`${prefix}.${extended}.${signature}`, PROVIDER, NOW))).toBe('BAD_SIGNATURE');
  });

  it.each([
    ['without the sid1. prefix', 'sid2.abc.def'],
    ['with a missing signature', 'sid1.abc.'],
    ['with too many parts', 'sid1.a.b.c'],
    ['that is not a token at all', 'chk_supplierkey'],
  ])('refuses a malformed token %s', (_name, token) => {
    expect(refusal(verifyIdentityToken(token, PROVIDER, NOW))).toBe('MALFORMED');
  });

  it('refuses a correctly signed payload that is not JSON claims', () => {
    // Signed with the provider's secret, so only the claim parsing can refuse it.
    const payloadPart = Buffer.from('{"iss":"xm-idp","sub":42}', 'utf8').toString('base64url');
    const signature = createHmac('sha256', PROVIDER.secret).update(`sid1.${payloadPart}`, 'utf8').digest('base64url');
    expect(refusal(verifyIdentityToken(`sid1.${payloadPart}.${signature}`, PROVIDER, NOW))).toBe('MALFORMED');
  });

  it('tells identity tokens from other bearer tokens by their prefix', () => {
    expect(isIdentityToken(mintIdentityToken(PROVIDER, claims()))).toBe(true);
    expect(isIdentityToken('cqa_abc')).toBe(false);
  });
});
