/** Queue names and the payload each one carries: the whole vocabulary of the bus. */
export const QUEUES = {
  records: 'hub.records',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const DEAD_LETTER_EXCHANGE = 'hub.dead-letter';
export const DEAD_LETTER_QUEUE = 'hub.dead-letter';

/**
 * Why a record was refused where it entered (its text cannot be stored, it is too large, its row's
 * bytes are not in the declared charset): it still travels with its batch, with an empty payload,
 * so the worker reports it with the others and the batch can reach `done`.
 */
export interface RecordRefusal {
  readonly code: 'INVALID_TEXT' | 'RECORD_TOO_LARGE' | 'ENCODING_MISMATCH' | 'INVALID_FORMAT';
  /** The field at fault, or `(record)` when the record as a whole is. */
  readonly field: string;
  /** A safe rendering of what was refused (never raw NUL or surrogates; identifiers masked). */
  readonly value?: string;
}

/** One record as a connector delivered it, in the supplier's own field names. */
export interface EnvelopeRecord {
  /** 0-based position in the submission (for CSV, the data row). */
  readonly index: number;
  readonly sourceKey?: string;
  readonly payload: Record<string, unknown>;
  /** Set when the record was refused at the edge; `payload` is then empty. */
  readonly refusal?: RecordRefusal;
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
