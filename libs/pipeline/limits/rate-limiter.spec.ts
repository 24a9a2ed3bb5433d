import { RateLimiter, RateLimitStore } from './rate-limiter';

/** An in-memory store with the repository's contract, counting the round trips made. */
function memoryStore(): RateLimitStore & { calls: number; pruned: Date[]; counts: Map<string, number>; failing: boolean } {
  const counts = new Map<string, number>();
  const store = {
    calls: 0,
    pruned: [] as Date[],
    counts,
    failing: false,
    hit(key: string, windowStart: Date, weight: number): Promise<number> {
      store.calls += 1;
      if (store.failing) return Promise.reject(new Error('store down'));
      const k = `${key}@${windowStart.toISOString()}`;
      counts.set(k, (counts.get(k) ?? 0) + weight);
      return Promise.resolve(counts.get(k) as number);
    },
    prune(before: Date): Promise<void> {
      store.pruned.push(before);
      return Promise.resolve();
    },
  };
  return store;
}

/** Issue 11, finding 7: per-client limits with Retry-After; no timing, the clock is moved by hand. */
describe('RateLimiter', () => {
  let now: Date;
  const clock = () => now;
  beforeEach(() => (now = new Date('2026-12-08T01:00:15.000Z')));

  it('allows the limit, refuses the next with the seconds left in the minute, and allows again in the next minute', async () => {
    const limiter = new RateLimiter(memoryStore(), clock);
    const rule = { bucket: 'public', key: '203.0.113.7', perMinute: 3 };
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await limiter.check([rule]));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false, false]);
    expect(verdicts[3]).toEqual({ allowed: false, bucket: 'public', limit: 3, retryAfterSeconds: 45 });
    now = new Date('2026-12-08T01:01:00.000Z');
    expect(await limiter.check([rule])).toEqual({ allowed: true });
  });

  it('keeps clients apart and counts buckets separately', async () => {
    const limiter = new RateLimiter(memoryStore(), clock);
    expect((await limiter.check([{ bucket: 'public', key: 'a', perMinute: 1 }])).allowed).toBe(true);
    expect((await limiter.check([{ bucket: 'public', key: 'b', perMinute: 1 }])).allowed).toBe(true);
    expect((await limiter.check([{ bucket: 'report', key: 'a', perMinute: 1 }])).allowed).toBe(true);
    expect((await limiter.check([{ bucket: 'public', key: 'a', perMinute: 1 }])).allowed).toBe(false);
  });

  it('stops at the first bucket over its limit', async () => {
    const limiter = new RateLimiter(memoryStore(), clock);
    const rules = [{ bucket: 'account', key: 'x', perMinute: 10 }, { bucket: 'report', key: 'x', perMinute: 1 }];
    expect((await limiter.check(rules)).allowed).toBe(true);
    expect(await limiter.check(rules)).toMatchObject({ allowed: false, bucket: 'report', limit: 1 });
  });

  it('weighs a request (a batch of n subjects costs n), never above the limit itself', async () => {
    const limiter = new RateLimiter(memoryStore(), clock);
    expect((await limiter.check([{ bucket: 'account', key: 'x', perMinute: 10, weight: 8 }])).allowed).toBe(true);
    expect((await limiter.check([{ bucket: 'account', key: 'x', perMinute: 10, weight: 3 }])).allowed).toBe(false);
    expect((await limiter.check([{ bucket: 'account', key: 'y', perMinute: 10, weight: 500 }])).allowed).toBe(true);
  });

  it('treats 0 as no limit and asks the store nothing', async () => {
    const store = memoryStore();
    const limiter = new RateLimiter(store, clock);
    for (let i = 0; i < 100; i++) expect((await limiter.check([{ bucket: 'public', key: 'a', perMinute: 0 }])).allowed).toBe(true);
    expect(store.calls).toBe(0);
  });

  it('refuses a blocked client without asking the store again until the window ends', async () => {
    const store = memoryStore();
    const limiter = new RateLimiter(store, clock);
    const rule = { bucket: 'public', key: 'a', perMinute: 2 };
    for (let i = 0; i < 10; i++) await limiter.check([rule]);
    expect(store.calls).toBe(3);
  });

  it('lets requests through when the store fails, and says so', async () => {
    const store = memoryStore();
    store.failing = true;
    const errors: unknown[] = [];
    const limiter = new RateLimiter(store, clock, (e) => errors.push(e));
    expect((await limiter.check([{ bucket: 'public', key: 'a', perMinute: 1 }])).allowed).toBe(true);
    expect(errors).toHaveLength(1);
  });

  it('prunes windows older than the previous one, once per window', async () => {
    const store = memoryStore();
    const limiter = new RateLimiter(store, clock);
    await limiter.check([{ bucket: 'public', key: 'a', perMinute: 5 }]);
    await limiter.check([{ bucket: 'public', key: 'a', perMinute: 5 }]);
    expect(store.pruned).toEqual([new Date('2026-12-08T00:59:00.000Z')]);
  });
});
