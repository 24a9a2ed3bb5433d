import { ConnectorError } from '../connector.contract';
import { maskPersonalIdsInText } from '../../libs/domain/identity';
import { egressRefusal } from '../../libs/security/egress-policy';

/**
 * Classes what a node-soap call rejected with (reliability anchors D6, D7). node-soap rejects
 * with several shapes: an Error whose `root` holds the parsed Fault envelope (any HTTP status),
 * an Error('Cannot parse response') or a plain `{ Fault: { faultstring: 'Invalid XML' } }` object
 * with the axios `response` attached, or an axios error (network, timeout, abort, size cap).
 */
export function classifySoapError(error: unknown, what: string, context: { timeoutMs: number; closed: boolean; timedOut: boolean }): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const refused = egressRefusal(error);
  if (refused) return new ConnectorError('config', 'EGRESS_REFUSED', `${what}: ${refused.message}`);
  if (context.closed) return new ConnectorError('retryable', 'CLOSED', `${what}: the connector was closed`);
  if (context.timedOut) return new ConnectorError('retryable', 'TIMEOUT', `${what}: no complete answer within ${context.timeoutMs} ms`);
  const e = (error ?? {}) as {
    root?: { Envelope?: { Body?: { Fault?: unknown } } };
    response?: { status?: unknown };
    code?: unknown;
    message?: unknown;
  };
  const status = typeof e.response?.status === 'number' ? e.response.status : undefined;

  // Credentials first: node-soap's own servers answer them with a fault and HTTP 401.
  if (status === 401 || status === 403) return new ConnectorError('config', 'AUTH_FAILED', `${what}: HTTP ${status}, the supplier refused the credentials`);

  const fault = faultOf(e.root?.Envelope?.Body?.Fault);
  if (fault) {
    const text = `${what}: ${fault.code} ${fault.text}`.trim();
    // soap:Server / soap:Receiver: the supplier could not answer now; Client / Sender / VersionMismatch / MustUnderstand: our request is wrong.
    if (/^(server|receiver)\b/i.test(fault.side)) return new ConnectorError('retryable', 'SUPPLIER_SERVER_FAULT', text);
    if (/^(client|sender|versionmismatch|mustunderstand|dataencodingunknown)\b/i.test(fault.side)) {
      return new ConnectorError('config', 'SUPPLIER_CLIENT_FAULT', `${text} (contract error: the request does not fit the supplier's service; not retried)`);
    }
    return new ConnectorError('retryable', 'SUPPLIER_FAULT', text);
  }

  if (status !== undefined) {
    if (status >= 500 || status === 408 || status === 429) return new ConnectorError('retryable', `HTTP_${status}`, `${what}: HTTP ${status} without a SOAP answer`);
    if (status >= 300 && status < 400) return new ConnectorError('config', 'REDIRECTED', `${what}: HTTP ${status} (redirects are not followed)`);
    if (status >= 400) return new ConnectorError('config', `HTTP_${status}`, `${what}: HTTP ${status}`);
    // 2xx that is not a SOAP answer for this operation: garbled or cut by a proxy.
    return new ConnectorError('retryable', 'INVALID_RESPONSE', `${what}: HTTP ${status}, the body is not a valid SOAP response`);
  }

  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === 'ERR_BAD_RESPONSE' && typeof e.message === 'string' && e.message.includes('maxContentLength')) {
    return new ConnectorError('config', 'RESPONSE_TOO_LARGE', `${what}: the response exceeds the configured cap; lower pageSize`);
  }
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') {
    return new ConnectorError('retryable', 'TIMEOUT', `${what}: no complete answer within ${context.timeoutMs} ms`);
  }
  if (code !== undefined) return new ConnectorError('retryable', 'NETWORK', `${what}: ${code}`);
  return new ConnectorError('retryable', 'UNEXPECTED', `${what}: ${clip(error instanceof Error ? error.message : 'unknown failure')}`);
}

interface ParsedFault {
  readonly side: string;
  readonly code: string;
  readonly text: string;
}

/** SOAP 1.1 (faultcode/faultstring) or 1.2 (Code/Value, Reason/Text) — node-soap servers send the latter inside 1.1 envelopes. */
function faultOf(raw: unknown): ParsedFault | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const f = raw as Record<string, unknown>;
  const code = textOf(f.faultcode) ?? textOf((f.Code as Record<string, unknown> | undefined)?.Value) ?? '';
  const reason = textOf(f.faultstring) ?? textOf((f.Reason as Record<string, unknown> | undefined)?.Text) ?? '';
  const side = code.includes(':') ? code.slice(code.indexOf(':') + 1) : code;
  // The fault text is logged: masked, one line, short (a supplier may echo a citizen ID back).
  return { side, code: clip(code), text: clip(reason) };
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value !== null && typeof value === 'object' && '$value' in value) return textOf((value as { $value: unknown }).$value);
  return undefined;
}

function clip(text: string): string {
  return maskPersonalIdsInText(text.replace(/\s+/g, ' ')).slice(0, 300);
}
