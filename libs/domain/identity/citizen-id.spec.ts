/**
 * Citizen identity number, GB 11643-1999 (R6).
 *
 * Fixed vectors: the two examples of GB 11643-1999 附录 A (credit-domain.md §2) and numbers whose
 * check digits were computed by an independent implementation while writing these tests. Time is
 * injected: TODAY is a fixed instant, never the clock.
 */
import type { RejectionCode } from '../rejections/rejection-codes';
import { checkCitizenId, chinaCalendarDate, citizenIdCheckCharacter, convertLegacyCitizenId } from './citizen-id';

const TODAY = new Date('2025-06-15T04:00:00Z'); // 2025-06-15 12:00 in China

/** A valid number from its first 17 digits. */
function withCheck(first17: string): string {
  return first17 + citizenIdCheckCharacter(first17);
}

/** A number whose check digit is deliberately wrong. */
function withWrongCheck(first17: string): string {
  return first17 + (citizenIdCheckCharacter(first17) === '1' ? '2' : '1');
}

describe('checkCitizenId — valid numbers (GB 11643-1999)', () => {
  const cases: { name: string; raw: string; code: string; birthDate: string; sex: 'male' | 'female'; convertedFrom15: boolean }[] = [
    { name: '附录 A example with check X', raw: '11010519491231002X', code: '11010519491231002X', birthDate: '1949-12-31', sex: 'female', convertedFrom15: false },
    { name: '附录 A example born 1880 (before 1900 is not an error)', raw: '440524188001010014', code: '440524188001010014', birthDate: '1880-01-01', sex: 'male', convertedFrom15: false },
    { name: 'lower-case x', raw: '11010519491231002x', code: '11010519491231002X', birthDate: '1949-12-31', sex: 'female', convertedFrom15: false },
    { name: 'full-width digits and Ｘ', raw: '１１０１０５１９４９１２３１００２Ｘ', code: '11010519491231002X', birthDate: '1949-12-31', sex: 'female', convertedFrom15: false },
    { name: 'spaces between parts', raw: '110105 19491231 002X', code: '11010519491231002X', birthDate: '1949-12-31', sex: 'female', convertedFrom15: false },
    { name: 'dashes between parts', raw: '110105-19491231-002X', code: '11010519491231002X', birthDate: '1949-12-31', sex: 'female', convertedFrom15: false },
    { name: 'Xiamen 思明, check X', raw: '35020319900101123X', code: '35020319900101123X', birthDate: '1990-01-01', sex: 'male', convertedFrom15: false },
    { name: '29 Feb 2000 (divisible by 400: leap)', raw: '350203200002290029', code: '350203200002290029', birthDate: '2000-02-29', sex: 'female', convertedFrom15: false },
    { name: '29 Feb 2024 (leap)', raw: '350203202402290043', code: '350203202402290043', birthDate: '2024-02-29', sex: 'female', convertedFrom15: false },
    { name: 'born 1860, the earliest accepted year', raw: '350203186001010015', code: '350203186001010015', birthDate: '1860-01-01', sex: 'male', convertedFrom15: false },
    { name: 'born on the injected today', raw: '350203202506150010', code: '350203202506150010', birthDate: '2025-06-15', sex: 'male', convertedFrom15: false },
    { name: 'province 71 台湾 (GB/T 2260)', raw: '710000198001010010', code: '710000198001010010', birthDate: '1980-01-01', sex: 'male', convertedFrom15: false },
    { name: 'province 81 香港 (GB/T 2260)', raw: '810000198001010022', code: '810000198001010022', birthDate: '1980-01-01', sex: 'female', convertedFrom15: false },
    { name: 'province 82 澳门 (GB/T 2260)', raw: '820000198001010032', code: '820000198001010032', birthDate: '1980-01-01', sex: 'male', convertedFrom15: false },
    { name: 'ends in 000 legitimately (sequence 100, check 0): not spreadsheet damage', raw: '350203198001071000', code: '350203198001071000', birthDate: '1980-01-07', sex: 'female', convertedFrom15: false },
    { name: '15-digit legacy of the 附录 A example converts to it', raw: '110105491231002', code: '11010519491231002X', birthDate: '1949-12-31', sex: 'female', convertedFrom15: true },
    { name: '15-digit legacy, Xiamen', raw: '350203900101123', code: '35020319900101123X', birthDate: '1990-01-01', sex: 'male', convertedFrom15: true },
    { name: '15-digit legacy born 29 Feb 1984 (leap)', raw: '350203840229001', code: '35020319840229001X', birthDate: '1984-02-29', sex: 'male', convertedFrom15: true },
    { name: '15-digit legacy with spaces and full-width digits', raw: '３５０２０３ 900101 123', code: '35020319900101123X', birthDate: '1990-01-01', sex: 'male', convertedFrom15: true },
  ];

  it.each(cases)('accepts $name', ({ raw, code, birthDate, sex, convertedFrom15 }) => {
    expect(checkCitizenId(raw, TODAY)).toEqual({ ok: true, code, birthDate, region: code.slice(0, 6), sex, convertedFrom15 });
  });
});

describe('checkCitizenId — rejections', () => {
  const cases: { name: string; raw: string; code: RejectionCode; today?: Date }[] = [
    { name: '附录 A example with a wrong check', raw: '110105194912310021', code: 'CITIZEN_ID_CHECKSUM' },
    { name: '附录 A example with a digit changed', raw: '11010519491231003X', code: 'CITIZEN_ID_CHECKSUM' },
    { name: 'X where the check is a digit', raw: '44052418800101001X', code: 'CITIZEN_ID_CHECKSUM' },
    { name: 'Xiamen number with a wrong check', raw: withWrongCheck('35020319900101123'), code: 'CITIZEN_ID_CHECKSUM' },
    { name: 'X inside the number', raw: '1101051949X231002X', code: 'CITIZEN_ID_FORMAT' },
    { name: 'a letter other than X at the end', raw: '11010519491231002A', code: 'CITIZEN_ID_FORMAT' },
    { name: '17 digits', raw: '11010519491231002', code: 'CITIZEN_ID_FORMAT' },
    { name: '19 characters', raw: '11010519491231002X1', code: 'CITIZEN_ID_FORMAT' },
    { name: '16 digits', raw: '1101051949123100', code: 'CITIZEN_ID_FORMAT' },
    { name: 'empty', raw: '', code: 'CITIZEN_ID_FORMAT' },
    { name: '15 characters with a letter (legacy numbers are all digits)', raw: '11010549123100X', code: 'CITIZEN_ID_FORMAT' },
    { name: 'first digit 0', raw: withCheck('01010519491231002'), code: 'CITIZEN_ID_FORMAT' },
    { name: 'province 10 does not exist', raw: withCheck('10010519491231002'), code: 'CITIZEN_ID_FORMAT' },
    { name: 'province 16 does not exist', raw: withCheck('16010519491231002'), code: 'CITIZEN_ID_FORMAT' },
    { name: 'province 83 (台湾居民居住证 only, not GB/T 2260)', raw: '830000198001010042', code: 'CITIZEN_ID_FORMAT' },
    { name: 'province 91 (a USCC prefix, not a province)', raw: withCheck('91020319900101123'), code: 'CITIZEN_ID_FORMAT' },
    { name: 'province 99', raw: withCheck('99020319900101123'), code: 'CITIZEN_ID_FORMAT' },
    { name: '29 Feb 2023 (common year)', raw: '350203202302290038', code: 'CITIZEN_ID_BIRTHDATE' },
    { name: '29 Feb 1900 (divisible by 100, not by 400: common year)', raw: '350203190002290030', code: 'CITIZEN_ID_BIRTHDATE' },
    { name: '30 Feb', raw: withCheck('35020319900230123'), code: 'CITIZEN_ID_BIRTHDATE' },
    { name: '31 Apr', raw: withCheck('35020319900431123'), code: 'CITIZEN_ID_BIRTHDATE' },
    { name: 'month 13', raw: withCheck('35020319901301123'), code: 'CITIZEN_ID_BIRTHDATE' },
    { name: 'month 00', raw: withCheck('35020319900001123'), code: 'CITIZEN_ID_BIRTHDATE' },
    { name: 'day 00', raw: withCheck('35020319900100123'), code: 'CITIZEN_ID_BIRTHDATE' },
    { name: 'day 32', raw: withCheck('35020319900132123'), code: 'CITIZEN_ID_BIRTHDATE' },
    { name: 'born 1859, before the earliest accepted year', raw: '350203185912310014', code: 'CITIZEN_ID_BIRTHDATE' },
    { name: 'born the day after the injected today', raw: '350203202506160016', code: 'CITIZEN_ID_BIRTHDATE' },
    { name: 'born in a future year', raw: withCheck('35020320300101123'), code: 'CITIZEN_ID_BIRTHDATE' },
    {
      name: 'born on the Chinese date that is still tomorrow in China (23:59 on 14 June, UTC+8)',
      raw: '350203202506150010',
      code: 'CITIZEN_ID_BIRTHDATE',
      today: new Date('2025-06-14T15:59:59Z'),
    },
    { name: '15-digit legacy born 29 Feb 1985 (common year)', raw: '350211850229002', code: 'CITIZEN_ID_BIRTHDATE' },
    { name: '15-digit legacy with month 13', raw: '350203901301123', code: 'CITIZEN_ID_BIRTHDATE' },
    { name: 'scientific notation from Excel (1.23E+17)', raw: '1.23E+17', code: 'SPREADSHEET_DAMAGE' },
    { name: 'scientific notation keeping 15 digits', raw: '3.50203199001011E+17', code: 'SPREADSHEET_DAMAGE' },
    { name: 'lost digits: 15 significant digits + 000, failing every check', raw: '350203199001011000', code: 'SPREADSHEET_DAMAGE' },
    { name: 'float rendering 350203199001011234.0', raw: '350203199001011234.0', code: 'SPREADSHEET_DAMAGE' },
  ];

  it.each(cases)('rejects $name as $code', ({ raw, code, today }) => {
    const result = checkCitizenId(raw, today ?? TODAY);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.reason).not.toBe('');
  });

  it('never repeats the number in its reason (reasons reach logs)', () => {
    for (const raw of ['110105194912310021', withCheck('35020319900230123'), '350203202506160016', withCheck('99020319900101123')]) {
      const result = checkCitizenId(raw, TODAY);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reason).not.toContain(raw.slice(6, 14));
        expect(result.reason).not.toContain(raw.slice(0, 6));
      }
    }
  });
});

describe('15 → 18 conversion (GB 11643-1989 → GB 11643-1999)', () => {
  it.each([
    { legacy: '110105491231002', converted: '11010519491231002X' },
    { legacy: '350203900101123', converted: '35020319900101123X' },
    { legacy: '350211850229002', converted: '350211198502290025' },
  ])('inserts 19 before YYMMDD and appends the MOD 11-2 check: $legacy → $converted', ({ legacy, converted }) => {
    expect(convertLegacyCitizenId(legacy)).toBe(converted);
  });

  it('refuses anything but 15 digits (a programming error, not a data error)', () => {
    expect(() => convertLegacyCitizenId('11010549123100X')).toThrow(RangeError);
  });
});

describe('chinaCalendarDate — "today" is the date in China (UTC+8)', () => {
  it.each([
    { instant: '2025-06-14T15:59:59Z', date: '2025-06-14' },
    { instant: '2025-06-14T16:00:00Z', date: '2025-06-15' },
    { instant: '2024-12-31T16:00:00Z', date: '2025-01-01' },
  ])('$instant is $date in China', ({ instant, date }) => {
    expect(chinaCalendarDate(new Date(instant))).toBe(date);
  });
});
