/**
 * credit-hub hostile-load benchmark (issue 11, "Done when"; see bench/README.md): for a fixed time
 * (default 60 s) an honest supplier keeps pushing batches and honest public clients keep asking
 * subject queries, while hostile lanes hit the same hub on loopback: NUL and surrogate paths,
 * oversize, wide and deep bodies, bad bytes, gzip bombs, bad tokens, enumeration at a high rate
 * from one client and slow uploads. Reports whether the honest batches kept loading (batches
 * accepted and done, records/s) and the honest queries' q/s and p50/p95/p99 against the 250 ms
 * target, with every lane's answers counted by status. Not a test: nothing here fails on speed.
 *
 * Every loop is bounded twice, by the deadline and by a count; every request has a timeout; the
 * only target is the hub the benchmark started on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { penaltyRecord, uscc } from '../test/fixtures/credit-data';
import { Cleanup, createDatabase, createVhost, deleteVhost, dropDatabase, MachineInfo, machineInfo } from './support/environment';
import { HubProcess } from './support/hub-processes';
import { BenchError, Deadline, errorText, interruption, LatencySummary, perSecond, round, say, seededRandom, sleep, summarize } from './support/util';

const DIST = resolve(__dirname, '..');
const REPO = resolve(__dirname, '..', '..');
const ITEM = 'administrative_penalty';
const P99_TARGET_MS = 250;

interface Options {
  readonly durationS: number;
  readonly embedded: boolean;
  readonly queryClients: number;
  readonly queryRate: number;
  readonly seedRecords: number;
  readonly honestBatch: number;
  readonly pgAdminUrl: string;
  readonly pgBaseUrl: string;
  readonly amqpBaseUrl: string;
}

const USAGE = `Usage: npm run bench:hostile -- [options]
  --duration S        seconds of mixed load (default 60, 10..600)
  --embedded          run against the embedded default (PGlite + in-process bus) instead of PostgreSQL + RabbitMQ
  --query-clients N   honest public query clients, each from its own loopback address (127.0.0.10, .11, …), as public
                      users are distinct clients of the rate limits; the hostile lanes all come from 127.0.0.1 (default 4)
  --query-rate N      queries per second of each honest client, paced; 0: closed loop, as fast as answered (default 5)
  --seed-records N    records loaded before the load, the subjects the honest clients ask for (default 2000)
  --honest-batch N    records per honest batch (default 500)
  --pg-admin-url U    (default postgres://postgres@127.0.0.1:5432/postgres)
  --pg-base-url U     (default postgres://postgres@127.0.0.1:5432)
  --amqp-base-url U   (default amqp://guest:guest@127.0.0.1:5672)`;

function parseOptions(argv: readonly string[]): Options | 'help' {
  const o = {
    durationS: 60,
    embedded: false,
    queryClients: 4,
    queryRate: 5,
    seedRecords: 2_000,
    honestBatch: 500,
    pgAdminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
    pgBaseUrl: 'postgres://postgres@127.0.0.1:5432',
    amqpBaseUrl: 'amqp://guest:guest@127.0.0.1:5672',
  };
  const int = (v: string | undefined, name: string, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new BenchError(`${name} must be an integer in ${min}..${max}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return 'help';
    else if (a === '--embedded') o.embedded = true;
    else if (a === '--duration') o.durationS = int(argv[++i], a, 10, 600);
    else if (a === '--query-clients') o.queryClients = int(argv[++i], a, 1, 64);
    else if (a === '--query-rate') o.queryRate = int(argv[++i], a, 0, 1000);
    else if (a === '--seed-records') o.seedRecords = int(argv[++i], a, 100, 100_000);
    else if (a === '--honest-batch') o.honestBatch = int(argv[++i], a, 1, 5_000);
    else if (a === '--pg-admin-url') o.pgAdminUrl = argv[++i];
    else if (a === '--pg-base-url') o.pgBaseUrl = argv[++i];
    else if (a === '--amqp-base-url') o.amqpBaseUrl = argv[++i];
    else throw new BenchError(`unknown option ${a}\n${USAGE}`);
  }
  for (const url of [o.pgAdminUrl, o.pgBaseUrl, o.amqpBaseUrl]) {
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) throw new BenchError(`only loopback targets: ${url}`);
  }
  return o;
}

/** Answers of one lane, by HTTP status, or by what went wrong instead (timeout, reset). */
class Tally {
  readonly byStatus: Record<string, number> = {};
  requests = 0;
  add(outcome: number | string): void {
    this.requests++;
    const key = String(outcome);
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
  }
}

interface Hub {
  readonly base: string;
  readonly adminToken: string;
  readonly processes: HubProcess[];
}

/** Aborted when the load's time is up, so no lane's request outlives it; such requests count as END. */
let loadPhase: AbortSignal | undefined;
const END = 'cut at the end of the load';

async function call(
  url: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<{ status: number | string; ms: number; body?: string }> {
  const started = performance.now();
  const phase = loadPhase;
  try {
    const signals = [AbortSignal.timeout(init.timeoutMs ?? 10_000), interruption.signal, ...(phase ? [phase] : [])];
    const response = await fetch(url, { ...init, signal: AbortSignal.any(signals) });
    const body = await response.text();
    return { status: response.status, ms: performance.now() - started, body };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    if (phase?.aborted) return { status: END, ms: performance.now() - started };
    const what = err.name === 'TimeoutError' ? 'timeout' : (err.cause?.code ?? err.name ?? 'error');
    return { status: what, ms: performance.now() - started };
  }
}

/** A GET from the loopback address `agent` binds (each honest client is its own client of the rate limits). */
function getFrom(agent: Agent, url: string, timeoutMs: number): Promise<{ status: number | string; ms: number }> {
  const started = performance.now();
  const phase = loadPhase;
  return new Promise((resolve) => {
    const req = httpGet(url, { agent, signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), interruption.signal, ...(phase ? [phase] : [])]) }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', (e: Error & { code?: string }) =>
      resolve({ status: phase?.aborted ? END : e.name === 'AbortError' ? 'timeout' : (e.code ?? e.name), ms: performance.now() - started }),
    );
  });
}

async function startHub(opts: Options, name: string, logDir: string, cleanup: Cleanup): Promise<Hub> {
  const adminToken = randomBytes(24).toString('hex');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, TZ: 'UTC', PORT: '0', HOST: '127.0.0.1', HUB_ADMIN_TOKEN: adminToken, HUB_DEMO_SUPPLIER: 'off' };
  if (opts.embedded) {
    env.HUB_DATA_DIR = join(logDir, 'data');
  } else {
    await createDatabase(opts.pgAdminUrl, name);
    cleanup.add(`drop database ${name}`, () => dropDatabase(opts.pgAdminUrl, name));
    await createVhost(name);
    cleanup.add(`delete vhost ${name}`, () => deleteVhost(name));
    env.DATABASE_URL = `${opts.pgBaseUrl}/${name}`;
    env.AMQP_URL = `${opts.amqpBaseUrl}/${encodeURIComponent(name)}`;
  }
  const hub = new HubProcess('hub', 'all', DIST, env, join(logDir, 'hub.log'));
  cleanup.add('stop hub', () => hub.stop());
  const deadline = new Deadline('hub start-up', 120_000);
  const base = (await hub.waitForLine(/listening on (http:\/\/[0-9.]+:\d+)/, deadline))[1];
  for (;;) {
    deadline.check();
    if ((await call(`${base}/health/ready`, { timeoutMs: 2_000 })).status === 200) break;
    await sleep(200);
  }
  return { base, adminToken, processes: [hub] };
}

async function registerSupplier(hub: Hub, code: string): Promise<string> {
  const r = await call(`${hub.base}/api/v1/admin/suppliers`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${hub.adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ code, name: `基准报送单位 ${code}`, items: [ITEM] }),
  });
  const key = r.body ? ((JSON.parse(r.body) as { apiKey?: string }).apiKey ?? '') : '';
  if (r.status !== 201 || !key) throw new BenchError(`register ${code}: ${r.status} ${r.body ?? ''}`);
  return key;
}

function pushInit(apiKey: string, body: string | Buffer, contentType = 'application/json', extra: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': contentType, ...extra }, body };
}

async function batchStatus(hub: Hub, apiKey: string, batchId: string): Promise<{ status: string; loaded: number; rejected: number } | undefined> {
  const r = await call(`${hub.base}/api/v1/ingest/batches/${batchId}?limit=1`, { headers: { Authorization: `Bearer ${apiKey}` } });
  if (r.status !== 200 || !r.body) return undefined;
  return JSON.parse(r.body) as { status: string; loaded: number; rejected: number };
}

/** Runs `step` until the deadline or `maxIterations`, whichever comes first. */
async function lane(deadline: Deadline, maxIterations: number, step: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < maxIterations && !deadline.passed && !interruption.signal.aborted; i++) await step(i);
}

interface HonestIngest {
  pushed: number;
  accepted: number;
  refused: Record<string, number>;
  doneDuringLoad: number;
  doneAfterDrain: number;
  recordsLoadedDuringLoad: number;
  recordsLoadedAfterDrain: number;
  recordsPerSecondDuringLoad: number;
  drainSeconds: number | null;
}

interface Report {
  readonly startedAt: string;
  readonly command: string;
  readonly mode: 'services' | 'embedded';
  readonly machine: MachineInfo | { cpuCount: number; note: string };
  readonly durationS: number;
  honestIngest?: HonestIngest;
  honestQueries?: { queries: number; qps: number; latencyMs: LatencySummary | null; byStatus: Record<string, number>; p99TargetMs: number; p99Met: boolean };
  hostile?: Record<string, { requests: number; byStatus: Record<string, number> }>;
  after?: { ready: number | string; query: number | string; hubRunning: boolean; warnings: number };
  error?: string;
}

async function runLoad(opts: Options, hub: Hub, report: Report): Promise<void> {
  const honestKey = await registerSupplier(hub, 'honest');
  const hostileKey = await registerSupplier(hub, 'hostile');

  // --- seed: the subjects honest clients ask for ----------------------------------------------
  const seedDeadline = new Deadline('seeding', 300_000);
  const seedBatches: string[] = [];
  for (let from = 1; from <= opts.seedRecords; from += 500) {
    const records = Array.from({ length: Math.min(500, opts.seedRecords - from + 1) }, (_, i) => penaltyRecord(from + i));
    const r = await call(`${hub.base}/api/v1/ingest/${ITEM}`, pushInit(honestKey, JSON.stringify(records)));
    if (r.status !== 202 || !r.body) throw new BenchError(`seed push: ${r.status} ${r.body ?? ''}`);
    seedBatches.push((JSON.parse(r.body) as { batchId: string }).batchId);
  }
  for (const id of seedBatches) {
    while ((await batchStatus(hub, honestKey, id))?.status !== 'done') {
      seedDeadline.check();
      await sleep(200);
    }
  }
  say(`seeded ${opts.seedRecords} records`);

  // --- the hostile payloads, built before the clock starts --------------------------------------
  const deep = `[${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}]`;
  const wide = JSON.stringify([Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]))]);
  const oversize = JSON.stringify([penaltyRecord(9_000_001, { source_key: 'HOSTILE-big', violation_facts: '大'.repeat(1_500_000) })]);
  const nulRecord = JSON.stringify([penaltyRecord(9_000_002, { source_key: 'HOSTILE-nul', subject_name: 'a\u0000b' }), penaltyRecord(9_000_003, { source_key: 'HOSTILE-sur', subject_name: 'x\ud800y' })]);
  const badNdjson = Buffer.concat([Buffer.from('{"source_key":"HOSTILE-bytes","subject_name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}\n')]);
  const badCsv = Buffer.concat([Buffer.from('source_key,subject_name\nHOSTILE-csv,'), Buffer.from([0xff, 0x00, 0xfe]), Buffer.from('\n')]);
  const gzipBomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
  const soapBomb = gzipSync(Buffer.concat([Buffer.from('<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'), Buffer.alloc(32 * 1024 * 1024, 0x20), Buffer.from('</soap:Body></soap:Envelope>')]), { level: 9 });
  const nulPaths = ['/api/v1/subjects/x%00', '/api/v1/subjects/%ED%A0%80', `/api/v1/subjects/${uscc(1)}%00`, '/api/v1/subjects/%C0%AF..%2F', '/api/v1/reports/x%00'];

  const loadMs = opts.durationS * 1000;
  const deadline = new Deadline('the hostile load', loadMs);
  loadPhase = AbortSignal.timeout(loadMs);
  const started = performance.now();
  const tallies: Record<string, Tally> = {};
  const tally = (name: string) => (tallies[name] ??= new Tally());

  // --- honest supplier: a batch, then the next, as a supplier system does ----------------------
  const honest: HonestIngest = { pushed: 0, accepted: 0, refused: {}, doneDuringLoad: 0, doneAfterDrain: 0, recordsLoadedDuringLoad: 0, recordsLoadedAfterDrain: 0, recordsPerSecondDuringLoad: 0, drainSeconds: null };
  const honestBatches: string[] = [];
  const honestLane = lane(deadline, 10_000, async (i) => {
    const records = Array.from({ length: opts.honestBatch }, (_, k) => penaltyRecord(1_000_000 + i * opts.honestBatch + k, { source_key: `HONEST-${i}-${k}` }));
    honest.pushed++;
    const r = await call(`${hub.base}/api/v1/ingest/${ITEM}`, { ...pushInit(honestKey, JSON.stringify(records), 'application/json', { 'Idempotency-Key': `honest-${i}` }), timeoutMs: 30_000 });
    if (r.status === 202 && r.body) {
      honest.accepted++;
      honestBatches.push((JSON.parse(r.body) as { batchId: string }).batchId);
    } else if (r.status === END) {
      honest.pushed--;
    } else {
      honest.refused[String(r.status)] = (honest.refused[String(r.status)] ?? 0) + 1;
      await sleep(500);
    }
    await sleep(250);
  });

  // --- honest public queries, closed loop --------------------------------------------------
  const latencies: number[] = [];
  const queryStatus = new Tally();
  const random = seededRandom(11);
  const intervalMs = opts.queryRate > 0 ? 1000 / opts.queryRate : 0;
  const queryLanes = Array.from({ length: opts.queryClients }, (_, n) => {
    const from = new Agent({ keepAlive: true, localAddress: `127.0.0.${10 + n}` });
    return lane(deadline, 1_000_000, async () => {
      const code = uscc(1 + Math.floor(random() * opts.seedRecords));
      const r = await getFrom(from, `${hub.base}/api/v1/subjects/${code}`, 10_000);
      if (r.status === END) return;
      queryStatus.add(r.status);
      if (r.status === 200) latencies.push(r.ms);
      if (intervalMs > r.ms) await sleep(intervalMs - r.ms);
    });
  });

  // --- hostile lanes ---------------------------------------------------------------------------
  const hostileLanes = [
    lane(deadline, 100_000, async (i) => {
      tally('nul-surrogate paths').add((await call(`${hub.base}${nulPaths[i % nulPaths.length]}`)).status);
      await sleep(20);
    }),
    lane(deadline, 10_000, async () => {
      tally('NUL/surrogate in records').add((await call(`${hub.base}/api/v1/ingest/${ITEM}`, pushInit(hostileKey, nulRecord))).status);
      await sleep(500);
    }),
    lane(deadline, 1_000, async () => {
      tally('oversize record (4.5 MB)').add((await call(`${hub.base}/api/v1/ingest/${ITEM}`, { ...pushInit(hostileKey, oversize), timeoutMs: 30_000 })).status);
      await sleep(3_000);
    }),
    lane(deadline, 1_000, async () => {
      tally('wide record (100k keys)').add((await call(`${hub.base}/api/v1/ingest/${ITEM}`, { ...pushInit(hostileKey, wide), timeoutMs: 30_000 })).status);
      await sleep(5_000);
    }),
    lane(deadline, 10_000, async () => {
      tally('deep body (10k levels)').add((await call(`${hub.base}/api/v1/ingest/${ITEM}`, pushInit(hostileKey, deep))).status);
      await sleep(500);
    }),
    lane(deadline, 10_000, async (i) => {
      const [body, type] = i % 2 === 0 ? [badNdjson, 'application/x-ndjson'] : [badCsv, 'text/csv'];
      tally('bad bytes (NDJSON, CSV)').add((await call(`${hub.base}/api/v1/ingest/${ITEM}`, { ...pushInit(hostileKey, body, type), timeoutMs: 5_000 })).status);
      await sleep(500);
    }),
    lane(deadline, 1_000, async (i) => {
      const soap = i % 2 === 1;
      const r = soap
        ? await call(`${hub.base}/soap/v1/ingest`, { method: 'POST', headers: { 'Content-Type': 'text/xml', 'Content-Encoding': 'gzip', SOAPAction: 'SubmitRecords' }, body: soapBomb, timeoutMs: 30_000 })
        : await call(`${hub.base}/api/v1/ingest/${ITEM}`, { ...pushInit(hostileKey, gzipBomb, 'application/json', { 'Content-Encoding': 'gzip' }), timeoutMs: 30_000 });
      tally(soap ? 'gzip bomb (SOAP, unauthenticated, 32 MB inflated)' : 'gzip bomb (REST, 64 MB inflated)').add(r.status);
      await sleep(2_000);
    }),
    lane(deadline, 100_000, async (i) => {
      const r =
        i % 2 === 0
          ? await call(`${hub.base}/api/v1/subjects/${uscc(1)}`, { headers: { Authorization: `Bearer cqa_${randomBytes(16).toString('hex')}` } })
          : await call(`${hub.base}/api/v1/ingest/${ITEM}`, pushInit(`chk_${randomBytes(16).toString('hex')}`, '[]'));
      tally('bad tokens').add(r.status);
      await sleep(20);
    }),
    ...Array.from({ length: 4 }, (_, laneNo) =>
      lane(deadline, 1_000_000, async (i) => {
        tally('enumeration (one client, 4 in flight, no pause)').add((await call(`${hub.base}/api/v1/subjects/${uscc(5_000_000 + laneNo * 1_000_000 + i)}`)).status);
      }),
    ),
    slowUploads(hub, hostileKey, deadline, 16, tally('slow uploads (16 connections, 1 byte/s)')),
  ];

  const progress = setInterval(() => {
    say(`  ${round((performance.now() - started) / 1000, 0)} s: honest batches ${honest.accepted}/${honest.pushed}, honest queries ${queryStatus.requests}, hostile requests ${Object.values(tallies).reduce((n, t) => n + t.requests, 0)}`);
  }, 10_000);
  try {
    await Promise.all([honestLane, ...queryLanes, ...hostileLanes]);
  } finally {
    clearInterval(progress);
    loadPhase = undefined;
  }
  const loadSeconds = (performance.now() - started) / 1000;

  // --- what the honest supplier got ------------------------------------------------------------
  const countLoaded = async () => {
    let done = 0;
    let loaded = 0;
    for (const id of honestBatches) {
      const s = await batchStatus(hub, honestKey, id);
      if (s?.status === 'done') done++;
      loaded += s?.loaded ?? 0;
    }
    return { done, loaded };
  };
  const atEnd = await countLoaded();
  honest.doneDuringLoad = atEnd.done;
  honest.recordsLoadedDuringLoad = atEnd.loaded;
  honest.recordsPerSecondDuringLoad = round(atEnd.loaded / loadSeconds, 0);
  const drainStarted = performance.now();
  const drain = new Deadline('draining the honest batches', 180_000);
  let after = atEnd;
  while (after.done < honestBatches.length && !drain.passed) {
    await sleep(1_000);
    after = await countLoaded();
  }
  honest.doneAfterDrain = after.done;
  honest.recordsLoadedAfterDrain = after.loaded;
  honest.drainSeconds = after.done === honestBatches.length ? round((performance.now() - drainStarted) / 1000, 1) : null;
  report.honestIngest = honest;

  const sorted = [...latencies].sort((a, b) => a - b);
  const latency = sorted.length > 0 ? summarize(sorted) : null;
  report.honestQueries = {
    queries: queryStatus.requests,
    qps: perSecond(queryStatus.requests, loadSeconds * 1000),
    latencyMs: latency,
    byStatus: queryStatus.byStatus,
    p99TargetMs: P99_TARGET_MS,
    p99Met: latency !== null && latency.p99Ms < P99_TARGET_MS && queryStatus.requests === (queryStatus.byStatus['200'] ?? 0),
  };
  report.hostile = Object.fromEntries(Object.entries(tallies).map(([k, t]) => [k, { requests: t.requests, byStatus: t.byStatus }]));

  // --- is the hub still itself? -----------------------------------------------------------------
  const ready = await call(`${hub.base}/health/ready`);
  const query = await call(`${hub.base}/api/v1/subjects/${uscc(1)}`);
  report.after = {
    ready: ready.status,
    query: query.status,
    hubRunning: hub.processes.every((p) => p.running),
    warnings: hub.processes.reduce((n, p) => n + p.warnings.length, 0),
  };
}

/**
 * Slow uploads: `count` connections each declare a 1 MB body and send one byte a second until
 * the deadline. Counts how each ended: answered (by status), closed by the hub, or still open.
 */
async function slowUploads(hub: Hub, apiKey: string, deadline: Deadline, count: number, tally: Tally): Promise<void> {
  const target = new URL(hub.base);
  await Promise.all(
    Array.from({ length: count }, async () => {
      const socket: Socket = connect({ host: target.hostname, port: Number(target.port) });
      let answer = '';
      let closed = false;
      socket.on('data', (b: Buffer) => (answer += b.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => (closed = true));
      await new Promise<void>((r) => socket.once('connect', () => r()).once('error', () => r()));
      socket.write(`POST /api/v1/ingest/${ITEM} HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n[`);
      for (let i = 0; i < 600 && !deadline.passed && !closed && answer === '' && !interruption.signal.aborted; i++) {
        await sleep(1_000);
        socket.write(' ');
      }
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      tally.add(status ?? (closed ? 'closed by hub' : 'still open at the end'));
      socket.destroy();
    }),
  );
}

function printReport(r: Report): void {
  say();
  say(`hostile-load benchmark, ${r.mode}, ${r.durationS} s (${r.startedAt})`);
  if (r.honestIngest) {
    const h = r.honestIngest;
    say(`honest supplier: ${h.accepted}/${h.pushed} batches accepted (${JSON.stringify(h.refused)} refused); done during the load ${h.doneDuringLoad}, after draining ${h.doneAfterDrain}${h.drainSeconds === null ? ' (NOT all done within 180 s)' : ` (${h.drainSeconds} s)`}`);
    say(`  records loaded during the load ${h.recordsLoadedDuringLoad} (${h.recordsPerSecondDuringLoad} records/s), after draining ${h.recordsLoadedAfterDrain}`);
  }
  if (r.honestQueries) {
    const q = r.honestQueries;
    const l = q.latencyMs;
    say(`honest public queries: ${q.queries} (${q.qps} q/s), by status ${JSON.stringify(q.byStatus)}`);
    say(`  latency of the 200s: ${l ? `p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms` : 'none'}; p99 < ${q.p99TargetMs} ms with no error: ${q.p99Met ? 'MET' : 'NOT MET'}`);
  }
  if (r.hostile) {
    say('hostile lanes:');
    for (const [name, t] of Object.entries(r.hostile)) say(`  ${name}: ${t.requests} requests, ${JSON.stringify(t.byStatus)}`);
  }
  if (r.after) say(`after the load: /health/ready ${r.after.ready}, a public query ${r.after.query}, hub running ${r.after.hubRunning}, ${r.after.warnings} warning lines`);
  if (r.error) say(`ERROR: ${r.error}`);
}

async function main(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') {
    say(USAGE);
    return;
  }
  const opts = parsed;
  const name = `bench_hostile_${Date.now()}`;
  const logDir = mkdtempSync(join(tmpdir(), `credit-hub-${name}-`));
  const cleanup = new Cleanup();
  cleanup.runOnSignals('stopping the hub and dropping the bench database');
  if (opts.embedded) cleanup.add('delete the embedded data folder', () => Promise.resolve(rmSync(join(logDir, 'data'), { recursive: true, force: true })));
  const report: Report = {
    startedAt: new Date().toISOString(),
    command: `npm run bench:hostile -- ${process.argv.slice(2).join(' ')}`.trim(),
    mode: opts.embedded ? 'embedded' : 'services',
    machine: await machineInfo(opts.pgAdminUrl).catch(() => ({ cpuCount: 0, note: 'PostgreSQL not reachable for machine info' })),
    durationS: opts.durationS,
  };
  say(`hub logs in ${logDir}`);
  try {
    const hub = await startHub(opts, name, logDir, cleanup);
    say(`hub ready at ${hub.base} (${report.mode})`);
    await runLoad(opts, hub, report);
  } catch (e) {
    report.error = errorText(e);
    process.exitCode = 1;
  } finally {
    await cleanup.run();
    printReport(report);
    const dir = join(REPO, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `hostile-${report.mode}-${report.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    say(`wrote ${file}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${errorText(e)}\n`);
  process.exit(1);
});
