import { Logger } from '@nestjs/common';
import { DeadLetterDelivery, MessageBus } from '../../bus/message-bus';
import { QUEUES, RecordChunkMessage } from '../../bus/messages';
import { HubMetrics } from '../../observability/metrics';
import { BatchRepository, StoredRejection } from '../../persistence/batch.repository';
import { isTransientDatabaseError } from '../../persistence/database-errors';
import { DeadLetterRepository, DeadLetterRow, DeadLetterState } from '../../persistence/dead-letter.repository';
import { RecordRepository } from '../../persistence/record.repository';

export class DeadLetterError extends Error {
  constructor(
    readonly code: 'DEAD_LETTER_NOT_FOUND' | 'DEAD_LETTER_ALREADY_REPLAYED' | 'DEAD_LETTER_NOT_REPLAYABLE',
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

export interface DeadLetterView {
  readonly id: string;
  readonly queue: string;
  readonly batchId: string | null;
  readonly chunkNo: number | null;
  readonly supplier: string | null;
  readonly item: string | null;
  readonly records: number;
  readonly deliveries: number;
  /** As the bus gave it: `delivery_limit`, `rejected`, or the last error. */
  readonly reason: string;
  /** The same in Chinese, as the batch's LOAD_FAILED rejections say it. */
  readonly message: string;
  readonly deadLetteredAt: string;
  readonly state: DeadLetterState;
  readonly replayedAt: string | null;
}

/**
 * Dead letters made visible and replayable (ADR 0012).
 *
 * The sink (worker role) takes every message of the dead-letter queue, on RabbitMQ or the embedded
 * bus: it rejects the chunk's records as LOAD_FAILED through the normal chunk load (marker and
 * rejections in one transaction), so the batch reaches `done` and its supplier hears why, and then
 * keeps the message in `dead_letters`. A replay takes the marker and those rejections back and
 * publishes the chunk again, so what can now be loaded is loaded once and counted loaded.
 */
export class DeadLetterService {
  private readonly log = new Logger('DeadLetters');

  constructor(
    private readonly deadLetters: DeadLetterRepository,
    private readonly batches: BatchRepository,
    private readonly records: RecordRepository,
    private readonly bus: MessageBus,
    private readonly itemKnown: (code: string) => boolean,
    private readonly metrics: HubMetrics,
  ) {}

  /** The dead-letter sink's handler: `ack` once the dead letter and its rejections are committed. */
  readonly absorb = async (delivery: DeadLetterDelivery): Promise<'ack' | 'retry'> => {
    const chunk = asChunk(delivery.body);
    const message = this.describe(delivery.reason, delivery.deliveries, chunk);
    let pause = 500;
    for (;;) {
      try {
        if (chunk) await this.rejectChunk(chunk, message);
        const fresh = await this.deadLetters.record({
          key: delivery.key,
          queue: delivery.queue,
          batchId: chunk?.batchId ?? null,
          chunkNo: chunk?.chunkNo ?? null,
          supplierCode: chunk?.supplierCode ?? null,
          itemCode: chunk?.itemCode ?? null,
          records: chunk?.records.length ?? 0,
          deliveries: delivery.deliveries,
          reason: delivery.reason,
          body: delivery.body,
          deadLetteredAt: delivery.deadLetteredAt,
        });
        if (fresh) {
          this.metrics.deadLettersRecorded.inc();
          this.log.error(
            `dead letter from ${delivery.queue}: ${chunk ? `chunk ${chunk.batchId}/${chunk.chunkNo} (${chunk.records.length} records)` : 'a message that is not a chunk'}, reason ${delivery.reason}; its records are rejected LOAD_FAILED until an operator replays it`,
          );
        }
        return 'ack';
      } catch (e) {
        if (!isTransientDatabaseError(e)) {
          this.log.error(`cannot record a dead letter from ${delivery.queue}: ${(e as Error).message}`);
          await sleep(5_000); // it stays in the dead-letter queue; no hot loop
          return 'retry';
        }
        this.log.warn(`database unavailable (${(e as Error).message}); holding a dead letter, retry in ${pause} ms`);
        await sleep(pause);
        pause = Math.min(pause * 2, 10_000);
      }
    }
  };

  async list(filter: { offset: number; limit: number; state?: DeadLetterState }): Promise<{ deadLetters: DeadLetterView[]; total: number; nextOffset: number | null }> {
    const { rows, total } = await this.deadLetters.list(filter);
    return {
      deadLetters: rows.map((r) => this.view(r)),
      total,
      nextOffset: filter.offset + rows.length < total ? filter.offset + rows.length : null,
    };
  }

  async replay(id: string): Promise<DeadLetterView> {
    const claim = await this.deadLetters.claimForReplay(id, (row, body) =>
      row.queue === QUEUES.records ? asChunk(body)?.records.map((r) => r.index) : undefined,
    );
    if (claim.outcome === 'not-found') throw new DeadLetterError('DEAD_LETTER_NOT_FOUND', `死信 ${id} 不存在`, [{ id }]);
    if (claim.outcome === 'already-replayed') {
      throw new DeadLetterError('DEAD_LETTER_ALREADY_REPLAYED', `死信 ${id} 已于 ${claim.row.replayedAt ? new Date(claim.row.replayedAt).toISOString() : '此前'} 重放，不再重复重放`, [{ id }]);
    }
    if (claim.outcome === 'not-replayable') {
      throw new DeadLetterError('DEAD_LETTER_NOT_REPLAYABLE', `死信 ${id} 不是可重放的数据块`, [{ id, queue: claim.row.queue }]);
    }
    const chunk = asChunk(claim.body) as RecordChunkMessage;
    try {
      await this.bus.publish(QUEUES.records, [chunk]);
    } catch (e) {
      // Nothing was replayed (or, after a lost confirm, the marker written back makes it a no-op).
      await this.rejectChunk(chunk, this.describe(claim.row.reason, claim.row.deliveries, chunk));
      await this.deadLetters.unclaim(id);
      throw e;
    }
    this.log.log(`dead letter ${id} replayed: chunk ${chunk.batchId}/${chunk.chunkNo} published again`);
    return this.view(claim.row);
  }

  async counts(): Promise<Record<DeadLetterState, number>> {
    return this.deadLetters.counts();
  }

  /** Every record of the chunk rejected, with the reason, as one processed chunk of its batch. */
  private async rejectChunk(chunk: RecordChunkMessage, message: string): Promise<void> {
    const status = await this.batches.status(chunk.batchId);
    // An aborted batch was answered 503 and is never reported; an unknown one has nothing to complete.
    if (status !== 'accepted' && status !== 'receiving') return;
    const rejections: StoredRejection[] = chunk.records.map((r) =>
      r.refusal
        ? { index: r.index, sourceKey: r.sourceKey ?? null, field: r.refusal.field, code: r.refusal.code, value: r.refusal.value ?? null }
        : { index: r.index, sourceKey: r.sourceKey ?? null, field: '(record)', code: 'LOAD_FAILED', value: `转入死信队列：${message}` },
    );
    await this.records.loadChunk({
      batchId: chunk.batchId,
      chunkNo: chunk.chunkNo,
      supplierId: chunk.supplierId,
      itemCode: chunk.itemCode,
      channel: chunk.channel,
      catalogVersion: 0,
      received: chunk.records.length,
      loaded: 0,
      records: [],
      subjects: [],
      rejections,
    });
  }

  private describe(reason: string, deliveries: number, chunk: RecordChunkMessage | undefined): string {
    if (chunk && !this.itemKnown(chunk.itemCode)) return `数据项 ${chunk.itemCode} 不在工作进程的目录中`;
    if (reason.startsWith('delivery_limit')) return deliveries > 0 ? `连续 ${deliveries} 次处理失败` : '多次处理失败';
    if (reason === 'rejected') return '工作进程判定该数据块无法处理';
    if (!chunk) return '消息不是有效的数据块';
    return `处理失败（${reason.slice(0, 200)}）`;
  }

  private view(r: DeadLetterRow): DeadLetterView {
    return {
      id: r.id,
      queue: r.queue,
      batchId: r.batchId,
      chunkNo: r.chunkNo,
      supplier: r.supplierCode,
      item: r.itemCode,
      records: r.records,
      deliveries: r.deliveries,
      reason: r.reason,
      message: this.describe(r.reason, r.deliveries, r.itemCode ? ({ itemCode: r.itemCode } as RecordChunkMessage) : undefined),
      deadLetteredAt: new Date(r.deadLetteredAt).toISOString(),
      state: r.state,
      replayedAt: r.replayedAt ? new Date(r.replayedAt).toISOString() : null,
    };
  }
}

/** A record chunk as the API published it, or undefined for anything else. */
function asChunk(body: unknown): RecordChunkMessage | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const c = body as Partial<RecordChunkMessage>;
  const ok =
    typeof c.batchId === 'string' && /^[0-9a-f-]{36}$/i.test(c.batchId) && Number.isInteger(c.chunkNo) &&
    typeof c.supplierId === 'string' && typeof c.itemCode === 'string' && typeof c.supplierCode === 'string' &&
    typeof c.channel === 'string' && Array.isArray(c.records) &&
    c.records.every((r) => typeof r === 'object' && r !== null && Number.isInteger((r as { index?: unknown }).index));
  return ok ? (c as RecordChunkMessage) : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
