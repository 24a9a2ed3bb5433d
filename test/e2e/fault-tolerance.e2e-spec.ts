import { penaltyRecord } from '../fixtures/credit-data';
import { ADMIN_TOKEN, push, registerSupplier } from '../support/hub-client';
import { HubProcess, sleep, startHubProcess } from '../support/hub-process';
import { startThrowawayPostgres, ThrowawayPostgres } from '../support/pg-cluster';
import { startThrowawayRabbit, ThrowawayRabbit } from '../support/rabbit-node';
import { Observation, reconcile, reliabilityCase } from '../support/reliability';
import { createTestDatabase, createTestVhost, withDatabase } from '../support/test-services';

jest.setTimeout(600_000);

const ITEM = 'administrative_penalty';

/** The ledger a supplier keeps: every record the hub answered 202 for must end up loaded once. */
interface Ledger {
  acknowledged: Set<string>;
}

/**
 * Pushes `total` records in requests of `perRequest`, each with an Idempotency-Key, retrying a
 * request on 503 or a dropped connection as a supplier system would, until each one got its 202.
 */
async function pushAll(url: () => string, apiKey: string, total: number, perRequest: number, offset: number, ledger: Ledger, concurrency = 2): Promise<void> {
  const requests = Array.from({ length: Math.ceil(total / perRequest) }, (_, i) => i);
  const workers = Array.from({ length: concurrency }, async (_, w) => {
    for (let r = w; r < requests.length; r += concurrency) {
      const records = Array.from({ length: Math.min(perRequest, total - r * perRequest) }, (_, k) => penaltyRecord(offset + r * perRequest + k));
      const body = JSON.stringify(records);
      for (let attempt = 0; ; attempt++) {
        if (attempt > 600) throw new Error(`request ${r} never accepted`);
        try {
          const result = await push(url(), apiKey, ITEM, body, { idempotencyKey: `req-${offset}-${r}` });
          if (result.status === 202) {
            for (const rec of records) ledger.acknowledged.add(rec.source_key as string);
            break;
          }
          if (result.status !== 503 && result.status !== 409) throw new Error(`unexpected ${result.status} ${JSON.stringify(result.body)}`);
        } catch (e) {
          if ((e as Error).message.startsWith('unexpected')) throw e;
        }
        await sleep(250);
      }
    }
  });
  await Promise.all(workers);
}

async function waitUntilLoaded(databaseUrl: string, expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const loaded = await withDatabase(databaseUrl, (db) => db.query<{ n: string }>('SELECT count(*) AS n FROM credit_records')).catch(() => undefined);
    if (loaded && Number(loaded.rows[0].n) >= expected) return;
    if (Date.now() > deadline) throw new Error(`only ${loaded?.rows[0].n ?? '?'} of ${expected} records loaded in time`);
    await sleep(500);
  }
}

/** Exactly once: every acknowledged record has one current row and one version, no duplicates. */
async function expectLoadedExactlyOnce(databaseUrl: string, ledger: Ledger): Promise<void> {
  const state = await withDatabase(databaseUrl, async (db) => {
    const keys = await db.query<{ source_key: string }>('SELECT source_key FROM credit_records');
    const versions = await db.query<{ n: string; distinct_records: string }>(
      'SELECT count(*) AS n, count(DISTINCT record_id) AS distinct_records FROM credit_record_versions',
    );
    const dead = await db.query<{ n: string }>(`SELECT count(*) AS n FROM bus_messages WHERE state = 'dead'`);
    return { keys: keys.rows.map((r) => r.source_key), versions: versions.rows[0], dead: Number(dead.rows[0].n) };
  });
  const stored = new Set(state.keys);
  const missing = [...ledger.acknowledged].filter((k) => !stored.has(k));
  expect(missing).toEqual([]);
  expect(state.keys.length).toBe(stored.size);
  expect(Number(state.versions.n)).toBe(state.keys.length);
  expect(Number(state.versions.distinct_records)).toBe(state.keys.length);
}

describe('nothing acknowledged is lost', () => {
  reliabilityCase(
    {
      id: 'C1',
      group: 'C worker',
      title: 'the worker killed with SIGKILL mid-chunk, twice, in a 50,000-record run',
      channel: 'REST JSON, services (api and worker processes)',
      input: '50,000 records pushed in requests of 2,500 with Idempotency-Keys; the worker is SIGKILLed at 5,000 and at 20,000 loaded records and started again',
      expected: 'every record answered 202 loads exactly once (one row, one version); nothing dead-lettered; every batch done',
    },
    async () => {
    const database = await createTestDatabase();
    const vhost = await createTestVhost();
    const env = { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN };
    const api = await startHubProcess({ app: 'api', env });
    let worker = await startHubProcess({ app: 'worker', env });
    try {
      const apiKey = await registerSupplier(api.url, 'crash', [ITEM]);
      const ledger: Ledger = { acknowledged: new Set() };
      const pushing = pushAll(() => api.url, apiKey, 50_000, 2_500, 0, ledger);
      // Kill the worker once it is busy loading, then again, then let a fresh one finish.
      for (let kill = 0; kill < 2; kill++) {
        await waitUntilLoaded(database.url, 5_000 + kill * 15_000, 120_000);
        await worker.kill();
        worker = await startHubProcess({ app: 'worker', env });
      }
      await pushing;
      expect(ledger.acknowledged.size).toBe(50_000);
      await waitUntilLoaded(database.url, 50_000, 300_000);
      await sleep(1_000);
      await expectLoadedExactlyOnce(database.url, ledger);
      return await observe(database.url, ledger, 'worker SIGKILLed twice mid-run and restarted');
    } finally {
      await worker.stop();
      await api.stop();
      await database.drop();
      await vhost.drop();
    }
  });

  reliabilityCase(
    {
      id: 'A1',
      group: 'A broker',
      title: 'the broker killed with SIGKILL mid-publish: 503 meanwhile, the hub resumes by itself',
      channel: 'REST JSON, services (throw-away RabbitMQ node)',
      input: '20,000 records pushed in requests of 1,000; once 3,000 are loaded the RabbitMQ node is SIGKILLed, and started again 3 s later; the supplier retries on 503 with the same Idempotency-Key',
      expected: 'pushes in the outage answer 503, never 2xx; every record answered 202 loads exactly once; the hub reconnects without restart',
    },
    async () => {
    const rabbit: ThrowawayRabbit = await startThrowawayRabbit();
    const database = await createTestDatabase();
    let hub: HubProcess | undefined;
    try {
      hub = await startHubProcess({ env: { DATABASE_URL: database.url, AMQP_URL: rabbit.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN } });
      const url = hub.url;
      const apiKey = await registerSupplier(url, 'broker', [ITEM]);
      const ledger: Ledger = { acknowledged: new Set() };
      const pushing = pushAll(() => url, apiKey, 20_000, 1_000, 0, ledger);
      await waitUntilLoaded(database.url, 3_000, 120_000);
      await rabbit.kill();
      await sleep(3_000);
      await rabbit.start();
      await pushing;
      await waitUntilLoaded(database.url, 20_000, 300_000);
      await expectLoadedExactlyOnce(database.url, ledger);
      expect(hub.logs()).toMatch(/reconnected to RabbitMQ/);
      return await observe(database.url, ledger, 'broker SIGKILLed mid-publish and restarted; hub logged "reconnected to RabbitMQ"');
    } finally {
      await hub?.stop();
      await database.drop();
      await rabbit.destroy();
    }
  });

  reliabilityCase(
    {
      id: 'B2',
      group: 'B database',
      title: 'PostgreSQL down for 20 s under a full queue: no good record dead-lettered',
      channel: 'REST JSON, services (throw-away PostgreSQL)',
      input: '20,000 records accepted, then the database is stopped for 20 s while the worker loads, with a delivery limit of 3',
      expected: 'the worker waits for the database instead of spending delivery attempts: hub.dead-letter stays empty; every record loads exactly once',
    },
    async () => {
    const postgres: ThrowawayPostgres = await startThrowawayPostgres();
    const vhost = await createTestVhost();
    let hub: HubProcess | undefined;
    try {
      hub = await startHubProcess({
        env: { DATABASE_URL: postgres.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, BUS_DELIVERY_LIMIT: '3' },
      });
      const url = hub.url;
      const apiKey = await registerSupplier(url, 'outage', [ITEM]);
      const ledger: Ledger = { acknowledged: new Set() };
      // The records are accepted first, so the outage hits the workers with a full queue.
      await pushAll(() => url, apiKey, 20_000, 2_000, 0, ledger, 4);
      await postgres.stop();
      await sleep(20_000);
      await postgres.start();
      await waitUntilLoaded(postgres.url, 20_000, 300_000);
      await expectLoadedExactlyOnce(postgres.url, ledger);
      const dead = await deadLettered(vhost.url);
      expect(dead).toBe(0);
      expect(hub.logs()).toMatch(/database unavailable/);
      return await observe(postgres.url, ledger, `database stopped 20 s mid-load; ${dead} dead-lettered; worker logged "database unavailable"`);
    } finally {
      await hub?.stop();
      await postgres.destroy();
      await vhost.drop();
    }
  });

  reliabilityCase(
    {
      id: 'B1',
      group: 'B database',
      title: 'PostgreSQL killed with SIGKILL mid-chunk and restarted: chunks roll back and are redelivered',
      channel: 'REST JSON, services (throw-away PostgreSQL)',
      input: '10,000 records accepted; while the worker loads them the postmaster is SIGKILLed and started again at once',
      expected: 'no partial chunk: the open transactions roll back, the messages are not acked and load after the restart, exactly once; no process crash',
    },
    async () => {
      const postgres: ThrowawayPostgres = await startThrowawayPostgres();
      const vhost = await createTestVhost();
      let hub: HubProcess | undefined;
      try {
        hub = await startHubProcess({ env: { DATABASE_URL: postgres.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, BUS_DELIVERY_LIMIT: '3' } });
        const url = hub.url;
        const apiKey = await registerSupplier(url, 'pgkill', [ITEM]);
        const ledger: Ledger = { acknowledged: new Set() };
        await pushAll(() => url, apiKey, 10_000, 1_000, 0, ledger, 2);
        await waitUntilLoaded(postgres.url, 1, 120_000);
        await postgres.kill();
        await postgres.start();
        await waitUntilLoaded(postgres.url, 10_000, 300_000);
        await expectLoadedExactlyOnce(postgres.url, ledger);
        expect(await deadLettered(vhost.url)).toBe(0);
        expect(hub.logs()).not.toMatch(/Unhandled|uncaught/i);
        return await observe(postgres.url, ledger, 'postmaster SIGKILLed mid-load and restarted; 0 dead-lettered; the hub kept running');
      } finally {
        await hub?.stop();
        await postgres.destroy();
        await vhost.drop();
      }
    },
  );

  reliabilityCase(
    {
      id: 'C2',
      group: 'C worker',
      title: 'the worker stopped with SIGTERM while it works (a rolling deploy)',
      channel: 'REST JSON, services (api and worker processes)',
      input: '10,000 records accepted; once 1,000 are loaded the worker gets SIGTERM, exits, and a new worker starts',
      expected: 'the worker exits cleanly within the grace period; what it had in flight is finished or requeued; every record loads exactly once',
    },
    async () => {
      const database = await createTestDatabase();
      const vhost = await createTestVhost();
      const env = { DATABASE_URL: database.url, AMQP_URL: vhost.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN };
      const api = await startHubProcess({ app: 'api', env });
      let worker = await startHubProcess({ app: 'worker', env });
      try {
        const apiKey = await registerSupplier(api.url, 'sigterm', [ITEM]);
        const ledger: Ledger = { acknowledged: new Set() };
        await pushAll(() => api.url, apiKey, 10_000, 1_000, 0, ledger, 2);
        await waitUntilLoaded(database.url, 1_000, 120_000);
        const stopping = worker;
        await stopping.stop();
        const exit = /exit|stopp|shut/i.test(stopping.logs()) ? 'logged its shutdown' : 'exited';
        worker = await startHubProcess({ app: 'worker', env });
        await waitUntilLoaded(database.url, 10_000, 300_000);
        await sleep(1_000);
        await expectLoadedExactlyOnce(database.url, ledger);
        return await observe(database.url, ledger, `worker SIGTERMed at >= 1,000 loaded, ${exit}; a new worker finished`);
      } finally {
        await worker.stop();
        await api.stop();
        await database.drop();
        await vhost.drop();
      }
    },
  );
});

/** The case's observation: the ledger oracle over every acknowledged key. */
async function observe(databaseUrl: string, ledger: Ledger, what: string): Promise<Observation> {
  const keys = [...ledger.acknowledged];
  const counts = await reconcile(databaseUrl, keys);
  return { ...counts, accepted: keys.length, answers500: 0, observed: `${what}; ${counts.loaded} of ${keys.length} acknowledged records loaded once` };
}

async function deadLettered(amqpUrl: string): Promise<number> {
  const amqp = await import('amqplib');
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue('hub.dead-letter')).messageCount;
  } finally {
    await connection.close();
  }
}
