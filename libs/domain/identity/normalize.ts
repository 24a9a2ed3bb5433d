/**
 * Normalisation of subject identifiers as typed by 信息提供单位 before any check runs (R6).
 *
 * Suppliers paste codes from Word, Excel and Chinese input methods, so the same USCC arrives as
 * `９１３５０１００Ｍ０００１００Ｙ４３`, `91350100-M000100Y4-3` or `91 350100 M000100Y43`. The checks in this
 * folder only ever see the compact upper-case form this module returns.
 */

import { citizenIdCheckCharacter, usccCheckCharacter } from './check-characters';

/** Full-width ASCII block (！ U+FF01 … ～ U+FF5E) sits exactly 0xFEE0 above printable ASCII. */
const FULL_WIDTH_FIRST = 0xff01;
const FULL_WIDTH_LAST = 0xff5e;
const FULL_WIDTH_OFFSET = 0xfee0;
const IDEOGRAPHIC_SPACE = 0x3000;

/**
 * Separators people put inside codes: every Unicode whitespace (`\s` covers U+3000 and U+FEFF too),
 * the zero-width characters that survive copy-paste from web pages, and the dashes:
 * - U+002D hyphen-minus, U+2010 hyphen, U+2011 non-breaking hyphen, U+2012 figure dash,
 *   U+2013 en dash, U+2014 em dash, U+2212 minus sign (U+FF0D full-width hyphen is mapped to U+002D first).
 * GB 11714 prints the organisation code as `XXXXXXXX-X`; the hyphen is not part of the code.
 */
const SEPARATORS = /[\s\u200b-\u200d\u2060\-\u2010-\u2014\u2212]/g;

const NEEDS_HALF_WIDTH = /[\u3000\uff01-\uff5e]/;

/** Maps U+FF01..U+FF5E to U+0021..U+007E and U+3000 to U+0020; leaves everything else alone. */
export function toHalfWidth(raw: string): string {
  if (!NEEDS_HALF_WIDTH.test(raw)) return raw;
  let out = '';
  for (const ch of raw) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= FULL_WIDTH_FIRST && cp <= FULL_WIDTH_LAST) {
      out += String.fromCharCode(cp - FULL_WIDTH_OFFSET);
    } else if (cp === IDEOGRAPHIC_SPACE) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

/** Upper-cases a-z only: `toUpperCase()` would also rewrite non-ASCII (ß → SS) and change lengths. */
function asciiUpperCase(value: string): string {
  return value.replace(/[a-z]/g, (c) => c.toUpperCase());
}

/**
 * The compact machine form of an identifier: full-width → half-width, separators removed,
 * a-z upper-cased (so a citizen ID ending in lower-case `x` gets the `X` GB 11643 prints).
 * It never validates; an empty result means the field held only blanks.
 */
export function normalizeIdentifier(raw: string): string {
  return asciiUpperCase(toHalfWidth(raw).replace(SEPARATORS, ''));
}

/**
 * Scientific notation as spreadsheets and float printers write it: `1.23E+17`, `9.1350E+17`, `9.135e+17`.
 * A bare `<digits>E<digits>` without a decimal point or a sign is NOT flagged: `E` is a legal USCC
 * character, so `9135020012345E6789`-style strings must reach the USCC check instead.
 */
const SCIENTIFIC = /^\d+(\.\d+)?E[+-]?\d+$/;
/** A long number that went through a float column and came back as `350203199001011234.0`. */
const FLOAT_RENDERING = /^\d{15,}\.0+$/;

/**
 * True when the value looks like an identifier a spreadsheet turned into a number.
 *
 * Rules (each one is a known Excel/WPS/float artefact; see credit-domain.md §1.5):
 * 1. Scientific notation with a decimal point or an exponent sign (`1.23E+17`, `9.1350E+17`).
 * 2. A 15+ digit number followed by `.0` (a float rendering).
 * 3. Lost precision: Excel keeps 15 significant digits, so an 18-digit code comes back as its first
 *    15 digits + `000`. Trailing `000` alone proves nothing: a real citizen ID ends in `000` when its
 *    sequence code ends in `00` and its check digit is `0`, and an all-digit USCC can end in `000`.
 *    So an 18-digit value ending in `000` is flagged only when it fails BOTH the GB 11643 MOD 11-2
 *    check and the GB 32100 mod-31 check: we cannot know which reading the supplier meant, and a value
 *    that passes either check is much more likely intact than damaged (chance 1/11 or 1/31).
 *    `000000000000000000` passes the mod-31 check, so it is not flagged here; the USCC authority
 *    table rejects it.
 *
 * Runs on the raw value (after full-width mapping and whitespace removal, but keeping `+`/`-` and `.`),
 * because `normalizeIdentifier` would strip the exponent's minus sign.
 */
export function detectSpreadsheetDamage(raw: string): boolean {
  const value = asciiUpperCase(toHalfWidth(raw).replace(/\s/g, ''));
  if (SCIENTIFIC.test(value) && (value.includes('.') || /E[+-]/.test(value))) return true;
  if (FLOAT_RENDERING.test(value)) return true;
  if (/^\d{15}000$/.test(value)) {
    const first17 = value.slice(0, 17);
    const last = value.charAt(17);
    return citizenIdCheckCharacter(first17) !== last && usccCheckCharacter(first17) !== last;
  }
  return false;
}
