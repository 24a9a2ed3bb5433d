/** Why a submission was refused as a whole; the edge maps each code to its HTTP status or SOAP fault. */
export type IngestErrorCode =
  | 'UNKNOWN_ITEM'
  | 'ITEM_NOT_ALLOWED'
  | 'MALFORMED_BODY'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'ENCODING_MISMATCH'
  | 'EMPTY_BODY'
  | 'BROKER_UNAVAILABLE'
  | 'IDEMPOTENCY_IN_PROGRESS'
  | 'IDEMPOTENCY_CONFLICT';

export interface IngestErrorDetail {
  readonly index?: number;
  readonly line?: number;
  readonly byteOffset?: number;
  readonly limit?: number;
  readonly reason?: string;
  /** IDEMPOTENCY_CONFLICT: the batch the key already names. */
  readonly batchId?: string;
}

export class IngestError extends Error {
  constructor(
    readonly code: IngestErrorCode,
    message: string,
    readonly details: IngestErrorDetail[] = [],
  ) {
    super(message);
  }
}
