import * as iconv from 'iconv-lite';

/**
 * Garbled Chinese (乱码) in a field: text whose bytes were decoded with the wrong character set
 * somewhere between the supplier's database and the hub, or replaced by U+FFFD on the way.
 * 第十四条 makes sending such data back the center's duty: it must never be published.
 *
 * How it tells: each family of mojibake is a reversible mistake, so the detector undoes it
 * (encode the text back to the bytes it was wrongly decoded from, decode them as they were meant)
 * and accepts the result only when it is valid in the intended charset and reads as much more
 * ordinary Chinese than the text as sent. Ordinary is measured without a word list: the share of
 * hanzi in GB2312's first level (the 3,755 most common characters; GBK lead byte B0–D7).
 * Mojibake of UTF-8 read as GBK is made mostly of GBK-extension characters (鍘﹂棬鍏徃), because
 * UTF-8 continuation bytes (80–BF) become GBK trail bytes below A1. Measured on the labelled
 * corpus in test/fixtures (docs/GARBLED-TEXT.md).
 */
export type GarbledCause =
  | 'replacement-character'
  | 'replacement-read-as-gbk'
  | 'uninitialised-memory'
  | 'utf8-read-as-gbk'
  | 'gbk-read-as-latin1'
  | 'gbk-read-as-utf8'
  | 'utf8-read-as-latin1'
  | 'double-encoded'
  | 'question-marks';

export interface GarbledText {
  readonly cause: GarbledCause;
  /** The text as it was probably meant, when the mistake can be undone. */
  readonly probablyMeant?: string;
}

/** Chinese for each cause, for the supplier's report. */
export const GARBLED_CAUSE_ZH: Record<GarbledCause, string> = {
  'replacement-character': '含有替换字符（U+FFFD），原字符已在转换中丢失',
  'replacement-read-as-gbk': '含有“锟斤拷”：替换字符的 UTF-8 字节被按 GBK 解读',
  'uninitialised-memory': '含有“烫烫”或“屯屯”：读取了未初始化的内存',
  'utf8-read-as-gbk': 'UTF-8 文本被按 GBK 解读',
  'gbk-read-as-latin1': 'GBK 文本被按 Latin-1/Windows-1252 解读',
  'gbk-read-as-utf8': 'GBK 文本被按 UTF-8 解读',
  'utf8-read-as-latin1': 'UTF-8 文本被按 Latin-1/Windows-1252 解读',
  'double-encoded': '文本被重复编码（UTF-8 经 Latin-1 再次编码）',
  'question-marks': '含有连续问号，原字符疑似在转换中被替换',
};

const HANZI = /\p{Script=Han}/u;
const HANZI_GLOBAL = /\p{Script=Han}/gu;
// Characters Windows-1252 puts in 0x80–0x9F, and Latin-1's upper half: what GBK or UTF-8 bytes look like when read as either.
const LATIN_MOJIBAKE_RUN = /[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{2,}/;

/** The first garbling found in `text`, or undefined when it reads as sent. */
export function detectGarbledText(text: string): GarbledText | undefined {
  if (/^\?+$/.test(text)) return { cause: 'question-marks' };
  if (text.length < 2) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(text)) return undefined; // dates, codes, amounts: no Chinese to garble
  if (text.includes('锟斤拷')) return { cause: 'replacement-read-as-gbk' };
  if (/烫烫|屯屯/.test(text)) return { cause: 'uninitialised-memory' };
  if (text.includes('\ufffd')) return { cause: 'replacement-character' };
  if (LATIN_MOJIBAKE_RUN.test(text)) {
    const undone = undoLatinReading(text);
    if (undone) return undone;
    // Bytes lost on the way (C1 controls do not survive a copy): the shape of CJK in UTF-8 is still there.
    const pairs = (text.match(UTF8_CJK_LEAD_AS_LATIN1) ?? []).length;
    if (pairs >= 2 || (pairs === 1 && !/[A-Za-z\p{Script=Han}]/u.test(text))) return { cause: 'utf8-read-as-latin1' };
  }
  // UTF-8 of CJK read as GBK is made of byte pairs from E0–EF and 80–BF only; ordinary text rarely is.
  if (HANZI.test(text) && utf8ShapedShare(text, isCjkUtf8Byte) >= 0.6) {
    const meant = undoGbkReading(text);
    if (meant !== undefined) return { cause: 'utf8-read-as-gbk', probablyMeant: meant };
    if (looksLikeUtf8BytesInGbk(text)) return { cause: 'utf8-read-as-gbk' };
  }
  if (TWO_BYTE_UTF8_RANGE.test(text)) {
    const meant = undoUtf8Reading(text);
    if (meant !== undefined) return { cause: 'gbk-read-as-utf8', probablyMeant: meant };
  }
  if (hasStrayQuestionMarks(text)) return { cause: 'question-marks' };
  return undefined;
}

/**
 * Characters lost to `?` by a converter: a run of them, or one inside Chinese text. Chinese text
 * uses the full-width ？; a single ASCII ? ending a sentence (是否整改?) is left alone.
 */
function hasStrayQuestionMarks(text: string): boolean {
  return /\?{2,}/.test(text) || /\?\p{Script=Han}/u.test(text) || /\p{Script=Han}\?(?=[\p{Script=Han}\p{L}\p{N}])/u.test(text);
}

/** GBK or UTF-8 bytes shown as Latin-1/Windows-1252, possibly twice (double encoding). */
function undoLatinReading(text: string): GarbledText | undefined {
  let current = text;
  let rounds = 0;
  let lastCause: GarbledCause | undefined;
  for (; rounds < 3; rounds++) {
    const bytes = latinBytes(current);
    if (!bytes) break;
    const asUtf8 = decodeUtf8(bytes);
    if (asUtf8 !== undefined && asUtf8 !== current) {
      current = asUtf8;
      lastCause = 'utf8-read-as-latin1';
      continue;
    }
    const asGbk = decodeGbkStrict(bytes);
    // One hanzi from two Latin letters is only believed when nothing else (no ASCII word) surrounds them.
    const enoughHanzi = asGbk !== undefined && (hanziCount(asGbk) >= 2 || (hanziCount(asGbk) === 1 && !/[A-Za-z]/.test(current)));
    if (asGbk !== undefined && asGbk !== current && enoughHanzi && gb2312Share(asGbk) >= 0.5) {
      current = asGbk;
      lastCause = 'gbk-read-as-latin1';
      // Below half common characters the reading is likely but the suggestion is not: say only that it is garbled.
      if (commonShare(asGbk) < 0.5) return { cause: lastCause };
      continue;
    }
    break;
  }
  // UTF-8 undone alone is evidence enough (valid multi-byte sequences of Latin-1 letters are not words); GBK needs hanzi.
  if (rounds === 0 || lastCause === undefined || current === text) return undefined;
  return { cause: rounds > 1 ? 'double-encoded' : lastCause, probablyMeant: current };
}

/**
 * UTF-8 bytes shown as GBK: accepted only when undoing it gives UTF-8 that reads as far more
 * ordinary Chinese. A converter or a copy often drops what GBK could not show (a byte pair in its
 * user-defined area, an odd byte at the end), so a few bytes may be missing: then at most one
 * character in four may fail to decode, the text as sent must be mostly outside GB2312 (mojibake
 * of UTF-8 is), and the gain in ordinariness must be larger.
 */
function undoGbkReading(text: string): string | undefined {
  const bytes = encodeGbkStrict(text);
  if (!bytes) return undefined;
  const invalid = invalidUtf8Sequences(bytes);
  if (invalid === 0) {
    const meant = bytes.toString('utf8');
    if (meant === text || hanziCount(meant) === 0) return undefined;
    const moreOrdinary = commonShare(meant) - commonShare(text) >= 0.3 || gb2312Share(meant) - gb2312Share(text) >= 0.5;
    return moreOrdinary ? meant : undefined;
  }
  if (invalid > Math.max(1, Math.floor(bytes.length / 12)) || commonShare(text) >= 0.35) return undefined;
  const lossy = bytes.toString('utf8');
  const lost = lossy.split('\ufffd').length - 1;
  if (hanziCount(lossy) < 2 || lost > Math.max(1, Math.floor([...lossy].length / 4))) return undefined;
  return commonShare(lossy) - commonShare(text) >= 0.5 ? lossy : undefined;
}

/** How many ill-formed sequences `bytes` holds as UTF-8 (0: valid), without decoding or throwing. */
export function invalidUtf8Sequences(bytes: Uint8Array): number {
  let invalid = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need === -1) {
      invalid++;
      i++;
      continue;
    }
    let j = 1;
    while (j <= need && i + j < bytes.length && bytes[i + j] >= 0x80 && bytes[i + j] <= 0xbf) j++;
    if (j <= need) invalid++;
    else if (need >= 2 && !wellFormedStart(b, bytes[i + 1])) invalid++;
    i += j;
  }
  return invalid;
}

/** The second byte's narrower ranges after E0, ED, F0 and F4 (no overlongs, surrogates or code points past U+10FFFF). */
function wellFormedStart(lead: number, second: number): boolean {
  if (lead === 0xe0) return second >= 0xa0;
  if (lead === 0xed) return second <= 0x9f;
  if (lead === 0xf0) return second >= 0x90;
  if (lead === 0xf4) return second <= 0x8f;
  return true;
}

/**
 * When too many bytes were lost to undo it, UTF-8 read as GBK still shows in the bytes: read back
 * as UTF-8 they are mostly well-formed three-byte sequences, which ordinary GB2312 text (whose
 * bytes start rows B0–F7 and rarely follow UTF-8's lead-continuation pattern) is not.
 */
function looksLikeUtf8BytesInGbk(text: string): boolean {
  if (hanziCount(text) < 3 || commonShare(text) >= 0.35) return false;
  const bytes = encodeGbkStrict(text);
  return bytes !== undefined && invalidUtf8Sequences(bytes) <= bytes.length * 0.15;
}

/** Share of the hanzi whose two GBK bytes both pass `shaped`: a cheap test run before any decoding. */
function utf8ShapedShare(text: string, shaped: (byte: number) => boolean): number {
  const hanzi = text.match(HANZI_GLOBAL);
  if (!hanzi) return 0;
  let count = 0;
  for (const h of hanzi) {
    const b = gbkBytesOf(h);
    if (b.length === 2 && shaped(b[0]) && shaped(b[1])) count++;
  }
  return count / hanzi.length;
}

/** A continuation byte or the lead byte of a three-byte character (E0–EF: CJK and its punctuation). */
function isCjkUtf8Byte(byte: number): boolean {
  return (byte >= 0x80 && byte <= 0xbf) || (byte >= 0xe0 && byte <= 0xef);
}

/**
 * GBK bytes that happen to be valid UTF-8 read as such: two-byte sequences land in U+0080–U+07FF,
 * a jumble of Hebrew, Greek, Cyrillic and Arabic code points. Believed only when that jumble spans
 * two or more scripts or holds combining marks, so real Greek or Russian text is left alone.
 */
function undoUtf8Reading(text: string): string | undefined {
  const foreign = [...text].filter((c) => TWO_BYTE_UTF8_RANGE.test(c));
  const scripts = new Set(foreign.map(scriptOf));
  const jumbled = scripts.size >= 2 || foreign.some((c) => /\p{M}/u.test(c));
  if (!jumbled) return undefined;
  const meant = decodeGbkStrict(Buffer.from(text, 'utf8'));
  if (meant === undefined || hanziCount(meant) === 0 || gb2312Share(meant) < 0.5) return undefined;
  return meant;
}

/** A lead byte of a CJK character in UTF-8 (E4–E9: ä–é) followed by a continuation byte (80–BF), read as Latin-1. */
const UTF8_CJK_LEAD_AS_LATIN1 = /[\u00e4-\u00e9][\u0080-\u00bf]/g;

const TWO_BYTE_UTF8_RANGE = /[\u0100-\u07ff]/;

function scriptOf(c: string): string {
  for (const script of ['Latin', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Nko']) {
    if (new RegExp(`\\p{Script=${script}}`, 'u').test(c)) return script;
  }
  return 'other';
}

function latinBytes(text: string): Buffer | undefined {
  const bytes = iconv.encode(text, 'win1252');
  if (iconv.decode(bytes, 'win1252') === text) return bytes;
  // Latin-1 proper keeps 0x80–0x9F as C1 controls, which Windows-1252 does not.
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u00ff]*$/.test(text)) return Buffer.from(text, 'latin1');
  return undefined;
}

/** GBK bytes of `text`, or undefined when a character has none (iconv writes `?` for it). */
function encodeGbkStrict(text: string): Buffer | undefined {
  const bytes = iconv.encode(text, 'gbk');
  return bytes.filter((b) => b === 0x3f).length === text.split('?').length - 1 ? bytes : undefined;
}

function decodeGbkStrict(bytes: Buffer): string | undefined {
  const text = iconv.decode(bytes, 'gbk');
  if (text.includes('\ufffd')) return undefined;
  return iconv.encode(text, 'gbk').equals(bytes) ? text : undefined;
}

function decodeUtf8(bytes: Buffer): string | undefined {
  return invalidUtf8Sequences(bytes) === 0 ? bytes.toString('utf8') : undefined;
}

function hanziCount(text: string): number {
  return text.match(HANZI_GLOBAL)?.length ?? 0;
}

/** Share of the hanzi in `text` that are in GB2312's first level (the 3,755 most common characters). */
export function commonShare(text: string): number {
  return hanziShare(text, 0xd7);
}

/** Share of the hanzi in `text` that are in GB2312 at all (both levels, 6,763 characters). */
function gb2312Share(text: string): number {
  return hanziShare(text, 0xf7);
}

function hanziShare(text: string, lastLeadByte: number): number {
  const hanzi = text.match(HANZI_GLOBAL);
  if (!hanzi || hanzi.length === 0) return 0;
  let inSet = 0;
  for (const h of hanzi) {
    const b = gbkBytesOf(h);
    if (b.length === 2 && b[0] >= 0xb0 && b[0] <= lastLeadByte && b[1] >= 0xa1) inSet++;
  }
  return inSet / hanzi.length;
}

// Hanzi repeat a lot across records: each one's GBK bytes are computed once.
const gbkOfHanzi = new Map<string, Buffer>();

function gbkBytesOf(hanzi: string): Buffer {
  let bytes = gbkOfHanzi.get(hanzi);
  if (bytes === undefined) {
    bytes = iconv.encode(hanzi, 'gbk');
    if (gbkOfHanzi.size < 100_000) gbkOfHanzi.set(hanzi, bytes);
  }
  return bytes;
}
