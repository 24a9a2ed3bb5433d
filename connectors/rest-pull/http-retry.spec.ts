import { backoffDelay, classifyStatus, nextWait, parseRetryAfter, RetryableHttpError, withRetry } from './http-retry';

const policy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };
const now = new Date('2026-03-01T08:00:00.000Z');

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  it.each([
    ['0', 0],
    ['1', 1_000],
    ['  30 ', 30_000],
    ['Sun, 01 Mar 2026 08:00:30 GMT', 30_000], // IMF-fixdate
    ['Sunday, 01-Mar-26 08:00:05 GMT', 5_000], // obsolete RFC 850
    ['Sun Mar  1 08:00:10 2026', 10_000], // obsolete asctime, GMT by definition
    ['Sun, 01 Mar 2026 07:59:00 GMT', 0], // in the past: go now
  ])('reads %j as %d ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });

  it.each([null, undefined, '', '-5', '1.5', 'soon', '2026-03-01T08:00:30Z', 'Sun, 01 Mar 2026 08:00:30 +0800'])('ignores %j (the caller backs off on its own)', (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles from the base delay, half fixed and half jitter', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0))).toEqual([250, 500, 1_000, 2_000]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 1))).toEqual([500, 1_000, 2_000, 4_000]);
  });

  it('never exceeds maxDelayMs, however many failures', () => {
    expect(backoffDelay(60, policy, () => 1)).toBe(30_000);
    expect(backoffDelay(60, policy, () => 0)).toBe(15_000);
  });

  it('spreads retries of many instances', () => {
    const waits = new Set(Array.from({ length: 50 }, () => backoffDelay(3, policy)));
    expect(waits.size).toBeGreaterThan(10);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(1_000);
  });
});

describe('classifyStatus', () => {
  it.each([
    [200, 'ok'],
    [204, 'ok'],
    [301, 'config'],
    [400, 'config'],
    [401, 'config'],
    [404, 'config'],
    [408, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
    [503, 'retryable'],
  ])('%d is %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });
});

describe('nextWait', () => {
  it('waits at least what Retry-After asks, even when the backoff is shorter', () => {
    expect(nextWait(new RetryableHttpError('HTTP_429', 'x', 7_000), 1, policy, () => 0)).toBe(7_000);
    expect(nextWait(new RetryableHttpError('HTTP_429', 'x', 10), 4, policy, () => 0)).toBe(2_000);
  });

  it('gives up when attempts are spent or Retry-After is beyond the limit', () => {
    expect(nextWait(new RetryableHttpError('HTTP_503', 'x'), 5, policy)).toBeUndefined();
    expect(nextWait(new RetryableHttpError('HTTP_429', 'x', 3_600_000), 1, policy)).toBeUndefined();
  });
});

describe('withRetry', () => {
  it('retries retryable failures and returns the first success', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new RetryableHttpError('HTTP_503', 'busy');
        return 'page';
      },
      policy,
      { sleep: async (ms) => void waits.push(ms), random: () => 0 },
    );
    expect(result).toBe('page');
    expect(waits).toEqual([250, 500]);
  });

  it('rethrows a non-retryable error at once', async () => {
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls++;
        throw new Error('config');
      },
      policy,
      { sleep: async () => undefined },
    );
    await expect(failing).rejects.toThrow('config');
    expect(calls).toBe(1);
  });

  it('ends with the last retryable error, still retryable, after maxAttempts', async () => {
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls++;
        throw new RetryableHttpError('HTTP_502', 'bad gateway');
      },
      { ...policy, maxAttempts: 3 },
      { sleep: async () => undefined },
    );
    await expect(failing).rejects.toMatchObject({ errorClass: 'retryable', code: 'HTTP_502' });
    expect(calls).toBe(3);
  });
});
