import { createHash } from 'node:crypto';
import { writeJson } from './json-text';
import { isStorableText } from '../../libs/domain/text/storable-text';

/** High-water marks of incremental pulls (REST `since`, SOAP incremental parameter), shared by the pull connectors. */

/**
 * A watermark as the supplier wrote it (ISO timestamp, epoch number…), kept as text so it is sent
 * back unchanged. Text the hub cannot store (NUL, a lone surrogate, a C0 control) is no watermark:
 * as the cursor it would fail every cursor commit and the connector would re-read the same page
 * forever (issue 11); the record holding it is refused with INVALID_TEXT.
 */
export function watermarkOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return isStorableText(value) ? value.trim() : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

const INTEGER = /^-?\d+$/;
export const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * Orders two watermarks: integers exactly (epoch microseconds exceed 2^53), decimals as numbers,
 * timestamps by instant (so `+08:00` and `Z` forms compare correctly), anything else as text.
 */
export function compareWatermarks(a: string, b: string): number {
  if (INTEGER.test(a) && INTEGER.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (DECIMAL.test(a) && DECIMAL.test(b)) return Math.sign(Number(a) - Number(b));
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (!Number.isNaN(ta) && !Number.isNaN(tb)) {
    if (ta !== tb) return Math.sign(ta - tb);
    // Same millisecond: Date drops microseconds ("….123456" vs "….123"), so compare them here.
    const finer = subMillisecond(a) - subMillisecond(b);
    if (finer !== 0) return Math.sign(finer);
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

const FRACTION = /\d{2}:\d{2}:\d{2}[.,](\d+)/;

/** Nanoseconds below the millisecond in a timestamp's fraction of a second. */
function subMillisecond(text: string): number {
  const m = FRACTION.exec(text);
  return m ? Number(m[1].padEnd(9, '0').slice(3, 9)) : 0;
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
  const hash = createHash('sha256');
  writeJson(records, (text) => hash.update(text));
  return hash.digest('hex').slice(0, 16);
}
