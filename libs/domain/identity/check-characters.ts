/**
 * The three check-character algorithms behind R6, with no knowledge of layout or tables.
 * Kept apart so `normalize.ts` (spreadsheet-damage rule) can use them without an import cycle.
 *
 * They throw RangeError on input outside their alphabet: callers validate first, and a throw here is a
 * programming error, not a data error.
 */

/** GB 32100-2015 表 1: 31 symbols, values 0…30 in this order; I, O, Z, S, V are never used. */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** GB 32100-2015 §5: W_i = 3^(i-1) mod 31 → 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28. */
export const USCC_WEIGHTS: readonly number[] = Array.from({ length: 17 }, (_, i) => {
  let w = 1;
  for (let k = 0; k < i; k += 1) w = (w * 3) % 31;
  return w;
});

/** GB 11714-1997 §5: W = 3 7 9 10 5 8 4 2 over the 8-character body. */
export const ORGANIZATION_CODE_WEIGHTS: readonly number[] = [3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11643-1999 §7 (ISO 7064 MOD 11-2): W_i = 2^(18-i) mod 11 → 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2. */
export const CITIZEN_ID_WEIGHTS: readonly number[] = Array.from({ length: 17 }, (_, i) => {
  let w = 1;
  for (let k = 0; k < 17 - i; k += 1) w = (w * 2) % 11;
  return w;
});

/** Indexed by S mod 11 (GB 11643-1999 §7.2); `X` stands for 10. */
const CITIZEN_ID_CHECK_TABLE = '10X98765432';

/**
 * GB 32100-2015 §5: C18 = 31 − (Σ C_i·W_i mod 31), and 31 becomes `0`.
 * Written as `(31 − r) % 31` so r = 0 yields `0`: the off-by-one stdnum-js 1.12.0 gets wrong
 * (it indexes `alphabet[31]` and rejects every valid code ending in `0`).
 */
export function usccCheckCharacter(first17: string): string {
  if (first17.length !== 17) throw new RangeError('usccCheckCharacter needs exactly 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i += 1) {
    const value = USCC_ALPHABET.indexOf(first17.charAt(i));
    if (value < 0) throw new RangeError(`character ${String(i + 1)} is outside the GB 32100 alphabet`);
    sum += value * (USCC_WEIGHTS[i] ?? 0);
  }
  return USCC_ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/**
 * GB 11714-1997 附录 A character values: 0-9 → 0-9 and A … Z → 10 … 35 over all 26 letters
 * (I = 18, J = 19, …). This is NOT the USCC table (J = 18 …); using it fails real codes
 * (credit-domain.md §1.3: 200/200 real USCCs pass with this table, 43/200 with the USCC one).
 */
function organizationCodeValue(ch: string): number {
  if (/^[0-9]$/.test(ch)) return Number(ch);
  if (/^[A-Z]$/.test(ch)) return ch.charCodeAt(0) - 55;
  return -1;
}

/** GB 11714-1997 §5: C9 = 11 − (Σ C_i·W_i mod 11); 10 → `X`, 11 → `0`. */
export function organizationCodeCheckCharacter(first8: string): string {
  if (first8.length !== 8) throw new RangeError('organizationCodeCheckCharacter needs exactly 8 characters');
  let sum = 0;
  for (let i = 0; i < 8; i += 1) {
    const value = organizationCodeValue(first8.charAt(i));
    if (value < 0) throw new RangeError(`character ${String(i + 1)} is not a digit or an upper-case letter`);
    sum += value * (ORGANIZATION_CODE_WEIGHTS[i] ?? 0);
  }
  const check = 11 - (sum % 11);
  if (check === 10) return 'X';
  if (check === 11) return '0';
  return String(check);
}

/** GB 11643-1999 §7: ISO 7064:1983 MOD 11-2 over the 17 digits of 地址码 + 出生日期码 + 顺序码. */
export function citizenIdCheckCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('citizenIdCheckCharacter needs exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17.charAt(i)) * (CITIZEN_ID_WEIGHTS[i] ?? 0);
  return CITIZEN_ID_CHECK_TABLE.charAt(sum % 11);
}
