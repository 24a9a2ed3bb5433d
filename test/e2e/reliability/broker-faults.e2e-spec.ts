import { penaltyRecord } from '../../fixtures/credit-data';
import { ADMIN_TOKEN, push, registerSupplier, waitForBatchDone } from '../../support/hub-client';
import { HubProcess, sleep, startHubProcess } from '../../support/hub-process';
import { startThrowawayRabbit, ThrowawayRabbit } from '../../support/rabbit-node';
import { reconcile, reliabilityCase } from '../../support/reliability';
import { startTcpProxy, TcpProxy } from '../../support/tcp-proxy';
import { createTestDatabase, createTestVhost, SHARED_AMQP, withDatabase } from '../../support/test-services';

jest.setTimeout(300_000);

const ITEM = 'administrative_penalty';

async function loadedCount(databaseUrl: string): Promise<number> {
  return withDatabase(databaseUrl, async (db) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM credit_records')).rows[0].n));
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Plan cases A2, A3 and A5: the broker restarted under a backlog, a black-holed link to it, a memory alarm. */
describe('reliability: broker faults', () => {
  let node: ThrowawayRabbit | undefined;
  /** One throw-away node for the cases that stop it or raise its alarms (its start-up is the slow part). */
  const throwawayRabbit = async (): Promise<ThrowawayRabbit> => (node ??= await startThrowawayRabbit());

  afterAll(async () => {
    await node?.destroy();
  });

  reliabilityCase(
    {
      id: 'A2',
      group: 'A broker',
      title: 'a broker restart with a backlog: the worker resubscribes by itself and the backlog drains once',
      channel: 'REST JSON, services (throw-away RabbitMQ node)',
      input: '20,000 records accepted while no worker ran (40 chunks queued); a worker (prefetch 1) starts, and once it loads the node is stopped cleanly and started again',
      expected: 'after the restart hub.records has a consumer again without any restart of the hub; every accepted record loads exactly once; no batch stuck',
    },
    async () => {
      const rabbit = await throwawayRabbit();
      const database = await createTestDatabase();
      const processes: HubProcess[] = [];
      try {
        const env = { DATABASE_URL: database.url, AMQP_URL: rabbit.url, HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_DEMO_SUPPLIER: 'off' };
        const api = await startHubProcess({ app: 'api', env });
        processes.push(api);
        const apiKey = await registerSupplier(api.url, 'a2', [ITEM]);
        const keys: string[] = [];
        const batchIds: string[] = [];
        for (let r = 0; r < 20; r++) {
          const records = Array.from({ length: 1_000 }, (_, i) => penaltyRecord(500_000 + r * 1_000 + i, { source_key: `A2-${r}-${i}` }));
          const result = await push(api.url, apiKey, ITEM, JSON.stringify(records), { idempotencyKey: `a2-${r}` });
          expect(result.status).toBe(202);
          keys.push(...records.map((x) => x.source_key as string));
          batchIds.push(result.body.batchId as string);
        }
        // One chunk at a time, so a backlog is still queued when the broker goes down.
        const worker = await startHubProcess({ app: 'worker', env: { ...env, WORKER_PREFETCH: '1' } });
        processes.push(worker);
        await waitFor('the worker loads', async () => (await loadedCount(database.url)) > 0, 120_000);
        await rabbit.stop();
        const backlog = keys.length - (await loadedCount(database.url));
        expect(backlog).toBeGreaterThan(0);
        await sleep(2_000);
        await rabbit.start();
        await waitFor('a consumer on hub.records again', async () => queueLine(await rabbit.ctl(['list_queues', 'name', 'messages', 'consumers'])).consumers > 0, 120_000);
        for (const id of batchIds) await waitForBatchDone(api.url, apiKey, id, 240_000);
        const ledger = await reconcile(database.url, keys);
        expect(ledger.loaded).toBe(keys.length);
        return {
          ...ledger,
          observed: `${backlog} records not yet loaded when the broker stopped; consumer back after the restart with no hub restart; ${ledger.loaded} of ${keys.length} loaded, all 20 batches done`,
          accepted: keys.length,
          answers500: 0,
        };
      } finally {
        for (const p of processes.reverse()) await p.stop();
        await database.drop();
      }
    },
  );

  reliabilityCase(
    {
      id: 'A3',
      group: 'A broker',
      title: 'a publish into a black-holed broker link answers 503 within the confirm timeout and leaves nothing half-accepted',
      channel: 'REST JSON, services (hub → TCP proxy → RabbitMQ)',
      input: 'the proxy between the hub and RabbitMQ stops forwarding (no RST, nothing answered) while a supplier pushes 1,000 records; after 30 s the link heals and the supplier retries with the same Idempotency-Key',
      expected: 'the push is answered 503 BROKER_UNAVAILABLE (no hang); the batch it started is aborted with no record loaded from it; after healing the retry is 202 and every record loads once',
    },
    async () => {
      const vhost = await createTestVhost();
      const database = await createTestDatabase();
      let proxy: TcpProxy | undefined;
      let hub: HubProcess | undefined;
      try {
        proxy = await startTcpProxy(Number(new URL(SHARED_AMQP).port));
        const amqpUrl = vhost.url.replace(':5672', `:${proxy.port}`);
        hub = await startHubProcess({ env: { DATABASE_URL: database.url, AMQP_URL: amqpUrl, HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_DEMO_SUPPLIER: 'off', BUS_CONFIRM_TIMEOUT_MS: '3000' } });
        const apiKey = await registerSupplier(hub.url, 'a3', [ITEM]);
        const warm = await push(hub.url, apiKey, ITEM, JSON.stringify([penaltyRecord(600_999, { source_key: 'A3-warm' })]));
        expect(warm.status).toBe(202);
        await waitForBatchDone(hub.url, apiKey, warm.body.batchId as string);

        const records = Array.from({ length: 1_000 }, (_, i) => penaltyRecord(600_000 + i, { source_key: `A3-${i}` }));
        const body = JSON.stringify(records);
        proxy.stall();
        // No hang: a fetch that is not answered within 60 s fails the case.
        const during = await fetch(`${hub.url}/api/v1/ingest/${ITEM}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': 'a3' },
          body,
          signal: AbortSignal.timeout(60_000),
        });
        const duringBody = (await during.json()) as { error?: { code: string } };
        expect(during.status).toBe(503);
        expect(duringBody.error?.code).toBe('BROKER_UNAVAILABLE');
        await sleep(30_000);
        proxy.resume();

        let statuses: number[] = [];
        let accepted = await push(hub.url, apiKey, ITEM, body, { idempotencyKey: 'a3' });
        statuses.push(accepted.status);
        for (let i = 0; accepted.status !== 202 && i < 240; i++) {
          expect([503, 409]).toContain(accepted.status);
          await sleep(500);
          accepted = await push(hub.url, apiKey, ITEM, body, { idempotencyKey: 'a3' });
          statuses.push(accepted.status);
        }
        expect(accepted.status).toBe(202);
        await waitForBatchDone(hub.url, apiKey, accepted.body.batchId as string, 120_000);
        const aborted = await withDatabase(database.url, async (db) =>
          (
            await db.query<{ id: string; loaded: string }>(
              `SELECT b.id, (SELECT count(*) FROM credit_records r WHERE r.batch_id = b.id) AS loaded FROM batches b WHERE b.idempotency_key = 'a3' AND b.status = 'aborted'`,
            )
          ).rows,
        );
        expect(aborted.length).toBeGreaterThanOrEqual(1);
        expect(aborted.map((a) => Number(a.loaded))).toEqual(aborted.map(() => 0));
        const keys = records.map((r) => r.source_key as string);
        const ledger = await reconcile(database.url, keys);
        expect(ledger.loaded).toBe(keys.length);
        statuses = statuses.filter((s, i) => i === 0 || s !== statuses[i - 1]);
        return {
          ...ledger,
          observed: `during the black hole: ${during.status} ${duringBody.error?.code ?? ''}; ${aborted.length} aborted batch(es) with 0 records; after healing the retries answered ${statuses.join(' → ')}; ${ledger.loaded} loaded once`,
          accepted: keys.length,
          answers500: [during.status, ...statuses].filter((s) => s >= 500 && s !== 503).length,
        };
      } finally {
        await hub?.stop();
        await proxy?.close();
        await database.drop();
        await vhost.drop();
      }
    },
  );
  reliabilityCase(
    {
      id: 'A5',
      group: 'A broker',
      title: 'a broker memory alarm: pushes answer 503 instead of accepting what cannot be enqueued, workers keep draining',
      channel: 'REST JSON, services (throw-away RabbitMQ node)',
      input: '5,000 records accepted; the node\'s memory watermark is set so low that its alarm blocks publishers; 1,000 more are pushed; the watermark is restored and the supplier retries with the same Idempotency-Key',
      expected: 'the push during the alarm answers 503 BROKER_UNAVAILABLE (no hang) and its batch loads nothing; the 5,000 load during the alarm; after it the retry is 202; all 6,000 load exactly once',
    },
    async () => {
      const rabbit = await throwawayRabbit();
      await rabbit.ctl(['add_vhost', 'a5']);
      await rabbit.ctl(['set_permissions', '-p', 'a5', 'guest', '.*', '.*', '.*']);
      const database = await createTestDatabase();
      let hub: HubProcess | undefined;
      let alarm = false;
      try {
        hub = await startHubProcess({
          env: { DATABASE_URL: database.url, AMQP_URL: `${rabbit.url}/a5`, HUB_ADMIN_TOKEN: ADMIN_TOKEN, HUB_DEMO_SUPPLIER: 'off', BUS_CONFIRM_TIMEOUT_MS: '3000', WORKER_PREFETCH: '1' },
        });
        const apiKey = await registerSupplier(hub.url, 'a5', [ITEM]);
        const before = Array.from({ length: 5_000 }, (_, i) => penaltyRecord(700_000 + i, { source_key: `A5-${i}` }));
        const beforeIds: string[] = [];
        for (let r = 0; r < 5; r++) {
          const result = await push(hub.url, apiKey, ITEM, JSON.stringify(before.slice(r * 1_000, (r + 1) * 1_000)), { idempotencyKey: `a5-${r}` });
          expect(result.status).toBe(202);
          beforeIds.push(result.body.batchId as string);
        }
        await rabbit.ctl(['set_vm_memory_high_watermark', '0.000001']);
        alarm = true;
        const loadedAtAlarm = await loadedCount(database.url);
        await waitFor('the memory alarm', async () => /memory/.test(await rabbit.ctl(['eval', 'rabbit_alarm:get_alarms().'])), 60_000);
        const during = Array.from({ length: 1_000 }, (_, i) => penaltyRecord(705_000 + i, { source_key: `A5-late-${i}` }));
        const body = JSON.stringify(during);
        const refused = await fetch(`${hub.url}/api/v1/ingest/${ITEM}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': 'a5-late' },
          body,
          signal: AbortSignal.timeout(60_000),
        });
        const refusedBody = (await refused.json()) as { error?: { code: string } };
        expect(refused.status).toBe(503);
        expect(refusedBody.error?.code).toBe('BROKER_UNAVAILABLE');
        // Consumers have their own connection: the alarm blocks publishers only.
        for (const id of beforeIds) await waitForBatchDone(hub.url, apiKey, id, 180_000);
        const loadedInAlarm = (await loadedCount(database.url)) - loadedAtAlarm;
        await rabbit.ctl(['set_vm_memory_high_watermark', '0.4']);
        alarm = false;
        let retry = await push(hub.url, apiKey, ITEM, body, { idempotencyKey: 'a5-late' });
        for (let i = 0; retry.status !== 202 && i < 240; i++) {
          expect([503, 409]).toContain(retry.status);
          await sleep(500);
          retry = await push(hub.url, apiKey, ITEM, body, { idempotencyKey: 'a5-late' });
        }
        expect(retry.status).toBe(202);
        await waitForBatchDone(hub.url, apiKey, retry.body.batchId as string, 120_000);
        const abortedLoaded = await withDatabase(database.url, async (db) =>
          Number(
            (
              await db.query<{ n: string }>(
                `SELECT count(*) AS n FROM credit_records r JOIN batches b ON b.id = r.batch_id WHERE b.idempotency_key = 'a5-late' AND b.status = 'aborted'`,
              )
            ).rows[0].n,
          ),
        );
        expect(abortedLoaded).toBe(0);
        const keys = [...before, ...during].map((r) => r.source_key as string);
        const ledger = await reconcile(database.url, keys);
        expect(ledger.loaded).toBe(keys.length);
        return {
          ...ledger,
          observed: `during the alarm: push ${refused.status} ${refusedBody.error?.code ?? ''}, ${loadedInAlarm} earlier records loaded meanwhile; after it the retry 202; ${ledger.loaded} of ${keys.length} loaded once, 0 from the aborted batch`,
          accepted: keys.length,
          answers500: 0,
        };
      } finally {
        if (alarm) await rabbit.ctl(['set_vm_memory_high_watermark', '0.4']).catch(() => undefined);
        await hub?.stop();
        await database.drop();
        await rabbit.ctl(['delete_vhost', 'a5']).catch(() => undefined);
      }
    },
  );
});

function queueLine(listing: string): { messages: number; consumers: number } {
  const line = listing.split('\n').find((l) => l.startsWith('hub.records\t'));
  if (!line) return { messages: 0, consumers: 0 };
  const [, messages, consumers] = line.split('\t');
  return { messages: Number(messages), consumers: Number(consumers) };
}
