/**
 * Bounded work per input where every channel meets (issue 11 finding 6): a record read by any
 * connector (REST pull, SOAP, SFTP, DB poll) past the depth, field or size limit is refused in
 * its place with RECORD_TOO_LARGE before any recursive walk sees it, the others go on, and a
 * chunk, one broker message, is cut by bytes as well as by records.
 */
import type { MessageBus } from '../../bus/message-bus';
import type { RecordChunkMessage } from '../../bus/messages';
import type { BatchRepository } from '../../persistence/batch.repository';
import type { Supplier } from '../../persistence/supplier.repository';
import { IngestService } from './ingest.service';
import { asFields } from './read-records';

const supplier = { id: 's1', code: 'xm-court', items: ['administrative_penalty'] } as unknown as Supplier;

function service(limits: { chunkMaxBytes: number; maxRecordBytes: number }) {
  const published: RecordChunkMessage[] = [];
  const batches = {
    findLiveByIdempotencyKey: async () => undefined,
    createReceiving: async () => undefined,
    accept: async () => undefined,
    abort: async () => undefined,
  } as unknown as BatchRepository;
  const bus = {
    publish: async (_queue: string, messages: RecordChunkMessage[]) => {
      published.push(...messages);
    },
  } as unknown as MessageBus;
  const ingest = new IngestService(batches, bus, () => true, {
    maxBytes: 1024 ** 3,
    chunkSize: 500,
    publishTimeoutSeconds: 60,
    maxFieldsPerRecord: 500,
    maxDepth: 32,
    ...limits,
  });
  return { ingest, published };
}

async function* from<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

function deep(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

describe('IngestService.submitRecords — bounded records and chunks', () => {
  it('refuses a 20,000-deep record in its place with RECORD_TOO_LARGE; the page’s other records go on', async () => {
    const { ingest, published } = service({ chunkMaxBytes: 4 * 1024 * 1024, maxRecordBytes: 1024 * 1024 });
    const receipt = await ingest.submitRecords({
      supplier,
      itemCode: 'administrative_penalty',
      channel: 'rest-pull',
      records: from([{ source_key: 'k1', n: 1 }, { source_key: 'k2', deep: deep(20_000) }, { source_key: 'k3', n: 3 }]),
    });
    expect(receipt.received).toBe(3);
    expect(published.flatMap((c) => c.records)).toEqual([
      { index: 0, sourceKey: 'k1', payload: { n: 1 } },
      { index: 1, sourceKey: 'k2', payload: {}, refusal: { code: 'RECORD_TOO_LARGE', field: '(record)', value: '嵌套超过 32 层' } },
      { index: 2, sourceKey: 'k3', payload: { n: 3 } },
    ]);
  });

  it('refuses a record past the byte limit and one with too many fields', async () => {
    const { ingest, published } = service({ chunkMaxBytes: 4 * 1024 * 1024, maxRecordBytes: 1024 * 1024 });
    const wide = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, i]));
    await ingest.submitRecords({
      supplier,
      itemCode: 'administrative_penalty',
      channel: 'db-poll',
      records: from([{ source_key: 'big', text: 'x'.repeat(2 * 1024 * 1024) }, { source_key: 'wide', ...wide }]),
    });
    expect(published.flatMap((c) => c.records.map((r) => r.refusal?.code))).toEqual(['RECORD_TOO_LARGE', 'RECORD_TOO_LARGE']);
  });

  it('keeps a refusal made while a file was read (SFTP): the row is refused with its code and source key', async () => {
    const { ingest, published } = service({ chunkMaxBytes: 4 * 1024 * 1024, maxRecordBytes: 1024 * 1024 });
    const refusal = { code: 'ENCODING_MISMATCH' as const, field: '(record)', value: '第 3 行，字节偏移 14' };
    await ingest.submitRecords({
      supplier,
      itemCode: 'administrative_penalty',
      channel: 'sftp',
      records: from([asFields({ index: 0, fields: { source_key: 'f1', name: '\ufffd' }, refusal }), { source_key: 'f2' }]),
    });
    expect(published.flatMap((c) => c.records)).toEqual([
      { index: 0, sourceKey: 'f1', payload: {}, refusal },
      { index: 1, sourceKey: 'f2', payload: {} },
    ]);
  });

  it('cuts chunks by bytes: 1.5 MB records go two to a 4 MiB chunk, never past it', async () => {
    const { ingest, published } = service({ chunkMaxBytes: 4 * 1024 * 1024, maxRecordBytes: 2 * 1024 * 1024 });
    const records = Array.from({ length: 5 }, (_, i) => ({ source_key: `k${i}`, text: 'x'.repeat(1_500_000) }));
    await ingest.submitRecords({ supplier, itemCode: 'administrative_penalty', channel: 'sftp', records: from(records) });
    expect(published.map((c) => c.records.length)).toEqual([2, 2, 1]);
    for (const chunk of published) expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThan(4 * 1024 * 1024);
  });
});
