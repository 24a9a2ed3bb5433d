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
import { readRecords, SubmittedRecord } from './read-records';

export interface Submission {
  readonly supplier: Supplier;
  readonly itemCode: string;
  readonly body: Readable;
  readonly contentType: string | undefined;
  readonly contentLength: number | undefined;
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

export interface IngestLimits {
  readonly maxBytes: number;
  readonly chunkSize: number;
  /** A batch still `receiving` after this long lost its publisher: it is aborted and its key freed. */
  readonly publishTimeoutSeconds: number;
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
    let bodyBytes = 0;
    s.body.on('data', (piece: Buffer) => (bodyBytes += piece.length));
    const records = readRecords(decodeBody(s.body, media.charset, this.limits.maxBytes), media.format);
    return this.ingest(
      { supplier: s.supplier, itemCode: s.itemCode, channel: s.channel, idempotencyKey: s.idempotencyKey },
      records,
      () => bodyBytes,
      () => s.body.resume(),
    );
  }

  /**
   * Records already read by a connector (SFTP file, SOAP request, REST page, table rows): the same
   * acceptance rule. `idempotencyKey` is the batch's stable key, so a connector that crashed
   * before storing its cursor replays the batch and ingests nothing twice.
   */
  async submitRecords(batch: RecordsBatch): Promise<Receipt> {
    this.checkItem(batch.supplier, batch.itemCode);
    let approximateBytes = 0;
    const records = (async function* () {
      let index = 0;
      for await (const fields of batch.records) {
        approximateBytes += 64 * Object.keys(fields).length;
        yield { index: index++, fields };
      }
    })();
    return this.ingest(batch, records, () => approximateBytes, () => undefined);
  }

  private checkItem(supplier: Supplier, itemCode: string): void {
    if (!this.knownItem(itemCode)) throw new IngestError('UNKNOWN_ITEM', `目录中没有信息项 ${itemCode}`);
    if (!supplier.items.includes(itemCode)) {
      throw new IngestError('ITEM_NOT_ALLOWED', `报送单位 ${supplier.code} 不是信息项 ${itemCode} 的提供单位`);
    }
  }

  private async ingest(
    s: BatchOrigin,
    submitted: AsyncIterable<SubmittedRecord>,
    bytesSoFar: () => number,
    drain: () => void,
  ): Promise<Receipt> {
    if (s.idempotencyKey) {
      const earlier = await this.batches.findLiveByIdempotencyKey(s.supplier.id, s.idempotencyKey);
      const abandoned = earlier?.status === 'receiving' && Date.now() - earlier.createdAt.getTime() > this.limits.publishTimeoutSeconds * 1000;
      if (earlier && abandoned) {
        // Its publisher died between publishing and accepting (it never answered 202): take this attempt instead.
        await this.batches.abort(earlier.id, 'publisher did not finish');
      } else if (earlier) {
        drain(); // what the client still sends is not needed: the answer is the earlier one
        if (earlier.status === 'receiving') {
          throw new IngestError('IDEMPOTENCY_IN_PROGRESS', '相同 Idempotency-Key 的请求正在处理中，请稍后重试');
        }
        return { batchId: earlier.id, received: earlier.received, replayed: true };
      }
    }

    const batchId = randomUUID();
    const receivedAt = new Date().toISOString();
    // The batch is mapped with the mapping of the moment it arrived, even if it is replaced meanwhile.
    const mappingVersion = (await this.mappingVersion(s.supplier.id, s.itemCode)) ?? null;
    const spool = new ChunkSpool<RecordChunkMessage>();
    try {
      const received = await this.spoolChunks(s, { batchId, receivedAt, mappingVersion }, submitted, bytesSoFar, spool);
      await this.publish(s, batchId, spool);
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
    bytesSoFar: () => number,
    spool: ChunkSpool<RecordChunkMessage>,
  ): Promise<number> {
    let bytesAtLastFlush = 0;
    let records: EnvelopeRecord[] = [];
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
        bytesSoFar() - bytesAtLastFlush,
      );
      bytesAtLastFlush = bytesSoFar();
      records = [];
    };
    for await (const { index, fields } of submitted) {
      records.push(toEnvelope(index, fields));
      received++;
      if (records.length >= this.limits.chunkSize) await flush();
    }
    if (records.length > 0) await flush();
    return received;
  }

  private async publish(s: BatchOrigin, batchId: string, spool: ChunkSpool<RecordChunkMessage>): Promise<void> {
    try {
      await this.batches.createReceiving({
        id: batchId,
        supplierId: s.supplier.id,
        itemCode: s.itemCode,
        channel: s.channel,
        idempotencyKey: s.idempotencyKey,
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
