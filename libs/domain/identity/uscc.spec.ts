/**
 * USCC (GB 32100-2015 + XG1-2016) and embedded organisation code (GB 11714-1997), R6.
 *
 * Fixed vectors come from outside this module: the standard's worked example (credit-domain.md §1.1)
 * and real codes published in python-stdnum's test file tests/test_cn_uscc.doctest (public company
 * identifiers). Generated vectors use `usccCheckCharacter` / `organizationCodeCheckCharacter`, whose
 * own correctness is pinned by the fixed vectors and by check-characters.spec.ts.
 */
import type { RejectionCode } from '../rejections/rejection-codes';
import {
  checkOrganizationCode,
  checkUscc,
  isValidOrganizationCode,
  organizationCodeCheckCharacter,
  USCC_REGISTRATION_AUTHORITIES,
  usccCheckCharacter,
} from './uscc';

/** Builds a valid USCC from chars 1–8 and an 8-character organisation-code body. */
function makeUscc(first8: string, orgBody: string): string {
  const first17 = first8 + orgBody + organizationCodeCheckCharacter(orgBody);
  return first17 + usccCheckCharacter(first17);
}

/** Replaces the embedded organisation check (char 17) with a wrong one and re-signs the USCC. */
function makeUsccWithBadOrgCode(first8: string, orgBody: string): string {
  const good = organizationCodeCheckCharacter(orgBody);
  const bad = good === '1' ? '2' : '1';
  const first17 = first8 + orgBody + bad;
  return first17 + usccCheckCharacter(first17);
}

describe('checkUscc — valid codes (GB 32100-2015)', () => {
  const fixed: { name: string; raw: string; authority: string; orgType: string; region: string; organizationCode: string }[] = [
    {
      name: 'worked example of GB 32100-2015 (Σ = 1640, 1640 mod 31 = 28, C18 = 3)',
      raw: '91350100M000100Y43',
      authority: '9',
      orgType: '1',
      region: '350100',
      organizationCode: 'M000100Y4',
    },
    { name: 'real 91 enterprise (python-stdnum)', raw: '91110000600037341L', authority: '9', orgType: '1', region: '110000', organizationCode: '600037341' },
    { name: 'real 12 事业单位 (python-stdnum)', raw: '121200004013590816', authority: '1', orgType: '2', region: '120000', organizationCode: '401359081' },
    { name: 'real MA-block body (python-stdnum)', raw: '91310115MA1K3BTP2B', authority: '9', orgType: '1', region: '310115', organizationCode: 'MA1K3BTP2' },
    { name: 'real code whose organisation check is X (python-stdnum)', raw: '9115220107837941X1', authority: '9', orgType: '1', region: '152201', organizationCode: '07837941X' },
    { name: 'real code with check character 0, which stdnum-js rejects', raw: '91340600MA2PBP2120', authority: '9', orgType: '1', region: '340600', organizationCode: 'MA2PBP212' },
    { name: 'real code with check character 0 and an L body', raw: '91620105L015101280', authority: '9', orgType: '1', region: '620105', organizationCode: 'L01510128' },
    { name: 'real 92 个体工商户 with check character 0', raw: '92340604MA2PENA300', authority: '9', orgType: '2', region: '340604', organizationCode: 'MA2PENA30' },
    { name: 'real code where both check characters are 0', raw: '92340603MA2UK1TD00', authority: '9', orgType: '2', region: '340603', organizationCode: 'MA2UK1TD0' },
    { name: 'real all-digit code', raw: '913101145852519045', authority: '9', orgType: '1', region: '310114', organizationCode: '585251904' },
    { name: 'Xiamen 思明 enterprise (independently computed)', raw: '91350203MA2XY7K104', authority: '9', orgType: '1', region: '350203', organizationCode: 'MA2XY7K10' },
    { name: 'Xiamen 湖里 个体工商户 (independently computed)', raw: '92350206MA8RB2Q589', authority: '9', orgType: '2', region: '350206', organizationCode: 'MA8RB2Q58' },
    { name: 'Xiamen 集美 民办非企业单位 (independently computed)', raw: '52350211MJ4P0Q1A9N', authority: '5', orgType: '2', region: '350211', organizationCode: 'MJ4P0Q1A9' },
    { name: 'letter authority A1 军队事业单位 (independently computed)', raw: 'A1350200MA2XY7K10P', authority: 'A', orgType: '1', region: '350200', organizationCode: 'MA2XY7K10' },
    { name: 'letter authority N3 乡镇级集体经济组织 (independently computed)', raw: 'N3350200MA2XY7K105', authority: 'N', orgType: '3', region: '350200', organizationCode: 'MA2XY7K10' },
    { name: 'letter authority Y1 其他 (independently computed)', raw: 'Y1350200MA2XY7K103', authority: 'Y', orgType: '1', region: '350200', organizationCode: 'MA2XY7K10' },
  ];

  it.each(fixed)('accepts $name: $raw', ({ raw, authority, orgType, region, organizationCode }) => {
    expect(checkUscc(raw)).toMatchObject({ ok: true, code: raw, authority, orgType, region, organizationCode });
  });

  const pairs = Object.entries(USCC_REGISTRATION_AUTHORITIES).flatMap(([authority, entry]) =>
    Object.entries(entry.types).map(([orgType, orgTypeName]) => ({
      pair: authority + orgType,
      authorityName: entry.name,
      orgTypeName,
    })),
  );

  it.each(pairs)('accepts every pair of 附录 A: $pair ($authorityName / $orgTypeName)', ({ pair, authorityName, orgTypeName }) => {
    const code = makeUscc(`${pair}350203`, 'MA2XY7K1');
    expect(checkUscc(code)).toEqual({
      ok: true,
      code,
      authority: pair.charAt(0),
      authorityName,
      orgType: pair.charAt(1),
      orgTypeName,
      region: '350203',
      organizationCode: code.slice(8, 17),
    });
  });
});

describe('checkUscc — normalisation of supplier input', () => {
  it.each([
    { name: 'full-width characters', raw: '９１３５０１００Ｍ０００１００Ｙ４３' },
    { name: 'lower-case letters', raw: '91350100m000100y43' },
    { name: 'spaces between parts', raw: '91 350100 M000100Y4 3' },
    { name: 'ideographic spaces and tabs', raw: '\u300091350100M000100Y43\t' },
    { name: 'hyphen in the organisation code as GB 11714 prints it', raw: '91350100M000100Y-43' },
    { name: 'en dash, em dash and full-width hyphen', raw: '91–350100—M000100Y4－3' },
  ])('accepts $name', ({ raw }) => {
    expect(checkUscc(raw)).toMatchObject({ ok: true, code: '91350100M000100Y43' });
  });
});

describe('checkUscc — rejections', () => {
  const cases: { name: string; raw: string; code: RejectionCode }[] = [
    { name: "the standard's negative example …Y4Z (Z is not in the alphabet)", raw: '91350100M000100Y4Z', code: 'USCC_FORMAT' },
    { name: 'worked example with a wrong check character', raw: '91350100M000100Y44', code: 'USCC_CHECKSUM' },
    { name: 'real code with its check character changed (python-stdnum)', raw: '91110000600037341N', code: 'USCC_CHECKSUM' },
    { name: 'check character 0 replaced by 1', raw: '91340600MA2PBP2121', code: 'USCC_CHECKSUM' },
    { name: '17 characters', raw: '91350100M000100Y4', code: 'USCC_FORMAT' },
    { name: '19 characters', raw: '91350100M000100Y431', code: 'USCC_FORMAT' },
    { name: 'empty', raw: '', code: 'USCC_FORMAT' },
    { name: 'I, O, Z, S, V never occur (python-stdnum)', raw: '9111000060003IOZSV', code: 'USCC_FORMAT' },
    { name: 'letter O typed for zero', raw: '91350100M0O0100Y43', code: 'USCC_FORMAT' },
    { name: 'a symbol inside', raw: '91350100M000100Y4#', code: 'USCC_FORMAT' },
    { name: 'letter in characters 3–8', raw: '913501A0M000100Y43', code: 'USCC_FORMAT' },
    { name: 'unknown pair 94 (市场监管 has only 1, 2, 3)', raw: makeUscc('94350203', 'MA2XY7K1'), code: 'USCC_FORMAT' },
    { name: 'unknown pair 99', raw: makeUscc('99350203', 'MA2XY7K1'), code: 'USCC_FORMAT' },
    { name: 'unknown pair 14', raw: makeUscc('14350203', 'MA2XY7K1'), code: 'USCC_FORMAT' },
    { name: 'unknown pair 22', raw: makeUscc('22350203', 'MA2XY7K1'), code: 'USCC_FORMAT' },
    { name: 'unknown authority 0', raw: makeUscc('01350203', 'MA2XY7K1'), code: 'USCC_FORMAT' },
    { name: 'unknown letter authority B', raw: makeUscc('B1350203', 'MA2XY7K1'), code: 'USCC_FORMAT' },
    { name: 'letter authority A with type 2', raw: makeUscc('A2350203', 'MA2XY7K1'), code: 'USCC_FORMAT' },
    { name: 'letter authority N with type 4', raw: makeUscc('N4350203', 'MA2XY7K1'), code: 'USCC_FORMAT' },
    { name: 'letter authority Y with type 9 (Y has only 1)', raw: makeUscc('Y9350203', 'MA2XY7K1'), code: 'USCC_FORMAT' },
    {
      name: 'all zeros: passes both checksums, stopped by the authority table (credit-domain.md §0.4)',
      raw: '000000000000000000',
      code: 'USCC_FORMAT',
    },
    { name: 'placeholder 00000000000000000X', raw: '00000000000000000X', code: 'USCC_FORMAT' },
    { name: 'embedded organisation code fails GB 11714 though the mod-31 check passes', raw: '91350203MA2XY7K117', code: 'ORG_CODE_CHECKSUM' },
    { name: 'embedded organisation code fails under letter authority N', raw: makeUsccWithBadOrgCode('N1350200', 'MA2XY7K1'), code: 'ORG_CODE_CHECKSUM' },
    { name: 'embedded all-digit organisation code fails', raw: makeUsccWithBadOrgCode('91350200', '12345678'), code: 'ORG_CODE_CHECKSUM' },
    { name: 'embedded code from the GB 11714 self-defined PDY block', raw: '91350200PDY00001XB', code: 'USCC_FORMAT' },
    { name: 'scientific notation from Excel', raw: '9.1350E+17', code: 'SPREADSHEET_DAMAGE' },
    { name: 'scientific notation, lower-case e', raw: '9.135e+17', code: 'SPREADSHEET_DAMAGE' },
    { name: 'lost digits: 15 significant digits + 000 failing every check', raw: '913502001234567000', code: 'SPREADSHEET_DAMAGE' },
  ];

  it.each(cases)('rejects $name as $code', ({ raw, code }) => {
    const result = checkUscc(raw);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.reason).not.toBe('');
  });

  it('accepts an all-digit code that ends in 000 when its checks hold (not spreadsheet damage)', () => {
    expect(checkUscc('913502000000158000')).toMatchObject({ ok: true, organizationCode: '000015800' });
  });
});

describe('organisation code (GB 11714-1997), standalone', () => {
  it.each([
    { name: 'the body of the GB 32100 worked example', raw: 'M000100Y4' },
    { name: 'display form with the hyphen', raw: 'M000100Y-4' },
    { name: 'lower case', raw: 'm000100y4' },
    { name: 'check character X (real, python-stdnum)', raw: '07837941X' },
    { name: 'check character X with hyphen', raw: '07837941-X' },
    { name: 'check character 0 (11 → 0)', raw: 'MA2XY7K10' },
    { name: 'real all-digit code (python-stdnum 91110000600037341L)', raw: '600037341' },
    { name: 'real code from a 12 事业单位 (python-stdnum)', raw: '401359081' },
    { name: 'letters outside the USCC alphabet are legal here (A=10 … Z=35 over all 26 letters)', raw: 'IOSVZ1239' },
    { name: 'full-width input', raw: 'Ｍ０００１００Ｙ－４' },
  ])('accepts $name: $raw', ({ raw }) => {
    expect(isValidOrganizationCode(raw)).toBe(true);
    expect(checkOrganizationCode(raw).ok).toBe(true);
  });

  it.each([
    { name: 'wrong check character', raw: 'M000100Y5', code: 'ORG_CODE_CHECKSUM' },
    { name: 'X where the check is a digit', raw: 'M000100YX', code: 'ORG_CODE_CHECKSUM' },
    { name: 'digit where the check is X', raw: '078379411', code: 'ORG_CODE_CHECKSUM' },
    { name: 'the USCC table (J=18 …) is not the GB 11714 table', raw: 'J00000000', code: 'ORG_CODE_CHECKSUM' },
    { name: 'check character is a letter other than X', raw: 'M000100YA', code: 'INVALID_FORMAT' },
    { name: '8 characters', raw: 'M000100Y', code: 'INVALID_FORMAT' },
    { name: '10 characters', raw: 'M000100Y41', code: 'INVALID_FORMAT' },
    { name: 'self-defined block PDY00001–PDY99999 is not for exchange', raw: 'PDY00001X', code: 'INVALID_FORMAT' },
  ] satisfies { name: string; raw: string; code: RejectionCode }[])('rejects $name as $code', ({ raw, code }) => {
    expect(isValidOrganizationCode(raw)).toBe(false);
    expect(checkOrganizationCode(raw)).toMatchObject({ ok: false, code });
  });

  it('uses A=10 … Z=35: body J0000000 has check 11 − (19·3 mod 11) = 9, not the USCC-table value', () => {
    expect(organizationCodeCheckCharacter('J0000000')).toBe('9');
    expect(isValidOrganizationCode('J00000009')).toBe(true);
  });
});
