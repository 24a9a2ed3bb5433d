export { compareWatermarks, maxWatermark, recordsDigest, sinceToSend, watermarkOf } from '../shared/watermark';

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


