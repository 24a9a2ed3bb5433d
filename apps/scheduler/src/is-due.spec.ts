import { isDue } from './scheduler.module';

describe('when a connector instance is due (cron, Asia/Shanghai)', () => {
  const hourly = '0 0 * * * *';
  const at = (iso: string) => new Date(iso);

  it('is due once its next scheduled time after the last run has passed', () => {
    expect(isDue(hourly, at('2026-11-27T01:10:00Z'), null, at('2026-11-27T01:59:59Z'))).toBe(false);
    expect(isDue(hourly, at('2026-11-27T01:10:00Z'), null, at('2026-11-27T02:00:00Z'))).toBe(true);
  });

  it('waits for its first scheduled time after registration rather than running at once', () => {
    expect(isDue('0 0 3 * * *', at('2026-11-27T10:00:00Z'), null, at('2026-11-27T10:00:20Z'))).toBe(false);
  });

  it('after a failure is due at its backoff time, whatever the schedule says', () => {
    expect(isDue(hourly, at('2026-11-27T01:10:00Z'), at('2026-11-27T01:12:00Z'), at('2026-11-27T01:11:00Z'))).toBe(false);
    expect(isDue(hourly, at('2026-11-27T01:10:00Z'), at('2026-11-27T01:12:00Z'), at('2026-11-27T01:12:00Z'))).toBe(true);
  });

  it('reads the schedule in China time: 03:00 daily is 19:00 UTC', () => {
    expect(isDue('0 0 3 * * *', at('2026-11-27T18:00:00Z'), null, at('2026-11-27T18:59:00Z'))).toBe(false);
    expect(isDue('0 0 3 * * *', at('2026-11-27T18:00:00Z'), null, at('2026-11-27T19:00:00Z'))).toBe(true);
  });
});
