import { organizationCodeCheckCharacter, usccCheckCharacter } from './check-characters';
import { checkIdentifierLink } from './identifier-link';

const today = new Date('2026-12-08T00:00:00Z');
const orgBody = 'D2600053';
const orgCode = orgBody + organizationCodeCheckCharacter(orgBody);
const usccOf = (org: string) => {
  const first17 = `91350200${org}`;
  return first17 + usccCheckCharacter(first17);
};
const company = usccOf(orgCode);
const otherOrg = '12345678' + organizationCodeCheckCharacter('12345678');
const badCheck = orgBody + (orgCode.endsWith('1') ? '2' : '1');

describe('checkIdentifierLink (第六条: a legacy identifier links only to a subject it can belong to)', () => {
  it('accepts an organisation code equal to characters 9-17 of the USCC, written with a hyphen too', () => {
    expect(checkIdentifierLink({ kind: 'organization_code', identifier: `${orgBody}-${orgCode.slice(-1)}`, subjectCode: company }, today)).toEqual({
      ok: true,
      identifier: orgCode,
      subjectCode: company,
    });
  });

  it.each([
    ['a bad GB 11714 check character', badCheck, company, 'ORG_CODE_CHECKSUM'],
    ['another organisation code than the USCC embeds', otherOrg, company, 'ORG_CODE_MISMATCH'],
    ['something not shaped like an organisation code', 'ABC', company, 'INVALID_FORMAT'],
  ])('refuses %s', (_, identifier, subjectCode, code) => {
    const check = checkIdentifierLink({ kind: 'organization_code', identifier, subjectCode }, today);
    expect(check).toEqual({ ok: false, problems: [expect.objectContaining({ field: 'identifier', code, message: expect.stringMatching(/[\u4e00-\u9fff]/) })] });
  });

  it('reports every problem of a link at once', () => {
    const check = checkIdentifierLink({ kind: 'organization_code', identifier: badCheck, subjectCode: '91350200XXXXXXXXXX' }, today);
    expect(check.ok ? [] : check.problems.map((p) => p.code)).toEqual(['SUBJECT_CODE_INVALID', 'ORG_CODE_CHECKSUM']);
  });

  it('takes a 15-digit business registration number, not a citizen ID', () => {
    expect(checkIdentifierLink({ kind: 'business_registration_no', identifier: '350203600012345', subjectCode: company }, today).ok).toBe(true);
    expect(checkIdentifierLink({ kind: 'business_registration_no', identifier: '3502036000', subjectCode: company }, today).ok).toBe(false);
  });
});
