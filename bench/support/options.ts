import { BenchError } from './util';

export interface BenchOptions {
  /** Synthetic administrative_penalty records pushed over REST (and replayed by the raw ceiling). */
  readonly records: number;
  /** Records per REST request. */
  readonly batch: number;
  /** REST requests in flight. */
  readonly concurrency: number;
  /** api + N worker processes instead of one process with every role. */
  readonly split: boolean;
  readonly workers: number;
  readonly queries: number;
  readonly queryConcurrency: number;
  readonly queryWarmup: number;
  /** Records per message in the raw ceiling (the hub's INGEST_CHUNK_SIZE default). */
  readonly rawChunk: number;
  readonly rawPrefetch: number;
  readonly rawPool: number;
  readonly drainTimeoutS: number;
  readonly startTimeoutS: number;
  readonly skipRaw: boolean;
  readonly skipQuery: boolean;
  /** Leave the database and vhost in place (for looking at them after the run). */
  readonly keep: boolean;
  readonly pgAdminUrl: string;
  readonly pgBaseUrl: string;
  readonly amqpBaseUrl: string;
  /** Extra node arguments for each hub process (e.g. --prof), repeatable. */
  readonly hubNodeArgs: readonly string[];
}

const DEFAULTS: BenchOptions = {
  records: 100_000,
  batch: 5_000,
  concurrency: 4,
  split: false,
  workers: 2,
  queries: 5_000,
  queryConcurrency: 16,
  queryWarmup: 100,
  rawChunk: 500,
  rawPrefetch: 8,
  rawPool: 8,
  drainTimeoutS: 600,
  startTimeoutS: 120,
  skipRaw: false,
  skipQuery: false,
  keep: false,
  pgAdminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  pgBaseUrl: 'postgres://postgres@127.0.0.1:5432',
  amqpBaseUrl: 'amqp://guest:guest@127.0.0.1:5672',
  hubNodeArgs: [],
};

export const USAGE = `Usage: npm run bench -- [options]
  --records N            records to push (default ${DEFAULTS.records})
  --batch N              records per REST request (default ${DEFAULTS.batch})
  --concurrency N        REST requests in flight (default ${DEFAULTS.concurrency})
  --split                run api + worker processes instead of one all-roles process
  --workers N            worker processes with --split (default ${DEFAULTS.workers})
  --queries N            subject queries (default ${DEFAULTS.queries})
  --query-concurrency N  concurrent query clients (default ${DEFAULTS.queryConcurrency})
  --query-warmup N       untimed queries before measuring (default ${DEFAULTS.queryWarmup})
  --raw-chunk N          records per message in the raw ceiling (default ${DEFAULTS.rawChunk})
  --raw-prefetch N       raw consumer prefetch (default ${DEFAULTS.rawPrefetch})
  --raw-pool N           raw consumer PostgreSQL connections (default ${DEFAULTS.rawPool})
  --drain-timeout S      give up if the hub has not loaded everything after S s (default ${DEFAULTS.drainTimeoutS})
  --start-timeout S      give up if the hub is not ready after S s (default ${DEFAULTS.startTimeoutS})
  --skip-raw, --skip-query
  --keep                 do not drop the database and vhost at the end
  --pg-admin-url URL     (default ${DEFAULTS.pgAdminUrl})
  --pg-base-url URL      bench database URL without the database name (default ${DEFAULTS.pgBaseUrl})
  --amqp-base-url URL    broker URL without the vhost (default ${DEFAULTS.amqpBaseUrl})
  --hub-node-arg ARG     extra node argument for each hub process, repeatable; e.g.
                         --hub-node-arg=--prof (V8 tick logs land in the run's log folder)
Hub tuning variables (WORKER_PREFETCH, DB_POOL_SIZE, INGEST_CHUNK_SIZE, ...) set in the
environment are passed to the hub and recorded in the results.`;

type NumberKey = {
  [K in keyof BenchOptions]: BenchOptions[K] extends number ? K : never;
}[keyof BenchOptions];
type FlagKey = {
  [K in keyof BenchOptions]: BenchOptions[K] extends boolean ? K : never;
}[keyof BenchOptions];
type StringKey = {
  [K in keyof BenchOptions]: BenchOptions[K] extends string ? K : never;
}[keyof BenchOptions];

const NUMBERS: Record<string, NumberKey> = {
  '--records': 'records',
  '--batch': 'batch',
  '--concurrency': 'concurrency',
  '--workers': 'workers',
  '--queries': 'queries',
  '--query-concurrency': 'queryConcurrency',
  '--query-warmup': 'queryWarmup',
  '--raw-chunk': 'rawChunk',
  '--raw-prefetch': 'rawPrefetch',
  '--raw-pool': 'rawPool',
  '--drain-timeout': 'drainTimeoutS',
  '--start-timeout': 'startTimeoutS',
};
const FLAGS: Record<string, FlagKey> = {
  '--split': 'split',
  '--skip-raw': 'skipRaw',
  '--skip-query': 'skipQuery',
  '--keep': 'keep',
};
const STRINGS: Record<string, StringKey> = {
  '--pg-admin-url': 'pgAdminUrl',
  '--pg-base-url': 'pgBaseUrl',
  '--amqp-base-url': 'amqpBaseUrl',
};

/** `--name value` or `--name=value`; unknown options are an error, not silently ignored. */
export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const out: Record<string, number | boolean | string | string[]> = { ...DEFAULTS, hubNodeArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    if (name === '--help' || name === '-h') return 'help';
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new BenchError(`${name} needs a value`);
      return v;
    };
    if (name === '--hub-node-arg') (out.hubNodeArgs as string[]).push(value());
    else if (name in FLAGS) out[FLAGS[name]] = true;
    else if (name in STRINGS) out[STRINGS[name]] = value().replace(/\/+$/, '');
    else if (name in NUMBERS) {
      const raw = value();
      const n = Number(raw.replace(/_/g, ''));
      const min = name === '--query-warmup' ? 0 : 1;
      if (!Number.isInteger(n) || n < min) throw new BenchError(`${name} must be an integer >= ${min}, got "${raw}"`);
      out[NUMBERS[name]] = n;
    } else throw new BenchError(`unknown option ${argv[i]}\n${USAGE}`);
  }
  return out as unknown as BenchOptions;
}
