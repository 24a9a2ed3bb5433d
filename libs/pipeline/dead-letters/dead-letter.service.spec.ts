import { BusUnavailableError, DeadLetterDelivery, MessageBus } from '../../bus/message-bus';
import { RecordChunkMessage } from '../../bus/messages';
import { HubMetrics } from '../../observability/metrics';
import { BatchRepository } from '../../persistence/batch.repository';
import { DeadLetterRepository, DeadLetterRow, ReplayClaim } from '../../persistence/dead-letter.repository';
import { ChunkLoad, RecordRepository } from '../../persistence/record.repository';
import { DeadLetterError, DeadLetterService } from './dead-letter.service';

const chunk: RecordChunkMessage = {
  batchId: '11111111-1111-4111-8111-111111111111',
  chunkNo: 3,
  supplierId: '22222222-2222-4222-8222-222222222222',
  supplierCode: 'sup',
  itemCode: 'no_such_item',
  channel: 'rest',
  receivedAt: '2026-12-08T00:00:00.000Z',
  mappingVersion: null,
  records: [
    { index: 1500, sourceKey: 'K1', payload: { a: 1 } },
    { index: 1501, sourceKey: 'K2', payload: {}, refusal: { code: 'INVALID_TEXT', field: 'name', value: 'a\\u0000' } },
  ],
};

const row: DeadLetterRow = {
  id: '7',
  queue: 'hub.records',
  batchId: chunk.batchId,
  chunkNo: chunk.chunkNo,
  supplierCode: 'sup',
  itemCode: 'no_such_item',
  records: 2,
  deliveries: 0,
  reason: 'rejected',
  state: 'pending',
  deadLetteredAt: new Date('2026-12-08T00:00:00Z'),
  replayedAt: null,
};

function setup(options: { batchStatus?: string; claim?: ReplayClaim; publishFails?: boolean } = {}) {
  const loads: ChunkLoad[] = [];
  const recorded: unknown[] = [];
  const unclaimed: string[] = [];
  const published: unknown[] = [];
  const deadLetters = {
    record: async (l: unknown) => (recorded.push(l), true),
    claimForReplay: async () => options.claim ?? { outcome: 'not-found' },
    unclaim: async (id: string) => void unclaimed.push(id),
  } as unknown as DeadLetterRepository;
  const batches = { status: async () => options.batchStatus ?? 'accepted' } as unknown as BatchRepository;
  const records = { loadChunk: async (l: ChunkLoad) => (loads.push(l), { outcome: 'loaded', newVersions: 0 }) } as unknown as RecordRepository;
  const bus = {
    publish: async (_q: string, bodies: unknown[]) => {
      if (options.publishFails) throw new BusUnavailableError('down');
      published.push(...bodies);
    },
  } as unknown as MessageBus;
  const metrics = { deadLettersRecorded: { inc: () => undefined } } as unknown as HubMetrics;
  const service = new DeadLetterService(deadLetters, batches, records, bus, (code) => code !== 'no_such_item', metrics);
  return { service, loads, recorded, unclaimed, published };
}

const delivery: DeadLetterDelivery = { key: 'amqp:m1:1', body: chunk, queue: 'hub.records', reason: 'rejected', deliveries: 0, deadLetteredAt: new Date() };

describe('DeadLetterService (ADR 0012)', () => {
  it('rejects every record of a dead-lettered chunk through the chunk load, so its batch completes, then records it', async () => {
    const { service, loads, recorded } = setup();
    await expect(service.absorb(delivery)).resolves.toBe('ack');
    expect(loads).toEqual([
      expect.objectContaining({ batchId: chunk.batchId, chunkNo: 3, received: 2, loaded: 0, records: [], subjects: [] }),
    ]);
    expect(loads[0].rejections).toEqual([
      { index: 1500, sourceKey: 'K1', field: '(record)', code: 'LOAD_FAILED', value: '转入死信队列：数据项 no_such_item 不在工作进程的目录中' },
      { index: 1501, sourceKey: 'K2', field: 'name', code: 'INVALID_TEXT', value: 'a\\u0000' },
    ]);
    expect(recorded).toEqual([expect.objectContaining({ key: 'amqp:m1:1', batchId: chunk.batchId, chunkNo: 3, records: 2, reason: 'rejected' })]);
  });

  it('only lists the dead letter of an aborted batch (its supplier was answered 503)', async () => {
    const { service, loads, recorded } = setup({ batchStatus: 'aborted' });
    await expect(service.absorb(delivery)).resolves.toBe('ack');
    expect(loads).toEqual([]);
    expect(recorded).toHaveLength(1);
  });

  it('lists a message that is not a chunk without touching any batch', async () => {
    const { service, loads, recorded } = setup();
    await expect(service.absorb({ ...delivery, body: undefined })).resolves.toBe('ack');
    expect(loads).toEqual([]);
    expect(recorded).toEqual([expect.objectContaining({ batchId: null, records: 0 })]);
  });

  it('publishes the chunk again on replay', async () => {
    const { service, published } = setup({ claim: { outcome: 'claimed', row: { ...row, state: 'replayed' }, body: chunk } });
    await expect(service.replay('7')).resolves.toMatchObject({ id: '7', state: 'replayed', batchId: chunk.batchId });
    expect(published).toEqual([chunk]);
  });

  it('puts the LOAD_FAILED rejections back and the dead letter to pending when the replay cannot be published', async () => {
    const { service, loads, unclaimed } = setup({ claim: { outcome: 'claimed', row, body: chunk }, publishFails: true });
    await expect(service.replay('7')).rejects.toBeInstanceOf(BusUnavailableError);
    expect(loads).toHaveLength(1);
    expect(loads[0].rejections.map((r) => r.code)).toEqual(['LOAD_FAILED', 'INVALID_TEXT']);
    expect(unclaimed).toEqual(['7']);
  });

  it.each([
    ['DEAD_LETTER_NOT_FOUND', { outcome: 'not-found' } as const],
    ['DEAD_LETTER_ALREADY_REPLAYED', { outcome: 'already-replayed', row: { ...row, state: 'replayed', replayedAt: new Date() } } as const],
    ['DEAD_LETTER_NOT_REPLAYABLE', { outcome: 'not-replayable', row: { ...row, queue: 'other' } } as const],
  ])('refuses a replay with %s, publishing nothing', async (code, claim) => {
    const { service, published } = setup({ claim: claim as ReplayClaim });
    const error = await service.replay('7').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadLetterError);
    expect((error as DeadLetterError).code).toBe(code);
    expect(published).toEqual([]);
  });
});
