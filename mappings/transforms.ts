/**
 * The value transforms a mapping rule can apply, as pure functions on strings. Each one either
 * returns the canonical value or says why the source value cannot be read; none of them guesses.
 */
import { chinaCalendarDate, isCalendarDate, toHalfWidth } from '../libs/domain/identity';
import { codeKey, DEFAULT_DATE_FORMATS, type AmountUnit, type DateFormat } from './mapping.schema';

export type TransformFailure = 'INVALID_DATE' | 'INVALID_FORMAT' | 'UNKNOWN_CODE_VALUE';
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: TransformFailure };

const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
const fail = <T>(code: TransformFailure): Outcome<T> => ({ ok: false, code });

// ---------------------------------------------------------------- text

export interface TextOptions {
  readonly trim: boolean;
  readonly halfWidth: boolean;
  readonly collapseSpaces: boolean;
}

/** Trim-only is the default: full-width punctuation is correct in Chinese names (（集团）) and facts. */
export const DEFAULT_TEXT: TextOptions = { trim: true, halfWidth: false, collapseSpaces: false };

export function normalizeText(value: string, options: TextOptions = DEFAULT_TEXT): string {
  let out = options.halfWidth ? toHalfWidth(value) : value;
  if (options.collapseSpaces) out = out.replace(/\s+/g, ' ');
  return options.trim ? out.trim() : out;
}

// ---------------------------------------------------------------- split

/**
 * Pieces of `value` cut at the separators, trimmed, empty ones dropped. Separators are applied in
 * the order given, and a piece for which `keep` says true is not cut further: with a code table,
 * `罚款，没收违法所得、没收非法财物` cut at `，` then `、` keeps its second piece whole, because
 * that piece is a code-list value that itself contains `、`.
 */
export function splitText(value: string, separators: string | readonly string[], keep: (piece: string) => boolean = () => false): string[] {
  let pieces = [value.trim()];
  for (const separator of typeof separators === 'string' ? [separators] : separators) {
    pieces = pieces.flatMap((piece) => (keep(piece) ? [piece] : piece.split(separator).map((p) => p.trim())));
  }
  return pieces.filter((piece) => piece !== '');
}

/** Piece `part` (negative counts from the end), or undefined when there is no such piece. */
export function pickPart(pieces: readonly string[], part: number): string | undefined {
  return part >= 0 ? pieces[part] : pieces[pieces.length + part];
}

// ---------------------------------------------------------------- code lists

export interface CodeTranslation {
  readonly table: Readonly<Record<string, string | null>>;
  readonly otherwise?: string;
  readonly keepUnknown: boolean;
}

/** A table indexed by `codeKey`, built once per rule. */
export class CodeLookup {
  private readonly byKey: ReadonlyMap<string, string | null>;

  constructor(private readonly codes: CodeTranslation) {
    this.byKey = new Map(Object.entries(codes.table).map(([k, v]) => [codeKey(k), v]));
  }

  has(value: string): boolean {
    return this.byKey.has(codeKey(value));
  }

  /** The canonical value; null when the table says the value means "nothing". */
  translate(value: string): Outcome<string | null> {
    const key = codeKey(value);
    if (this.byKey.has(key)) return ok(this.byKey.get(key) ?? null);
    if (this.codes.otherwise !== undefined) return ok(this.codes.otherwise);
    if (this.codes.keepUnknown) return ok(value);
    return fail('UNKNOWN_CODE_VALUE');
  }
}

// ---------------------------------------------------------------- dates

/**
 * A time of day after the date, as databases and ISO exports write it. With an offset the
 * instant is converted to the China calendar date (UTC+8, no DST since 1991): 2024-03-04T16:00Z
 * is 5 March in Xiamen. Without one the time is local and ignored.
 */
const TIME = String.raw`(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?\s*(Z|[+-]\d{2}:?\d{2})?)?`;

const SEPARATED: Readonly<Partial<Record<DateFormat, RegExp>>> = {
  'YYYY-M-D': new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})${TIME}$`, 'i'),
  'YYYY/M/D': new RegExp(String.raw`^(\d{4})/(\d{1,2})/(\d{1,2})${TIME}$`, 'i'),
  'YYYY.M.D': new RegExp(String.raw`^(\d{4})\.(\d{1,2})\.(\d{1,2})${TIME}$`, 'i'),
};
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const CHINESE = /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]$/;
const SERIAL = /^(\d{1,7})(?:\.\d+)?$/;

/**
 * Excel's 1900 date system: serial 1 is 1900-01-01 and serial 60 the 29 February 1900 that never
 * was (Lotus 1-2-3's bug, kept by Excel), so from serial 61 (1900-03-01) on, day 0 is 1899-12-30.
 * Serials up to 60 are rejected: no credit record is that old and the bug makes them ambiguous.
 */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const EXCEL_FIRST_SERIAL = 61;
const EXCEL_LAST_SERIAL = 2_958_465; // 9999-12-31
const DAY_MS = 86_400_000;
/** Years a credit record can carry; a 0024 or 1024 is a typing error, not a date to keep. */
const FIRST_YEAR = 1900;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function calendarDate(year: string, month: string, day: string): string | undefined {
  const iso = `${year}-${pad2(Number(month))}-${pad2(Number(day))}`;
  if (Number(year) < FIRST_YEAR || !isCalendarDate(iso.replace(/-/g, ''))) return undefined;
  return iso;
}

function withTime(date: string, m: RegExpExecArray): string | undefined {
  const [hh, mi, ss, offset] = [m[4], m[5], m[6], m[7]];
  if (hh === undefined) return date;
  if (Number(hh) > 23 || Number(mi) > 59 || Number(ss ?? '0') > 59) return undefined;
  if (offset === undefined) return date;
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const local = Date.UTC(y, mo - 1, d, Number(hh), Number(mi), Number(ss ?? '0'));
  let offsetMs = 0;
  if (offset.toUpperCase() !== 'Z') {
    const digits = offset.replace(':', '');
    const sign = digits.startsWith('-') ? -1 : 1;
    offsetMs = sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
  }
  return chinaCalendarDate(new Date(local - offsetMs));
}

function parseOne(text: string, format: DateFormat): string | undefined {
  switch (format) {
    case 'YYYYMMDD': {
      const m = COMPACT.exec(text);
      return m ? calendarDate(m[1] ?? '', m[2] ?? '', m[3] ?? '') : undefined;
    }
    case 'YYYY-M-D':
    case 'YYYY/M/D':
    case 'YYYY.M.D': {
      const m = SEPARATED[format]?.exec(text);
      if (!m) return undefined;
      const date = calendarDate(m[1] ?? '', m[2] ?? '', m[3] ?? '');
      return date === undefined ? undefined : withTime(date, m);
    }
    case 'YYYY年M月D日': {
      const m = CHINESE.exec(text);
      return m ? calendarDate(m[1] ?? '', m[2] ?? '', m[3] ?? '') : undefined;
    }
    case 'excel_serial': {
      const m = SERIAL.exec(text);
      if (!m) return undefined;
      const serial = Number(m[1]);
      if (serial < EXCEL_FIRST_SERIAL || serial > EXCEL_LAST_SERIAL) return undefined;
      return new Date(EXCEL_EPOCH_MS + serial * DAY_MS).toISOString().slice(0, 10);
    }
  }
}

/**
 * `YYYY-MM-DD` from any of the accepted shapes (full-width digits are folded first), or
 * INVALID_DATE when the value has none of them or names a day that does not exist (2024-02-30).
 * The shapes do not overlap (8 digits vs at most 7 for a serial), so the order of `formats`
 * does not matter.
 */
export function parseDate(value: string, formats: readonly DateFormat[] = DEFAULT_DATE_FORMATS): Outcome<string> {
  const text = toHalfWidth(value).trim();
  for (const format of formats) {
    const date = parseOne(text, format);
    if (date !== undefined) return ok(date);
  }
  return fail('INVALID_DATE');
}

// ---------------------------------------------------------------- amounts

/** `1234`, `1234.5`, or grouped by threes `1,234,567.50`; a comma elsewhere (`12,34`) is refused. */
const AMOUNT = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/;
const UNIT_SUFFIX = /^(.*?)\s*(万元|万|元)$/u;
const CURRENCY_PREFIX = /^[¥￥]\s*/u;
/** 万元 → 元 is a shift of the decimal point by four places. */
const SHIFT: Readonly<Record<AmountUnit, number>> = { 元: 0, 万元: 4 };

/**
 * An amount as a decimal string in 元, computed on the digits, never through a float:
 * `0.5` 万元 → `5000`, `1.2345` 万元 → `12345`, `1.23456` 万元 → `12345.6`, `1，234.50` 元 → `1234.5`.
 *
 * Scale: every significant digit is kept and nothing else: no leading zeros, no trailing
 * fractional zeros (so the same amount written `5000.00` or `5000` is stored, and hashed, the same).
 * With `decimals`, the fraction is padded to that many places; a value with more decimals is
 * INVALID_FORMAT, never rounded (money is not rounded silently).
 *
 * Accepted: full-width digits and separators, thousands separators in groups of three, a leading
 * ¥/￥, a trailing unit 元/万元/万 (which wins over the column's `unit`: the value says what it is).
 * Refused (INVALID_FORMAT): negatives, exponents (`1e5`), other text.
 */
export function parseAmount(value: string, unit: AmountUnit = '元', decimals?: number): Outcome<string> {
  let text = toHalfWidth(value).trim().replace(CURRENCY_PREFIX, '');
  let effective = unit;
  const suffix = UNIT_SUFFIX.exec(text);
  if (suffix) {
    text = suffix[1] ?? '';
    effective = suffix[2] === '元' ? '元' : '万元';
  }
  const m = AMOUNT.exec(text);
  if (!m) return fail('INVALID_FORMAT');
  const whole = (m[1] ?? '').replace(/,/g, '');
  const fraction = m[2] ?? '';
  const shift = SHIFT[effective];
  const integerDigits = (whole + fraction.padEnd(shift, '0').slice(0, shift)).replace(/^0+(?=\d)/, '');
  let fractionDigits = fraction.slice(shift).replace(/0+$/, '');
  if (decimals !== undefined) {
    if (fractionDigits.length > decimals) return fail('INVALID_FORMAT');
    fractionDigits = fractionDigits.padEnd(decimals, '0');
  }
  return ok(fractionDigits === '' ? integerDigits : `${integerDigits}.${fractionDigits}`);
}
