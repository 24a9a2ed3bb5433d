/**
 * The check-character algorithms against the numbers printed in the standards, and the property that
 * makes them worth having: every single-character substitution is caught.
 */
import { checkCitizenId } from './citizen-id';
import {
  CITIZEN_ID_WEIGHTS,
  citizenIdCheckCharacter,
  organizationCodeCheckCharacter,
  USCC_ALPHABET,
  USCC_WEIGHTS,
  usccCheckCharacter,
} from './check-characters';
import { checkUscc } from './uscc';

const TODAY = new Date('2025-06-15T04:00:00Z');
const ALL_UPPER_ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

describe('weights and alphabets as printed in the standards', () => {
  it('GB 32100-2015: W_i = 3^(i-1) mod 31', () => {
    expect(USCC_WEIGHTS).toEqual([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]);
  });

  it('GB 11643-1999: W_i = 2^(18-i) mod 11', () => {
    expect(CITIZEN_ID_WEIGHTS).toEqual([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]);
  });

  it('GB 32100-2015 表 1: 31 symbols, without I, O, Z, S, V', () => {
    expect(USCC_ALPHABET).toHaveLength(31);
    expect(USCC_ALPHABET).not.toMatch(/[IOZSV]/);
  });
});

describe('check characters against the standards’ worked examples', () => {
  it.each([
    { standard: 'GB 32100-2015 worked example', compute: () => usccCheckCharacter('91350100M000100Y4'), expected: '3' },
    { standard: 'GB 11714-1997 check inside that example', compute: () => organizationCodeCheckCharacter('M000100Y'), expected: '4' },
    { standard: 'GB 11714-1997, 10 → X (real code 07837941X)', compute: () => organizationCodeCheckCharacter('07837941'), expected: 'X' },
    { standard: 'GB 11714-1997, 11 → 0 (all-zero body)', compute: () => organizationCodeCheckCharacter('00000000'), expected: '0' },
    { standard: 'GB 32100-2015, 31 → 0 (real code 91340600MA2PBP2120)', compute: () => usccCheckCharacter('91340600MA2PBP212'), expected: '0' },
    { standard: 'GB 11643-1999 附录 A, check X', compute: () => citizenIdCheckCharacter('11010519491231002'), expected: 'X' },
    { standard: 'GB 11643-1999 附录 A, check 4', compute: () => citizenIdCheckCharacter('44052418800101001'), expected: '4' },
  ])('$standard → $expected', ({ compute, expected }) => {
    expect(compute()).toBe(expected);
  });

  it.each([
    { name: 'USCC with 16 characters', compute: () => usccCheckCharacter('91350100M000100Y') },
    { name: 'USCC with I', compute: () => usccCheckCharacter('91350100M000100I4') },
    { name: 'organisation code with a symbol', compute: () => organizationCodeCheckCharacter('M000100#') },
    { name: 'citizen ID with a letter', compute: () => citizenIdCheckCharacter('1101051949123100X') },
  ])('throws RangeError on input outside its alphabet: $name', ({ compute }) => {
    expect(compute).toThrow(RangeError);
  });
});

/** Every string obtained by replacing one character at one position with another from `alphabet`. */
function singleSubstitutions(code: string, alphabet: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < code.length; i += 1) {
    for (const ch of alphabet) {
      if (ch !== code.charAt(i)) out.push(code.slice(0, i) + ch + code.slice(i + 1));
    }
  }
  return out;
}

function makeUscc(first8: string, orgBody: string): string {
  const first17 = first8 + orgBody + organizationCodeCheckCharacter(orgBody);
  return first17 + usccCheckCharacter(first17);
}

describe('property: a single substituted character never yields another valid code', () => {
  // 31 is prime and every weight is non-zero mod 31, so changing one value by 1…30 always changes
  // the sum mod 31 (GB 32100); substitutions to I, O, Z, S, V fail the alphabet.
  const usccs = [
    '91350100M000100Y43',
    '91340600MA2PBP2120',
    '9115220107837941X1',
    '913101145852519045',
    makeUscc('A1350203', 'MA2XY7K1'),
    makeUscc('N2350211', '12345678'),
    makeUscc('Y1350213', 'MA8RB2Q5'),
    makeUscc('92350206', 'L0151012'),
  ];

  it.each(usccs)('USCC %s: all 17 × 35 substitutions at every position are rejected', (code) => {
    expect(checkUscc(code).ok).toBe(true);
    const mutants = singleSubstitutions(code, ALL_UPPER_ALNUM);
    expect(mutants).toHaveLength(18 * 35);
    expect(mutants.filter((m) => checkUscc(m).ok)).toEqual([]);
  });

  // 11 is prime and every MOD 11-2 weight is non-zero mod 11; digits differ by at most 9, X by 10.
  const citizenIds = [
    '11010519491231002X',
    '440524188001010014',
    '35020319900101123X',
    '35020620000229002' + citizenIdCheckCharacter('35020620000229002'),
    '35021319751130457' + citizenIdCheckCharacter('35021319751130457'),
    '35021119880808888' + citizenIdCheckCharacter('35021119880808888'),
  ];

  it.each(citizenIds)('citizen ID %s: all substitutions with 0-9 and X at every position are rejected', (code) => {
    expect(checkCitizenId(code, TODAY).ok).toBe(true);
    const mutants = singleSubstitutions(code, '0123456789X');
    expect(mutants).toHaveLength(18 * 10);
    expect(mutants.filter((m) => checkCitizenId(m, TODAY).ok)).toEqual([]);
  });

  it('GB 11714 alone does NOT catch every letter substitution: values 0 and B (11) differ by 11', () => {
    // Documented limit of the organisation-code check; inside a USCC the mod-31 check covers it.
    expect(organizationCodeCheckCharacter('00000001')).toBe(organizationCodeCheckCharacter('B0000001'));
    const inUscc = makeUscc('91350200', '00000001');
    expect(checkUscc(`${inUscc.slice(0, 8)}B${inUscc.slice(9)}`).ok).toBe(false);
  });

  it('GB 11714 catches every digit substitution in the body and check', () => {
    const code = `12345678${organizationCodeCheckCharacter('12345678')}`;
    for (let i = 0; i < 8; i += 1) {
      for (const d of '0123456789') {
        if (d === code.charAt(i)) continue;
        const body = code.slice(0, i) + d + code.slice(i + 1, 8);
        expect(organizationCodeCheckCharacter(body)).not.toBe(code.charAt(8));
      }
    }
  });
});
