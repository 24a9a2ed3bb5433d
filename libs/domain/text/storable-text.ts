/**
 * Text that PostgreSQL or JSON cannot hold faithfully: NUL (text and jsonb refuse U+0000), lone
 * UTF-16 surrogates (not Unicode scalar values: jsonb refuses them, UTF-8 cannot encode them) and
 * the other C0 control characters, which no credit record legitimately carries (TAB, LF and CR
 * are kept: addresses and penalty facts span lines). A record holding one is refused where it
 * enters with INVALID_TEXT naming the field, instead of failing every load attempt downstream.
 */

export interface UnstorableText {
  /**
   * Dotted path of the field (`remarks`, `penalty_categories.2`); a bad field NAME is named as sent
   * with the bad character escaped (`re\u0000marks`, a CSV column likewise), so the supplier can find it.
   */
  readonly field: string;
  /** Where and what, safe to store and show: `第 4 个字符 \u0000`. Never the text itself (it may be personal). */
  readonly value: string;
}

// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff]/;

/** The first character in `text` that cannot be stored, as its 0-based position, or -1. */
export function firstUnstorableCharacter(text: string): number {
  if (!SUSPECT.test(text)) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
  }
  return -1;
}

/** True when every character of `text` can be stored. */
export function isStorableText(text: string): boolean {
  return firstUnstorableCharacter(text) === -1;
}

/** Walks a parsed record (keys and string values, arrays and objects) and names the first bad text. */
export function findUnstorableText(value: unknown, path = ''): UnstorableText | undefined {
  if (typeof value === 'string') {
    const at = firstUnstorableCharacter(value);
    return at === -1 ? undefined : { field: path || '(record)', value: describe(value, at) };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], join(path, String(i)));
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const keyAt = firstUnstorableCharacter(key);
      if (keyAt !== -1) return { field: join(path, storableRendering(key)), value: `字段名${describe(key, keyAt)}` };
      const found = findUnstorableText(inner, join(path, key));
      if (found) return found;
    }
  }
  return undefined;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function describe(text: string, at: number): string {
  const code = text.charCodeAt(at).toString(16).padStart(4, '0');
  return `第 ${at + 1} 个字符 \\u${code}`;
}

/**
 * `text` with every character that cannot be stored written as its escape (`x\u0000` becomes the
 * seven characters `x\u0000`): for logs that must record what was asked (the query log, 第十九条)
 * without letting the bad character reach the database. Storable text comes back unchanged.
 */
export function storableRendering(text: string): string {
  if (firstUnstorableCharacter(text) === -1) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff;
    if (pair) {
      out += text.slice(i, i + 2);
      i++;
    } else if ((c >= 0xd800 && c <= 0xdfff) || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else {
      out += text[i];
    }
  }
  return out;
}
