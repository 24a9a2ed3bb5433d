import { spawn } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { penaltyRecord, uscc } from '../fixtures/credit-data';
import * as iconv from 'iconv-lite';
import { request as httpRequest } from 'node:http';
import { push, querySubject, waitForBatchDone } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { reliabilityCase } from '../support/reliability';

jest.setTimeout(240_000);

/**
 * The quick start: no DATABASE_URL, no AMQP_URL. The hub keeps its data (PGlite) and its queue
 * under HUB_DATA_DIR, prints an operator token and a demo supplier key, and survives kill -9.
 */
describe('the embedded default', () => {
  let dataDir: string;
  let hub: HubProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'credit-hub-embedded-'));
  });

  afterAll(async () => {
    await hub?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const PUBLIC_LIMIT = 20;
  const start = () => startHubProcess({ env: { HUB_DATA_DIR: dataDir, RATE_LIMIT_PUBLIC_PER_MINUTE: String(PUBLIC_LIMIT) }, readyTimeoutMs: 120_000 });

  it('starts with no services, takes a push, answers a query, and keeps the data across kill -9', async () => {
    hub = await start();
    const printedKey = /demo supplier "demo" API key: (chk_\S+)/.exec(hub.logs())?.[1];
    expect(printedKey).toBeDefined();
    expect(readFileSync(join(dataDir, 'demo-supplier.key'), 'utf8')).toBe(printedKey);
    expect(hub.logs()).toMatch(/operator token \(HUB_ADMIN_TOKEN\): \S{16,}/);
    const apiKey = printedKey as string;

    const accepted = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify([penaltyRecord(1), penaltyRecord(2)]));
    expect(accepted.status).toBe(202);
    expect((await waitForBatchDone(hub.url, apiKey, accepted.body.batchId as string)).loaded).toBe(2);
    expect((await querySubject(hub.url, uscc(1))).status).toBe(200);

    await hub.kill();
    hub = await start();
    expect((await querySubject(hub.url, uscc(1))).body).toMatchObject({ code: uscc(1), records: [expect.objectContaining({ item: 'administrative_penalty' })] });
    // Printed when created, never again: a later start says where the key is kept.
    expect(hub.logs()).not.toContain(apiKey);
    expect(hub.logs()).toContain('demo supplier "demo" exists; its API key is kept in');
  });

  it('loads after a restart what it acknowledged just before being killed', async () => {
    hub = hub ?? (await start());
    const apiKey = readFileSync(join(dataDir, 'demo-supplier.key'), 'utf8');
    const records = Array.from({ length: 3_000 }, (_, n) => penaltyRecord(10_000 + n));
    const accepted = await push(hub.url, apiKey, 'administrative_penalty', JSON.stringify(records));
    expect(accepted.status).toBe(202);
    await hub.kill(); // the 202 is out; the worker has at best begun
    hub = await start();
    const report = await waitForBatchDone(hub.url, apiKey, accepted.body.batchId as string, 180_000);
    expect({ loaded: report.loaded, rejected: report.rejected }).toEqual({ loaded: 3_000, rejected: 0 });
    expect((await querySubject(hub.url, uscc(12_999))).status).toBe(200);
  });

  reliabilityCase(
    {
      id: 'G4-ndjson-bad-bytes-embedded',
      group: 'G edges (wave 2 findings)',
      title: 'an NDJSON body with bytes invalid in its charset is answered; only the broken line is refused',
      channel: 'REST NDJSON, embedded',
      input: '4 NDJSON lines declared UTF-8, line 3 holding a GBK-encoded company name',
      expected: '202 (the request used to hang); line 3 ENCODING_MISMATCH naming line 3; the other three loaded; the batch done',
    },
    async () => {
      hub = hub ?? (await start());
      const apiKey = readFileSync(join(dataDir, 'demo-supplier.key'), 'utf8');
      const lines: Buffer[] = [1, 2, 3, 4].map((n) => Buffer.from(`${JSON.stringify(penaltyRecord(20_000 + n, { source_key: `EMB-ND-${n}` }))}\n`));
      lines[2] = iconv.encode(lines[2].toString('utf8'), 'gbk');
      const accepted = await push(hub.url, apiKey, 'administrative_penalty', Buffer.concat(lines), { contentType: 'application/x-ndjson' });
      expect(accepted.status).toBe(202);
      const report = await waitForBatchDone(hub.url, apiKey, accepted.body.batchId as string);
      expect(report.rejections).toEqual([expect.objectContaining({ index: 2, code: 'ENCODING_MISMATCH', value: expect.stringMatching(/^第 3 行，字节偏移 \d+$/) })]);
      expect(report.loaded).toBe(3);
      const empty = await push(hub.url, apiKey, 'administrative_penalty', '', { contentType: 'application/x-ndjson' });
      expect(empty.body.error?.code).toBe('EMPTY_BODY');
      return {
        observed: `202; loaded ${report.loaded}; ${report.rejections[0].code} ${report.rejections[0].value}; an empty body ${empty.status} ${empty.body.error?.code}`,
        accepted: 4,
        loaded: report.loaded,
        rejected: report.rejections.length,
        lost: 4 - report.loaded - report.rejections.length,
        duplicated: 0,
        answers500: 0,
        stuckBatches: report.status === 'done' ? 0 : 1,
      };
    },
  );

  /** GET from a given loopback source address (each 127.0.0.x is one client of the rate limits). */
  function getFrom(from: string, path: string): Promise<{ status: number; retryAfter: string | undefined }> {
    const url = new URL(path, hub?.url);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, localAddress: from, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }));
      });
      req.on('error', reject);
      req.end();
    });
  }
  const refusedLooks = async () => {
    const metrics = await (await fetch(`${hub?.url}/metrics`)).text();
    return Number(/^credithub_query_looks_total\{caller_kind="public",query_kind="subject",outcome="refused"\} ([0-9]+)$/m.exec(metrics)?.[1] ?? 0);
  };

  reliabilityCase(
    {
      id: 'G7-rate-limit-embedded', group: 'G edges (wave 2 findings)', title: 'the embedded default limits anonymous queries and logs each 429 in its own database',
      channel: 'query edge, embedded',
      input: `${PUBLIC_LIMIT + 5} anonymous GET /api/v1/subjects/{code} from one loopback address (RATE_LIMIT_PUBLIC_PER_MINUTE=${PUBLIC_LIMIT}, counts in PGlite)`,
      expected: `at most ${PUBLIC_LIMIT} answered, the rest 429 with Retry-After; every 429 committed to the query log (metrics: looks refused); another address still served`,
    },
    async () => {
      hub = hub ?? (await start());
      const refusedBefore = await refusedLooks();
      let answers: Array<{ status: number; retryAfter: string | undefined }> = [];
      // Rerun from a fresh address when a burst straddles a minute (the limits' window); nothing is timed.
      for (let attempt = 0; attempt < 3; attempt++) {
        const minute = Math.floor(Date.now() / 60_000);
        answers = [];
        for (let i = 0; i < PUBLIC_LIMIT + 5; i++) answers.push(await getFrom(`127.0.0.${40 + attempt}`, `/api/v1/subjects/${uscc(1)}`));
        if (Math.floor(Date.now() / 60_000) === minute) break;
      }
      const limited = answers.filter((a) => a.status === 429);
      expect(answers.slice(0, PUBLIC_LIMIT).every((a) => a.status === 200)).toBe(true);
      expect(limited).toHaveLength(5);
      for (const a of limited) expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      expect((await getFrom('127.0.0.50', `/api/v1/subjects/${uscc(1)}`)).status).toBe(200);
      const refusedAfter = await refusedLooks();
      expect(refusedAfter - refusedBefore).toBeGreaterThanOrEqual(5);
      return {
        observed: `${answers.length - limited.length} × 200, ${limited.length} × 429; ${refusedAfter - refusedBefore} refused looks committed`,
        accepted: 0, loaded: 0, rejected: 0, lost: 0, duplicated: 0, answers500: answers.filter((a) => a.status >= 500).length, stuckBatches: 0,
      };
    },
  );

  reliabilityCase(
    {
      id: 'G9-idempotency-conflict-embedded', group: 'G edges (wave 2 findings)', title: 'the embedded default refuses an Idempotency-Key sent again with other content',
      channel: 'REST JSON, embedded',
      input: 'key K with one record (202), K with the same body, K with another record',
      expected: '202, 202 with the same batch, 409 IDEMPOTENCY_CONFLICT naming it; the other record is never stored',
    },
    async () => {
      hub = hub ?? (await start());
      const apiKey = readFileSync(join(dataDir, 'demo-supplier.key'), 'utf8');
      const a = JSON.stringify([penaltyRecord(21_001)]);
      const b = JSON.stringify([penaltyRecord(21_002)]);
      const first = await push(hub.url, apiKey, 'administrative_penalty', a, { idempotencyKey: 'embedded-k' });
      const again = await push(hub.url, apiKey, 'administrative_penalty', a, { idempotencyKey: 'embedded-k' });
      const other = await push(hub.url, apiKey, 'administrative_penalty', b, { idempotencyKey: 'embedded-k' });
      expect([first.status, again.status, other.status]).toEqual([202, 202, 409]);
      expect(again.body.batchId).toBe(first.body.batchId);
      expect(other.body.error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', details: [{ batchId: first.body.batchId, reason: 'OTHER_CONTENT' }] });
      expect((await waitForBatchDone(hub.url, apiKey, first.body.batchId as string)).loaded).toBe(1);
      expect((await getFrom('127.0.0.51', `/api/v1/subjects/${uscc(21_002)}`)).status).toBe(404);
      return { observed: '202, 202 (same batch), 409 IDEMPOTENCY_CONFLICT; the refused record is not stored', accepted: 1, loaded: 1, rejected: 0, lost: 0, duplicated: 0, answers500: 0, stuckBatches: 0 };
    },
  );
});

const NOTHING_ACCEPTED = { accepted: 0, loaded: 0, rejected: 0, lost: 0, duplicated: 0, answers500: 0, stuckBatches: 0 };
/** A valid citizen ID (GB 11643 check digit): what the masking logger must never write whole. */
const CITIZEN_ID = '11010519491231002X';

/** Every path under a folder with its permission bits (symbolic links and sockets left out). */
function modes(root: string): { path: string; kind: 'dir' | 'file'; mode: number }[] {
  const out: { path: string; kind: 'dir' | 'file'; mode: number }[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isDirectory()) {
      out.push({ path, kind: 'dir', mode: stat.mode & 0o777 });
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (stat.isFile()) {
      out.push({ path, kind: 'file', mode: stat.mode & 0o777 });
    }
  };
  walk(root);
  return out;
}

/**
 * Embedded default hygiene (issue 11, finding 11). The fixture: a first start on an empty
 * folder; then the folder loosened the way an older version left it (folders 0755, files 0644);
 * then a second start with a preloaded module that leaves a rejection carrying a citizen ID
 * unhandled. Each case reads its part of that.
 */
describe('embedded default hygiene', () => {
  let dataDir: string;
  let scratch: string;
  let firstLogs: string;
  let hub: HubProcess | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'credit-hub-hygiene-'));
    scratch = mkdtempSync(join(tmpdir(), 'credit-hub-hygiene-preload-'));
    const first = await startHubProcess({ env: { HUB_DATA_DIR: dataDir }, readyTimeoutMs: 120_000 });
    firstLogs = first.logs();
    await first.stop();
    for (const entry of modes(dataDir)) chmodSync(entry.path, entry.kind === 'dir' ? 0o755 : 0o644);
    const preload = join(scratch, 'unhandled.js');
    writeFileSync(preload, `setImmediate(() => { Promise.reject(new Error('lookup of subject ${CITIZEN_ID} failed')); });\n`);
    hub = await startHubProcess({ env: { HUB_DATA_DIR: dataDir, NODE_OPTIONS: `--require ${preload}` }, readyTimeoutMs: 120_000 });
  });

  afterAll(async () => {
    await hub?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  reliabilityCase(
    {
      id: 'G11-embedded-secrets-printed-once',
      group: 'G edges (wave 2 findings)',
      title: 'the operator token and the demo key are printed when created, not at every start',
      channel: 'embedded',
      input: 'npm start on an empty data folder, stop, start again',
      expected: 'the first start prints both and where they are kept; the second prints neither value, only where they are kept',
    },
    async () => {
      const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
      const key = readFileSync(join(dataDir, 'demo-supplier.key'), 'utf8').trim();
      expect(firstLogs).toContain(`operator token (HUB_ADMIN_TOKEN): ${token}`);
      expect(firstLogs).toContain(`demo supplier "demo" API key: ${key}`);
      const second = hub!.logs();
      expect(second).not.toContain(token);
      expect(second).not.toContain(key);
      expect(second).toContain(`operator token (HUB_ADMIN_TOKEN) is kept in ${join(dataDir, 'admin-token')}`);
      expect(second).toContain(`its API key is kept in ${join(dataDir, 'demo-supplier.key')}`);
      return { observed: 'first start printed token and key; second start printed only where they are kept', ...NOTHING_ACCEPTED };
    },
  );

  reliabilityCase(
    {
      id: 'G11-data-dir-modes',
      group: 'G edges (wave 2 findings)',
      title: 'the data folder is 0700 and its files 0600, older ones included; the database socket is inside it',
      channel: 'embedded',
      input: 'a data folder left by an older version with folders 0755 and files 0644 (token, secret key, demo key, PGlite files); start the hub',
      expected: 'every folder 0700, every file 0600 or stricter; the PGlite socket in <data>/run, no predictable /tmp name',
    },
    async () => {
      const entries = modes(dataDir);
      const loose = entries.filter((e) => (e.kind === 'dir' ? e.mode !== 0o700 : (e.mode & ~0o600) !== 0));
      expect(loose).toEqual([]);
      expect(entries.filter((e) => e.kind === 'file').length).toBeGreaterThan(10);
      expect(readdirSync(join(dataDir, 'run'))).toContain('.s.PGSQL.5432');
      return { observed: `${entries.length} paths checked, none looser than 0700/0600; socket at run/.s.PGSQL.5432`, ...NOTHING_ACCEPTED };
    },
  );

  reliabilityCase(
    {
      id: 'G11-no-x-powered-by',
      group: 'G edges (wave 2 findings)',
      title: 'no answer names the framework',
      channel: 'embedded, REST',
      input: 'GET /health/live, GET /api/v1/subjects/<code>, GET /api/docs-json, GET /no-such-path, GET /soap/v1/ingest?wsdl',
      expected: 'no X-Powered-By header on any answer',
    },
    async () => {
      const paths = ['/health/live', `/api/v1/subjects/${uscc(1)}`, '/api/docs-json', '/no-such-path', '/soap/v1/ingest?wsdl'];
      const seen: string[] = [];
      let answers500 = 0;
      for (const path of paths) {
        const response = await fetch(`${hub!.url}${path}`);
        await response.arrayBuffer();
        if (response.status >= 500) answers500++;
        expect(response.headers.get('x-powered-by')).toBeNull();
        seen.push(`${path} ${response.status}`);
      }
      return { observed: `${seen.join(', ')}: no X-Powered-By`, ...NOTHING_ACCEPTED, answers500 };
    },
  );

  reliabilityCase(
    {
      id: 'G11-unhandled-masked',
      group: 'G edges (wave 2 findings)',
      title: 'an unhandled rejection or uncaught exception is logged through the masking logger',
      channel: 'embedded',
      input: `a rejection nobody handles whose message holds the citizen ID ${CITIZEN_ID}; then a process that throws an uncaught exception holding it`,
      expected: 'both logged with the ID masked (1101**********002X), never whole; the rejection leaves the hub serving, the exception ends its process with code 1',
    },
    async () => {
      const logs = hub!.logs();
      expect(logs).toMatch(/unhandled rejection: Error: lookup of subject 1101\*{10}002X failed/);
      expect(logs).not.toContain(CITIZEN_ID);
      expect((await fetch(`${hub!.url}/health/live`)).status).toBe(200);

      const crashDir = mkdtempSync(join(tmpdir(), 'credit-hub-crash-'));
      const preload = join(scratch, 'uncaught.js');
      writeFileSync(preload, `setImmediate(() => { throw new Error('subject ${CITIZEN_ID} crashed'); });\n`);
      const child = spawn(process.execPath, ['dist/apps/hub/src/main.js'], {
        cwd: join(__dirname, '..', '..'),
        env: { PATH: process.env.PATH ?? '', TZ: 'UTC', PORT: '0', HUB_DATA_DIR: crashDir, NODE_OPTIONS: `--require ${preload}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
      child.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      rmSync(crashDir, { recursive: true, force: true });
      expect(code).toBe(1);
      expect(output).toMatch(/uncaught exception: Error: subject 1101\*{10}002X crashed/);
      expect(output).not.toContain(CITIZEN_ID);
      return { observed: 'rejection logged masked, hub still live; uncaught exception logged masked, exit code 1', ...NOTHING_ACCEPTED };
    },
  );
});
