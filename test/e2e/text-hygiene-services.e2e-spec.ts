import { uscc } from '../fixtures/credit-data';
import { ADMIN_TOKEN, registerSupplier } from '../support/hub-client';
import { HubProcess, startHubProcess } from '../support/hub-process';
import { reliabilityCase } from '../support/reliability';
import { declareTextHygieneCases, HOSTILE_REQUESTS, hostileAndHonestQueries, HygieneContext, startChannelFixtures } from '../support/text-hygiene-channels';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(300_000);

/** Issue 11, findings 1 and 2, on PostgreSQL + RabbitMQ: text hygiene on every channel and at the query edge. */
describe('text hygiene at every edge (PostgreSQL + RabbitMQ)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let fixtures: Awaited<ReturnType<typeof startChannelFixtures>>;
  let hub: HubProcess;
  let context: HygieneContext;

  beforeAll(async () => {
    database = await createTestDatabase();
    vhost = await createTestVhost();
    fixtures = await startChannelFixtures();
    hub = await startHubProcess({
      env: { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_SECRET_KEY: 'e2e-hub-secret-key-0123456789abcdef', INGEST_PUBLISH_TIMEOUT_S: '10' },
    });
    const supplierCode = 'hyg-services';
    const apiKey = await registerSupplier(hub.url, supplierCode, ['administrative_penalty']);
    context = { url: hub.url, apiKey, supplierCode, databaseUrl: database.url, ...fixtures };
  });

  afterAll(async () => {
    await hub?.stop();
    await fixtures?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  declareTextHygieneCases('services', () => context);

  reliabilityCase(
    {
      id: 'G1-nul-path-services',
      group: 'G edges (wave 2 findings)',
      title: 'NUL, lone surrogates, controls and non-UTF-8 escapes in paths, parameters and query bodies are refused and logged; honest queries beside them are all answered',
      channel: 'query edge, services',
      input: `${HOSTILE_REQUESTS.length} hostile requests (x%00, %ED%A0%80, %FF, batch-query codes with \\u0000 and \\ud800, …), then 45 honest subject queries mixed with 45 hostile ones`,
      expected: '400 INVALID_REQUEST naming the parameter; each refusal in the query log with the value escaped; every honest query answered (404), no 500/503; ready 200',
    },
    async () => {
      const honestCode = uscc(919_191);
      const before = await withDatabase(database.url, async (db) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM query_log')).rows[0].n));
      const observation = await hostileAndHonestQueries(hub.url, honestCode);
      expect(observation.refusals).toEqual(HOSTILE_REQUESTS.map((r) => ({ status: 400, code: 'INVALID_REQUEST', details: [{ field: r.field }] })));
      const rows = await withDatabase(database.url, async (db) =>
        (await db.query<{ subject_code: string; outcome: string; query_kind: string }>('SELECT subject_code, outcome, query_kind FROM query_log ORDER BY id OFFSET $1', [before])).rows,
      );
      // Every query-edge refusal is logged before it is answered, the bad value escaped (never the raw NUL).
      expect(rows.filter((r) => r.subject_code === 'x\\u0000' && r.query_kind === 'subject')[0]).toEqual({ subject_code: 'x\\u0000', outcome: 'invalid_request', query_kind: 'subject' });
      expect(rows.some((r) => r.subject_code === '%FF' && r.outcome === 'invalid_request')).toBe(true);
      expect(rows.some((r) => r.subject_code === '\\ud800' && r.query_kind === 'batch')).toBe(true);
      expect(rows.filter((r) => r.subject_code === honestCode)).toHaveLength(45);
      return observation;
    },
  );
});
