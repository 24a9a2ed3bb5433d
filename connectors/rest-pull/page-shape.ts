import { createHash } from 'node:crypto';
import { compareWatermarks, DECIMAL, watermarkOf } from '../shared/watermark';

export { compareWatermarks, watermarkOf };

/** The value at a dot path (`data.items`); the empty path is the value itself. */
export function valueAt(value: unknown, path: string): unknown {
  if (path === '') return value;
  let current: unknown = value;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

export type RecordsOutcome = { readonly ok: true; readonly records: Record<string, unknown>[] } | { readonly ok: false; readonly problem: string };

/** The records of a page: an array of JSON objects at `path`, nothing else. */
export function recordsAt(body: unknown, path: string): RecordsOutcome {
  const found = valueAt(body, path);
  const where = path === '' ? 'the response body' : `"${path}"`;
  if (!Array.isArray(found)) return { ok: false, problem: `${where} is ${found === undefined ? 'missing' : `a ${jsonType(found)}`}, not an array of records` };
  for (let i = 0; i < found.length; i++) {
    const r: unknown = found[i];
    if (r === null || typeof r !== 'object' || Array.isArray(r)) return { ok: false, problem: `${where}[${i}] is a ${jsonType(r)}, not a record` };
  }
  return { ok: true, records: found as Record<string, unknown>[] };
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}


export function maxWatermark(a: string | null, b: string | undefined): string | null {
  if (b === undefined) return a;
  if (a === null) return b;
  return compareWatermarks(b, a) > 0 ? b : a;
}

/**
 * The `since` actually sent: the stored watermark moved back by the look-back window, so a record
 * the supplier committed late with an earlier timestamp is still asked for. Only timestamps can be
 * moved back; other watermarks are sent as they are.
 */
export function sinceToSend(since: string, lookBackSeconds: number): string {
  if (lookBackSeconds <= 0 || DECIMAL.test(since)) return since;
  const at = Date.parse(since);
  if (Number.isNaN(at)) return since;
  return new Date(at - lookBackSeconds * 1000).toISOString();
}

/** Short content fingerprint of a page: the same records give the same batch key, different records a different one. */
export function recordsDigest(records: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(records)).digest('hex').slice(0, 16);
}
