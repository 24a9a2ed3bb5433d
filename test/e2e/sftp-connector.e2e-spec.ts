import * as iconv from 'iconv-lite';
import { chownSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { penaltyRecord } from '../fixtures/credit-data';
import { adminCall, ADMIN_TOKEN, registerSupplier, runConnectorUntilDone, waitForBatchDone } from '../support/hub-client';
import { HubProcess, sleep, startHubProcess } from '../support/hub-process';
import { startSftpServer, TestSftpServer as SftpServer } from '../support/sftp-server';
import { createTestDatabase, createTestVhost, loadedCounts } from '../support/test-services';

jest.setTimeout(300_000);

const HEADER = ['source_key', 'subject_name', 'subject_type', 'subject_code', 'legal_representative', 'decision_no', 'violation_type',
  'violation_facts', 'legal_basis', 'penalty_categories', 'penalty_content', 'fine_amount', 'decision_date', 'authority_name',
  'authority_code', 'notified_on', 'notice_method'];

function csv(from: number, count: number, bad: number[] = []): string {
  const rows = Array.from({ length: count }, (_, k) => {
    const r = penaltyRecord(from + k, bad.includes(k) ? { decision_no: '' } : {});
    return HEADER.map((h) => (Array.isArray(r[h]) ? (r[h] as string[]).join(';') : String(r[h] ?? ''))).join(',');
  });
  return `${HEADER.join(',')}\r\n${rows.join('\r\n')}\r\n`;
}

/** SFTP drops through the booted hub: legacy systems' way in (issue "Connectors", SFTP). */
describe('the SFTP connector end to end', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  let sftp: SftpServer;
  let env: Record<string, string>;
  let apiKey: string;
  let connectorId: string;

  const admin = (method: string, path: string, body?: unknown) => adminCall(hub.url, method, path, body);

  const drop = (name: string, content: Buffer) => {
    const file = join(sftp.root, 'drop', name);
    writeFileSync(file, content);
    writeFileSync(`${file}.ok`, '');
    const owner = statSync(join(sftp.root, 'drop'));
    chownSync(file, owner.uid, owner.gid);
    chownSync(`${file}.ok`, owner.uid, owner.gid);
  };

  const loaded = (prefix: string) => loadedCounts(database.url, prefix);

  beforeAll(async () => {
    sftp = await startSftpServer();
    database = await createTestDatabase();
    vhost = await createTestVhost();
    env = { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_SECRET_KEY: 'e2e-hub-secret-key-0123456789abcdef', INGEST_PUBLISH_TIMEOUT_S: '10' };
    hub = await startHubProcess({ env });
    apiKey = await registerSupplier(hub.url, 'sftp-sup', ['administrative_penalty']);
    const created = await admin('POST', '/connectors', {
      supplier: 'sftp-sup',
      item: 'administrative_penalty',
      kind: 'sftp',
      schedule: '0 0 3 * * *',
      config: {
        host: sftp.host, port: sftp.port, username: sftp.username, password: sftp.password, hostKeySha256: sftp.hostKeySha256,
        dropDir: join(sftp.root, 'drop'), processedDir: join(sftp.root, 'processed'), errorDir: join(sftp.root, 'error'),
        feedbackDir: join(sftp.root, 'feedback'), encoding: 'gbk', completion: { mode: 'done-marker', suffix: '.ok' },
      },
    });
    expect(created.status).toBe(201);
    connectorId = created.body.id as string;
  });

  afterAll(async () => {
    await hub?.stop();
    await sftp?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  it('loads a GBK CSV drop, moves it to processed/, writes a GBK feedback file, and ingests the same content under another name once', async () => {
    const content = iconv.encode(csv(60_000, 20, [4]).replace(/厦门测试企业/g, '厦门测试企业'), 'gbk');
    drop('penalties-1.csv', content);
    const run = await admin('POST', `/connectors/${connectorId}/run`);
    expect(run.body).toMatchObject({ outcome: 'done' });
    const [batchId] = run.body.batchIds as string[];
    const report = await waitForBatchDone(hub.url, apiKey, batchId);
    expect({ loaded: report.loaded, rejected: report.rejected }).toEqual({ loaded: 19, rejected: 1 });
    expect(readdirSync(join(sftp.root, 'drop'))).toEqual([]);
    expect(readdirSync(join(sftp.root, 'processed')).some((n) => n.endsWith('_penalties-1.csv'))).toBe(true);

    const feedbackFile = join(sftp.root, 'feedback', 'penalties-1.csv.rejections.csv');
    const deadline = Date.now() + 60_000;
    while (!existsSync(feedbackFile) && Date.now() < deadline) await sleep(500);
    const feedback = iconv.decode(readFileSync(feedbackFile), 'gbk');
    expect(feedback).toContain('REQUIRED_FIELD');
    expect(feedback).toContain('必填字段缺失');

    drop('penalties-1-again.csv', content);
    const again = await admin('POST', `/connectors/${connectorId}/run`);
    expect(again.body.batchIds).toEqual([batchId]);
    expect(await loaded('CF-600')).toEqual({ records: 19, distinct: 19, versions: 19 });
  });

  it('loses nothing and loads nothing twice when the hub is killed while it works through the drops', async () => {
    for (let f = 0; f < 6; f++) drop(`bulk-${f}.csv`, iconv.encode(csv(700_000 + f * 2_000, 2_000), 'gbk'));
    const running = admin('POST', `/connectors/${connectorId}/run`).catch(() => undefined);
    const until = Date.now() + 60_000;
    while ((await loaded('CF-7')).records === 0 && Date.now() < until) await sleep(200);
    await hub.kill();
    await running;
    hub = await startHubProcess({ env });
    const rerun = await runConnectorUntilDone(hub.url, connectorId);
    expect(rerun).toMatchObject({ outcome: 'done', error: null });
    const deadline = Date.now() + 120_000;
    while ((await loaded('CF-7')).records < 12_000 && Date.now() < deadline) await sleep(500);
    expect(await loaded('CF-7')).toEqual({ records: 12_000, distinct: 12_000, versions: 12_000 });
    expect(readdirSync(join(sftp.root, 'drop'))).toEqual([]);
  });
});
