/**
 * credit-hub subject-query benchmark (see bench/README.md): on a dedicated database of N stored
 * credit records (default 2,000,000, seeded once and reused), 16 concurrent clients for a fixed
 * time per scenario: the bare indexed point query on credit_records, the hub's subject query
 * (access checks, query-log row committed before the answer, masking) for each caller kind, and
 * optionally the same query over HTTP against a booted hub. Reports q/s, latency percentiles
 * and the ratio subject query ÷ bare query.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { loadCatalog } from '../catalog/catalog';
import { loadHubConfig } from '../libs/config/hub-config';
import { HubDatabase } from '../libs/persistence/hub-database';
import { preparedQuery } from '../libs/persistence/prepared-query';
import { SubjectQueryRepository } from '../libs/persistence/subject-query.repository';
import { ClosedLoopResult, closedLoop, QueryOutcome } from './support/closed-loop';
import { Cleanup, createVhost, deleteVhost, MachineInfo, machineInfo } from './support/environment';
import { HubProcess } from './support/hub-processes';
import {
  describeSeed,
  dropBenchDatabase,
  inspectBenchDatabase,
  recreateBenchDatabase,
  seedQueryBench,
  SEED_GENERATOR_VERSION,
  SeedParameters,
  SeedSummary,
} from './support/query-seed';
import { parseQueryOptions, QUERY_USAGE, QueryBenchOptions, ScenarioName } from './support/query-options';
import { diagnosticCalls, prepareLogPageProbe, subjectQueryCalls } from './support/subject-query-scenarios';
import { BenchError, Deadline, errorText, interruption, LatencySummary, perSecond, round, say, sleep, summarize } from './support/util';

const DIST = resolve(__dirname, '..');
const REPO = resolve(__dirname, '..', '..');

/**
 * The bare indexed point query: the same table, the same index (credit_records_subject), the
 * columns the subject query hands on, one autocommit statement on the same pool, as a named
 * prepared statement like the hub's own hot-path reads (preparedQuery). No join, no filter
 * beyond the subject, no transaction, no log row, no access decision, no masking.
 */
const BARE_QUERY = `SELECT id, item_code, status, disputed, publication_end, fields, supplier_id
  FROM credit_records WHERE subject_code = $1`;

interface ScenarioReport extends Partial<ClosedLoopResult> {
  readonly name: ScenarioName;
  readonly description: string;
  /** 1..rounds; null for the http scenario (run once) and skipped ones. */
  readonly round: number | null;
  readonly skipped?: string;
  /** CPU of the bench process, the bench database's backends (and the hub) per query: less sensitive to other load than q/s. */
  readonly cpuMsPerQuery?: number | null;
}

interface ScenarioSummary {
  readonly name: ScenarioName;
  readonly runs: number;
  readonly queries: number;
  readonly queriesPerSecond: number;
  readonly latency: LatencySummary;
  readonly errors: number;
  readonly rowsPerQuery: number;
  readonly outcomes: Record<string, number>;
  readonly cpuMsPerQuery: number | null;
  readonly machineBusyPercent: (number | null)[];
}

interface QueryBenchResults {
  readonly date: string;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly parameters: QueryBenchOptions;
  seed?: SeedSummary;
  scenarios: ScenarioReport[];
  summary?: ScenarioSummary[];
  ratios?: Record<string, number>;
  queryLogRowsWritten?: number;
  problems: string[];
  error?: string;
}

async function main(): Promise<number> {
  let parsed: QueryBenchOptions | 'help';
  try {
    parsed = parseQueryOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${errorText(e)}\n`);
    return 2;
  }
  if (parsed === 'help') {
    say(QUERY_USAGE);
    return 0;
  }
  const opts = parsed;
  const started = new Date();
  const cleanup = new Cleanup();
  cleanup.runOnSignals('stopping (the seeded database is kept unless --drop)');

  const results: QueryBenchResults = {
    date: started.toISOString(),
    command: `node ${relative(REPO, process.argv[1] ?? '')} ${process.argv.slice(2).join(' ')}`.trim(),
    machine: await machineInfo(opts.pgAdminUrl),
    parameters: opts,
    scenarios: [],
    problems: [],
  };
  printHeader(results);

  let code = 0;
  try {
    await run(opts, cleanup, results);
    printReport(results);
  } catch (e) {
    results.error = errorText(e);
    process.stderr.write(`\nBENCH FAILED: ${results.error}\n`);
    if (!(e instanceof BenchError) && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    code = interruption.signal.aborted ? 130 : 1;
  } finally {
    await cleanup.run();
    const file = writeResults(results, started);
    say(`results written to ${relative(process.cwd(), file)}`);
  }
  return code;
}

async function run(opts: QueryBenchOptions, cleanup: Cleanup, results: QueryBenchResults): Promise<void> {
  const databaseUrl = `${opts.pgBaseUrl}/${opts.database}`;
  const catalog = loadCatalog();
  const seedParameters: SeedParameters = {
    records: opts.records,
    subjects: opts.subjects,
    personShare: opts.personShare,
    randomSeed: opts.randomSeed,
    generator: SEED_GENERATOR_VERSION,
  };

  // --- database: reuse when seeded with the same parameters, else make it again -------------
  const state = opts.reseed ? 'other' : await inspectBenchDatabase(opts.pgAdminUrl, databaseUrl, opts.database, seedParameters);
  if (state !== 'seeded') {
    say(state === 'missing' ? `creating database ${opts.database}` : `database ${opts.database} holds another or an unfinished seed: dropping and recreating it`);
    await recreateBenchDatabase(opts.pgAdminUrl, opts.database);
  } else say(`reusing database ${opts.database} (seeded with the same parameters; --reseed to make it again)`);
  if (opts.drop) cleanup.add(`drop database ${opts.database}`, () => dropBenchDatabase(opts.pgAdminUrl, opts.database));

  const config = loadHubConfig({
    DATABASE_URL: databaseUrl,
    // HubDatabase does not use the broker; the config just wants both or neither.
    AMQP_URL: opts.amqpBaseUrl,
    DB_POOL_SIZE: String(opts.pool),
  });
  const db = await HubDatabase.open(config);
  cleanup.add('close the hub database pool', () => db.close());
  await db.migrate();

  let seedSeconds: number | null = null;
  if (state !== 'seeded') {
    say(`seeding ${opts.records} credit records over ${opts.subjects} subjects (set-based SQL; a few minutes for 2M)...`);
    seedSeconds = await seedQueryBench(databaseUrl, catalog, seedParameters, (line) => say(`  ${line}`));
    say(`  seeded in ${seedSeconds} s`);
  }
  results.seed = await describeSeed(databaseUrl, state === 'seeded', seedSeconds);
  printSeed(results.seed);

  const codes = (await db.dataSource.query<{ code: string }[]>('SELECT code FROM subjects')).map((r) => r.code);
  if (codes.length === 0) throw new BenchError('no subjects in the bench database');
  await warmCache(db);

  const loop: Loop = async (name, description, query, extraCpu, round) => {
    say(`${name}${round ? ` (round ${round})` : ''}: ${description}; ${opts.clients} clients, ${opts.warmupS} s warm-up + ${opts.durationS} s...`);
    const { result: r, latenciesMs } = await closedLoop(
      { clients: opts.clients, warmupMs: opts.warmupS * 1000, durationMs: opts.durationS * 1000, codes, seed: opts.randomSeed + (round ?? 0), database: opts.database, extraCpu },
      query,
    );
    // Not the WAL writer and checkpointer: they serve every database of the cluster, other people's too.
    const cpu = r.cpuSeconds.benchProcess + (r.cpuSeconds.postgresBackends ?? 0) + (r.cpuSeconds.hub ?? 0);
    const report: ScenarioReport = { name, description, round: round ?? null, ...r, cpuMsPerQuery: r.queries ? round3((cpu * 1000) / r.queries) : null };
    results.scenarios.push(report);
    latencies.set(name, [...(latencies.get(name) ?? []), ...latenciesMs]);
    say(`  ${r.queriesPerSecond} q/s, p50 ${r.latency.p50Ms} ms, p99 ${r.latency.p99Ms} ms, errors ${r.errors}, outcomes ${JSON.stringify(r.outcomes)}; machine ${String(r.machineBusyPercent)}% busy`);
    if (r.errors > 0) results.problems.push(`${name}: ${r.errors} errors, first: ${r.firstErrors.join(' | ')}`);
    return report;
  };
  const latencies = new Map<ScenarioName, number[]>();

  const logBefore = await queryLogRows(db);
  const repository = new SubjectQueryRepository(db);
  const calls = { ...subjectQueryCalls(repository, catalog, config.batchQueryMax), ...diagnosticCalls(repository, catalog, config.batchQueryMax, db) };
  if (opts.scenarios.includes('public-log-page')) await prepareLogPageProbe(db);
  // Rounds interleave the scenarios, so a change in the machine's other load hits all of them.
  for (let round = 1; round <= opts.rounds; round++) {
    for (const name of opts.scenarios) {
      if (interruption.signal.aborted) throw new BenchError(`interrupted by ${String(interruption.signal.reason)}`);
      if (name === 'bare') {
        await loop(name, `bare point query, prepared, on the hub's pool (${opts.pool}): ${BARE_QUERY.replace(/\s+/g, ' ')}`, async (code) => {
          const rows = await preparedQuery(db, 'bench_bare_point_query', BARE_QUERY, [code]);
          return { rows: rows.length, outcome: rows.length > 0 ? 'rows' : 'empty' };
        }, undefined, round);
      } else if (name === 'bare-unprepared') {
        await loop(name, 'the same point query through HubDatabase.dataSource.query (TypeORM, unnamed statement, planned on every call)', async (code) => {
          const rows = await db.dataSource.query<unknown[]>(BARE_QUERY, [code]);
          return { rows: rows.length, outcome: rows.length > 0 ? 'rows' : 'empty' };
        }, undefined, round);
      } else if (name !== 'http') {
        const call = calls[name];
        if (call.run) await loop(name, call.description, call.run, undefined, round);
        else if (round === 1) {
          say(`${name}: skipped: ${call.unavailable ?? 'unavailable'}`);
          results.scenarios.push({ name, description: call.description, round: null, skipped: call.unavailable });
        }
      }
    }
  }
  // The booted hub once, after the rounds: starting it is slow and it must not run beside them.
  if (opts.scenarios.includes('http')) await httpScenario(opts, databaseUrl, cleanup, results, loop);
  results.queryLogRowsWritten = (await queryLogRows(db)) - logBefore;

  results.summary = summarizeScenarios(results.scenarios, latencies, opts);
  const bare = results.summary.find((s) => s.name === 'bare');
  const unprepared = results.summary.find((s) => s.name === 'bare-unprepared');
  if (bare?.queriesPerSecond) {
    results.ratios = {};
    for (const s of results.summary) if (s.name !== 'bare') results.ratios[`${s.name}/bare`] = round3(s.queriesPerSecond / bare.queriesPerSecond);
    for (const s of results.summary) {
      if (unprepared?.queriesPerSecond && !s.name.startsWith('bare')) results.ratios[`${s.name}/bare-unprepared`] = round3(s.queriesPerSecond / unprepared.queriesPerSecond);
    }
    for (let round = 1; round <= opts.rounds && opts.rounds > 1; round++) {
      const b = results.scenarios.find((s) => s.name === 'bare' && s.round === round);
      for (const s of results.scenarios.filter((x) => x.round === round && !x.name.startsWith('bare'))) {
        if (b?.queriesPerSecond && s.queriesPerSecond) results.ratios[`${s.name}/bare round ${round}`] = round3(s.queriesPerSecond / b.queriesPerSecond);
      }
    }
  }
}

type Loop = (
  name: ScenarioName,
  description: string,
  query: (code: string) => Promise<QueryOutcome>,
  extraCpu?: Record<string, () => number | undefined>,
  round?: number,
) => Promise<ScenarioReport>;

/** One line per scenario over all its rounds: queries ÷ measured time, percentiles over every latency. */
function summarizeScenarios(reports: readonly ScenarioReport[], latencies: ReadonlyMap<ScenarioName, number[]>, opts: QueryBenchOptions): ScenarioSummary[] {
  const out: ScenarioSummary[] = [];
  for (const name of opts.scenarios) {
    const runs = reports.filter((r) => r.name === name && !r.skipped && r.queries !== undefined);
    if (runs.length === 0) continue;
    const queries = runs.reduce((n, r) => n + (r.queries ?? 0), 0);
    const seconds = runs.reduce((n, r) => n + (r.durationS ?? 0), 0);
    const rows = runs.reduce((n, r) => n + (r.rowsPerQuery?.mean ?? 0) * (r.queries ?? 0), 0);
    const cpu = runs.reduce((n, r) => n + (r.cpuMsPerQuery ?? 0) * (r.queries ?? 0), 0);
    const outcomes: Record<string, number> = {};
    for (const r of runs) for (const [k, v] of Object.entries(r.outcomes ?? {})) outcomes[k] = (outcomes[k] ?? 0) + v;
    out.push({
      name,
      runs: runs.length,
      queries,
      queriesPerSecond: perSecond(queries, seconds * 1000),
      latency: summarize(latencies.get(name) ?? []),
      errors: runs.reduce((n, r) => n + (r.errors ?? 0), 0),
      rowsPerQuery: queries ? round(rows / queries, 2) : 0,
      outcomes,
      cpuMsPerQuery: queries ? round3(cpu / queries) : null,
      machineBusyPercent: runs.map((r) => r.machineBusyPercent ?? null),
    });
  }
  return out;
}

function round3(x: number): number {
  return round(x, 3);
}

async function queryLogRows(db: HubDatabase): Promise<number> {
  const r = await db.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM query_log');
  return Number(r[0].n);
}

/**
 * Reads the table and its subject index once so the first scenario does not pay for a cold
 * cache the later ones do not (pg_prewarm into the OS cache when the extension is available,
 * else a sequential scan).
 */
async function warmCache(db: HubDatabase): Promise<void> {
  const t = performance.now();
  try {
    await db.dataSource.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
    for (const rel of ['credit_records', 'credit_records_subject', 'subjects', 'subjects_pkey', 'suppliers']) {
      await db.dataSource.query(`SELECT pg_prewarm($1::regclass, 'read')`, [rel]);
    }
  } catch (e) {
    say(`  (pg_prewarm unavailable: ${errorText(e)}; scanning instead)`);
    await db.dataSource.query('SELECT count(*) FROM credit_records WHERE fields IS NOT NULL');
  }
  say(`cache warmed in ${round((performance.now() - t) / 1000, 1)} s`);
}

async function httpScenario(
  opts: QueryBenchOptions,
  databaseUrl: string,
  cleanup: Cleanup,
  results: QueryBenchResults,
  loop: Loop,
): Promise<void> {
  const vhost = `bench_query_${Date.now()}`;
  await createVhost(vhost);
  cleanup.add(`delete vhost ${vhost}`, () => deleteVhost(vhost));
  const logDir = join(tmpdir(), `credit-hub-${vhost}`);
  mkdirSync(logDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    AMQP_URL: `${opts.amqpBaseUrl}/${encodeURIComponent(vhost)}`,
    PORT: '0',
    HOST: '127.0.0.1',
    HUB_ADMIN_TOKEN: randomBytes(24).toString('hex'),
    HUB_DEMO_SUPPLIER: 'off',
    HUB_DATA_DIR: logDir,
    DB_POOL_SIZE: process.env.DB_POOL_SIZE ?? String(opts.pool),
    NO_COLOR: '1',
    // The bench measures the hub, not its rate limits: its loopback probes run unthrottled unless set.
    RATE_LIMIT_PUBLIC_PER_MINUTE: process.env.RATE_LIMIT_PUBLIC_PER_MINUTE ?? '0',
    RATE_LIMIT_ACCOUNT_PER_MINUTE: process.env.RATE_LIMIT_ACCOUNT_PER_MINUTE ?? '0',
    RATE_LIMIT_REPORT_PER_MINUTE: process.env.RATE_LIMIT_REPORT_PER_MINUTE ?? '0',
  };
  delete env.HUB_ROLES;
  const hub = new HubProcess('api', 'api', DIST, env, join(logDir, 'api.log'), opts.hubNodeArgs);
  cleanup.add('stop the hub', () => hub.stop());
  const deadline = new Deadline('hub start-up', 120_000);
  const base = (await hub.waitForLine(/listening on (http:\/\/[0-9.]+:\d+)/, deadline))[1];
  for (;;) {
    const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    if (res?.status === 200) break;
    deadline.check(() => hub.tail(10));
    await sleep(250);
  }
  say(`hub (api role, pid ${String(hub.pid)}, DB_POOL_SIZE ${String(env.DB_POOL_SIZE)}) ready at ${base}; logs in ${logDir}`);
  await loop(
    'http',
    'GET /api/v1/subjects/{code} (public) over HTTP keep-alive (fetch) against the booted hub (api role, same database)',
    async (code) => {
      const res = await fetch(`${base}/api/v1/subjects/${encodeURIComponent(code)}`, { signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      if (res.status === 404) return { rows: 0, outcome: 'not_found' };
      if (res.status !== 200) throw new BenchError(`${res.status} ${text.slice(0, 200)}`);
      const body = JSON.parse(text) as { records?: unknown[] };
      return { rows: body.records?.length ?? 0, outcome: 'served' };
    },
    { hub: () => hub.cpuSeconds() },
  );
  await hub.stop();
  if (hub.warnings.length > 0) results.problems.push(`the hub logged ${hub.warnings.length} warning/error lines, first: ${hub.warnings.slice(0, 3).join(' || ')}`);
}

function printHeader(r: QueryBenchResults): void {
  const m = r.machine;
  const p = r.parameters;
  say('credit-hub subject-query benchmark');
  say(`date        ${r.date}`);
  say(`machine     ${m.cpuCount} x ${m.cpuModel}, ${m.totalMemoryGiB} GiB RAM, ${m.os}`);
  say(`software    node ${m.node}; ${m.postgres}`);
  say(`load        ${m.loadAverageAtStart.join(' ')} (1/5/15 min load average at start; other work on this machine skews the numbers)`);
  say(`parameters  ${p.records} records over ${p.subjects} subjects in ${p.database}; ${p.clients} clients, pool ${p.pool}, ${p.warmupS} s warm-up + ${p.durationS} s per scenario; scenarios ${p.scenarios.join(', ')}`);
  say();
}

function printSeed(s: SeedSummary): void {
  say(`data        ${s.creditRecords} credit_records (${s.tableSizes.credit_records}), ${s.subjects} subjects; records per subject mean ${s.recordsPerSubject.mean}, median ${s.recordsPerSubject.median}, p99 ${s.recordsPerSubject.p99}, max ${s.recordsPerSubject.max}`);
  say(`            statuses ${JSON.stringify(s.statuses)}; active past publication end ${s.activePastPublicationEnd}; query_log ${s.queryLogRowsBefore} rows before this run`);
}

function printReport(r: QueryBenchResults): void {
  say();
  say('=== results ===');
  const head = ['scenario', 'q/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'rows/query', 'CPU ms/query', 'machine busy', 'outcomes'];
  const table = (rows: string[][]) => {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    say(line(head));
    for (const row of rows) say(line(row));
  };
  say('each run:');
  table(
    r.scenarios.map((s) => {
      const label = `${s.name}${s.round ? ` #${s.round}` : ''}`;
      if (s.skipped) return [label, '-', '-', '-', '-', '-', '-', '-', '-', '-', `skipped: ${s.skipped}`];
      return [
        label,
        String(s.queriesPerSecond),
        String(s.latency?.p50Ms),
        String(s.latency?.p95Ms),
        String(s.latency?.p99Ms),
        String(s.latency?.maxMs),
        String(s.errors),
        String(s.rowsPerQuery?.mean),
        String(s.cpuMsPerQuery),
        `${String(s.machineBusyPercent)}%`,
        JSON.stringify(s.outcomes),
      ];
    }),
  );
  if (r.summary) {
    say('summary (rounds merged):');
    table(
      r.summary.map((s) => [
        `${s.name} (${s.runs}x)`,
        String(s.queriesPerSecond),
        String(s.latency.p50Ms),
        String(s.latency.p95Ms),
        String(s.latency.p99Ms),
        String(s.latency.maxMs),
        String(s.errors),
        String(s.rowsPerQuery),
        String(s.cpuMsPerQuery),
        s.machineBusyPercent.map((b) => `${String(b)}%`).join(' '),
        JSON.stringify(s.outcomes),
      ]),
    );
  }
  if (r.ratios) say(`ratios (q/s ÷ bare q/s): ${Object.entries(r.ratios).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (r.queryLogRowsWritten !== undefined) say(`query_log rows written during the run: ${r.queryLogRowsWritten}`);
  if (r.problems.length > 0) {
    say('problems seen:');
    for (const p of r.problems) say(`  - ${p}`);
  } else say('problems seen: none');
}

function writeResults(results: QueryBenchResults, started: Date): string {
  const dir = join(REPO, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `query-${started.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench crashed: ${String((e as Error)?.stack ?? e)}\n`);
    process.exitCode = 1;
  },
);
