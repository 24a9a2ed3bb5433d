import { Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BusUnavailableError, MessageBus } from '../../bus/message-bus';
import { EnvelopeRecord, QUEUES, RecordChunkMessage, RecordRefusal } from '../../bus/messages';
import { findUnstorableText, isStorableText } from '../../domain/text/storable-text';
import { BatchRepository, IdempotencyConflictError } from '../../persistence/batch.repository';
import { Supplier } from '../../persistence/supplier.repository';
import { ChunkSpool } from './chunk-spool';
import { decodeBody } from './decode-body';
import { IngestError } from './ingest-error';
import { parseIngestMediaType } from './media-type';
import { READ_REFUSAL, readRecords, SubmittedRecord } from './read-records';
import { DEFAULT_RECORD_BOUNDS, measureRecord, RecordBounds } from './record-bounds';
import { writeJson } from '../../../connectors/shared/json-text';

export interface Submission {
  readonly supplier: Supplier;
  readonly itemCode: string;
  readonly body: Readable;
  readonly contentType: string | undefined;
  readonly contentLength: number | undefined;
  /** Content-Encoding of the body: gzip and deflate are inflated, and the byte limit counts what they inflate to. */
  readonly contentEncoding?: string;
  readonly idempotencyKey: string | undefined;
  readonly channel: string;
}

/** Who sent a batch, for what, by which channel. */
export interface BatchOrigin {
  readonly supplier: Supplier;
  readonly itemCode: string;
  readonly channel: string;
  readonly idempotencyKey?: string;
}

export interface RecordsBatch extends BatchOrigin {
  readonly records: AsyncIterable<Record<string, unknown>>;
}

export interface Receipt {
  readonly batchId: string;
  readonly received: number;
  /** True when an earlier submission with the same Idempotency-Key is answered again. */
  readonly replayed: boolean;
}

export interface IngestLimits extends Partial<RecordBounds> {
  readonly maxBytes: number;
  readonly chunkSize: number;
  /** A batch still `receiving` after this long lost its publisher: it is aborted and its key freed. */
  readonly publishTimeoutSeconds: number;
  /** A chunk is one broker message: it is cut here as well as at chunkSize records (RabbitMQ 4.x refuses messages over 16 MiB). */
  readonly chunkMaxBytes?: number;
  readonly maxCsvColumns?: number;
}

/**
 * Turns one submission into a batch of chunk messages. The whole body is read and checked
 * before anything is published; the batch is accepted (and the supplier told 202) only once
 * the broker has confirmed every chunk. A failed publish aborts the batch, and workers discard
 * the chunks of an aborted batch, so a 503 leaves nothing accepted.
 */
export class IngestService {
  private readonly log = new Logger('IngestService');

  constructor(
    private readonly batches: BatchRepository,
    private readonly bus: MessageBus,
    private readonly knownItem: (code: string) => boolean,
    private readonly limits: IngestLimits,
    private readonly mappingVersion: (supplierId: string, itemCode: string) => Promise<number | undefined> = async () => undefined,
  ) {}

  /** REST push: a streamed body in one of the accepted media types. */
  async submit(s: Submission): Promise<Receipt> {
    this.checkItem(s.supplier, s.itemCode);
    const media = parseIngestMediaType(s.contentType);
    if (s.contentLength !== undefined && s.contentLength > this.limits.maxBytes) {
      throw new IngestError('BODY_TOO_LARGE', `请求体超过上限 ${this.limits.maxBytes} 字节`, [{ limit: this.limits.maxBytes }]);
    }
    // The bytes as received, for the Idempotency-Key check (finding 9): the same key must come with the same body.
    const bodyHash = createHash('sha256');
    s.body.on('data', (piece: Buffer) => bodyHash.update(piece));
    const records = readRecords(decodeBody(s.body, media.charset, this.limits.maxBytes, {
      // In NDJSON and CSV a bad byte costs only its row; a JSON array is refused whole (issue 12).
      invalidBytes: media.format === 'json' ? 'body' : 'line',
      contentEncoding: s.contentEncoding,
    }), media.format, {
      ...this.bounds,
      maxCsvColumns: this.limits.maxCsvColumns ?? 1000,
    });
    return this.ingest(
      { supplier: s.supplier, itemCode: s.itemCode, channel: s.channel, idempotencyKey: s.idempotencyKey },
      records,
      () => s.body.resume(),
      true,
      // Only a body read to its end has a digest; otherwise none is kept (and a replay is compared by item alone).
      once(() => (s.body.readableEnded ? `body:${bodyHash.digest('hex')}` : undefined)),
    );
  }

  private get bounds(): RecordBounds {
    return {
      maxRecordBytes: this.limits.maxRecordBytes ?? DEFAULT_RECORD_BOUNDS.maxRecordBytes,
      maxFieldsPerRecord: this.limits.maxFieldsPerRecord ?? DEFAULT_RECORD_BOUNDS.maxFieldsPerRecord,
      maxDepth: this.limits.maxDepth ?? DEFAULT_RECORD_BOUNDS.maxDepth,
    };
  }

  /**
   * Records already read by a connector (SFTP file, SOAP request, REST page, table rows): the same
   * acceptance rule. `idempotencyKey` is the batch's stable key, so a connector that crashed
   * before storing its cursor replays the batch and ingests nothing twice.
   */
  async submitRecords(batch: RecordsBatch): Promise<Receipt> {
    this.checkItem(batch.supplier, batch.itemCode);
    const records = (async function* () {
      let index = 0;
      for await (const fields of batch.records) {
        const refusal = (fields as { [READ_REFUSAL]?: RecordRefusal })[READ_REFUSAL];
        yield { index: index++, fields, refusal };
      }
    })();
    return this.ingest(batch, records, () => undefined, false);
  }

  private checkItem(supplier: Supplier, itemCode: string): void {
    if (!this.knownItem(itemCode)) throw new IngestError('UNKNOWN_ITEM', `目录中没有信息项 ${itemCode}`);
    if (!supplier.items.includes(itemCode)) {
      throw new IngestError('ITEM_NOT_ALLOWED', `报送单位 ${supplier.code} 不是信息项 ${itemCode} 的提供单位`);
    }
  }

  /**
   * `bodyDigest` names the body as received (REST push); without it (connectors, SOAP) the
   * records are digested as they are read. Either is kept with the batch, so that an
   * Idempotency-Key sent again is answered with the earlier batch only for the same item and the
   * same content, and refused with IDEMPOTENCY_CONFLICT otherwise (issue 11, finding 9: the new
   * records were silently dropped).
   */
  private async ingest(
    s: BatchOrigin,
    submitted: AsyncIterable<SubmittedRecord>,
    drain: () => void,
    refuseEmpty: boolean,
    bodyDigest?: () => string | undefined,
  ): Promise<Receipt> {
    const digested = bodyDigest ? { records: submitted, digest: bodyDigest } : digestRecords(submitted, this.bounds);
    submitted = digested.records;
    if (s.idempotencyKey) {
      const earlier = await this.batches.findLiveByIdempotencyKey(s.supplier.id, s.idempotencyKey);
      const abandoned = earlier?.status === 'receiving' && Date.now() - earlier.createdAt.getTime() > this.limits.publishTimeoutSeconds * 1000;
      if (earlier && abandoned) {
        // Its publisher died between publishing and accepting (it never answered 202): take this attempt instead.
        await this.batches.abort(earlier.id, 'publisher did not finish');
      } else if (earlier) {
        if (earlier.status === 'receiving') {
          drain(); // what the client still sends is not needed: it is told to come again
          throw new IngestError('IDEMPOTENCY_IN_PROGRESS', '相同 Idempotency-Key 的请求正在处理中，请稍后重试');
        }
        if (earlier.itemCode !== s.itemCode) {
          drain();
          throw idempotencyConflict(earlier.id, earlier.itemCode, 'OTHER_ITEM');
        }
        // The content is known once all of it is read (bounded like any submission); nothing is kept.
        if (earlier.contentDigest !== null && (await sameContent(submitted, digested.digest, earlier.contentDigest)) === false) {
          drain();
          throw idempotencyConflict(earlier.id, earlier.itemCode, 'OTHER_CONTENT');
        }
        drain();
        return { batchId: earlier.id, received: earlier.received, replayed: true };
      }
    }

    const batchId = randomUUID();
    const receivedAt = new Date().toISOString();
    // The batch is mapped with the mapping of the moment it arrived, even if it is replaced meanwhile.
    const mappingVersion = (await this.mappingVersion(s.supplier.id, s.itemCode)) ?? null;
    const spool = new ChunkSpool<RecordChunkMessage>();
    try {
      const received = await this.spoolChunks(s, { batchId, receivedAt, mappingVersion }, submitted, spool);
      // An empty body is a mistake the supplier should hear about, not a batch of nothing (issue 12).
      if (received === 0 && refuseEmpty) throw new IngestError('EMPTY_BODY', '请求体中没有任何记录');
      await this.publish(s, batchId, spool, digested.digest());
      await this.batches.accept(batchId, received, spool.length);
      return { batchId, received, replayed: false };
    } finally {
      await spool.dispose();
    }
  }

  private async spoolChunks(
    s: BatchOrigin,
    batch: { batchId: string; receivedAt: string; mappingVersion: number | null },
    submitted: AsyncIterable<SubmittedRecord>,
    spool: ChunkSpool<RecordChunkMessage>,
  ): Promise<number> {
    const chunkMaxBytes = this.limits.chunkMaxBytes ?? 4 * 1024 * 1024;
    const bounds = this.bounds;
    let records: EnvelopeRecord[] = [];
    let chunkBytes = 0;
    let received = 0;
    const flush = async () => {
      await spool.add(
        {
          ...batch,
          chunkNo: spool.length,
          supplierId: s.supplier.id,
          supplierCode: s.supplier.code,
          itemCode: s.itemCode,
          channel: s.channel,
          records,
        },
        chunkBytes,
      );
      records = [];
      chunkBytes = 0;
    };
    for await (const { index, fields, refusal } of submitted) {
      // Measured before any recursive walk (text hygiene, canonical JSON) sees the record.
      const measured = refusal ? undefined : measureRecord(fields, bounds);
      const envelope = refusal ? refused(index, fields, refusal) : measured?.ok === false ? refused(index, fields, measured.refusal) : toEnvelope(index, fields);
      const bytes = measured?.ok ? measured.bytes + 128 : 256;
      if (records.length > 0 && chunkBytes + bytes > chunkMaxBytes) await flush();
      records.push(envelope);
      chunkBytes += bytes;
      received++;
      if (records.length >= this.limits.chunkSize) await flush();
    }
    if (records.length > 0) await flush();
    return received;
  }

  private async publish(s: BatchOrigin, batchId: string, spool: ChunkSpool<RecordChunkMessage>, contentDigest: string | undefined): Promise<void> {
    try {
      await this.batches.createReceiving({
        id: batchId,
        supplierId: s.supplier.id,
        itemCode: s.itemCode,
        channel: s.channel,
        idempotencyKey: s.idempotencyKey,
        contentDigest,
      });
    } catch (e) {
      if (e instanceof IdempotencyConflictError) {
        throw new IngestError('IDEMPOTENCY_IN_PROGRESS', '相同 Idempotency-Key 的请求正在处理中，请稍后重试');
      }
      throw e;
    }
    try {
      const deadline = Date.now() + this.limits.publishTimeoutSeconds * 1000;
      let group: RecordChunkMessage[] = [];
      const send = async () => {
        // Past the deadline another attempt may already have taken over this batch's key.
        if (Date.now() > deadline) throw new BusUnavailableError('publishing the batch took longer than its timeout');
        await this.bus.publish(QUEUES.records, group);
        group = [];
      };
      for await (const chunk of spool.read()) {
        group.push(chunk);
        if (group.length >= 16) await send();
      }
      if (group.length > 0) await send();
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      this.log.warn(`batch ${batchId} aborted: ${reason}`);
      await this.batches.abort(batchId, reason).catch(() => undefined);
      if (e instanceof BusUnavailableError) {
        throw new IngestError('BROKER_UNAVAILABLE', '消息队列暂不可用，本次报送未被接收，请稍后重试');
      }
      throw e;
    }
  }
}

export function toEnvelope(index: number, fields: Record<string, unknown>): EnvelopeRecord {
  const badText = findUnstorableText(fields);
  if (badText) return refused(index, fields, { code: 'INVALID_TEXT', ...badText });
  const { source_key: sourceKey, ...payload } = fields;
  if (typeof sourceKey === 'string' && sourceKey.trim() !== '') return { index, sourceKey: sourceKey.trim(), payload };
  if (typeof sourceKey === 'number') {
    // A JSON number past 2^53 is already rounded when read: 9007199254740993 arrives as …992, another record's key.
    if (!Number.isSafeInteger(sourceKey)) return refused(index, fields, { code: 'INVALID_FORMAT', field: 'source_key', value: String(sourceKey) });
    return { index, sourceKey: String(sourceKey), payload };
  }
  return { index, sourceKey: contentKey(payload), payload };
}

/** A record refused at the edge keeps its place in the batch but carries nothing of what was sent. */
export function refused(index: number, fields: Record<string, unknown>, refusal: RecordRefusal): EnvelopeRecord {
  const key = fields.source_key;
  const usableKey = typeof key === 'string' && key.trim() !== '' && key.length <= 200 && isStorableText(key);
  return { index, sourceKey: usableKey ? key.trim() : `index:${index}`, payload: {}, refusal };
}

/** Without the supplier's own id, the same content always gets the same key (so a resend is not new). */
export function contentKey(payload: Record<string, unknown>): string {
  return `sha256:${createHash('sha256').update(canonicalJson(payload)).digest('hex')}`;
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function idempotencyConflict(batchId: string, itemCode: string, reason: 'OTHER_ITEM' | 'OTHER_CONTENT'): IngestError {
  const what = reason === 'OTHER_ITEM' ? `另一信息项（${itemCode}）` : '不同的内容';
  return new IngestError(
    'IDEMPOTENCY_CONFLICT',
    `该 Idempotency-Key 已用于批次 ${batchId}（${what}）；新的报送请使用新的 Idempotency-Key`,
    [{ batchId, reason }],
  );
}

/**
 * Reads a submission to its end, keeping nothing, and says whether it digests to `expected`
 * (undefined when no digest could be made). A body that cannot be read is not the one that was
 * accepted (except one over the size limit: that is refused as such, like any submission).
 */
async function sameContent(records: AsyncIterable<SubmittedRecord>, digest: () => string | undefined, expected: string): Promise<boolean | undefined> {
  try {
    for await (const record of records) void record;
  } catch (e) {
    if (e instanceof IngestError && e.code !== 'BODY_TOO_LARGE') return false;
    throw e;
  }
  const actual = digest();
  return actual === undefined ? undefined : actual === expected;
}

/** Records read by a connector or SOAP, digested in order as they pass (canonical JSON, one line each). */
function digestRecords(submitted: AsyncIterable<SubmittedRecord>, bounds: RecordBounds): { records: AsyncIterable<SubmittedRecord>; digest: () => string } {
  const hash = createHash('sha256');
  const records = (async function* () {
    for await (const record of submitted) {
      // A record past the bounds (20,000 levels deep) would overflow the recursive canonical form: it is digested as written.
      if (measureRecord(record.fields, bounds).ok) hash.update(canonicalJson(record.fields));
      else writeJson(record.fields, (text) => hash.update(text));
      hash.update('\n');
      yield record;
    }
  })();
  return { records, digest: once(() => `records:${hash.digest('hex')}`) };
}

/** A digest can be finished once; later calls get the same answer. */
function once<T>(compute: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value;
  };
}
