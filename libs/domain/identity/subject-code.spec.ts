/**
 * Classifying the 行政相对人代码 column: organisation (GB 32100-2015) or person (GB 11643-1999), R6.
 */
import type { RejectionCode } from '../rejections/rejection-codes';
import { citizenIdCheckCharacter } from './citizen-id';
import { classifySubjectCode } from './subject-code';

const TODAY = new Date('2025-06-15T04:00:00Z');

function withCheck(first17: string): string {
  return first17 + citizenIdCheckCharacter(first17);
}

describe('classifySubjectCode — resolved subjects', () => {
  it.each([
    { name: 'USCC worked example of GB 32100-2015', raw: '91350100M000100Y43', code: '91350100M000100Y43', kind: 'organization' },
    { name: 'USCC with letter authority N', raw: 'N3350200MA2XY7K105', code: 'N3350200MA2XY7K105', kind: 'organization' },
    { name: 'USCC typed in full width with spaces', raw: '９１３５０１００ Ｍ０００１００Ｙ４３', code: '91350100M000100Y43', kind: 'organization' },
    { name: 'citizen ID of GB 11643-1999 附录 A', raw: '11010519491231002X', code: '11010519491231002X', kind: 'person' },
    { name: 'citizen ID with lower-case x', raw: '11010519491231002x', code: '11010519491231002X', kind: 'person' },
    { name: 'Xiamen citizen ID (35 is also a USCC pair: 司法行政/仲裁委员会)', raw: '35020319900101123X', code: '35020319900101123X', kind: 'person' },
    { name: 'legacy 15-digit citizen ID, converted', raw: '110105491231002', code: '11010519491231002X', kind: 'person' },
    {
      name: 'all-digit USCC of a county coded xxxx19 whose characters 7–14 look like a birth date',
      raw: '911101199001011223',
      code: '911101199001011223',
      kind: 'organization',
    },
    {
      name: 'both readings valid (11 = Beijing and 机构编制/机关): the citizen reading wins',
      raw: '11110119900101157X',
      code: '11110119900101157X',
      kind: 'person',
    },
    { name: 'all-digit USCC ending 000 with valid checks', raw: '913502000000158000', code: '913502000000158000', kind: 'organization' },
  ] as const)('$name → $kind', ({ raw, code, kind }) => {
    expect(classifySubjectCode(raw, TODAY)).toEqual({ ok: true, code, kind });
  });
});

describe('classifySubjectCode — rejections', () => {
  const cases: { name: string; raw: string; code: RejectionCode }[] = [
    { name: 'scientific notation', raw: '1.23E+17', code: 'SPREADSHEET_DAMAGE' },
    { name: 'lost digits (…000 failing every check)', raw: '350203199001011000', code: 'SPREADSHEET_DAMAGE' },
    { name: 'the 个体工商户 placeholder 17 zeros + X', raw: '00000000000000000X', code: 'SUBJECT_UNRESOLVED' },
    { name: 'the placeholder with lower-case x', raw: '00000000000000000x', code: 'SUBJECT_UNRESOLVED' },
    { name: 'all zeros', raw: '000000000000000000', code: 'SUBJECT_UNRESOLVED' },
    { name: 'blank', raw: '  ', code: 'SUBJECT_UNRESOLVED' },
    { name: 'a valid legacy organisation code (must be resolved to the USCC)', raw: 'M000100Y-4', code: 'SUBJECT_UNRESOLVED' },
    { name: 'a legacy organisation code with a wrong check', raw: 'M000100Y-5', code: 'ORG_CODE_CHECKSUM' },
    { name: '15 digits with no valid birth date: a legacy 工商注册号', raw: '350200100012345', code: 'SUBJECT_UNRESOLVED' },
    { name: 'USCC with a wrong check character', raw: '91350100M000100Y44', code: 'USCC_CHECKSUM' },
    { name: 'USCC with an unknown pair', raw: '94350100M000100Y43', code: 'USCC_FORMAT' },
    { name: 'USCC with a bad embedded organisation code', raw: '91350203MA2XY7K117', code: 'ORG_CODE_CHECKSUM' },
    {
      name: 'Xiamen citizen ID with a wrong check: citizen error, though 35 is a USCC pair',
      raw: '350203199001011231',
      code: 'CITIZEN_ID_CHECKSUM',
    },
    { name: 'citizen ID born 30 Feb: citizen error, not a USCC checksum', raw: withCheck('35020319900230123'), code: 'CITIZEN_ID_BIRTHDATE' },
    { name: 'citizen ID born tomorrow', raw: '350203202506160016', code: 'CITIZEN_ID_BIRTHDATE' },
    { name: 'citizen-shaped with an impossible province', raw: withCheck('99020319900101123'), code: 'CITIZEN_ID_FORMAT' },
    {
      name: 'all-digit USCC (pair 91, not a province) with a wrong check: USCC error',
      raw: '911101199001011224',
      code: 'USCC_CHECKSUM',
    },
    {
      name: 'citizen-shaped, citizen check wrong, but the USCC mod-31 check holds: USCC reading (org code)',
      raw: '111101199001010060',
      code: 'ORG_CODE_CHECKSUM',
    },
    { name: '17 digits', raw: '11010519491231002', code: 'CITIZEN_ID_FORMAT' },
    { name: '17 letters and digits', raw: '91350100M000100Y4', code: 'USCC_FORMAT' },
    { name: 'letters I/O in an 18-character value', raw: '9111000060003IOZSV', code: 'USCC_FORMAT' },
  ];

  it.each(cases)('$name → $code', ({ raw, code }) => {
    expect(classifySubjectCode(raw, TODAY)).toMatchObject({ ok: false, code });
  });
});
