/** An error raised at the HTTP edge itself (authentication, request shape), with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

/** The status of each code raised below the edge; services never know about HTTP. */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  UNKNOWN_ITEM: 404,
  ITEM_NOT_ALLOWED: 403,
  MALFORMED_BODY: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ENCODING_MISMATCH: 400,
  BROKER_UNAVAILABLE: 503,
  IDEMPOTENCY_IN_PROGRESS: 409,
  IDEMPOTENCY_CONFLICT: 409,
  SUPPLIER_EXISTS: 409,
  DATABASE_UNAVAILABLE: 503,
  BATCH_NOT_FOUND: 404,
  SUBJECT_NOT_FOUND: 404,
  INVALID_SUBJECT_CODE: 400,
  INVALID_REQUEST: 400,
  INVALID_MAPPING: 400,
  SUPPLIER_NOT_FOUND: 404,
  INVALID_CONNECTOR: 400,
  UNKNOWN_CONNECTOR_KIND: 404,
  CONNECTOR_NOT_FOUND: 404,
  SECRET_KEY_MISSING: 409,
  CALENDAR_HORIZON: 409,
  CALENDAR_TABLE_INVALID: 400,
  CALENDAR_INVALID_INPUT: 400,
};
