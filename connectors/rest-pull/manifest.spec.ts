import { z } from 'zod';
import { restPullManifest } from './manifest';

const valid = {
  baseUrl: 'https://open.supplier.gov.cn/api',
  path: '/v1/penalties',
  auth: { type: 'bearer' },
  token: 't0ken',
  pagination: { mode: 'cursor', nextCursorPath: 'data.next_cursor', pageSize: 200 },
  incremental: {},
  recordsPath: 'data.items',
};

describe('restPullManifest', () => {
  it('renders its config as JSON Schema, every secret top-level and writeOnly', () => {
    const schema = z.toJSONSchema(restPullManifest.configSchema as z.ZodType, { unrepresentable: 'any', io: 'input' }) as {
      properties: Record<string, { writeOnly?: boolean }>;
    };
    for (const field of restPullManifest.secretFields) expect(schema.properties[field]).toMatchObject({ writeOnly: true });
  });

  it('fills the defaults of a minimal config', () => {
    expect(restPullManifest.configSchema.parse(valid)).toMatchObject({
      pagination: { mode: 'cursor', cursorParam: 'cursor', sizeParam: 'limit' },
      incremental: { param: 'since', field: 'updated_at', lookBackSeconds: 0 },
      retry: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 },
      timeoutMs: 30_000,
      query: {},
    });
  });

  it.each([
    ['a bearer auth without a token', { token: undefined }],
    ['a basic auth without a password', { auth: { type: 'basic', username: 'hub' }, token: undefined }],
    ['a non-http base URL', { baseUrl: 'file:///etc/passwd' }],
    ['a relative path', { path: 'v1/penalties' }],
    ['an unknown pagination mode', { pagination: { mode: 'scroll', pageSize: 10 } }],
    ['a callback token without a callback', { callbackToken: 'x' }],
    ['an unknown key', { sql: 'SELECT 1' }],
  ])('refuses %s', (_what, change) => {
    expect(restPullManifest.configSchema.safeParse({ ...valid, ...change }).success).toBe(false);
  });
});
