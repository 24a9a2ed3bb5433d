import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { penaltyRecord, uscc } from '../fixtures/credit-data';
import { push, querySubject, waitForBatchDone } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';

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
});
