/** Small helpers shared by the benchmark: deadlines, a bounded worker pool, percentiles. */

export class BenchError extends Error {}

/** One line of the report on stdout. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Aborted on SIGINT/SIGTERM: every wait checks it, so the run unwinds through its finally blocks. */
export const interruption = new AbortController();

export function throwIfInterrupted(): void {
  if (interruption.signal.aborted) throw new BenchError(`interrupted by ${String(interruption.signal.reason)}`);
}

/** Every wait in the benchmark has one: a stuck hub must end the run with a clear message. */
export class Deadline {
  private readonly at: number;

  constructor(
    private readonly what: string,
    private readonly ms: number,
  ) {
    this.at = Date.now() + ms;
  }

  get remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  get passed(): boolean {
    return Date.now() > this.at;
  }

  describe(): string {
    return `${this.what} did not finish within ${Math.round(this.ms / 1000)} s`;
  }

  /** Throws once the deadline has passed; `detail` says what was seen so far. */
  check(detail?: () => string): void {
    throwIfInterrupted();
    if (!this.passed) return;
    const seen = detail ? `; last seen: ${detail()}` : '';
    throw new BenchError(`${this.describe()}${seen}`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs task(0..count-1) with at most `concurrency` in flight; the first failure stops new starts. */
export async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < count) {
      const i = next++;
      try {
        results[i] = await task(i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => lane()));
  return results;
}

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 50), 2),
    p95Ms: round(percentile(sorted, 95), 2),
    p99Ms: round(percentile(sorted, 99), 2),
    maxMs: round(sorted[sorted.length - 1] ?? Number.NaN, 2),
    meanMs: round(sorted.length ? sum / sorted.length : Number.NaN, 2),
  };
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function perSecond(count: number, ms: number): number {
  return ms > 0 ? round((count * 1000) / ms, 0) : Number.NaN;
}

/** Deterministic PRNG (mulberry32) so two runs query the same subjects. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
