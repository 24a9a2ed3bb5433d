import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { penaltyRecord, uscc } from '../fixtures/credit-data';
import * as iconv from 'iconv-lite';
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

  const start = () => startHubProcess({ env: { HUB_DATA_DIR: dataDir }, readyTimeoutMs: 120_000 });

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
    expect(hub.logs()).toContain(`demo supplier "demo" API key: ${apiKey}`);
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
});
