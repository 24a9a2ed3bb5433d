import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectorManifest } from '../../connectors/connector.contract';
import { dbPollManifest } from '../../connectors/db-poll/manifest';
import { restPullManifest } from '../../connectors/rest-pull/manifest';
import { sftpManifest } from '../../connectors/sftp/manifest';
import { soapPullManifest } from '../../connectors/soap-pull/manifest';
import { NotificationDeliveryError } from '../../libs/pipeline/notifications/notification-channel';
import { WebhookNotificationChannel } from '../../libs/pipeline/notifications/webhook-channel';
import type { StoredNotice } from '../../libs/persistence/outbox.repository';
import { EgressGuard, EgressSettings, hubDatabaseFromUrl, systemResolve } from '../../libs/security/egress-policy';
import { MessageGateway, startMessageGateway } from '../support/message-gateway';
import { reliabilityCase } from '../support/reliability';
import { RestSupplier, startRestSupplier } from '../support/rest-supplier';
import { SoapSupplier, startSoapSupplier } from '../support/soap-supplier';
import { createTestDatabase, withDatabase } from '../support/test-services';

jest.setTimeout(60_000);

const NOTHING_ACCEPTED = { accepted: 0, loaded: 0, rejected: 0, lost: 0, duplicated: 0, answers500: 0, stuckBatches: 0 };
const DEFAULT: EgressSettings = { allowPrivate: false };
const SECRET = 'egress-webhook-secret-0123456789abcdef';

/**
 * The egress policy where a connection is made (issue 11, finding 10): a connector or the webhook
 * resolves its target's name, checks every address and connects only to a checked one. Real
 * suppliers listen on 127.0.0.1; what reaches them is counted.
 */
describe('the egress policy at connect time', () => {
  let rest: RestSupplier;
  let soap: SoapSupplier;
  let gateway: MessageGateway;
  let workDir: string;

  beforeAll(async () => {
    rest = await startRestSupplier();
    soap = await startSoapSupplier();
    gateway = await startMessageGateway(SECRET);
    workDir = mkdtempSync(join(tmpdir(), 'egress-int-'));
  });

  afterAll(async () => {
    await rest?.close();
    await soap?.close();
    await gateway?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  const check = async (manifest: ConnectorManifest<unknown>, input: unknown, egress: EgressGuard) => {
    const connector = manifest.create(manifest.configSchema.parse(input), { workDir, now: () => new Date(), log: () => undefined, egress });
    try {
      await connector.check();
      return undefined;
    } catch (e) {
      return e as { errorClass?: string; code?: string; message?: string };
    } finally {
      await connector.close();
    }
  };
  const port = (url: string) => new URL(url).port;
  const restConfig = (baseUrl: string) => ({ baseUrl, path: '/records', auth: { type: 'none' }, pagination: { mode: 'page', pageSize: 10 }, retry: { maxAttempts: 1 } });

  reliabilityCase(
    {
      id: 'G10-connect-time-check',
      group: 'G edges (wave 2 findings)',
      title: 'every connection resolves the name, checks every address and connects only to a checked one',
      channel: 'REST pull, SOAP pull, SFTP, DB poll',
      input: 'connectors whose host is the name localhost (REST pull, SOAP pull through node-soap, SFTP, DB poll), built with private targets not allowed; a live supplier listens on 127.0.0.1 for REST and SOAP',
      expected: 'check() fails with a config error EGRESS_REFUSED before any byte is sent; the suppliers receive nothing',
    },
    async () => {
      const egress = new EgressGuard(DEFAULT);
      const restBefore = rest.requests.length;
      const soapBefore = soap.calls.length;
      const errors = [
        await check(restPullManifest, restConfig(`http://localhost:${port(rest.url)}`), egress),
        await check(
          soapPullManifest,
          {
            endpoint: `http://localhost:${port(soap.endpoint)}${new URL(soap.endpoint).pathname}`,
            wsdl: soap.wsdl,
            operation: 'GetPenaltyChanges',
            incremental: { parameter: 'since', initialValue: '0', field: 'seq' },
            recordsPath: 'changes.change',
            checkOperation: { name: 'Ping', arguments: {} },
            timeoutMs: 2_000,
          },
          egress,
        ),
        await check(sftpManifest, { host: 'localhost', username: 'u', password: 'p', hostKeySha256: `SHA256:${'A'.repeat(43)}` }, egress),
        await check(dbPollManifest, { driver: 'postgres', host: 'localhost', database: 'postgres', username: 'postgres', table: 't', keyColumn: 'id', updatedAtColumn: 'u' }, egress),
      ];
      for (const error of errors) expect(error).toMatchObject({ errorClass: 'config', code: 'EGRESS_REFUSED' });
      expect(rest.requests.length).toBe(restBefore);
      expect(soap.calls.length).toBe(soapBefore);
      await egress.close();
      return { observed: `4 connectors refused at connect time (${errors.map((e) => e?.code).join(', ')}); 0 requests reached the suppliers`, ...NOTHING_ACCEPTED };
    },
  );

  reliabilityCase(
    {
      id: 'G10-dns-rebinding',
      group: 'G edges (wave 2 findings)',
      title: 'a name that resolves to a public address at registration and to loopback at connect time is refused',
      channel: 'REST pull',
      input: 'a resolver answering 121.40.0.10 for supplier.rebind.test on the first question and 127.0.0.1 afterwards; the REST supplier listens on 127.0.0.1',
      expected: 'the registration check passes; the connection is refused (EGRESS_REFUSED, LOOPBACK) because the address connected to is the one checked; the supplier receives nothing',
    },
    async () => {
      let asked = 0;
      const egress = new EgressGuard(DEFAULT, async (host) => (host === 'supplier.rebind.test' ? (asked++ === 0 ? ['121.40.0.10'] : ['127.0.0.1']) : systemResolve(host)));
      const target = { host: 'supplier.rebind.test', port: Number(port(rest.url)) };
      await expect(egress.refusal(target)).resolves.toBeUndefined();
      const before = rest.requests.length;
      const error = await check(restPullManifest, restConfig(`http://supplier.rebind.test:${port(rest.url)}`), egress);
      expect(error).toMatchObject({ errorClass: 'config', code: 'EGRESS_REFUSED' });
      expect(error?.message).toMatch(/127\.0\.0\.1/);
      expect(rest.requests.length).toBe(before);
      await egress.close();
      return { observed: `registration check passed, connection refused (${error?.code}); ${asked} resolutions; 0 requests reached the supplier`, ...NOTHING_ACCEPTED };
    },
  );

  reliabilityCase(
    {
      id: 'G10-own-database-connect-time',
      group: 'G edges (wave 2 findings)',
      title: "a DB-poll connection to the hub's own database is refused even with private targets allowed",
      channel: 'DB poll, services',
      input: "a db-poll connector built directly (no registration) for the hub's DATABASE_URL host, port and database, table suppliers; HUB_EGRESS_ALLOW_PRIVATE=on",
      expected: 'check() fails EGRESS_REFUSED (HUB_DATABASE) before connecting; the suppliers table is never read',
    },
    async () => {
      const hubDb = await createTestDatabase();
      try {
        await withDatabase(hubDb.url, (db) => db.query('CREATE TABLE suppliers (id text PRIMARY KEY, api_key_hash text, created_at timestamptz DEFAULT now())'));
        const egress = new EgressGuard({ allowPrivate: true, hubDatabase: hubDatabaseFromUrl(hubDb.url) });
        const error = await check(
          dbPollManifest,
          { driver: 'postgres', host: '127.0.0.1', port: 5432, database: hubDb.name, username: 'postgres', table: 'suppliers', keyColumn: 'id', updatedAtColumn: 'created_at' },
          egress,
        );
        expect(error).toMatchObject({ errorClass: 'config', code: 'EGRESS_REFUSED' });
        expect(error?.message).toMatch(/本平台自己的数据库/);
        // Another database on the same server is a supplier's and stays allowed.
        await expect(egress.refusal({ host: '127.0.0.1', port: 5432, database: `${hubDb.name}_supplier` })).resolves.toBeUndefined();
        return { observed: `refused at connect time: ${error?.code}`, ...NOTHING_ACCEPTED };
      } finally {
        await hubDb.drop();
      }
    },
  );

  reliabilityCase(
    {
      id: 'G10-webhook-target',
      group: 'G edges (wave 2 findings)',
      title: 'the notification webhook is refused on loopback unless private targets are allowed',
      channel: 'notification webhook',
      input: 'HUB_NOTIFY_WEBHOOK_URL at http://localhost:<port> and http://127.0.0.1:<port> of a live gateway, private targets not allowed; then allowed',
      expected: 'delivery fails EGRESS_REFUSED, permanent (given up for an operator, not retried), the gateway receives nothing; with HUB_EGRESS_ALLOW_PRIVATE=on the notice is delivered',
    },
    async () => {
      const notice: StoredNotice = {
        id: '00000000-0000-4000-8000-000000000001',
        recipientKind: 'applicant',
        recipient: '13800000000',
        topic: 'objection.closed',
        message: '您对行政处罚信息提出的异议已办结：更正。',
        payload: {},
        dedupeKey: 'egress:1',
        createdAt: new Date('2026-10-12T01:00:00Z'),
        sentAt: null,
        attempts: 0,
        lastError: null,
        failedAt: null,
      };
      const local = new URL(gateway.url);
      const refusedErrors: NotificationDeliveryError[] = [];
      for (const url of [`http://localhost:${local.port}${local.pathname}`, gateway.url]) {
        const egress = new EgressGuard(DEFAULT);
        const channel = new WebhookNotificationChannel({ url, secret: SECRET, timeoutMs: 2_000 }, () => new Date(), egress);
        const error = await channel.deliver(notice).then(
          () => undefined,
          (e: unknown) => e as NotificationDeliveryError,
        );
        expect(error).toMatchObject({ code: 'EGRESS_REFUSED', permanent: true });
        refusedErrors.push(error as NotificationDeliveryError);
        await egress.close();
      }
      expect(gateway.deliveries).toHaveLength(0);
      const allowed = new EgressGuard({ allowPrivate: true });
      await new WebhookNotificationChannel({ url: gateway.url, secret: SECRET, timeoutMs: 2_000 }, () => new Date(), allowed).deliver(notice);
      await allowed.close();
      expect(gateway.deliveries).toHaveLength(1);
      return { observed: `refused twice (${refusedErrors.map((e) => e.code).join(', ')}, permanent), 0 deliveries; with private targets allowed 1 delivery`, ...NOTHING_ACCEPTED };
    },
  );
});
