/**
 * credit-hub ingest benchmark (see bench/README.md): a fresh database and vhost, the hub as
 * child process(es) against them, N penalty records pushed over REST until every one is
 * loaded, subject-query latency, and the raw broker + database ceiling for the same records.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Client } from 'pg';
import { penaltyRecord, uscc } from '../test/fixtures/credit-data';
import {
  Cleanup,
  createDatabase,
  createVhost,
  deleteVhost,
  dropDatabase,
  busyPercent,
  MachineInfo,
  machineInfo,
  rabbitmqPid,
  ServiceCpu,
  systemCpu,
  watchServices,
} from './support/environment';
import { HUB_TUNING_VARIABLES, HubProcess } from './support/hub-processes';
import { LoadProbe, LoadProgress, QueueDepths, QueueProbe } from './support/hub-probe';
import { BenchOptions, parseOptions, USAGE } from './support/options';
import { measureRawCeiling, RawCeilingResult, toRawChunks } from './support/raw-ceiling';
import {
  BenchError,
  Deadline,
  errorText,
  interruption,
  LatencySummary,
  perSecond,
  round,
  runPool,
  say,
  seededRandom,
  sleep,
  summarize,
} from './support/util';

const DIST = resolve(__dirname, '..');
const REPO = resolve(__dirname, '..', '..');
const ITEM = 'administrative_penalty';

/** What else the machine did during a phase: the hub shares 2 CPUs with PostgreSQL, RabbitMQ and the client. */
interface MachineLoad {
  /** Share of all CPUs busy (every process on the machine, including other users' work). */
  readonly cpuBusyPercent: number | null;
  /** CPU the benchmark's own process (HTTP client, probes) used. */
  readonly benchClientCpuSeconds: number;
  readonly loadAverage1mAtEnd: number;
  /** CPU seconds of the bench database's PostgreSQL backends, its shared background writers, and the broker. */
  readonly services: ServiceCpu;
}

interface Accounting {
  readonly database: string;
  readonly brokerPid: number | null;
}

/** CPU seconds each hub process uses from now until the returned function is called. */
function watchHubCpu(processes: readonly HubProcess[]): () => Record<string, number | null> {
  const before = new Map(processes.map((p) => [p.name, p.cpuSeconds()]));
  return () => {
    const out: Record<string, number | null> = {};
    for (const p of processes) {
      const b = before.get(p.name);
      const a = p.cpuSeconds();
      out[p.name] = b !== undefined && a !== undefined ? round(a - b, 1) : null;
    }
    return out;
  };
}

function watchMachine(accounting: Accounting): () => MachineLoad {
  const cpu = systemCpu();
  const own = process.cpuUsage();
  const services = watchServices(accounting.database, accounting.brokerPid);
  return () => {
    const used = process.cpuUsage(own);
    return {
      cpuBusyPercent: busyPercent(cpu, systemCpu()),
      benchClientCpuSeconds: round((used.user + used.system) / 1e6, 1),
      loadAverage1mAtEnd: round(loadavg()[0], 2),
      services: services(),
    };
  };
}

interface IngestResult {
  readonly requests: number;
  readonly records: number;
  readonly requestBodyMiB: number;
  readonly retriedAfter503: number;
  /** First request sent to last 202 received. */
  readonly ingestMs: number;
  readonly ingestRecordsPerSecond: number;
  readonly requestLatency: LatencySummary;
  /** Last 202 to the poll that saw every record processed (±poll interval). */
  readonly drainMs: number;
  /** First request sent to every record loaded. */
  readonly endToEndMs: number;
  readonly endToEndRecordsPerSecond: number;
  readonly loaded: number;
  readonly rejected: number;
  readonly creditRecordsRows: number;
  readonly progressSource: LoadProgress['source'];
  readonly batchReports: { readonly done: number; readonly loaded: number; readonly rejected: number } | null;
  readonly maxQueueReady: number | null;
  readonly deadLettered: number | null;
  /** CPU seconds each hub process used from the first request to the last record loaded. */
  readonly hubCpuSeconds: Record<string, number | null>;
  readonly machine: MachineLoad;
}

interface QueryResult {
  readonly queries: number;
  readonly concurrency: number;
  readonly warmup: number;
  readonly ms: number;
  readonly queriesPerSecond: number;
  readonly latency: LatencySummary;
  readonly statuses: Record<string, number>;
  readonly hubCpuSeconds: Record<string, number | null>;
  readonly machine: MachineLoad;
}

interface BenchResults {
  readonly date: string;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly parameters: BenchOptions & { readonly hubEnv: Record<string, string>; readonly hubProcesses: string[] };
  ingest?: IngestResult;
  query?: QueryResult;
  raw?: RawCeilingResult & { readonly machine: MachineLoad };
  ratio?: { readonly endToEndOverRawPipelined: number; readonly endToEndOverRawSequential: number };
  problems: string[];
  hubWarnings?: string[];
  error?: string;
}

async function main(): Promise<number> {
  let parsed: BenchOptions | 'help';
  try {
    parsed = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${errorText(e)}\n`);
    return 2;
  }
  if (parsed === 'help') {
    say(USAGE);
    return 0;
  }
  const opts = parsed;
  const stamp = Date.now();
  const name = `bench_${stamp}`;
  const started = new Date(stamp);
  const logDir = join(tmpdir(), `credit-hub-${name}`);
  mkdirSync(logDir, { recursive: true });

  const cleanup = new Cleanup();
  cleanup.runOnSignals('stopping the hub and removing the bench database and vhost');

  const hubEnv: Record<string, string> = {};
  for (const key of HUB_TUNING_VARIABLES) {
    const value = process.env[key];
    if (value !== undefined && value !== '') hubEnv[key] = value;
  }
  const results: BenchResults = {
    date: started.toISOString(),
    command: `node ${relative(REPO, process.argv[1] ?? '')} ${process.argv.slice(2).join(' ')}`.trim(),
    machine: await machineInfo(opts.pgAdminUrl),
    parameters: { ...opts, hubEnv, hubProcesses: opts.split ? ['api', ...workerNames(opts.workers)] : ['hub (api, worker, scheduler)'] },
    problems: [],
  };
  printHeader(results, name, logDir);

  let code = 0;
  try {
    await runBench(opts, name, logDir, cleanup, results);
    printReport(results);
  } catch (e) {
    const text = errorText(e);
    results.error = interruption.signal.aborted && !text.startsWith('interrupted') ? `interrupted by ${String(interruption.signal.reason)} (${text})` : text;
    process.stderr.write(`\nBENCH FAILED: ${results.error}\n`);
    if (!(e instanceof BenchError) && !interruption.signal.aborted && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    code = interruption.signal.aborted ? 130 : 1;
  } finally {
    await cleanup.run();
    const file = writeResults(results, started);
    say(`results written to ${relative(process.cwd(), file)}; hub logs in ${logDir}`);
  }
  return code;
}

async function runBench(opts: BenchOptions, name: string, logDir: string, cleanup: Cleanup, results: BenchResults): Promise<void> {
  const databaseUrl = `${opts.pgBaseUrl}/${name}`;
  const amqpUrl = `${opts.amqpBaseUrl}/${encodeURIComponent(name)}`;

  await createDatabase(opts.pgAdminUrl, name);
  if (!opts.keep) cleanup.add(`drop database ${name}`, () => dropDatabase(opts.pgAdminUrl, name));
  await createVhost(name);
  if (!opts.keep) cleanup.add(`delete vhost ${name}`, () => deleteVhost(name));
  if (opts.keep) say(`--keep: database ${name} and vhost ${name} will be left in place`);

  // --- start the hub ----------------------------------------------------------------------
  const adminToken = randomBytes(24).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...hubEnvOverrides(databaseUrl, amqpUrl, adminToken, logDir),
  };
  delete env.HUB_ROLES;
  const processes = opts.split
    ? [
        new HubProcess('api', 'api', DIST, env, join(logDir, 'api.log'), opts.hubNodeArgs),
        ...workerNames(opts.workers).map((w) => new HubProcess(w, 'worker', DIST, env, join(logDir, `${w}.log`), opts.hubNodeArgs)),
      ]
    : [new HubProcess('hub', 'all', DIST, env, join(logDir, 'hub.log'), opts.hubNodeArgs)];
  cleanup.add('stop hub processes', async () => {
    await Promise.all(processes.map((p) => p.stop()));
  });
  const api = processes[0];
  const consumers = opts.split ? processes.slice(1) : processes;
  const startDeadline = new Deadline('hub start-up', opts.startTimeoutS * 1000);
  const startedAt = performance.now();
  const listening = await api.waitForLine(/listening on (http:\/\/[0-9.]+:\d+)/, startDeadline);
  const base = listening[1];
  await waitReady(base, processes, startDeadline);
  await Promise.all(consumers.map((p) => p.waitForLine(/consuming hub\.records/, startDeadline)));
  say(`hub ready at ${base} after ${Math.round(performance.now() - startedAt)} ms (${processes.map((p) => `${p.name} pid ${p.pid ?? '?'}`).join(', ')})`);

  const apiKey = await registerSupplier(base, adminToken);

  const db = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await db.connect();
  cleanup.add('close bench database connection', () => db.end());
  const queues = new QueueProbe(amqpUrl);
  cleanup.add('close bench broker connection', () => queues.close());

  // --- the records ------------------------------------------------------------------------
  const records = Array.from({ length: opts.records }, (_, i) => penaltyRecord(i + 1));
  const bodies: string[] = [];
  for (let start = 0; start < records.length; start += opts.batch) {
    bodies.push(JSON.stringify(records.slice(start, start + opts.batch)));
  }

  // --- 1. end to end ----------------------------------------------------------------------
  const accounting: Accounting = { database: name, brokerPid: await rabbitmqPid() };
  results.ingest = await endToEnd(opts, base, apiKey, bodies, processes, new LoadProbe(db), queues, accounting, results.problems);

  // --- 2. subject queries -----------------------------------------------------------------
  if (!opts.skipQuery) results.query = await subjectQueries(opts, base, processes, accounting, results.problems);

  // The hub goes before the raw ceiling runs, so it competes for neither CPU nor disk.
  await Promise.all(processes.map((p) => p.stop()));
  results.hubWarnings = processes.flatMap((p) => p.warnings.map((w) => `${p.name}| ${w}`));
  if (results.hubWarnings.length > 0) {
    results.problems.push(`the hub logged ${results.hubWarnings.length} warning/error lines, first: ${results.hubWarnings.slice(0, 5).join(' || ')}`);
  }
  await queues.close();

  // --- 3. raw ceiling ---------------------------------------------------------------------
  if (!opts.skipRaw) {
    say(`raw ceiling: ${records.length} records in chunks of ${opts.rawChunk}...`);
    const machine = watchMachine(accounting);
    let rawLoad: MachineLoad | undefined;
    const raw = await measureRawCeiling({
      amqpUrl,
      databaseUrl,
      chunks: toRawChunks(records, opts.rawChunk),
      chunkSize: opts.rawChunk,
      prefetch: opts.rawPrefetch,
      poolSize: opts.rawPool,
      timeoutMs: opts.drainTimeoutS * 1000,
      progress: (line) => say(`  ${line}`),
      done: () => (rawLoad = machine()),
    });
    results.raw = { ...raw, machine: rawLoad ?? machine() };
    results.ratio = {
      endToEndOverRawPipelined: round(results.ingest.endToEndRecordsPerSecond / results.raw.pipelined.overall.recordsPerSecond, 3),
      endToEndOverRawSequential: round(results.ingest.endToEndRecordsPerSecond / results.raw.sequential.overall.recordsPerSecond, 3),
    };
  }
}

function hubEnvOverrides(databaseUrl: string, amqpUrl: string, adminToken: string, dataDir: string): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: databaseUrl,
    AMQP_URL: amqpUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    HUB_ADMIN_TOKEN: adminToken,
    HUB_DEMO_SUPPLIER: 'off',
    HUB_DATA_DIR: dataDir,
    NO_COLOR: '1',
    // The bench measures the hub, not its rate limits: its loopback probes run unthrottled unless set.
    RATE_LIMIT_PUBLIC_PER_MINUTE: process.env.RATE_LIMIT_PUBLIC_PER_MINUTE ?? '0',
    RATE_LIMIT_ACCOUNT_PER_MINUTE: process.env.RATE_LIMIT_ACCOUNT_PER_MINUTE ?? '0',
    RATE_LIMIT_REPORT_PER_MINUTE: process.env.RATE_LIMIT_REPORT_PER_MINUTE ?? '0',
  };
}

function workerNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `worker${i + 1}`);
}

function assertAlive(processes: readonly HubProcess[]): void {
  const dead = processes.find((p) => !p.running);
  if (dead) throw new BenchError(`hub process ${dead.name} ${dead.describeExit()}:\n${dead.tail()}`);
}

async function waitReady(base: string, processes: readonly HubProcess[], deadline: Deadline): Promise<void> {
  let last = 'no answer yet';
  for (;;) {
    assertAlive(processes);
    try {
      const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(5_000) });
      const body = await res.text();
      if (res.status === 200) return;
      last = `${res.status} ${body}`;
    } catch (e) {
      last = errorText(e);
    }
    deadline.check(() => `GET /health/ready -> ${last}\n${processes.map((p) => p.tail(15)).join('\n')}`);
    await sleep(250);
  }
}

async function registerSupplier(base: string, adminToken: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/admin/suppliers`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: 'bench', name: '压测报送单位', items: [ITEM] }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status !== 201) throw new BenchError(`registering the supplier: expected 201, got ${res.status} ${text}`);
  const body = JSON.parse(text) as { apiKey?: unknown };
  if (typeof body.apiKey !== 'string') throw new BenchError(`registering the supplier: no apiKey in ${text}`);
  return body.apiKey;
}

interface Receipt {
  readonly batchId: string;
  readonly received: number;
}

async function endToEnd(
  opts: BenchOptions,
  base: string,
  apiKey: string,
  bodies: readonly string[],
  processes: readonly HubProcess[],
  probe: LoadProbe,
  queues: QueueProbe,
  accounting: Accounting,
  problems: string[],
): Promise<IngestResult> {
  const total = opts.records;
  const bodyBytes = bodies.reduce((n, b) => n + Buffer.byteLength(b), 0);
  say(`end to end: ${total} records in ${bodies.length} requests of up to ${opts.batch}, ${opts.concurrency} in flight (${round(bodyBytes / 1024 ** 2, 1)} MiB of JSON)...`);
  const hubCpu = watchHubCpu(processes);
  const latencies: number[] = [];
  let retried = 0;
  let sent = 0;
  let accepted = 0;
  const machine = watchMachine(accounting);
  const t0 = performance.now();

  const ingestDeadline = new Deadline('REST ingest', opts.drainTimeoutS * 1000);
  const ingest = runPool(bodies.length, opts.concurrency, async (i): Promise<Receipt> => {
    for (let attempt = 1; ; attempt++) {
      ingestDeadline.check(() => `${accepted}/${total} records accepted`);
      const t = performance.now();
      const res = await fetch(`${base}/api/v1/ingest/${ITEM}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
        body: bodies[i],
        signal: AbortSignal.timeout(Math.max(1_000, Math.min(300_000, ingestDeadline.remainingMs))),
      });
      const text = await res.text();
      if (res.status === 503 && attempt < 5) {
        // 503 BROKER_UNAVAILABLE is the contract's "nothing accepted, retry": counted and reported.
        retried++;
        await sleep(500 * attempt);
        continue;
      }
      if (res.status !== 202) throw new BenchError(`request ${i}: expected 202, got ${res.status} ${text.slice(0, 500)}`);
      latencies.push(performance.now() - t);
      const receipt = JSON.parse(text) as Partial<Receipt>;
      const expected = Math.min(opts.batch, total - i * opts.batch);
      if (typeof receipt.batchId !== 'string' || receipt.received !== expected) {
        throw new BenchError(`request ${i}: 202 body ${text} does not acknowledge ${expected} records`);
      }
      sent++;
      accepted += receipt.received;
      return { batchId: receipt.batchId, received: receipt.received };
    }
  });

  // Progress is polled from the first request on; nothing can be loaded before its batch's 202.
  let ingestEnd: number | undefined;
  let ingestError: unknown;
  const receiptsPromise = ingest.then(
    (r) => {
      ingestEnd = performance.now();
      return r;
    },
    (e: unknown) => {
      ingestError = e;
      return [] as Receipt[];
    },
  );
  const drainDeadline = new Deadline('draining (every record loaded or rejected)', opts.drainTimeoutS * 1000);
  let progress: LoadProgress = { processed: 0, loaded: 0, rejected: 0, source: 'batch_chunks' };
  let depths: QueueDepths = { ready: null, deadLettered: null };
  let maxReady: number | null = null;
  let lastPrint = performance.now();
  let lastDepthRead = 0;
  let lastProgressAt = performance.now();
  let loadedAt: number | undefined;
  const status = () =>
    `${progress.processed}/${total} processed (${progress.loaded} loaded, ${progress.rejected} rejected), ` +
    `${accepted}/${total} accepted by REST, queue ready ${String(depths.ready)}, dead-lettered ${String(depths.deadLettered)}`;
  while (loadedAt === undefined) {
    if (ingestError) throw ingestError;
    assertAlive(processes);
    const now = performance.now();
    const next = await probe.read();
    if (next.processed !== progress.processed) lastProgressAt = now;
    progress = next;
    if (progress.processed >= total && ingestEnd !== undefined) {
      loadedAt = now;
      break;
    }
    if (now - lastDepthRead > 2_000) {
      lastDepthRead = now;
      depths = await queues.read();
      if (depths.ready !== null) maxReady = Math.max(maxReady ?? 0, depths.ready);
      if (depths.deadLettered && depths.ready === 0 && ingestEnd !== undefined && now - lastProgressAt > 30_000) {
        throw new BenchError(`the hub dead-lettered messages and made no progress for 30 s: ${status()}`);
      }
    }
    if (now - lastPrint > 5_000) {
      lastPrint = now;
      say(`  t+${Math.round((now - t0) / 1000)} s: ${status()}`);
    }
    (ingestEnd === undefined ? ingestDeadline : drainDeadline).check(status);
    await sleep(200);
  }
  const receipts = await receiptsPromise;
  const end = ingestEnd ?? loadedAt;
  const cpu = hubCpu();
  const machineLoad = machine();
  depths = await queues.read();
  say(`  all ${total} records processed ${Math.round((loadedAt - t0) / 1000)} s after the first request`);

  // Cross-checks: the table itself, and the batch reports the supplier would read.
  const creditRecordsRows = await probe.creditRecords();
  const reports = await batchReports(base, apiKey, receipts, problems);
  if (progress.rejected > 0) problems.push(`${progress.rejected} of ${total} valid fixture records were rejected by the hub`);
  if (creditRecordsRows !== progress.loaded) {
    problems.push(`credit_records holds ${creditRecordsRows} rows but the chunk markers count ${progress.loaded} loaded`);
  }
  if (depths.deadLettered) problems.push(`${depths.deadLettered} messages in hub.dead-letter after the run`);
  if (retried > 0) problems.push(`${retried} ingest requests answered 503 and were retried`);

  return {
    requests: sent,
    records: total,
    requestBodyMiB: round(bodyBytes / 1024 ** 2, 1),
    retriedAfter503: retried,
    ingestMs: Math.round(end - t0),
    ingestRecordsPerSecond: perSecond(total, end - t0),
    requestLatency: summarize(latencies),
    drainMs: Math.round(loadedAt - end),
    endToEndMs: Math.round(loadedAt - t0),
    endToEndRecordsPerSecond: perSecond(total, loadedAt - t0),
    loaded: progress.loaded,
    rejected: progress.rejected,
    creditRecordsRows,
    progressSource: progress.source,
    batchReports: reports,
    maxQueueReady: maxReady,
    deadLettered: depths.deadLettered,
    hubCpuSeconds: cpu,
    machine: machineLoad,
  };
}

/** Every batch report should say "done" and add up to what was pushed. */
async function batchReports(
  base: string,
  apiKey: string,
  receipts: readonly Receipt[],
  problems: string[],
): Promise<IngestResult['batchReports']> {
  const deadline = new Deadline('batch reports reaching "done"', 60_000);
  interface Report {
    status?: unknown;
    loaded?: unknown;
    rejected?: unknown;
    rejections?: { code?: unknown; field?: unknown }[];
  }
  try {
    for (;;) {
      const reports = await runPool(receipts.length, 4, async (i): Promise<Report> => {
        const res = await fetch(`${base}/api/v1/ingest/batches/${receipts[i].batchId}`, {
          headers: { Authorization: `Bearer ${apiKey}` },
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        if (res.status !== 200) throw new BenchError(`batch report ${receipts[i].batchId}: ${res.status} ${text.slice(0, 300)}`);
        return JSON.parse(text) as Report;
      });
      const done = reports.filter((r) => r.status === 'done').length;
      if (done === reports.length || deadline.passed) {
        if (done < reports.length) problems.push(`${reports.length - done} batch reports still "processing" 60 s after every chunk was loaded`);
        const loaded = reports.reduce((n, r) => n + (typeof r.loaded === 'number' ? r.loaded : 0), 0);
        const rejected = reports.reduce((n, r) => n + (typeof r.rejected === 'number' ? r.rejected : 0), 0);
        const sample = reports.flatMap((r) => r.rejections ?? []).slice(0, 3);
        if (sample.length > 0) problems.push(`sample rejections: ${JSON.stringify(sample)}`);
        return { done, loaded, rejected };
      }
      await sleep(500);
    }
  } catch (e) {
    problems.push(`batch reports could not be read: ${errorText(e)}`);
    return null;
  }
}

async function subjectQueries(
  opts: BenchOptions,
  base: string,
  processes: readonly HubProcess[],
  accounting: Accounting,
  problems: string[],
): Promise<QueryResult> {
  say(`subject queries: ${opts.queries} GET /api/v1/subjects/<code> over random loaded subjects, ${opts.queryConcurrency} clients (after ${opts.queryWarmup} warm-up)...`);
  const random = seededRandom(20_260_101);
  const codes = Array.from({ length: opts.queryWarmup + opts.queries }, () => uscc(1 + Math.floor(random() * opts.records)));
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let sample: string | undefined;
  const deadline = new Deadline('subject queries', opts.drainTimeoutS * 1000);
  const query = async (code: string, measured: boolean): Promise<void> => {
    deadline.check(() => `${latencies.length}/${opts.queries} queries answered`);
    const t = performance.now();
    const res = await fetch(`${base}/api/v1/subjects/${encodeURIComponent(code)}`, { signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    const ms = performance.now() - t;
    if (!measured) return;
    latencies.push(ms);
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status === 200) {
      const body = JSON.parse(text) as { code?: unknown; records?: unknown[] };
      if (body.code !== code || !Array.isArray(body.records) || body.records.length === 0) sample ??= `200 without the record: ${text.slice(0, 300)}`;
    } else sample ??= `${res.status} ${text.slice(0, 300)}`;
  };
  await runPool(opts.queryWarmup, opts.queryConcurrency, (i) => query(codes[i], false));
  assertAlive(processes);
  const machine = watchMachine(accounting);
  const hubCpu = watchHubCpu(processes);
  const t0 = performance.now();
  await runPool(opts.queries, opts.queryConcurrency, (i) => query(codes[opts.queryWarmup + i], true));
  const ms = performance.now() - t0;
  const stopWatch = machine();
  const hubCpuSeconds = hubCpu();
  assertAlive(processes);
  if (sample) problems.push(`unexpected subject query answer(s), statuses ${JSON.stringify(statuses)}; first: ${sample}`);
  return {
    queries: opts.queries,
    concurrency: opts.queryConcurrency,
    warmup: opts.queryWarmup,
    ms: Math.round(ms),
    queriesPerSecond: perSecond(opts.queries, ms),
    latency: summarize(latencies),
    statuses,
    hubCpuSeconds,
    machine: stopWatch,
  };
}

function printHeader(r: BenchResults, name: string, logDir: string): void {
  const m = r.machine;
  const p = r.parameters;
  say('credit-hub ingest benchmark');
  say(`date        ${r.date}`);
  say(`machine     ${m.cpuCount} x ${m.cpuModel}, ${m.totalMemoryGiB} GiB RAM, ${m.os}`);
  say(`software    node ${m.node}; ${m.postgres}; RabbitMQ ${m.rabbitmq}`);
  say(`load        ${m.loadAverageAtStart.join(' ')} (1/5/15 min load average at start; other work on this machine skews the numbers)`);
  say(`hub         ${p.hubProcesses.join(' + ')}${Object.keys(p.hubEnv).length ? `; env ${JSON.stringify(p.hubEnv)}` : ' (default settings)'}`);
  say(`parameters  records ${p.records}, batch ${p.batch}, concurrency ${p.concurrency}; queries ${p.queries} x ${p.queryConcurrency} clients; raw chunk ${p.rawChunk}, prefetch ${p.rawPrefetch}, pool ${p.rawPool}`);
  say(`database    ${name} (vhost ${name}); logs in ${logDir}`);
  say();
}

function printReport(r: BenchResults): void {
  say();
  say('=== results ===');
  const i = r.ingest;
  if (i) {
    say('end to end (REST push -> RabbitMQ -> worker -> PostgreSQL)');
    say(`  ingest (202s)       ${i.ingestRecordsPerSecond} records/s   ${i.records} records, ${i.requests} requests in ${(i.ingestMs / 1000).toFixed(2)} s; request p50 ${i.requestLatency.p50Ms} ms, p95 ${i.requestLatency.p95Ms} ms, max ${i.requestLatency.maxMs} ms`);
    say(`  drain after last 202 ${(i.drainMs / 1000).toFixed(2)} s   (max hub.records depth seen ${String(i.maxQueueReady)} messages)`);
    say(`  END TO END          ${i.endToEndRecordsPerSecond} records/s   ${(i.endToEndMs / 1000).toFixed(2)} s from first request to last record loaded`);
    say(`  loaded ${i.loaded}, rejected ${i.rejected}; credit_records rows ${i.creditRecordsRows}; batch reports ${i.batchReports ? `${i.batchReports.done} done, loaded ${i.batchReports.loaded}, rejected ${i.batchReports.rejected}` : 'unavailable'}; dead-lettered ${String(i.deadLettered)}`);
    say(`  CPU seconds         hub ${describeHubCpu(i.hubCpuSeconds)}; ${describeLoad(i.machine)}`);
  }
  const q = r.query;
  if (q) {
    say('subject query (GET /api/v1/subjects/<code>, public)');
    say(`  ${q.queriesPerSecond} queries/s   p50 ${q.latency.p50Ms} ms, p95 ${q.latency.p95Ms} ms, p99 ${q.latency.p99Ms} ms, max ${q.latency.maxMs} ms   (${q.queries} queries, ${q.concurrency} clients, statuses ${JSON.stringify(q.statuses)})`);
    say(`  CPU seconds         hub ${describeHubCpu(q.hubCpuSeconds)}; ${describeLoad(q.machine)}`);
  }
  const raw = r.raw;
  if (raw) {
    say(`raw ceiling (${raw.method}; ${raw.payloadMiB} MiB per pass)`);
    say(`  publish+confirm     ${raw.sequential.publishConfirm.recordsPerSecond} records/s   (${raw.sequential.publishConfirm.messages} messages in ${(raw.sequential.publishConfirm.ms / 1000).toFixed(2)} s)`);
    say(`  consume+insert      ${raw.sequential.consumeInsert.recordsPerSecond} records/s   (${(raw.sequential.consumeInsert.ms / 1000).toFixed(2)} s)`);
    say(`  overall sequential  ${raw.sequential.overall.recordsPerSecond} records/s   (publish all, then consume all)`);
    say(`  overall pipelined   ${raw.pipelined.overall.recordsPerSecond} records/s   (consumer running while publishing; ${(raw.pipelined.overall.ms / 1000).toFixed(2)} s)`);
    say(`  CPU seconds         ${describeLoad(raw.machine)} (both passes)`);
  }
  if (r.ratio) {
    say(`ratio end to end / raw: ${r.ratio.endToEndOverRawPipelined} of the pipelined ceiling, ${r.ratio.endToEndOverRawSequential} of the sequential one`);
  }
  if (r.problems.length > 0) {
    say('problems seen:');
    for (const p of r.problems) say(`  - ${p}`);
  } else say('problems seen: none');
}

function describeHubCpu(cpu: Record<string, number | null>): string {
  return Object.entries(cpu).map(([k, v]) => `${k} ${String(v)} s`).join(', ');
}

function describeLoad(m: MachineLoad): string {
  const s = m.services;
  return (
    `PostgreSQL backends ${String(s.postgresBenchBackends)} s + background ${String(s.postgresBackground)} s, ` +
    `RabbitMQ ${String(s.rabbitmq)} s, bench client ${m.benchClientCpuSeconds} s; ` +
    `whole machine ${String(m.cpuBusyPercent)}% busy, load average ${m.loadAverage1mAtEnd}`
  );
}

function writeResults(results: BenchResults, started: Date): string {
  const dir = join(REPO, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${started.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
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
