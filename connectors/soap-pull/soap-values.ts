export { compareWatermarks, maxWatermark, recordsDigest, sinceToSend, watermarkOf } from '../shared/watermark';
import { valueAt } from '../shared/value-at';

export { valueAt };

/**
 * node-soap turns typed XSD text into JS values: xsd:long and xsd:int through parseInt (a
 * sequence above 2^53 is rounded), xsd:decimal through Number ("1200.50" loses its zero, money
 * its exactness), xsd:dateTime into a Date (the supplier's offset and microseconds are lost).
 * A connector hands records on in the supplier's own terms, so every such value stays the text
 * the supplier wrote (the mapping decides what it means).
 */
const AS_WRITTEN = (text: string): string => text;
export const KEEP_TEXT: Record<string, (text: string) => string> = Object.fromEntries(
  ['int', 'integer', 'short', 'long', 'double', 'float', 'decimal', 'bool', 'boolean', 'dateTime', 'date'].map((t) => [t, AS_WRITTEN]),
);

export type RecordsOutcome = { readonly ok: true; readonly records: Record<string, unknown>[] } | { readonly ok: false; readonly problem: string };

/**
 * The records of a response page. node-soap gives a repeated element as an array but one
 * occurrence as an object, and an empty or omitted list as null, '' or nothing: all are lists here.
 */
export function recordsAt(response: unknown, path: string): RecordsOutcome {
  const found = valueAt(response, path);
  if (found === undefined || found === null || found === '') return { ok: true, records: [] };
  const list = Array.isArray(found) ? found : [found];
  const records: Record<string, unknown>[] = [];
  for (let i = 0; i < list.length; i++) {
    const record = plain(list[i]);
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      return { ok: false, problem: `"${path}"[${i}] is ${record === null ? 'empty' : typeof record}, not a record with fields` };
    }
    records.push(record as Record<string, unknown>);
  }
  return { ok: true, records };
}

/** Drops node-soap's `attributes` bookkeeping: an element with attributes becomes its text (`$value`), xsi:nil becomes null. */
export function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  const source = value as Record<string, unknown>;
  const attributes = source.attributes as Record<string, unknown> | undefined;
  if (attributes && Object.entries(attributes).some(([k, v]) => /(^|:)nil$/.test(k) && (v === 'true' || v === '1'))) return null;
  if ('$value' in source) return plain(source.$value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(source)) if (k !== 'attributes') out[k] = plain(v);
  return out;
}


