/** Queue names and the payload each one carries: the whole vocabulary of the bus. */
export const QUEUES = {
  records: 'hub.records',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const DEAD_LETTER_EXCHANGE = 'hub.dead-letter';
export const DEAD_LETTER_QUEUE = 'hub.dead-letter';

/** One record as a connector delivered it, in the supplier's own field names. */
export interface EnvelopeRecord {
  /** 0-based position in the submission (for CSV, the data row). */
  readonly index: number;
  readonly sourceKey?: string;
  readonly payload: Record<string, unknown>;
}

/** A chunk of up to a few hundred records: one message, so the broker's cost is per chunk. */
export interface RecordChunkMessage {
  readonly batchId: string;
  readonly chunkNo: number;
  readonly supplierId: string;
  readonly supplierCode: string;
  readonly itemCode: string;
  readonly channel: string;
  readonly receivedAt: string;
  /** The supplier's mapping version when the batch arrived; null: standard or canonical names. */
  readonly mappingVersion: number | null;
  readonly records: readonly EnvelopeRecord[];
}

export interface QueuePayloads {
  'hub.records': RecordChunkMessage;
}
