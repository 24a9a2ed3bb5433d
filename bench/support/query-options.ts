import { CALLER_SCENARIOS } from './subject-query-scenarios';
import { BenchError } from './util';

/**
 * Diagnostics, not run by default: the subject query's read alone, the service without its log
 * write, and the service with a one-row-per-commit log (a design probe, not how the hub logs).
 */
export const DIAGNOSTIC_SCENARIOS = ['read', 'public-unlogged', 'public-log-page', 'public-coalesced'] as const;
export const SCENARIOS = ['bare', 'bare-unprepared', ...CALLER_SCENARIOS, ...DIAGNOSTIC_SCENARIOS, 'http'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
const DEFAULT_SCENARIOS = SCENARIOS.filter((s) => !(DIAGNOSTIC_SCENARIOS as readonly string[]).includes(s));

export interface QueryBenchOptions {
  readonly records: number;
  readonly subjects: number;
  readonly personShare: number;
  /** Seeds both the data generator (setseed) and the clients' subject draws. */
  readonly randomSeed: number;
  readonly clients: number;
  /** Connections of the DataSource the in-process scenarios share (the hub's DB_POOL_SIZE). */
  readonly pool: number;
  readonly warmupS: number;
  readonly durationS: number;
  /** The in-process scenarios are run this many times, interleaved (the http one once, at the end). */
  readonly rounds: number;
  /** Run in this order; `bare` first so later scenarios do not warm the cache for it. */
  readonly scenarios: readonly ScenarioName[];
  readonly database: string;
  readonly reseed: boolean;
  readonly drop: boolean;
  readonly pgAdminUrl: string;
  readonly pgBaseUrl: string;
  readonly amqpBaseUrl: string;
  readonly hubNodeArgs: readonly string[];
}

const DEFAULTS: QueryBenchOptions = {
  records: 2_000_000,
  subjects: 500_000,
  personShare: 0.2,
  randomSeed: 42,
  clients: 16,
  pool: 16,
  warmupS: 3,
  durationS: 20,
  rounds: 2,
  scenarios: DEFAULT_SCENARIOS,
  database: 'credithub_bench_query',
  reseed: false,
  drop: false,
  pgAdminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  pgBaseUrl: 'postgres://postgres@127.0.0.1:5432',
  amqpBaseUrl: 'amqp://guest:guest@127.0.0.1:5672',
  hubNodeArgs: [],
};

export const QUERY_USAGE = `Usage: npm run bench:query -- [options]
  --records N         credit records in the bench database (default ${DEFAULTS.records})
  --subjects N        subjects they are spread over, skewed (default ${DEFAULTS.subjects})
  --person-share X    share of subjects that are natural persons (default ${DEFAULTS.personShare})
  --seed N            data generator and client draw seed (default ${DEFAULTS.randomSeed})
  --clients N         concurrent clients per scenario (default ${DEFAULTS.clients})
  --pool N            DataSource pool size for the in-process scenarios, and DB_POOL_SIZE of the
                      hub in the http scenario unless set in the environment (default ${DEFAULTS.pool})
  --warmup S          untimed seconds before each measurement (default ${DEFAULTS.warmupS})
  --duration S        measured seconds per scenario (default ${DEFAULTS.durationS})
  --rounds N          run the in-process scenarios N times, interleaved, so that a change in
                      the machine's other load hits every scenario alike (default ${DEFAULTS.rounds});
                      the summary merges the rounds, the ratios are also given per round
  --scenarios LIST    comma-separated, run in this order (default ${DEFAULTS.scenarios.join(',')});
                      bare = bare indexed point query (prepared, like the hub's hot-path reads);
                      bare-unprepared = the same through HubDatabase.dataSource.query (TypeORM,
                      planned on every call); public, government, subject = the hub's
                      SubjectQueryService in this process; http = GET /api/v1/subjects/{code}
                      against a booted hub (needs RabbitMQ and rabbitmqctl for a vhost).
                      Diagnostics (not by default): read = the repository's read alone with the
                      public item filter; public-unlogged = the public query with the query-log
                      write replaced by nothing (never how the hub runs: it shows the log's cost);
                      public-log-page = one chained log row per group commit (a design probe);
                      public-coalesced = the public query with concurrent callers' reads batched
                      into one statement (a design probe: the bare query does not batch; one
                      statement in flight, BENCH_COALESCE_IN_FLIGHT=n for more)
  --database NAME     bench database, credithub_bench_* (default ${DEFAULTS.database}); kept
                      between runs and reused while seeded with the same parameters
  --reseed            drop and seed the database again even if it matches
  --drop              drop the database at the end
  --pg-admin-url URL  (default ${DEFAULTS.pgAdminUrl})
  --pg-base-url URL   bench database URL without the database name (default ${DEFAULTS.pgBaseUrl})
  --amqp-base-url URL broker URL without the vhost (default ${DEFAULTS.amqpBaseUrl})
  --hub-node-arg ARG  extra node argument for the hub of the http scenario, repeatable
Profile the in-process scenarios with: node --cpu-prof --cpu-prof-dir=/tmp/qprof dist/bench/query-bench.js --scenarios public`;

const INTEGERS: Record<string, 'records' | 'subjects' | 'randomSeed' | 'clients' | 'pool' | 'warmupS' | 'durationS' | 'rounds'> = {
  '--records': 'records',
  '--subjects': 'subjects',
  '--seed': 'randomSeed',
  '--clients': 'clients',
  '--pool': 'pool',
  '--warmup': 'warmupS',
  '--duration': 'durationS',
  '--rounds': 'rounds',
};
const STRINGS: Record<string, 'database' | 'pgAdminUrl' | 'pgBaseUrl' | 'amqpBaseUrl'> = {
  '--database': 'database',
  '--pg-admin-url': 'pgAdminUrl',
  '--pg-base-url': 'pgBaseUrl',
  '--amqp-base-url': 'amqpBaseUrl',
};

/** `--name value` or `--name=value`; unknown options are an error. */
export function parseQueryOptions(argv: readonly string[]): QueryBenchOptions | 'help' {
  const out: Record<string, unknown> = { ...DEFAULTS, hubNodeArgs: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    if (name === '--help' || name === '-h') return 'help';
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new BenchError(`${name} needs a value`);
      return v;
    };
    if (name === '--reseed') out.reseed = true;
    else if (name === '--drop') out.drop = true;
    else if (name === '--hub-node-arg') (out.hubNodeArgs as string[]).push(value());
    else if (name === '--person-share') {
      const x = Number(value());
      if (!(x >= 0 && x <= 0.5)) throw new BenchError('--person-share must be between 0 and 0.5');
      out.personShare = x;
    } else if (name === '--scenarios') {
      const list = value().split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = list.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
      if (list.length === 0 || unknown.length > 0) throw new BenchError(`--scenarios: unknown ${unknown.join(', ') || '(empty)'}; known: ${SCENARIOS.join(', ')}`);
      out.scenarios = list;
    } else if (name in STRINGS) out[STRINGS[name]] = value().replace(/\/+$/, '');
    else if (name in INTEGERS) {
      const raw = value();
      const n = Number(raw.replace(/_/g, ''));
      const min = name === '--warmup' || name === '--seed' ? 0 : 1;
      if (!Number.isInteger(n) || n < min) throw new BenchError(`${name} must be an integer >= ${min}, got "${raw}"`);
      out[INTEGERS[name]] = n;
    } else throw new BenchError(`unknown option ${argv[i]}\n${QUERY_USAGE}`);
  }
  const opts = out as unknown as QueryBenchOptions;
  if (opts.subjects > opts.records) throw new BenchError('--subjects cannot exceed --records');
  if (!/^credithub_bench_[0-9a-z_]+$/.test(opts.database)) throw new BenchError('--database must match credithub_bench_[0-9a-z_]+');
  return opts;
}
