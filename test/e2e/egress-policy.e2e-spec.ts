import { adminCall, ADMIN_TOKEN, registerSupplier } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { reliabilityCase } from '../support/reliability';
import { RestSupplier, startRestSupplier } from '../support/rest-supplier';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(180_000);

const NOTHING_ACCEPTED = { accepted: 0, loaded: 0, rejected: 0, lost: 0, duplicated: 0, answers500: 0, stuckBatches: 0 };
const SECRET = 's3cretPassw0rd';
const HOST_KEY = `SHA256:${'A'.repeat(43)}`;

/**
 * The egress policy as an operator meets it (issue 11, finding 10), on a hub with the default
 * setting (HUB_EGRESS_ALLOW_PRIVATE=off): targets on the hub's own machine, its link-local
 * neighbourhood and the cloud metadata service are refused when a connector is registered, and
 * credentials never ride in a URL.
 */
describe('the egress policy of connectors (private targets not allowed)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let hub: HubProcess;
  let supplier: RestSupplier;

  const admin = (method: string, path: string, body?: unknown) => adminCall(hub.url, method, path, body);
  const restPull = (baseUrl: string, extra: Record<string, unknown> = {}) => ({
    supplier: 'egress-sup',
    item: 'administrative_penalty',
    kind: 'rest-pull',
    schedule: '0 0 3 * * *',
    config: { baseUrl, path: '/records', auth: { type: 'none' }, pagination: { mode: 'page', pageSize: 10 }, ...extra },
  });
  const register = (body: unknown) => admin('POST', '/connectors', body);
  const instances = () => withDatabase(database.url, (db) => db.query<{ config: unknown; last_error: string | null }>('SELECT config, last_error FROM connector_instances'));

  /** Registers each target, expects 400 INVALID_CONNECTOR naming the field with the reason; the supplier on loopback hears nothing. */
  async function expectRefused(cases: [unknown, string, string][]): Promise<string> {
    const before = supplier.requests.length;
    const storedBefore = (await instances()).rows.length;
    const seen: string[] = [];
    for (const [body, path, reason] of cases) {
      const answer = await register(body);
      expect({ status: answer.status, code: (answer.body.error as { code?: string } | undefined)?.code }).toEqual({ status: 400, code: 'INVALID_CONNECTOR' });
      expect((answer.body.error as { details: { path: string; message: string }[] }).details).toEqual(
        expect.arrayContaining([{ path, message: expect.stringMatching(new RegExp(`^${reason}: .*[\u4e00-\u9fff]`)) as unknown as string }]),
      );
      seen.push(`${path} ${reason}`);
    }
    expect(supplier.requests.length).toBe(before);
    expect((await instances()).rows).toHaveLength(storedBefore);
    return seen.join('; ');
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    supplier = await startRestSupplier();
    hub = await startHubProcess({
      env: { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_SECRET_KEY: 'e2e-hub-secret-key-0123456789abcdef', HUB_EGRESS_ALLOW_PRIVATE: 'off' },
    });
    await registerSupplier(hub.url, 'egress-sup', ['administrative_penalty']);
  });

  afterAll(async () => {
    await hub?.stop();
    await supplier?.close();
    await database?.drop();
    await vhost?.drop();
  });

  reliabilityCase(
    {
      id: 'G10-url-credentials-refused',
      group: 'G edges (wave 2 findings)',
      title: 'a connector URL with user:password@ is refused, never stored, returned or logged',
      channel: 'REST pull, SOAP pull, services',
      input: `POST /api/v1/admin/connectors with baseUrl https://hubuser:${SECRET}@…, a callback URL with user info, a SOAP endpoint with user info; then an instance stored that way by an older version`,
      expected: '400 INVALID_CONNECTOR naming each field (URL_CREDENTIALS, Chinese message); nothing stored; the secret in no answer or log line; an older stored instance shows *** and its run fails URL_CREDENTIALS',
    },
    async () => {
      const soap = {
        supplier: 'egress-sup', item: 'administrative_penalty', kind: 'soap-pull', schedule: '0 0 3 * * *',
        config: { endpoint: `http://svc:${SECRET}@supplier.invalid/soap`, wsdl: '<definitions/>', operation: 'GetChanges', incremental: { initialValue: '0', field: 'seq' }, recordsPath: 'changes.change' },
      };
      const observed = await expectRefused([
        [restPull(`https://hubuser:${SECRET}@supplier.invalid/open`), 'config.baseUrl', 'URL_CREDENTIALS'],
        [restPull('https://supplier.invalid/open', { callback: { url: `https://cb:${SECRET}@supplier.invalid/cb` } }), 'config.callback.url', 'URL_CREDENTIALS'],
        [soap, 'config.endpoint', 'URL_CREDENTIALS'],
      ]);

      // An instance an older version stored with credentials in its URL (and an error that echoed it).
      const created = await register(restPull('https://supplier.invalid/open', { retry: { maxAttempts: 1 } }));
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      await withDatabase(database.url, (db) =>
        db.query(`UPDATE connector_instances SET config = jsonb_set(config, '{baseUrl}', to_jsonb($1::text)), last_error = $2 WHERE id = $3`, [
          `https://olduser:${SECRET}@supplier.invalid/open`,
          `NETWORK: GET https://olduser:${SECRET}@supplier.invalid/open/records failed`,
          id,
        ]),
      );
      const shown = await admin('GET', `/connectors/${id}`);
      expect(shown.status).toBe(200);
      expect(JSON.stringify(shown.body)).not.toContain(SECRET);
      expect(shown.body.config).toMatchObject({ baseUrl: 'https://***@supplier.invalid/open' });
      const run = await admin('POST', `/connectors/${id}/run`);
      expect(run.body).toMatchObject({ outcome: 'failed' });
      expect(JSON.stringify(run.body)).toMatch(/URL_CREDENTIALS/);
      expect(JSON.stringify(run.body)).not.toContain(SECRET);
      const after = await admin('GET', `/connectors/${id}`);
      expect(after.body).toMatchObject({ health: 'failed' });
      expect(JSON.stringify(after.body)).not.toContain(SECRET);
      expect(hub.logs()).not.toContain(SECRET);
      return { observed: `${observed}; stored legacy instance shown as ***@, its run failed URL_CREDENTIALS; secret absent from answers and logs`, ...NOTHING_ACCEPTED };
    },
  );

  reliabilityCase(
    {
      id: 'G10-ssrf-loopback',
      group: 'G edges (wave 2 findings)',
      title: "connector targets on the hub's own machine are refused by default",
      channel: 'REST pull, SOAP pull, SFTP, DB poll, services',
      input: 'register connectors at 127.0.0.1, localhost, [::1], [::ffff:127.0.0.1], 0.0.0.0 (a live REST supplier listens on 127.0.0.1) and a DB-poll host that is a socket path',
      expected: '400 INVALID_CONNECTOR naming the field: LOOPBACK (name resolved and every address checked), UNSPECIFIED, LOCAL_SOCKET; the supplier receives no request',
    },
    async () => {
      const port = new URL(supplier.url).port;
      const soap = {
        supplier: 'egress-sup', item: 'administrative_penalty', kind: 'soap-pull', schedule: '0 0 3 * * *',
        config: { endpoint: `http://127.0.0.1:${port}/soap`, wsdl: '<definitions/>', operation: 'GetChanges', incremental: { initialValue: '0', field: 'seq' }, recordsPath: 'changes.change' },
      };
      const sftp = {
        supplier: 'egress-sup', item: 'administrative_penalty', kind: 'sftp', schedule: '0 0 3 * * *',
        config: { host: 'localhost', username: 'u', password: 'p', hostKeySha256: HOST_KEY },
      };
      const dbPoll = (host: string) => ({
        supplier: 'egress-sup', item: 'administrative_penalty', kind: 'db-poll', schedule: '0 0 3 * * *',
        config: { driver: 'postgres', host, database: 'supplier', username: 'reader', table: 't', keyColumn: 'id', updatedAtColumn: 'updated_at' },
      });
      const observed = await expectRefused([
        [restPull(supplier.url), 'config.baseUrl', 'LOOPBACK'],
        [restPull(`http://localhost:${port}`), 'config.baseUrl', 'LOOPBACK'],
        [restPull(`http://[::1]:${port}`), 'config.baseUrl', 'LOOPBACK'],
        [restPull(`http://[::ffff:127.0.0.1]:${port}`), 'config.baseUrl', 'LOOPBACK'],
        [restPull('https://supplier.invalid/open', { callback: { url: `${supplier.url}/cb` } }), 'config.callback.url', 'LOOPBACK'],
        [restPull(`http://0.0.0.0:${port}`), 'config.baseUrl', 'UNSPECIFIED'],
        [soap, 'config.endpoint', 'LOOPBACK'],
        [sftp, 'config.host', 'LOOPBACK'],
        [dbPoll('127.0.0.1'), 'config.host', 'LOOPBACK'],
        [dbPoll('/tmp'), 'config.host', 'LOCAL_SOCKET'],
      ]);
      return { observed: `${observed}; the supplier on 127.0.0.1 received no request`, ...NOTHING_ACCEPTED };
    },
  );

  reliabilityCase(
    {
      id: 'G10-ssrf-metadata',
      group: 'G edges (wave 2 findings)',
      title: 'the cloud metadata services are never a connector target',
      channel: 'REST pull, SOAP pull, services',
      input: 'register connectors at http://169.254.169.254/latest/meta-data, http://100.100.100.200 (Alibaba Cloud), http://[fd00:ec2::254], http://[::ffff:169.254.169.254]',
      expected: '400 INVALID_CONNECTOR naming the field with METADATA',
    },
    async () => {
      const observed = await expectRefused([
        [restPull('http://169.254.169.254/latest/meta-data'), 'config.baseUrl', 'METADATA'],
        [restPull('http://100.100.100.200'), 'config.baseUrl', 'METADATA'],
        [restPull('http://[fd00:ec2::254]'), 'config.baseUrl', 'METADATA'],
        [restPull('http://[::ffff:169.254.169.254]'), 'config.baseUrl', 'METADATA'],
      ]);
      return { observed, ...NOTHING_ACCEPTED };
    },
  );

  reliabilityCase(
    {
      id: 'G10-ssrf-link-local',
      group: 'G edges (wave 2 findings)',
      title: 'link-local targets are refused by default',
      channel: 'REST pull, SFTP, services',
      input: 'register connectors at http://169.254.10.1, http://[fe80::1], SFTP host 169.254.1.1',
      expected: '400 INVALID_CONNECTOR naming the field with LINK_LOCAL',
    },
    async () => {
      const observed = await expectRefused([
        [restPull('http://169.254.10.1'), 'config.baseUrl', 'LINK_LOCAL'],
        [restPull('http://[fe80::1]:8080'), 'config.baseUrl', 'LINK_LOCAL'],
        [
          { supplier: 'egress-sup', item: 'administrative_penalty', kind: 'sftp', schedule: '0 0 3 * * *', config: { host: '169.254.1.1', username: 'u', password: 'p', hostKeySha256: HOST_KEY } },
          'config.host',
          'LINK_LOCAL',
        ],
      ]);
      return { observed, ...NOTHING_ACCEPTED };
    },
  );
});
