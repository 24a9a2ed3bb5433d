import { citizenId, uscc } from '../../../test/fixtures/credit-data';
import { legacyIdentifierOf, organizationCodeOfUscc } from './legacy-identifier';

const today = new Date('2026-11-27T00:00:00Z');

describe('legacy identifiers (第六条: old codes are resolved to the social credit code)', () => {
  it.each([
    ['the organisation code inside a valid USCC', organizationCodeOfUscc(uscc(42)), { kind: 'organization_code', identifier: organizationCodeOfUscc(uscc(42)) }],
    ['an organisation code written with a dash and in lower case', `${organizationCodeOfUscc(uscc(7)).slice(0, 8).toLowerCase()}-${organizationCodeOfUscc(uscc(7)).slice(8)}`, { kind: 'organization_code', identifier: organizationCodeOfUscc(uscc(7)) }],
    ['a 15-digit business registration number', '350200100012345', { kind: 'business_registration_no', identifier: '350200100012345' }],
  ])('recognises %s', (_what, raw, expected) => {
    expect(legacyIdentifierOf(raw, today)).toEqual(expected);
  });

  it.each([
    ['a USCC', uscc(1)],
    ['an 18-digit citizen ID', citizenId(1)],
    ['a 15-digit legacy citizen ID (converted, not looked up)', '350203640505004'],
    ['the individual-business placeholder', '00000000000000000X'],
    ['an organisation code with a wrong check character', `${organizationCodeOfUscc(uscc(42)).slice(0, 8)}${organizationCodeOfUscc(uscc(42)).endsWith('1') ? '2' : '1'}`],
    ['a number', 12345],
    ['nothing', undefined],
  ])('does not take %s for a legacy identifier', (_what, raw) => {
    expect(legacyIdentifierOf(raw, today)).toBeUndefined();
  });
});
