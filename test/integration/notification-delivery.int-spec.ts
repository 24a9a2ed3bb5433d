import { loadHubConfig } from '../../libs/config/hub-config';
import { HubDatabase } from '../../libs/persistence/hub-database';
import { OutboxNotice, OutboxRepository } from '../../libs/persistence/outbox.repository';
import { NotificationDeliveryJob, NotificationDeliveryOptions } from '../../libs/pipeline/jobs/notification-delivery.job';
import { WebhookNotificationChannel } from '../../libs/pipeline/notifications/webhook-channel';
import { NotificationService } from '../../libs/pipeline/rights/notification.service';
import { MessageGateway, startMessageGateway } from '../support/message-gateway';
import { createTestDatabase } from '../support/test-services';
import { permissiveEgressGuard } from '../../libs/security/egress-policy';

jest.setTimeout(60_000);

const SECRET = 'gateway-shared-secret-0123456789abcdef';
const OPTIONS: NotificationDeliveryOptions = { batchSize: 4, maxPerRun: 500, maxAttempts: 3, leaseSeconds: 70 };

/**
 * The outbox delivered through the webhook channel to a real HTTP gateway on loopback, against
 * real PostgreSQL, with the clock moved by hand for the retry schedule.
 */
describe('delivering the notification outbox to the message gateway', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: HubDatabase;
  let outbox: OutboxRepository;
  let gateway: MessageGateway;
  let now: Date;
  const clock = () => now;
  let counter = 0;

  const notice = (over: Partial<OutboxNotice> = {}): OutboxNotice => ({
    recipientKind: 'applicant',
    recipient: '13800000000',
    topic: 'objection.closed',
    message: '您对行政处罚信息提出的异议已办结：更正。',
    payload: { objectionId: 'o-1', outcome: 'correct' },
    dedupeKey: `test:${++counter}`,
    createdAt: new Date('2026-10-12T01:00:00Z'),
    ...over,
  });

  const job = (options: Partial<NotificationDeliveryOptions> = {}, timeoutMs = 2_000) =>
    new NotificationDeliveryJob(outbox, new WebhookNotificationChannel({ url: gateway.url, secret: SECRET, timeoutMs }, clock, permissiveEgressGuard()), clock, { ...OPTIONS, ...options });

  const state = async (dedupeKey: string) => (await outbox.list({ limit: 1000, offset: 0 })).find((n) => n.dedupeKey === dedupeKey);
  const later = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await HubDatabase.open(loadHubConfig({ DATABASE_URL: database.url, AMQP_URL: 'amqp://127.0.0.1:5672' }));
    await db.migrate();
    outbox = new OutboxRepository(db);
  });

  beforeEach(async () => {
    now = new Date('2026-10-12T02:00:00Z');
    gateway = await startMessageGateway(SECRET);
    await db.dataSource.query('DELETE FROM notification_outbox');
  });

  afterEach(async () => {
    await gateway.close();
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('POSTs each due notice once, signed, keyed by its dedupe key, and marks it sent', async () => {
    const notices = [notice(), notice({ recipientKind: 'supplier', recipient: 'xm-amr', topic: 'objection.forwarded', message: '请核实' })];
    await outbox.enqueue(notices);

    expect(await job().run()).toEqual({ sent: 2, retrying: 0, failed: 0 });

    expect(gateway.deliveries).toHaveLength(2);
    for (const [i, d] of gateway.deliveries.entries()) {
      expect(d.signatureValid).toBe(true);
      expect(d.headers['idempotency-key']).toBe(notices[i].dedupeKey);
      expect(d.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(d.headers['x-credithub-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
      expect(d.body).toEqual({
        id: expect.stringMatching(/^[0-9]+$/),
        recipientKind: notices[i].recipientKind,
        recipient: notices[i].recipient,
        topic: notices[i].topic,
        message: notices[i].message,
        payload: notices[i].payload,
        createdAt: '2026-10-12T01:00:00.000Z',
      });
    }
    expect(await state(notices[0].dedupeKey)).toMatchObject({ sentAt: now, attempts: 1, lastError: null, failedAt: null });
    expect(await job().run()).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(gateway.deliveries).toHaveLength(2);
  });

  it('retries a gateway failure after 30 s, then 1 min, on the injected clock', async () => {
    const n = notice();
    await outbox.enqueue([n]);
    gateway.script.push({ status: 503 }, { status: 502 });

    expect(await job().run()).toEqual({ sent: 0, retrying: 1, failed: 0 });
    expect(await state(n.dedupeKey)).toMatchObject({ sentAt: null, attempts: 1, lastError: 'HTTP_503: the gateway answered HTTP 503', failedAt: null });

    later(29);
    expect(await job().run()).toEqual({ sent: 0, retrying: 0, failed: 0 });
    later(1);
    expect(await job().run()).toEqual({ sent: 0, retrying: 1, failed: 0 });
    later(59);
    expect(await job().run()).toEqual({ sent: 0, retrying: 0, failed: 0 });
    later(1);
    expect(await job().run()).toEqual({ sent: 1, retrying: 0, failed: 0 });

    expect(gateway.deliveries.map((d) => d.status)).toEqual([503, 502, 200]);
    expect(new Set(gateway.deliveries.map((d) => d.headers['idempotency-key']))).toEqual(new Set([n.dedupeKey]));
    expect(await state(n.dedupeKey)).toMatchObject({ sentAt: now, attempts: 3, lastError: null });
  });

  it('gives a notice up at once when the gateway refuses it, and sends it again when an operator asks', async () => {
    const n = notice();
    await outbox.enqueue([n]);
    gateway.script.push({ status: 400 });

    expect(await job().run()).toEqual({ sent: 0, retrying: 0, failed: 1 });
    const failed = await state(n.dedupeKey);
    expect(failed).toMatchObject({ sentAt: null, attempts: 1, lastError: 'HTTP_400: the gateway answered HTTP 400', failedAt: now });
    expect((await outbox.list({ state: 'failed', limit: 10, offset: 0 })).map((x) => x.dedupeKey)).toEqual([n.dedupeKey]);
    later(3_600);
    expect(await job().run()).toEqual({ sent: 0, retrying: 0, failed: 0 });

    const operators = new NotificationService(outbox);
    await expect(operators.retry(failed!.id)).resolves.toMatchObject({ attempts: 0, failedAt: null, sentAt: null });
    await expect(operators.retry(failed!.id)).rejects.toMatchObject({ code: 'NOTIFICATION_NOT_FAILED' });
    await expect(operators.retry('999999999')).rejects.toMatchObject({ code: 'NOTIFICATION_NOT_FOUND' });
    await expect(operators.retry('not-a-number')).rejects.toMatchObject({ code: 'NOTIFICATION_NOT_FOUND' });

    expect(await job().run()).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(await state(n.dedupeKey)).toMatchObject({ sentAt: now, attempts: 1, failedAt: null });
  });

  it('gives a notice up after its last attempt fails', async () => {
    const n = notice();
    await outbox.enqueue([n]);
    gateway.script.push({ status: 500 }, { status: 500 }, { status: 500 });

    expect(await job().run()).toMatchObject({ retrying: 1 });
    later(30);
    expect(await job().run()).toMatchObject({ retrying: 1 });
    later(60);
    expect(await job().run()).toEqual({ sent: 0, retrying: 0, failed: 1 });
    expect(await state(n.dedupeKey)).toMatchObject({ attempts: 3, failedAt: now, lastError: 'HTTP_500: the gateway answered HTTP 500' });
  });

  it('retries a gateway that does not answer in time, or cannot be reached', async () => {
    const slow = notice();
    await outbox.enqueue([slow]);
    gateway.script.push({ stallMs: 1_000 });
    expect(await job({}, 200).run()).toEqual({ sent: 0, retrying: 1, failed: 0 });
    expect(await state(slow.dedupeKey)).toMatchObject({ lastError: 'TIMEOUT: no answer within 200 ms', sentAt: null });

    const url = gateway.url;
    await gateway.close();
    later(30);
    const unreachable = new NotificationDeliveryJob(outbox, new WebhookNotificationChannel({ url, secret: SECRET, timeoutMs: 2_000 }, clock, permissiveEgressGuard()), clock, OPTIONS);
    expect(await unreachable.run()).toEqual({ sent: 0, retrying: 1, failed: 0 });
    expect(await state(slow.dedupeKey)).toMatchObject({ lastError: expect.stringMatching(/^NETWORK: the gateway could not be reached: ECONNREFUSED/), attempts: 2 });
    gateway = await startMessageGateway(SECRET);
  });

  it('loses nothing when a deliverer dies after claiming: the notice is sent once its lease ends', async () => {
    const n = notice();
    await outbox.enqueue([n]);
    // What a deliverer killed mid-send leaves behind: the claim (attempt counted, lease set), no outcome.
    expect((await outbox.claimDue(now, new Date(now.getTime() + OPTIONS.leaseSeconds * 1000), 10)).map((x) => x.dedupeKey)).toEqual([n.dedupeKey]);

    later(OPTIONS.leaseSeconds - 1);
    expect(await job().run()).toEqual({ sent: 0, retrying: 0, failed: 0 });
    later(1);
    expect(await job().run()).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(await state(n.dedupeKey)).toMatchObject({ attempts: 2, sentAt: now });
  });

  it('keeps a notice sent whatever a deliverer whose lease ran out reports afterwards', async () => {
    const [first, second] = [notice(), notice()];
    await outbox.enqueue([first, second]);
    const [a1, a2] = await outbox.claimDue(now, new Date(now.getTime() + OPTIONS.leaseSeconds * 1000), 10);
    later(OPTIONS.leaseSeconds);

    // The late deliverer reports after the other one sent the notice ...
    expect(await job({ batchSize: 1, maxPerRun: 1 }).run()).toEqual({ sent: 1, retrying: 0, failed: 0 });
    await outbox.markFailed(a1.id, 'HTTP_400: too late', now);
    expect(await state(first.dedupeKey)).toMatchObject({ sentAt: now, failedAt: null, lastError: null });

    // ... or before it: sent wins either way.
    await outbox.markFailed(a2.id, 'HTTP_400: too early', now);
    expect(await state(second.dedupeKey)).toMatchObject({ sentAt: null, failedAt: now });
    await outbox.markSent(a2.id, now);
    expect(await state(second.dedupeKey)).toMatchObject({ sentAt: now, failedAt: null, lastError: null });
  });

  it('sends every notice exactly once when two schedulers deliver at the same time', async () => {
    const notices = Array.from({ length: 40 }, () => notice());
    await outbox.enqueue(notices);
    const results = await Promise.all([job().run(), job().run()]);
    expect(results[0].sent + results[1].sent).toBe(40);
    const accepted = gateway.accepted();
    expect([...accepted.keys()].sort()).toEqual(notices.map((x) => x.dedupeKey).sort());
    expect([...accepted.values()].every((d) => d.length === 1)).toBe(true);
    expect(await outbox.list({ state: 'pending', limit: 100, offset: 0 })).toEqual([]);
  });

  it('stops a run when a whole batch fails, leaving the rest untouched for the next run', async () => {
    const notices = Array.from({ length: 4 }, () => notice());
    await outbox.enqueue(notices);
    gateway.script.push({ status: 503 }, { status: 503 });
    expect(await job({ batchSize: 2 }).run()).toEqual({ sent: 0, retrying: 2, failed: 0 });
    expect(gateway.deliveries).toHaveLength(2);
    expect((await state(notices[2].dedupeKey))?.attempts).toBe(0);
    expect(await job({ batchSize: 2 }).run()).toEqual({ sent: 2, retrying: 0, failed: 0 });
  });

  it('sends at most maxPerRun notices in one run and the rest in the next', async () => {
    await outbox.enqueue(Array.from({ length: 6 }, () => notice()));
    expect(await job({ maxPerRun: 4, batchSize: 2 }).run()).toEqual({ sent: 4, retrying: 0, failed: 0 });
    expect(await job({ maxPerRun: 4, batchSize: 2 }).run()).toEqual({ sent: 2, retrying: 0, failed: 0 });
  });
});
