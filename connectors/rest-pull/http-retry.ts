import { ConnectorError } from '../connector.contract';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is not waited out inside a run: the run fails retryable instead. */
  readonly maxRetryAfterMs: number;
}

/** A failure worth another attempt; `retryAfterMs` is the supplier's own Retry-After, when it sent one. */
export class RetryableHttpError extends ConnectorError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super('retryable', code, message);
  }
}

/**
 * Exponential backoff with "equal jitter": half of the capped exponential delay is fixed, half
 * random, so waits still grow while many instances retrying the same supplier spread out
 * (KIP-298's retry semantics: exponential, capped, jittered).
 * `failures` counts the failed attempts so far (1 after the first failure).
 */
export function backoffDelay(failures: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const exponent = Math.max(0, failures - 1);
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
  return Math.round(capped / 2 + (random() * capped) / 2);
}

const HTTP_DATE =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

/**
 * `Retry-After` (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date. Returns the wait in
 * milliseconds (0 for a date in the past), or undefined when the header is absent or unreadable
 * (the caller then falls back to its own backoff).
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  if (!HTTP_DATE.test(text)) return undefined;
  // asctime has no zone: it is GMT by definition.
  const at = Date.parse(/GMT$/.test(text) ? text : `${text} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

export type StatusClass = 'ok' | 'retryable' | 'config';

/** 2xx ok; 408, 429 and 5xx are worth retrying; any other status means the request itself is wrong. */
export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 429 || status >= 500) return 'retryable';
  return 'config';
}

/** How long to wait before the next attempt, or undefined to give up now. */
export function nextWait(error: RetryableHttpError, failures: number, policy: RetryPolicy, random: () => number = Math.random): number | undefined {
  if (failures >= policy.maxAttempts) return undefined;
  const backoff = backoffDelay(failures, policy, random);
  if (error.retryAfterMs === undefined) return backoff;
  if (error.retryAfterMs > policy.maxRetryAfterMs) return undefined;
  return Math.max(error.retryAfterMs, backoff);
}

export interface RetryHooks {
  readonly sleep: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly onRetry?: (error: RetryableHttpError, failures: number, waitMs: number) => void;
}

/**
 * Runs `attempt` until it succeeds, throws something other than a RetryableHttpError (a config or
 * data error ends at once), or the policy gives up; then the last retryable error is rethrown,
 * still classed retryable, so the runtime schedules the next run with its own backoff.
 */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof RetryableHttpError)) throw e;
      const wait = nextWait(e, failures, policy, hooks.random);
      if (wait === undefined) {
        const why = e.retryAfterMs !== undefined && e.retryAfterMs > policy.maxRetryAfterMs ? `Retry-After ${e.retryAfterMs} ms exceeds the limit` : `${failures} attempts`;
        throw new RetryableHttpError(e.code, `${e.message} (gave up: ${why})`, e.retryAfterMs);
      }
      hooks.onRetry?.(e, failures, wait);
      await hooks.sleep(wait);
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
