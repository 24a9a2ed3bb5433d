import { loadHubConfig } from '../../libs/config/hub-config';
import { HubDatabase } from '../../libs/persistence/hub-database';
import { OutboxNotice, OutboxRepository } from '../../libs/persistence/outbox.repository';
import { createTestDatabase } from '../support/test-services';

jest.setTimeout(60_000);

const notice = (dedupeKey: string, recipient = '91350200MA2XXXXX0X'): OutboxNotice => ({
  recipientKind: 'subject',
  recipient,
  topic: 'test.notice',
  message: '测试通知',
  payload: { n: 1 },
  dedupeKey,
  createdAt: new Date('2026-10-09T01:00:00Z'),
});

describe('the notification outbox', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: HubDatabase;
  let outbox: OutboxRepository;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await HubDatabase.open(loadHubConfig({ DATABASE_URL: database.url, AMQP_URL: 'amqp://127.0.0.1:5672' }));
    await db.migrate();
    outbox = new OutboxRepository(db);
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('writes a notice once however often a job decides it again', async () => {
    expect(await outbox.enqueue([notice('a'), notice('b')])).toBe(2);
    expect(await outbox.enqueue([notice('a'), notice('c')])).toBe(1);
    const stored = await outbox.list({ topic: 'test.notice', limit: 10, offset: 0 });
    expect(stored.map((n) => n.dedupeKey)).toEqual(['a', 'b', 'c']);
    expect(stored[0]).toMatchObject({ recipientKind: 'subject', message: '测试通知', payload: { n: 1 }, sentAt: null });
  });

  it('commits a notice with the decision that made it, or not at all', async () => {
    await expect(
      db.dataSource.transaction(async (tx) => {
        await outbox.enqueue([notice('rolled-back')], tx);
        throw new Error('the decision failed');
      }),
    ).rejects.toThrow('the decision failed');
    expect(await outbox.list({ recipient: '91350200MA2XXXXX0X', limit: 10, offset: 0 })).toHaveLength(3);
  });

  it('filters by recipient and pages', async () => {
    await outbox.enqueue([notice('other', 'SUPPLIER-1')]);
    expect((await outbox.list({ recipient: 'SUPPLIER-1', limit: 10, offset: 0 })).map((n) => n.dedupeKey)).toEqual(['other']);
    expect((await outbox.list({ limit: 2, offset: 2 })).map((n) => n.dedupeKey)).toEqual(['c', 'other']);
  });
});
