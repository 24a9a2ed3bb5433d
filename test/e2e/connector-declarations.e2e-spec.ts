import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, registerSupplier } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
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
});
