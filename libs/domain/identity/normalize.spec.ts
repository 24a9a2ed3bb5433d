/**
 * Normalisation and spreadsheet-damage detection (R6; traps listed in credit-domain.md §1.5).
 */
import { detectSpreadsheetDamage, normalizeIdentifier } from './normalize';

describe('normalizeIdentifier', () => {
  it.each([
    { name: 'full-width digits and letters (U+FF10…, U+FF21…)', raw: '９１３５０１００Ｍ０００１００Ｙ４３', expected: '91350100M000100Y43' },
    { name: 'full-width lower-case letters', raw: 'ｍ０００１００ｙ４', expected: 'M000100Y4' },
    { name: 'ideographic space U+3000', raw: '110105\u300019491231002X', expected: '11010519491231002X' },
    { name: 'lower-case x', raw: '11010519491231002x', expected: '11010519491231002X' },
    { name: 'ASCII spaces, tabs and newlines', raw: ' 110105 19491231\t002X\r\n', expected: '11010519491231002X' },
    { name: 'no-break space and zero-width space from web pages', raw: '110105\u00a019491231\u200b002X', expected: '11010519491231002X' },
    { name: 'hyphen-minus', raw: 'M000100Y-4', expected: 'M000100Y4' },
    { name: 'hyphen U+2010', raw: 'M000100Y‐4', expected: 'M000100Y4' },
    { name: 'en dash U+2013', raw: 'M000100Y–4', expected: 'M000100Y4' },
    { name: 'em dash U+2014', raw: 'M000100Y—4', expected: 'M000100Y4' },
    { name: 'full-width hyphen U+FF0D', raw: 'M000100Y－4', expected: 'M000100Y4' },
    { name: 'byte-order mark at the start of a CSV cell', raw: '\ufeff91350100M000100Y43', expected: '91350100M000100Y43' },
    { name: 'blank cell', raw: ' \u3000 ', expected: '' },
    { name: 'non-ASCII letters are left alone, not upper-cased into longer strings', raw: 'ß1', expected: 'ß1' },
  ])('$name', ({ raw, expected }) => {
    expect(normalizeIdentifier(raw)).toBe(expected);
  });
});

describe('detectSpreadsheetDamage', () => {
  it.each([
    { name: 'scientific notation 1.23E+17', raw: '1.23E+17' },
    { name: 'scientific notation 9.1350E+17', raw: '9.1350E+17' },
    { name: 'lower-case e as JavaScript/Python print floats', raw: '3.50203199001011e+17' },
    { name: 'full-width scientific notation', raw: '９.１３５Ｅ＋１７' },
    { name: 'surrounding spaces', raw: ' 9.135E+17 ' },
    { name: 'integer mantissa with explicit sign', raw: '9E+17' },
    { name: '18 digits ending in 000 that fail both the MOD 11-2 and the mod-31 check', raw: '350203199001011000' },
    { name: 'another all-digit value ending in 000 failing both checks', raw: '913502001234567000' },
    { name: 'float rendering with .0', raw: '913502001234567890.0' },
  ])('flags $name', ({ raw }) => {
    expect(detectSpreadsheetDamage(raw)).toBe(true);
  });

  it.each([
    { name: 'a valid USCC', raw: '91350100M000100Y43' },
    { name: 'a valid citizen ID', raw: '11010519491231002X' },
    { name: 'a real citizen ID ending 000 (sequence 100, check 0)', raw: '350203198001071000' },
    { name: 'an all-digit USCC ending 000 whose mod-31 check holds', raw: '913502000000158000' },
    { name: 'all zeros (passes the mod-31 check; the authority table rejects it)', raw: '000000000000000000' },
    { name: 'E between digits without point or sign: E is a USCC character', raw: '9135020012345E6789' },
    { name: 'a 15-digit legacy number (fits a double exactly)', raw: '350203900101123' },
    { name: 'the placeholder 00000000000000000X', raw: '00000000000000000X' },
    { name: 'empty', raw: '' },
  ])('does not flag $name', ({ raw }) => {
    expect(detectSpreadsheetDamage(raw)).toBe(false);
  });
});
