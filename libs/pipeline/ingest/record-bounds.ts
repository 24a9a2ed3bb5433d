import type { RecordRefusal } from '../../bus/messages';

/** How big one record may be (issue 11, bounded work per input); each is a setting (hub-config.ts). */
export interface RecordBounds {
  /** Its size as JSON, in UTF-8 bytes. */
  readonly maxRecordBytes: number;
  /** Keys and array elements at every level, counted together. */
  readonly maxFieldsPerRecord: number;
  /** Levels of objects and arrays; the record itself is level 1. */
  readonly maxDepth: number;
}

export const DEFAULT_RECORD_BOUNDS: RecordBounds = { maxRecordBytes: 1024 * 1024, maxFieldsPerRecord: 500, maxDepth: 32 };

export type Measured = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly refusal: RecordRefusal };

/**
 * Measures a parsed record without recursion and stops at the first bound it passes, so a
 * 20,000-deep or 300,000-key record costs at most one bounded walk. Every later walk over a
 * record (text hygiene, canonical JSON, mapping, validation) recurses: they only ever see
 * records that passed here, whose depth is bounded.
 * The size is an estimate of the record's JSON (strings in UTF-8 plus quotes and separators),
 * close enough to bound a broker message and cheap to compute.
 */
export function measureRecord(record: unknown, bounds: RecordBounds): Measured {
  let bytes = 0;
  let fields = 0;
  const stack: { node: unknown; depth: number }[] = [{ node: record, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (typeof node === 'string') {
      bytes += utf8Length(node) + 3;
    } else if (node === null || typeof node !== 'object') {
      bytes += 8;
    } else {
      if (depth > bounds.maxDepth) return tooLarge(`嵌套超过 ${bounds.maxDepth} 层`);
      bytes += 2;
      if (Array.isArray(node)) {
        fields += node.length;
        if (fields > bounds.maxFieldsPerRecord) return tooLarge(`字段和数组元素超过 ${bounds.maxFieldsPerRecord} 个`);
        for (const child of node) stack.push({ node: child, depth: depth + 1 });
      } else {
        for (const key in node) {
          if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
          if (++fields > bounds.maxFieldsPerRecord) return tooLarge(`字段和数组元素超过 ${bounds.maxFieldsPerRecord} 个`);
          bytes += utf8Length(key) + 4;
          stack.push({ node: (node as Record<string, unknown>)[key], depth: depth + 1 });
        }
      }
    }
    if (bytes > bounds.maxRecordBytes) return tooLarge(`超过 ${bounds.maxRecordBytes} 字节`);
  }
  return { ok: true, bytes };
}

export function tooLarge(value: string): { ok: false; refusal: RecordRefusal } {
  return { ok: false, refusal: { code: 'RECORD_TOO_LARGE', field: '(record)', value } };
}

/** UTF-8 length of a JS string without encoding it (a lone surrogate counts 3, as its replacement would). */
export function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a pair: 4 bytes for 2 code units
      i++;
    } else n += 2;
  }
  return n;
}
