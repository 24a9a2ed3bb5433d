import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, registerSupplier } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { reliabilityCase } from '../support/reliability';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(180_000);

/** Config-as-code: connector instances declared as files, secrets from the environment, validated at start. */
describe('connector instances declared as files', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let dir: string;
  let hub: HubProcess | undefined;
  let env: Record<string, string>;

  const declaration = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
      name: 'xm-tax-rest',
      supplier: 'xm-tax',
      item: 'administrative_penalty',
      kind: 'rest-pull',
      schedule: '0 0 3 * * *',
      config: { baseUrl: 'http://127.0.0.1:9/api', path: '/penalties', auth: { type: 'bearer' }, pagination: { mode: 'page', pageSize: 100 } },
      secretsFromEnv: { token: 'HUB_CONNECTOR_SECRET_XM_TAX_TOKEN' },
      ...overrides,
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    dir = mkdtempSync(join(tmpdir(), 'credit-hub-connectors-'));
    env = {
      DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_SECRET_KEY: 'e2e-hub-secret-key-0123456789abcdef',
      HUB_CONNECTORS_DIR: dir, HUB_CONNECTOR_SECRET_XM_TAX_TOKEN: 'tax-bureau-token-42',
    };
    const first = await startHubProcess({ env: { ...env, HUB_CONNECTORS_DIR: undefined } });
    await registerSupplier(first.url, 'xm-tax', ['administrative_penalty']);
    await first.stop();
  });

  afterAll(async () => {
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
    await database?.drop();
    await vhost?.drop();
  });

  it('creates the declared instance at start, with its secret sealed, and leaves it alone at the next start', async () => {
    writeFileSync(join(dir, 'xm-tax-rest.json'), declaration());
    hub = await startHubProcess({ env });
    expect(hub.logs()).toContain('connector declarations: xm-tax-rest (updated)');
    const rows = await withDatabase(database.url, (db) => db.query<{ name: string; kind: string; config: string; secrets: string }>(
      'SELECT name, kind, config::text AS config, secrets FROM connector_instances',
    ));
    expect(rows.rows).toEqual([{ name: 'xm-tax-rest', kind: 'rest-pull', config: expect.any(String), secrets: expect.stringMatching(/^v1\./) }]);
    expect(rows.rows[0].config + rows.rows[0].secrets).not.toContain('tax-bureau-token-42');
    await hub.stop();
    hub = await startHubProcess({ env });
    expect(hub.logs()).toContain('connector declarations: xm-tax-rest');
    expect(hub.logs()).not.toContain('xm-tax-rest (updated)');
    await hub.stop();
    hub = undefined;
  });

  it('refuses to start with an invalid declaration and names every problem', async () => {
    writeFileSync(join(dir, 'broken.json'), declaration({ name: 'broken', schedule: 'every day', secretsFromEnv: { token: 'HUB_CONNECTOR_SECRET_MISSING' } }));
    await expect(startHubProcess({ env, readyTimeoutMs: 60_000 })).rejects.toThrow(/broken\.json secretsFromEnv\.token: environment variable HUB_CONNECTOR_SECRET_MISSING is not set/);
    writeFileSync(join(dir, 'broken.json'), declaration({ name: 'broken', schedule: 'every day' }));
    await expect(startHubProcess({ env, readyTimeoutMs: 60_000 })).rejects.toThrow(/broken\.json schedule/);
    rmSync(join(dir, 'broken.json'));
  });

  reliabilityCase(
    {
      id: 'G10-declared-egress-refused',
      group: 'G edges (wave 2 findings)',
      title: 'a declared connector with credentials in its URL or a metadata target stops the start-up',
      channel: 'REST pull, declared instances',
      input: 'HUB_CONNECTORS_DIR holding one declaration with baseUrl https://user:<password>@… and one with baseUrl http://169.254.169.254/latest (HUB_EGRESS_ALLOW_PRIVATE=on)',
      expected: 'the hub does not start; both problems named by file and field (URL_CREDENTIALS, METADATA); the password in no output line',
    },
    async () => {
      const password = 'declared-url-passw0rd';
      writeFileSync(join(dir, 'creds.json'), declaration({ name: 'creds', config: { baseUrl: `https://tax:${password}@127.0.0.1:9/api`, path: '/p', auth: { type: 'bearer' }, pagination: { mode: 'page', pageSize: 100 } } }));
      writeFileSync(join(dir, 'metadata.json'), declaration({ name: 'metadata', config: { baseUrl: 'http://169.254.169.254/latest', path: '/p', auth: { type: 'bearer' }, pagination: { mode: 'page', pageSize: 100 } } }));
      try {
        const failure = await startHubProcess({ env, readyTimeoutMs: 60_000 }).then(
          async (started) => {
            await started.stop();
            return '';
          },
          (e: unknown) => (e as Error).message,
        );
        expect(failure).toMatch(/creds\.json config\.baseUrl: INVALID_CONNECTOR: URL_CREDENTIALS/);
        expect(failure).toMatch(/metadata\.json config\.baseUrl: INVALID_CONNECTOR: METADATA/);
        expect(failure).not.toContain(password);
      } finally {
        rmSync(join(dir, 'creds.json'));
        rmSync(join(dir, 'metadata.json'));
      }
      return { observed: 'start-up refused naming creds.json (URL_CREDENTIALS) and metadata.json (METADATA); the password not printed', accepted: 0, loaded: 0, rejected: 0, lost: 0, duplicated: 0, answers500: 0, stuckBatches: 0 };
    },
  );
});
