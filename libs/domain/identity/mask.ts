/**
 * Masking of subject identifiers for logs, feedback files and rejection values (R6, Rejection.value).
 * A citizen ID is personal information; a 92… USCC names a 个体工商户, i.e. a person, so both are
 * masked the same way. Lengths are preserved so a reader can still tell what kind of code it was.
 */

const SURROGATE = /[\uD800-\uDFFF]/;

/** Counts code points, not UTF-16 units, so a stray astral character cannot split. */
export function maskIdentifier(value: string): string {
  if (!SURROGATE.test(value)) {
    // Every code point is one UTF-16 unit: the same result without splitting into an array.
    const n = value.length;
    if (n <= 4) return '*'.repeat(n);
    const keep = n >= 18 ? 4 : 2;
    return value.slice(0, keep) + '*'.repeat(n - 2 * keep) + value.slice(n - keep);
  }
  const chars = Array.from(value);
  const n = chars.length;
  if (n <= 4) return '*'.repeat(n);
  const keep = n >= 18 ? 4 : 2;
  return chars.slice(0, keep).join('') + '*'.repeat(n - 2 * keep) + chars.slice(n - keep).join('');
}

/** Half- and full-width digits; full-width forms are common in text typed with Chinese IMEs. */
const DIGIT = '[0-9\\uFF10-\\uFF19]';
const ALNUM = '[0-9A-Za-z\\uFF10-\\uFF19\\uFF21-\\uFF3A\\uFF41-\\uFF5A]';
const X = '[Xx\\uFF38\\uFF58]';

/**
 * Citizen-ID-like: 17 digits + digit/X, bounded by non-digits, so `身份证号350203…` and `ID350203…`
 * are caught. 19+ digit runs are other numbers and are left alone.
 */
const CITIZEN_LIKE = new RegExp(`(?<!${DIGIT})${DIGIT}{17}(?:${DIGIT}|${X})(?!${DIGIT})`, 'g');
/**
 * USCC-like: 18 letters/digits whose characters 3–8 are digits (the region code every USCC carries),
 * bounded by non-alphanumerics. Letters outside the GB 32100 alphabet are allowed: a mistyped code
 * is still an identifier and must not leak into logs.
 */
const USCC_LIKE = new RegExp(`(?<!${ALNUM})${ALNUM}{2}${DIGIT}{6}${ALNUM}{10}(?!${ALNUM})`, 'g');
const SIX_DIGITS = new RegExp(`${DIGIT}{6}`);
const ASCII_CODE_18 = /^[0-9A-Za-z]{18}$/;
const CITIZEN_WHOLE = /^[0-9]{17}[0-9Xx]$/;
const USCC_WHOLE = /^[0-9A-Za-z]{2}[0-9]{6}[0-9A-Za-z]{10}$/;
/** A legacy 15-digit citizen ID (or 工商注册号) standing alone. */
const LEGACY_LIKE = new RegExp(`(?<!${ALNUM})${DIGIT}{15}(?!${ALNUM})`, 'g');

/**
 * Masks every citizen-ID-like and USCC-like token (and 15-digit legacy numbers) in free text, for
 * logs. It works on the text as written: codes broken up by spaces or dashes are not recognised.
 */
export function maskPersonalIdsInText(text: string): string {
  // Every pattern above needs at least 15 characters with 6 digits in a row: most field values
  // (dates, amounts, names, code-list values) are returned as they are without running them.
  if (text.length < 15 || !SIX_DIGITS.test(text)) return text;
  // A field holding just one ASCII code (the commonest case): it is either one whole token of the
  // patterns above or none, so one anchored test gives what the three replacements would.
  if (text.length === 18 && ASCII_CODE_18.test(text)) return CITIZEN_WHOLE.test(text) || USCC_WHOLE.test(text) ? maskIdentifier(text) : text;
  return text
    .replace(CITIZEN_LIKE, (token) => maskIdentifier(token))
    .replace(USCC_LIKE, (token) => maskIdentifier(token))
    .replace(LEGACY_LIKE, (token) => maskIdentifier(token));
}
