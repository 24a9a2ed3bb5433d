import { loadavg } from 'node:os';
import { busyPercent, systemCpu, watchServices } from './environment';
import { errorText, interruption, LatencySummary, perSecond, round, seededRandom, summarize } from './util';

/** What one query returned: rows handed to the caller, and how it ended (e.g. served, not_found). */
export interface QueryOutcome {
  readonly rows: number;
  readonly outcome: string;
}

export interface ClosedLoopOptions {
  readonly clients: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Codes to draw from, uniformly; each client has its own seeded generator. */
  readonly codes: readonly string[];
  readonly seed: number;
  /** PostgreSQL database whose backends' CPU is accounted. */
  readonly database: string;
  /** Other processes to account (e.g. a hub child process): name → CPU seconds so far. */
  readonly extraCpu?: Record<string, () => number | undefined>;
}

export interface ClosedLoopResult {
  readonly clients: number;
  readonly warmupS: number;
  readonly durationS: number;
  readonly queries: number;
  readonly queriesPerSecond: number;
  readonly latency: LatencySummary;
  readonly errors: number;
  readonly firstErrors: string[];
  readonly outcomes: Record<string, number>;
  readonly rowsPerQuery: { readonly mean: number; readonly max: number };
  readonly cpuSeconds: {
    /** This Node process: the clients, and for in-process scenarios the hub's service code too. */
    readonly benchProcess: number;
    readonly postgresBackends: number | null;
    readonly postgresBackground: number | null;
    readonly [name: string]: number | null;
  };
  readonly machineBusyPercent: number | null;
  readonly loadAverage1mAtEnd: number;
}

export interface ClosedLoopRun {
  readonly result: ClosedLoopResult;
  /** Every measured latency, for merging rounds (not written to the results file). */
  readonly latenciesMs: readonly number[];
}

/**
 * Closed loop: `clients` concurrent lanes, each sending its next query as soon as the previous
 * one has answered, on subjects drawn at random. `warmupMs` of untimed queries first, then
 * `durationMs` measured: a query counts when it started and finished inside the window.
 * Errors are counted and the run goes on (a benchmark that hides failures measures nothing).
 */
export async function closedLoop(options: ClosedLoopOptions, query: (code: string) => Promise<QueryOutcome>): Promise<ClosedLoopRun> {
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  const firstErrors: string[] = [];
  let errors = 0;
  let rows = 0;
  let maxRows = 0;

  const begin = performance.now();
  const windowStart = begin + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  let watch: (() => Omit<ClosedLoopResult, 'clients' | 'warmupS' | 'durationS' | 'queries' | 'queriesPerSecond' | 'latency' | 'errors' | 'firstErrors' | 'outcomes' | 'rowsPerQuery'>) | undefined;
  const startWatch = setTimeout(() => (watch = watchCpu(options)), Math.max(0, windowStart - performance.now()));

  const lane = async (laneNo: number): Promise<void> => {
    const random = seededRandom(options.seed * 1000 + laneNo);
    while (!interruption.signal.aborted) {
      const t = performance.now();
      if (t >= windowEnd) return;
      const code = options.codes[Math.floor(random() * options.codes.length)];
      let result: QueryOutcome | undefined;
      let failure: unknown;
      try {
        result = await query(code);
      } catch (e) {
        failure = e;
      }
      const done = performance.now();
      if (t < windowStart || done > windowEnd) continue;
      if (result) {
        latencies.push(done - t);
        outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
        rows += result.rows;
        maxRows = Math.max(maxRows, result.rows);
      } else {
        errors++;
        if (firstErrors.length < 5) firstErrors.push(errorText(failure));
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, i) => lane(i)));
  clearTimeout(startWatch);
  const measured = (watch ?? watchCpu(options))();
  const ok = latencies.length;
  const result: ClosedLoopResult = {
    clients: options.clients,
    warmupS: options.warmupMs / 1000,
    durationS: options.durationMs / 1000,
    queries: ok,
    queriesPerSecond: perSecond(ok, options.durationMs),
    latency: summarize(latencies),
    errors,
    firstErrors,
    outcomes,
    rowsPerQuery: { mean: ok ? round(rows / ok, 2) : 0, max: maxRows },
    ...measured,
  };
  return { result, latenciesMs: latencies };
}

function watchCpu(options: ClosedLoopOptions) {
  const machine = systemCpu();
  const own = process.cpuUsage();
  const services = watchServices(options.database, null);
  const extraBefore = Object.fromEntries(Object.entries(options.extraCpu ?? {}).map(([k, f]) => [k, f()]));
  return () => {
    const used = process.cpuUsage(own);
    const s = services();
    const extra: Record<string, number | null> = {};
    for (const [k, f] of Object.entries(options.extraCpu ?? {})) {
      const before = extraBefore[k];
      const after = f();
      extra[k] = before !== undefined && after !== undefined ? round(after - before, 1) : null;
    }
    return {
      cpuSeconds: {
        benchProcess: round((used.user + used.system) / 1e6, 1),
        postgresBackends: s.postgresBenchBackends,
        postgresBackground: s.postgresBackground,
        ...extra,
      },
      machineBusyPercent: busyPercent(machine, systemCpu()),
      loadAverage1mAtEnd: round(loadavg()[0], 2),
    };
  };
}
