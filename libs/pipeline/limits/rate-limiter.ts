import { createHash } from 'node:crypto';

/** Where the counts live (RateLimitRepository: PostgreSQL, shared by every api process). */
export interface RateLimitStore {
  hit(bucketKey: string, windowStart: Date, weight: number): Promise<number>;
  prune(before: Date): Promise<void>;
}

/** One limit to apply to one request: `key` names the client within `bucket`. */
export interface RateLimitRule {
  /** e.g. `public`, `account`, `report`: each bucket counts on its own. */
  readonly bucket: string;
  readonly key: string;
  /** Requests per window; 0 = unlimited. */
  readonly perMinute: number;
  /** What this request costs (a batch query of n subjects costs n); at least 1, at most the limit. */
  readonly weight?: number;
}

export type RateLimitVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly bucket: string; readonly limit: number; readonly retryAfterSeconds: number };

export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows counted in a shared store, so N api processes enforce one limit, not
 * N. A bucket found over its limit is remembered by this process until its window ends: a flood
 * is then refused without a database round trip. A store that fails lets the request through
 * (fail open, reported to `onStoreError`): the query edge still refuses to serve without its log,
 * and an outage of the counts must not become an outage of the hub.
 *
 * Fixed windows allow up to twice the limit across a window boundary; that is the price of one
 * counter per client, and well within what the limits protect against (enumeration, report CPU).
 */
export class RateLimiter {
  /** hashed bucket key → end of the window in which it went over its limit */
  private readonly blockedUntil = new Map<string, number>();
  private prunedWindow = 0;

  constructor(
    private readonly store: RateLimitStore,
    private readonly clock: () => Date,
    private readonly onStoreError: (error: unknown) => void = () => undefined,
  ) {}

  /** Counts the request in every rule's bucket, in order, and stops at the first one over its limit. */
  async check(rules: readonly RateLimitRule[]): Promise<RateLimitVerdict> {
    const now = this.clock().getTime();
    const windowStart = Math.floor(now / RATE_LIMIT_WINDOW_MS) * RATE_LIMIT_WINDOW_MS;
    const windowEnd = windowStart + RATE_LIMIT_WINDOW_MS;
    const retryAfterSeconds = Math.max(1, Math.ceil((windowEnd - now) / 1000));
    this.forgetOldWindows(windowStart);
    for (const rule of rules) {
      if (rule.perMinute <= 0) continue;
      const bucketKey = hashedKey(rule.bucket, rule.key);
      if (this.blockedUntil.get(bucketKey) === windowEnd) {
        return { allowed: false, bucket: rule.bucket, limit: rule.perMinute, retryAfterSeconds };
      }
      const weight = Math.min(Math.max(1, Math.floor(rule.weight ?? 1)), rule.perMinute);
      let hits: number;
      try {
        hits = await this.store.hit(bucketKey, new Date(windowStart), weight);
      } catch (error) {
        this.onStoreError(error);
        continue;
      }
      if (hits > rule.perMinute) {
        this.blockedUntil.set(bucketKey, windowEnd);
        return { allowed: false, bucket: rule.bucket, limit: rule.perMinute, retryAfterSeconds };
      }
    }
    return { allowed: true };
  }

  /** Once per window and process: drop what ended before the previous window, here and in the store. */
  private forgetOldWindows(windowStart: number): void {
    if (windowStart <= this.prunedWindow) return;
    this.prunedWindow = windowStart;
    for (const [key, until] of this.blockedUntil) if (until <= windowStart) this.blockedUntil.delete(key);
    this.store.prune(new Date(windowStart - RATE_LIMIT_WINDOW_MS)).catch((error: unknown) => this.onStoreError(error));
  }
}

/** Buckets are stored by hash: no client address or subject code sits in the counts table. */
function hashedKey(bucket: string, key: string): string {
  return `${bucket}:${createHash('sha256').update(`${bucket}\u0000${key}`, 'utf8').digest('base64url').slice(0, 32)}`;
}
