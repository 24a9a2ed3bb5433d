import { isTransientDatabaseError } from '../../../../libs/persistence/database-errors';

export const INGEST_NS = 'urn:credit-hub:ingest:v1';

/**
 * soap:Client — the request is wrong, resending it unchanged fails again.
 * soap:Server — the hub could not serve it now, the same request may succeed later.
 */
export type FaultSide = 'Client' | 'Server';

/** A refusal of the SOAP edge, carrying the hub's error code (API.md) and a Chinese message. */
export class SoapFault extends Error {
  constructor(
    readonly side: FaultSide,
    readonly code: string,
    message: string,
    /** WS-I Basic Profile R1126: a SOAP fault travels with HTTP 500; the body cap answers 413 (reliability anchors E3). */
    readonly httpStatus = 500,
  ) {
    super(message);
  }
}

const CLIENT_CODES = new Set([
  'UNKNOWN_ITEM',
  'ITEM_NOT_ALLOWED',
  'MALFORMED_BODY',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'ENCODING_MISMATCH',
  'BATCH_NOT_FOUND',
  'INVALID_REQUEST',
  'IDEMPOTENCY_CONFLICT',
]);
const SERVER_CODES = new Set(['BROKER_UNAVAILABLE', 'IDEMPOTENCY_IN_PROGRESS', 'DATABASE_UNAVAILABLE']);

/** Maps what a service threw to a fault by its `code` alone, like the REST edge's filter; anything else is INTERNAL_ERROR. */
export function faultFrom(error: unknown): SoapFault {
  if (error instanceof SoapFault) return error;
  const coded = error as { code?: unknown; message?: unknown } | null;
  const code = typeof coded?.code === 'string' ? coded.code : undefined;
  const message = typeof coded?.message === 'string' && coded.message !== '' ? coded.message : undefined;
  if (code && CLIENT_CODES.has(code)) return new SoapFault('Client', code, message ?? code, code === 'BODY_TOO_LARGE' ? 413 : 500);
  if (code && SERVER_CODES.has(code)) return new SoapFault('Server', code, message ?? code);
  if (isTransientDatabaseError(error)) return new SoapFault('Server', 'DATABASE_UNAVAILABLE', '数据库暂不可用，请稍后重试');
  return new SoapFault('Server', 'INTERNAL_ERROR', '服务器内部错误');
}

export const faults = {
  unauthenticated: (why = '未认证或凭据无效') => new SoapFault('Client', 'UNAUTHENTICATED', why),
  malformed: (why: string) => new SoapFault('Client', 'MALFORMED_BODY', why),
  tooLarge: (limit: number) => new SoapFault('Client', 'BODY_TOO_LARGE', `请求体（解压后）超过上限 ${limit} 字节`, 413),
  dtdForbidden: () => new SoapFault('Client', 'DTD_FORBIDDEN', 'SOAP 消息不得包含文档类型声明（DOCTYPE/ENTITY）'),
};

/** The one fault document the edge sends, whatever raised it: no stack, no parser text, the code in the detail. */
export function renderFault(fault: SoapFault): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>' +
    `<faultcode>soap:${fault.side}</faultcode>` +
    `<faultstring>${xmlText(fault.message)}</faultstring>` +
    `<detail><IngestFault xmlns="${INGEST_NS}"><code>${xmlText(fault.code)}</code><message>${xmlText(fault.message)}</message></IngestFault></detail>` +
    '</soap:Fault></soap:Body></soap:Envelope>'
  );
}

/** Escapes markup and replaces characters XML 1.0 cannot carry at all (a supplier's NUL would make the reply unparsable). */
export function xmlText(value: string): string {
  return xmlSafe(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function xmlSafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
