import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestSupplier, startRestSupplier } from '../../test/support/rest-supplier';
import { connectorLedger, reliabilityCase } from '../../test/support/reliability';
import { Connector, ConnectorError, Cursor, Feedback } from '../connector.contract';
import { restPullManifest } from './manifest';
import { permissiveEgressGuard } from '../../libs/security/egress-policy';

type Mode = 'page' | 'offset' | 'cursor' | 'link';
const MODES: Mode[] = ['page', 'offset', 'cursor', 'link'];

const BASE = Date.parse('2026-03-01T08:00:00.000Z');
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

let supplier: RestSupplier;
let workDir: string;
let logs: string[];

beforeEach(async () => {
  supplier = await startRestSupplier({ token: 'secret-token' });
  workDir = mkdtempSync(join(tmpdir(), 'rest-pull-'));
  logs = [];
});

afterEach(async () => {
  await supplier.close();
  rmSync(workDir, { recursive: true, force: true });
});

function paging(mode: Mode, pageSize: number): Record<string, unknown> {
  switch (mode) {
    case 'page':
      return { path: '/v1/page/records', recordsPath: 'data.items', pagination: { mode, pageSize } };
    case 'offset':
      return { path: '/v1/offset/records', recordsPath: 'data.items', pagination: { mode, pageSize } };
    case 'cursor':
      return { path: '/v1/cursor/records', recordsPath: 'data.items', pagination: { mode, pageSize, nextCursorPath: 'data.next_cursor' } };
    case 'link':
      return { path: '/v1/link/records', recordsPath: '', pagination: { mode, pageSize } };
  }
}

function connector(mode: Mode, overrides: Record<string, unknown> = {}, pageSize = 4): Connector {
  const config = restPullManifest.configSchema.parse({
    baseUrl: supplier.url,
    auth: { type: 'bearer' },
    token: 'secret-token',
    incremental: { param: 'since', field: 'updated_at' },
    retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 50 },
    timeoutMs: 2_000,
    ...paging(mode, pageSize),
    ...overrides,
  });
  return restPullManifest.create(config, { workDir, now: () => new Date(), log: (_level, message) => logs.push(message), egress: permissiveEgressGuard() });
}

interface ReadOutcome {
  readonly batches: { key: string; label: string; ids: string[]; cursorAfter: Cursor }[];
  /** The cursor the runtime would have stored. */
  readonly cursor: Cursor | null;
}

/**
 * What the runtime does: drain each batch, then store its cursor. `crashAfter` stops after that
 * many batches were read; `storedUpTo` is how many of them had their cursor stored (a crash
 * between the broker's confirm and the cursor write leaves the last one unstored).
 */
async function run(c: Connector, cursor: Cursor | null, options: { crashAfter?: number; storedUpTo?: number } = {}): Promise<ReadOutcome> {
  const batches: ReadOutcome['batches'] = [];
  let stored = cursor;
  for await (const batch of c.read(cursor)) {
    const ids: string[] = [];
    for await (const record of batch.records) ids.push(String(record.id));
    batches.push({ key: batch.key, label: batch.label, ids, cursorAfter: batch.cursorAfter });
    if (options.storedUpTo === undefined || batches.length <= options.storedUpTo) stored = batch.cursorAfter;
    if (options.crashAfter !== undefined && batches.length >= options.crashAfter) break;
  }
  await c.close();
  return { batches, cursor: stored };
}

const allIds = (outcome: ReadOutcome) => outcome.batches.flatMap((b) => b.ids);

function feedback(batchId: string): Feedback {
  return {
    batchId,
    label: 'page 1 since the beginning',
    address: { since: null, page: 1 },
    received: 4,
    loaded: 3,
    rejected: 1,
    rejections: [{ index: 2, sourceKey: 'R00003', field: 'uscc', code: 'INVALID_CHECKSUM', value: '91350200MA000000X0', message: '统一社会信用代码校验位错误', hint: '核对校验位' }],
  };
}

describe('rest-pull against a supplier on loopback', () => {
  reliabilityCase(
    {
      id: 'D8-503',
      group: 'D connector',
      title: 'a REST supplier answering 503 twice: the page is retried, nothing lost',
      channel: 'REST pull, connector against a loopback supplier',
      input: '10 records in pages of 4; the first two requests answer 503',
      expected: 'retried with backoff (HTTP_503 logged twice); every record read once; the cursor moves only with pages read',
    },
    async () => {
    supplier.addRecords(10, at);
    supplier.faults.push({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });

    const outcome = await run(connector('page'), null);

    expect(allIds(outcome)).toEqual(supplier.records.map((r) => r.id));
    expect(supplier.recordReads().map((r) => r.outcome)).toEqual(['status', 'status', 'ok', 'ok', 'ok']);
    expect(logs.filter((l) => l.includes('HTTP_503'))).toHaveLength(2);
    return { ...connectorLedger(supplier.records.map((r) => r.id), allIds(outcome)), observed: `reads ${supplier.recordReads().map((r) => r.outcome).join(', ')}; ${allIds(outcome).length} records read` };
  });

  describe.each(MODES)('%s pagination', (mode) => {
    it('follows 25 pages to the end and then stores the greatest updated_at as since', async () => {
      supplier.addRecords(98, at); // 24 full pages of 4 and a short 25th

      const outcome = await run(connector(mode), null);

      expect(outcome.batches).toHaveLength(25);
      expect(allIds(outcome)).toEqual(supplier.records.map((r) => r.id));
      expect(new Set(outcome.batches.map((b) => b.key)).size).toBe(25);
      expect(outcome.cursor).toEqual({ since: at(97) });
      // Every page but the last keeps the run's since and says where to resume.
      expect(outcome.batches[3].cursorAfter).toMatchObject({ since: null, resume: { pagesDone: 4 } });
    });

    it('resumes a run cut after page 3 of 25 at page 4, losing nothing, and replays an unstored page under the same key', async () => {
      supplier.addRecords(98, at);

      // Page 3 was published but the crash came before its cursor was stored.
      const first = await run(connector(mode), null, { crashAfter: 3, storedUpTo: 2 });
      expect(first.cursor).toMatchObject({ since: null, resume: { pagesDone: 2 } });

      const second = await run(connector(mode), first.cursor);

      expect(second.batches[0].key).toBe(first.batches[2].key); // the hub answers it from its idempotency record
      expect(second.batches).toHaveLength(23);
      const seen = [...first.batches.slice(0, 2), ...second.batches].flatMap((b) => b.ids);
      expect(seen).toEqual(supplier.records.map((r) => r.id));
      expect(second.cursor).toEqual({ since: at(97) });
    });

    it('reads only newer records on the next run from the stored cursor', async () => {
      supplier.addRecords(9, at);
      const first = await run(connector(mode), null);
      const added = supplier.addRecords(6, (i) => at(100 + i));
      const before = supplier.recordReads().length;

      const second = await run(connector(mode), first.cursor);

      expect(allIds(second)).toEqual(added.map((r) => r.id));
      expect(supplier.recordReads()[before].query.since).toBe(at(8));
      expect(second.cursor).toEqual({ since: at(105) });

      const third = await run(connector(mode), second.cursor);
      expect(third.batches).toHaveLength(0);
      expect(third.cursor).toEqual(second.cursor);
    });
  });

  it('asks from since minus the look-back window, for records the supplier committed late', async () => {
    const late = { id: 'LATE1', updated_at: at(50), name: '迟到的记录', amount: 0 };
    supplier.addRecords(3, (i) => at(60 + i));
    const c = () => connector('page', { incremental: { param: 'since', field: 'updated_at', lookBackSeconds: 30 } });
    const first = await run(c(), null);
    expect(first.cursor).toEqual({ since: at(62) });
    supplier.records.push(late); // committed after the first run, stamped before its watermark

    const second = await run(c(), first.cursor);

    expect(supplier.recordReads().at(-1)?.query.since).toBe(at(32));
    expect(allIds(second)).toEqual(['LATE1', 'R00001', 'R00002', 'R00003']); // the repeats are absorbed by the idempotent load
    expect(second.cursor).toEqual({ since: at(62) });
  });

  reliabilityCase(
    {
      id: 'D8-429',
      group: 'D connector',
      title: 'a REST supplier answering 429 with Retry-After: the connector waits as told, then reads',
      channel: 'REST pull, connector against a loopback supplier',
      input: '3 records; the first request answers 429 with Retry-After: 1',
      expected: 'the next request comes at least 1 s later (backoff alone is at most 50 ms); every record read once',
    },
    async () => {
    supplier.addRecords(3, at);
    supplier.faults.push({ kind: 'status', status: 429, retryAfter: '1' });

    const outcome = await run(connector('page'), null);

    const reads = supplier.recordReads();
    expect(reads.map((r) => r.outcome)).toEqual(['status', 'ok']);
    expect(reads[1].at - reads[0].at).toBeGreaterThanOrEqual(990); // backoff alone is at most 50 ms here
    expect(allIds(outcome)).toHaveLength(3);
    return { ...connectorLedger(supplier.records.map((r) => r.id), allIds(outcome)), observed: `429 then 200 after ${reads[1].at - reads[0].at} ms; ${allIds(outcome).length} records read` };
  });

  it('honours Retry-After given as an HTTP date', async () => {
    supplier.addRecords(3, at);
    // HTTP dates have whole seconds: 2.5 s ahead is at least 1.5 s after truncation.
    supplier.faults.push({ kind: 'status', status: 429, retryAfter: new Date(Date.now() + 2_500).toUTCString() });

    await run(connector('page'), null);

    const reads = supplier.recordReads();
    expect(reads[1].at - reads[0].at).toBeGreaterThanOrEqual(1_400);
  });

  it('gives up at once, retryable, when Retry-After is longer than the run may wait', async () => {
    supplier.addRecords(3, at);
    supplier.faults.push({ kind: 'status', status: 429, retryAfter: '3600' });

    const error = await run(connector('page'), null).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ errorClass: 'retryable', code: 'HTTP_429' });
    expect(supplier.recordReads()).toHaveLength(1);
  });

  reliabilityCase(
    {
      id: 'D8-truncated',
      group: 'D connector',
      title: 'a 200 whose JSON body is truncated is a failed read, not an empty page',
      channel: 'REST pull, connector against a loopback supplier',
      input: '10 records in pages of 4; the request for page 2 answers 200 with its JSON cut short',
      expected: 'page 2 is read again; pages of 4, 4, 2; every record read once, none skipped',
    },
    async () => {
    supplier.addRecords(10, at);
    const c = connector('page');
    const outcome: ReadOutcome['batches'] = [];
    for await (const batch of c.read(null)) {
      const ids: string[] = [];
      for await (const r of batch.records) ids.push(String(r.id));
      outcome.push({ key: batch.key, label: batch.label, ids, cursorAfter: batch.cursorAfter });
      if (outcome.length === 1) supplier.faults.push({ kind: 'truncate' });
    }

    expect(outcome.map((b) => b.ids.length)).toEqual([4, 4, 2]);
    expect(supplier.recordReads().map((r) => r.outcome)).toEqual(['ok', 'truncate', 'ok', 'ok']);
    const read = outcome.flatMap((b) => b.ids);
    return { ...connectorLedger(supplier.records.map((r) => r.id), read), observed: `reads ok, truncate, ok, ok; pages of ${outcome.map((b) => b.ids.length).join(', ')}` };
  });

  it('fails the run, retryable, when every attempt at a page is truncated, having published nothing for it', async () => {
    supplier.addRecords(10, at);
    const c = connector('page', { retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
    const seen: Cursor[] = [];
    const error = await (async () => {
      for await (const batch of c.read(null)) {
        seen.push(batch.cursorAfter);
        supplier.faults.push({ kind: 'truncate' }, { kind: 'truncate' }, { kind: 'truncate' });
      }
    })().catch((e: unknown) => e);

    expect(error).toMatchObject({ errorClass: 'retryable', code: 'INVALID_JSON' });
    expect(seen).toEqual([{ since: null, resume: { position: { kind: 'page', page: 2 }, pagesDone: 1, maxSeen: at(3) } }]);
  });

  reliabilityCase(
    {
      id: 'D8-reset',
      group: 'D connector',
      title: 'a connection reset mid-body and a supplier slower than the timeout are retried',
      channel: 'REST pull, connector against a loopback supplier',
      input: '10 records; the first request is reset mid-body, the second stalls 1.5 s against a 500 ms timeout',
      expected: 'NETWORK and TIMEOUT logged and retried; every record read once',
    },
    async () => {
    supplier.addRecords(10, at);
    supplier.faults.push({ kind: 'reset' }, { kind: 'stall', ms: 1_500 });

    const outcome = await run(connector('offset', { timeoutMs: 500 }), null);

    expect(allIds(outcome)).toEqual(supplier.records.map((r) => r.id));
    expect(supplier.recordReads().map((r) => r.outcome).slice(0, 3)).toEqual(['reset', 'stall', 'ok']);
    expect(logs.some((l) => l.includes('NETWORK'))).toBe(true);
    expect(logs.some((l) => l.includes('TIMEOUT'))).toBe(true);
    return { ...connectorLedger(supplier.records.map((r) => r.id), allIds(outcome)), observed: `reads ${supplier.recordReads().map((r) => r.outcome).join(', ')}; ${allIds(outcome).length} records read` };
  });

  it('starts the since window over when the supplier refuses a stored page token as expired (400)', async () => {
    supplier.addRecords(10, at);
    const stale = { since: null, resume: { position: { kind: 'token', token: 'expired-token' }, pagesDone: 2, maxSeen: at(7) } };

    const outcome = await run(connector('cursor'), stale);

    expect(allIds(outcome)).toEqual(supplier.records.map((r) => r.id));
    expect(outcome.batches[0].label).toBe('page 1 since the beginning');
    expect(outcome.cursor).toEqual({ since: at(9) });
    expect(logs.some((l) => l.includes('refused the stored page position (HTTP_400)'))).toBe(true);
  });

  it('never follows a stored link to an origin other than baseUrl (the config changed meanwhile)', async () => {
    supplier.addRecords(5, at);
    const stale = { since: null, resume: { position: { kind: 'url', url: 'http://127.0.0.2:9/v1/link/records?page=2' }, pagesDone: 1, maxSeen: at(3) } };

    const outcome = await run(connector('link'), stale);

    expect(allIds(outcome)).toEqual(supplier.records.map((r) => r.id));
    expect(supplier.recordReads()[0].query.page).toBeUndefined(); // started over at the first page, on our origin
  });

  it('classes a refused token as config and does not retry it', async () => {
    supplier.addRecords(3, at);
    const c = connector('page', { token: 'wrong' });

    await expect(c.check()).rejects.toMatchObject({ errorClass: 'config', code: 'AUTH_FAILED' });
    expect(supplier.recordReads()).toHaveLength(1);
    await expect(connector('page').check()).resolves.toBeUndefined();
  });

  it('classes an unknown path (404) and a missing records path as config', async () => {
    await expect(connector('page', { path: '/v1/nothing' }).check()).rejects.toMatchObject({ errorClass: 'config', code: 'NOT_FOUND' });
    await expect(connector('page', { recordsPath: 'data.rows' }).check()).rejects.toMatchObject({ errorClass: 'config', code: 'UNEXPECTED_RESPONSE' });
  });

  it('publishes the empty page that ends a run whose records filled the last page exactly, so since still moves', async () => {
    supplier.addRecords(8, at);

    const outcome = await run(connector('page'), null);

    expect(outcome.batches.map((b) => b.ids.length)).toEqual([4, 4, 0]);
    expect(outcome.cursor).toEqual({ since: at(7) });
  });

  it('ends on an empty page, not a short one, when the supplier caps the page size silently and stopOnShortPage is off', async () => {
    await supplier.close();
    supplier = await startRestSupplier({ token: 'secret-token', maxPageSize: 3 });
    supplier.addRecords(10, at);

    const naive = await run(connector('page', { pagination: { mode: 'page', pageSize: 5 } }), null);
    expect(allIds(naive)).toHaveLength(3); // the trap: the capped first page looks like the last

    const careful = await run(connector('page', { pagination: { mode: 'page', pageSize: 5, stopOnShortPage: false } }), null);
    expect(allIds(careful)).toHaveLength(10);
  });

  it('refuses a rel="next" link to another origin (it would carry our token there)', async () => {
    await supplier.close();
    supplier = await startRestSupplier({ token: 'secret-token', linkOrigin: 'http://127.0.0.2:9' });
    supplier.addRecords(10, at);

    await expect(run(connector('link'), null)).rejects.toMatchObject({ errorClass: 'config', code: 'FOREIGN_LINK' });
  });

  describe('feedback', () => {
    it('POSTs the rejections to the callback, retrying 503s under one Idempotency-Key', async () => {
      await supplier.close();
      supplier = await startRestSupplier({ callbackToken: 'cb-token' });
      supplier.callbackFaults.push({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
      const c = connector('page', { auth: { type: 'none' }, token: undefined, callback: { url: `${supplier.url}/v1/callback` }, callbackToken: 'cb-token' });

      await c.deliverFeedback(feedback('batch-7f3a'));

      expect(supplier.callbacks.map((d) => d.status)).toEqual([503, 503, 200]);
      expect(new Set(supplier.callbacks.map((d) => d.headers['idempotency-key']))).toEqual(new Set(['batch-7f3a']));
      expect(supplier.callbacks[2].body).toMatchObject({
        batchId: 'batch-7f3a',
        received: 4,
        loaded: 3,
        rejected: 1,
        rejections: [{ index: 2, sourceKey: 'R00003', field: 'uscc', code: 'INVALID_CHECKSUM' }],
      });
      expect(supplier.callbacks[0].body).toEqual(supplier.callbacks[2].body);
    });

    it('classes a callback that refuses the token as config after one attempt', async () => {
      await supplier.close();
      supplier = await startRestSupplier({ callbackToken: 'cb-token' });
      const c = connector('page', { auth: { type: 'none' }, token: undefined, callback: { url: `${supplier.url}/v1/callback` }, callbackToken: 'wrong' });

      await expect(c.deliverFeedback(feedback('batch-1'))).rejects.toMatchObject({ errorClass: 'config', code: 'AUTH_FAILED' });
      expect(supplier.callbacks).toHaveLength(1);
    });

    it('sends nothing without a callback (the supplier reads the batch report) or without rejections', async () => {
      await connector('page').deliverFeedback(feedback('batch-2'));
      await connector('page', { callback: { url: `${supplier.url}/v1/callback` } }).deliverFeedback({ ...feedback('batch-3'), rejected: 0, rejections: [] });

      expect(supplier.callbacks).toHaveLength(0);
    });
  });
});
