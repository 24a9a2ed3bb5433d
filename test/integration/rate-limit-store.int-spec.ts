import { loadHubConfig } from '../../libs/config/hub-config';
import { HubDatabase } from '../../libs/persistence/hub-database';
import { RateLimitRepository } from '../../libs/persistence/rate-limit.repository';
import { RateLimiter } from '../../libs/pipeline/limits/rate-limiter';
import { createTestDatabase, withDatabase } from '../support/test-services';

jest.setTimeout(60_000);

/**
 * Issue 11, finding 7: the counts live in PostgreSQL, so two api processes (two limiters, two
 * pools) enforce one limit between them, not one each. The clock is fixed: nothing is timed.
 */
describe('rate limits shared through PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let first: HubDatabase;
  let second: HubDatabase;
  let now = new Date('2026-12-08T01:00:05.000Z');
  const clock = () => now;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadHubConfig({ DATABASE_URL: database.url, AMQP_URL: 'amqp://127.0.0.1:5672' });
    first = await HubDatabase.open(config);
    await first.migrate();
    second = await HubDatabase.open(config);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await database?.drop();
  });

  it('lets two processes together through only up to the limit, and keeps no client address', async () => {
    const a = new RateLimiter(new RateLimitRepository(first), clock);
    const b = new RateLimiter(new RateLimitRepository(second), clock);
    const rule = { bucket: 'address', key: '203.0.113.9', perMinute: 5 };
    const verdicts = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).check([rule])));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
    const stored = await withDatabase(database.url, async (c) => (await c.query<{ bucket_key: string; hits: number }>('SELECT bucket_key, hits FROM rate_limit_windows')).rows);
    expect(stored).toHaveLength(1);
    expect(stored[0].bucket_key).toMatch(/^address:[A-Za-z0-9_-]{32}$/);
    expect(stored[0].bucket_key).not.toContain('203.0.113.9');
  });

  it('starts every minute afresh and forgets the minutes before the last', async () => {
    const limiter = new RateLimiter(new RateLimitRepository(first), clock);
    const rule = { bucket: 'account', key: 'account:x', perMinute: 1 };
    now = new Date('2026-12-08T01:10:05.000Z');
    expect((await limiter.check([rule])).allowed).toBe(true);
    expect((await limiter.check([rule])).allowed).toBe(false);
    now = new Date('2026-12-08T01:11:00.000Z');
    expect((await limiter.check([rule])).allowed).toBe(true);
    // the prune of older windows runs in the background: wait for it through the table itself
    let windows: string[] = [];
    for (let i = 0; i < 50; i++) {
      windows = await withDatabase(database.url, async (c) => (await c.query<{ w: string }>(`SELECT to_char(window_start AT TIME ZONE 'UTC', 'HH24:MI') AS w FROM rate_limit_windows ORDER BY 1`)).rows.map((r) => r.w));
      if (!windows.includes('01:00')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(windows).toEqual(['01:10', '01:11']);
  });
});
