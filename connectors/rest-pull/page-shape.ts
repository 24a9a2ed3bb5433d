export { compareWatermarks, maxWatermark, recordsDigest, sinceToSend, watermarkOf } from '../shared/watermark';
import { valueAt } from '../shared/value-at';

export { valueAt };

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


