/**
 * The edges of the access policy that the cross-product table (access-table.spec.ts) does not
 * reach: the query edge (canQuerySubject), batch size, R18 purposes, usage permissions, boundaries
 * of the publication period and of authorisations, and fail-closed inputs.
 */
import {
  AccessPolicyError,
  type Authorization,
  type Caller,
  canQuerySubject,
  decideRecordAccess,
  DEFAULT_CREDIT_AGENCY_BATCH_SIZE,
  maxBatchSize,
  type RecordStatus,
  type RecordView,
  selectVisibleRecords,
} from './access-policy';
import { isQueryPurpose, QUERY_PURPOSE_CODES, QUERY_PURPOSES, type QueryPurpose, queryPurposeLabel } from './query-purpose';

const TODAY = '2026-03-10';
const S = 'SUBJECT-S';
const OTHER = 'SUBJECT-T';
const GRANTEE = 'bank-of-example';
const AGENCY = 'agency-of-example';

function authorization(overrides: Partial<Authorization> = {}): Authorization {
  return {
    subjectCode: S,
    grantee: GRANTEE,
    purpose: '贷款审批',
    scope: ['administrative_penalty', 'volunteer_service'],
    validFrom: '2026-01-01',
    validTo: '2026-12-31',
    proofReference: 'AUTH-2026-0001',
    ...overrides,
  };
}

function thirdParty(...authorizations: Authorization[]): Caller {
  return { kind: 'authorized_third_party', grantee: GRANTEE, authorizations };
}

function government(purpose: string): Caller {
  return { kind: 'government', userId: 'u-001', roles: ['credit_query'], purpose: purpose as QueryPurpose };
}

const penalty: RecordView = {
  subjectCode: S,
  itemCode: 'administrative_penalty',
  disclosure: 'public',
  usage: ['public_disclosure', 'government_sharing', 'credit_report'],
  status: 'active',
  disputed: false,
  publicationEnd: '2026-06-05',
};

const volunteering: RecordView = {
  subjectCode: S,
  itemCode: 'volunteer_service',
  disclosure: 'authorized',
  usage: ['authorized_query', 'government_sharing', 'credit_report'],
  status: 'active',
  disputed: false,
  publicationEnd: null,
};

describe('canQuerySubject — the query edge refuses outright (403) before any record is read', () => {
  const agency = (...authorizations: Authorization[]): Caller => ({
    kind: 'credit_agency',
    agencyId: AGENCY,
    authorizations: authorizations.map((a) => ({ ...a, grantee: AGENCY })),
  });
  // prettier-ignore
  it.each([
    { name: 'public: anyone may ask (第十六条)', caller: { kind: 'public' } as Caller, subject: S, allowed: true, reason: 'OPEN_QUERY' },
    { name: 'subject: its own code (第十七条)', caller: { kind: 'subject', subjectCode: S } as Caller, subject: S, allowed: true, reason: 'OWN_SUBJECT' },
    { name: 'subject: another code needs that subject\'s authorisation (第十七条)', caller: { kind: 'subject', subjectCode: S } as Caller, subject: OTHER, allowed: false, reason: 'NOT_OWN_SUBJECT' },
    { name: 'subject: an empty verified code matches nothing', caller: { kind: 'subject', subjectCode: '' } as Caller, subject: '', allowed: false, reason: 'NOT_OWN_SUBJECT' },
    { name: 'third party: valid authorisation (第十七条)', caller: thirdParty(authorization()), subject: S, allowed: true, reason: 'AUTHORIZED' },
    { name: 'third party: no authorisation at all (第十七条, F3 BOLA)', caller: thirdParty(), subject: S, allowed: false, reason: 'NO_AUTHORIZATION' },
    { name: 'third party: authorisation of another subject (F3 BOLA)', caller: thirdParty(authorization()), subject: OTHER, allowed: false, reason: 'NO_AUTHORIZATION' },
    { name: 'third party: expired authorisation', caller: thirdParty(authorization({ validTo: '2026-03-09' })), subject: S, allowed: false, reason: 'AUTHORIZATION_EXPIRED' },
    { name: 'third party: authorisation not yet in force', caller: thirdParty(authorization({ validFrom: '2026-03-11' })), subject: S, allowed: false, reason: 'AUTHORIZATION_NOT_YET_VALID' },
    { name: 'third party: authorisation without proof (第十七条 授权证明)', caller: thirdParty(authorization({ proofReference: ' ' })), subject: S, allowed: false, reason: 'AUTHORIZATION_INVALID' },
    { name: 'credit agency: valid authorisation (第二十条第二款)', caller: agency(authorization()), subject: S, allowed: true, reason: 'AUTHORIZED' },
    { name: 'credit agency: none for this subject', caller: agency(authorization()), subject: OTHER, allowed: false, reason: 'NO_AUTHORIZATION' },
    { name: 'credit agency: expired', caller: agency(authorization({ validTo: '2026-03-09' })), subject: S, allowed: false, reason: 'AUTHORIZATION_EXPIRED' },
    { name: 'credit agency: a third party\'s authorisation does not carry over', caller: { kind: 'credit_agency', agencyId: AGENCY, authorizations: [authorization()] } as Caller, subject: S, allowed: false, reason: 'NO_AUTHORIZATION' },
    { name: 'government: R18 purpose (第十八条)', caller: government('public_safety_risk'), subject: S, allowed: true, reason: 'GOVERNMENT_PURPOSE' },
    { name: 'government: no purpose (第十八条)', caller: government(''), subject: S, allowed: false, reason: 'PURPOSE_REQUIRED' },
    { name: 'operator (第四条)', caller: { kind: 'operator' } as Caller, subject: S, allowed: true, reason: 'OPERATOR' },
  ])('$name → $reason', ({ caller, subject, allowed, reason }) => {
    expect(canQuerySubject(caller, subject, TODAY)).toEqual({ allowed, reason });
  });
});

describe('maxBatchSize — batch query is for credit service agencies only (第二十条第二款)', () => {
  it.each([
    { caller: { kind: 'public' } as Caller, size: 0 },
    { caller: { kind: 'subject', subjectCode: S } as Caller, size: 0 },
    { caller: thirdParty(authorization()), size: 0 },
    { caller: government('commendation'), size: 0 },
    { caller: { kind: 'operator' } as Caller, size: 0 },
    { caller: { kind: 'credit_agency', agencyId: AGENCY, authorizations: [] } as Caller, size: 100 },
  ])('$caller.kind → $size subjects per request by default', ({ caller, size }) => {
    expect(maxBatchSize(caller)).toBe(size);
  });

  it('the default is 100 and the operator can configure another limit', () => {
    const agency: Caller = { kind: 'credit_agency', agencyId: AGENCY, authorizations: [] };
    expect(DEFAULT_CREDIT_AGENCY_BATCH_SIZE).toBe(100);
    expect(maxBatchSize(agency, 500)).toBe(500);
    expect(maxBatchSize({ kind: 'public' }, 500)).toBe(0);
  });

  it.each([0, -1, 2.5, Number.NaN])('rejects a configured limit of %p', (limit) => {
    expect(() => maxBatchSize({ kind: 'public' }, limit)).toThrow(RangeError);
  });
});

describe('R18 query purposes', () => {
  it('lists exactly the six purposes of 第十八条第一款, with their Chinese labels', () => {
    expect(QUERY_PURPOSES.map((p) => [p.code, p.label])).toEqual([
      ['licensing_inspection_penalty', '行政许可、监督检查、行政处罚'],
      ['procurement_bidding_funding_land_research', '政府采购、招标投标、资金安排、国有土地出让、科研管理'],
      ['civil_servant_hiring_promotion', '公务员录用和晋升'],
      ['commendation', '表彰奖励'],
      ['public_safety_risk', '公共安全风险分析'],
      ['other_statutory', '法律法规规定的其他情形'],
    ]);
    expect(queryPurposeLabel('public_safety_risk')).toBe('公共安全风险分析');
  });

  it.each(QUERY_PURPOSE_CODES)('a government user querying for %s sees the shared record', (purpose) => {
    expect(decideRecordAccess(government(purpose), penalty, TODAY)).toEqual({
      visible: true,
      marked: { disputed: false },
      reason: 'GOVERNMENT_PURPOSE',
    });
  });

  it.each(['', 'curiosity', 'LICENSING_INSPECTION_PENALTY', '行政许可、监督检查、行政处罚', ' commendation'])(
    'a government user with purpose %p is refused (PURPOSE_REQUIRED)',
    (purpose) => {
      expect(isQueryPurpose(purpose)).toBe(false);
      expect(decideRecordAccess(government(purpose), penalty, TODAY).reason).toBe('PURPOSE_REQUIRED');
    },
  );

  it('queryPurposeLabel refuses a code outside the list', () => {
    expect(() => queryPurposeLabel('curiosity' as QueryPurpose)).toThrow(RangeError);
  });
});

describe('the catalog usage permissions narrow each channel (第九条 使用权限)', () => {
  it.each([
    {
      name: 'a public item without public_disclosure is not served to the public',
      caller: { kind: 'public' } as Caller,
      record: { ...penalty, usage: ['government_sharing', 'credit_report'] },
      expected: 'USAGE_NOT_PERMITTED',
    },
    {
      name: 'a public item without government_sharing is not served to government users',
      caller: government('licensing_inspection_penalty'),
      record: { ...penalty, usage: ['public_disclosure'] },
      expected: 'USAGE_NOT_PERMITTED',
    },
    {
      name: 'an authorised item without authorized_query is not served to its subject',
      caller: { kind: 'subject', subjectCode: S } as Caller,
      record: { ...volunteering, usage: ['government_sharing'] },
      expected: 'USAGE_NOT_PERMITTED',
    },
    {
      name: 'an authorised item without authorized_query is not served under an authorisation',
      caller: thirdParty(authorization()),
      record: { ...volunteering, usage: ['government_sharing'] },
      expected: 'USAGE_NOT_PERMITTED',
    },
    {
      name: 'an authorised item without government_sharing is not served to government users',
      caller: government('commendation'),
      record: { ...volunteering, usage: ['authorized_query'] },
      expected: 'USAGE_NOT_PERMITTED',
    },
    {
      name: 'a public item open only to authorised query is served to its subject',
      caller: { kind: 'subject', subjectCode: S } as Caller,
      record: { ...penalty, usage: ['authorized_query'] },
      expected: 'OWN_RECORD',
    },
    {
      name: '… and under an authorisation that covers it',
      caller: thirdParty(authorization()),
      record: { ...penalty, usage: ['authorized_query'] },
      expected: 'AUTHORIZED',
    },
    {
      name: '… but not to the public',
      caller: { kind: 'public' } as Caller,
      record: { ...penalty, usage: ['authorized_query'] },
      expected: 'USAGE_NOT_PERMITTED',
    },
  ])('$name', ({ caller, record, expected }) => {
    expect(decideRecordAccess(caller, record, TODAY).reason).toBe(expected);
  });
});

describe('publication period boundaries (第二十八条)', () => {
  const callers: Caller[] = [
    { kind: 'public' },
    { kind: 'subject', subjectCode: S },
    thirdParty(authorization()),
    government('other_statutory'),
  ];

  it.each(callers)('$kind: served on the last day of the period (publicationEnd is inclusive)', (caller) => {
    expect(decideRecordAccess(caller, { ...penalty, publicationEnd: TODAY }, TODAY).visible).toBe(true);
  });

  it.each(callers)('$kind: not served the day after, even before the archive job has run', (caller) => {
    expect(decideRecordAccess(caller, { ...penalty, publicationEnd: '2026-03-09' }, TODAY)).toEqual({
      visible: false,
      marked: { disputed: false },
      reason: 'OUTSIDE_PUBLICATION_PERIOD',
    });
  });

  it('an item without a period (publicationEnd null) is served without end', () => {
    expect(decideRecordAccess({ kind: 'public' }, { ...penalty, publicationEnd: null }, '2099-12-31').visible).toBe(true);
  });

  it('an operator still sees a record years after its period ended (administration, history)', () => {
    expect(decideRecordAccess({ kind: 'operator' }, { ...penalty, publicationEnd: '2020-01-01' }, TODAY).reason).toBe('OPERATOR');
  });
});

describe('authorisation validity (第十七条)', () => {
  it.each([
    { name: 'on its first day', auth: authorization({ validFrom: TODAY }), reason: 'AUTHORIZED' },
    { name: 'on its last day', auth: authorization({ validTo: TODAY }), reason: 'AUTHORIZED' },
    { name: 'a single-day authorisation on that day', auth: authorization({ validFrom: TODAY, validTo: TODAY }), reason: 'AUTHORIZED' },
    { name: 'the day after its last day', auth: authorization({ validTo: '2026-03-09' }), reason: 'AUTHORIZATION_EXPIRED' },
    { name: 'the day before its first day', auth: authorization({ validFrom: '2026-03-11' }), reason: 'AUTHORIZATION_NOT_YET_VALID' },
    { name: 'without proof of the authorisation (授权证明)', auth: authorization({ proofReference: '' }), reason: 'AUTHORIZATION_INVALID' },
    { name: 'without the agreed purpose (约定的查询用途)', auth: authorization({ purpose: '  ' }), reason: 'AUTHORIZATION_INVALID' },
    { name: 'with an empty scope', auth: authorization({ scope: [] }), reason: 'AUTHORIZATION_INVALID' },
    { name: 'ending before it starts', auth: authorization({ validFrom: '2026-12-31', validTo: '2026-01-01' }), reason: 'AUTHORIZATION_INVALID' },
    { name: 'with a malformed date', auth: authorization({ validTo: '2026-13-01' }), reason: 'AUTHORIZATION_INVALID' },
  ])('$name → $reason', ({ auth, reason }) => {
    expect(decideRecordAccess(thirdParty(auth), penalty, TODAY).reason).toBe(reason);
  });

  it('an expired authorisation next to a valid one does not hide what the valid one covers', () => {
    const expired = authorization({ validTo: '2026-03-09', scope: ['volunteer_service'] });
    const current = authorization({ scope: ['administrative_penalty'] });
    const caller = thirdParty(expired, current);
    expect(decideRecordAccess(caller, penalty, TODAY).reason).toBe('AUTHORIZED');
    // Only the valid authorisation's scope counts: volunteering is named by the expired one only.
    expect(decideRecordAccess(caller, volunteering, TODAY).reason).toBe('OUT_OF_SCOPE');
  });

  it('with one expired and one future authorisation, the refusal says expired', () => {
    const caller = thirdParty(authorization({ validTo: '2026-03-09' }), authorization({ validFrom: '2026-04-01' }));
    expect(decideRecordAccess(caller, penalty, TODAY).reason).toBe('AUTHORIZATION_EXPIRED');
  });

  it('a grantee with an empty name matches no authorisation, even one with an empty grantee', () => {
    const caller: Caller = { kind: 'authorized_third_party', grantee: '', authorizations: [authorization({ grantee: '' })] };
    expect(decideRecordAccess(caller, penalty, TODAY).reason).toBe('NO_AUTHORIZATION');
  });
});

describe('disputed marking (第二十六条第一款)', () => {
  it('a disputed record that is not served carries no mark (nothing is revealed about it)', () => {
    expect(decideRecordAccess({ kind: 'public' }, { ...volunteering, disputed: true }, TODAY)).toEqual({
      visible: false,
      marked: { disputed: false },
      reason: 'NOT_PUBLIC',
    });
  });

  it('a disputed record withheld because the provider missed its deadline is not served (第二十六条第二款)', () => {
    expect(decideRecordAccess({ kind: 'public' }, { ...penalty, disputed: true, status: 'withheld' }, TODAY)).toEqual({
      visible: false,
      marked: { disputed: false },
      reason: 'WITHHELD',
    });
  });
});

describe('fail closed on bad input', () => {
  it('an unknown status is never served', () => {
    const record = { ...penalty, status: 'erased' as unknown as RecordStatus };
    expect(decideRecordAccess({ kind: 'public' }, record, TODAY).reason).toBe('UNKNOWN_STATUS');
    expect(decideRecordAccess({ kind: 'operator' }, record, TODAY).reason).toBe('OPERATOR');
  });

  it.each(['2026-3-10', '2026-02-30', '20260310', ''])('today %p is an error with a code, not a decision', (today) => {
    expect(() => decideRecordAccess({ kind: 'public' }, penalty, today)).toThrow(AccessPolicyError);
    expect(() => canQuerySubject({ kind: 'public' }, S, today)).toThrow(expect.objectContaining({ code: 'ACCESS_INVALID_DATE' }));
  });

  it('a malformed publicationEnd is an error, not a guess', () => {
    expect(() => decideRecordAccess({ kind: 'public' }, { ...penalty, publicationEnd: '2026/06/05' }, TODAY)).toThrow(
      AccessPolicyError,
    );
  });
});

describe('selectVisibleRecords', () => {
  it('keeps the records the caller may see, in order, with their disputed mark', () => {
    const disputedPenalty = { ...penalty, disputed: true };
    const repaired = { ...penalty, status: 'repaired' as const };
    const othersPenalty = { ...penalty, subjectCode: OTHER };
    const records = [disputedPenalty, volunteering, repaired, othersPenalty];
    expect(selectVisibleRecords({ kind: 'subject', subjectCode: S }, records, TODAY)).toEqual([
      { record: disputedPenalty, disputed: true },
      { record: volunteering, disputed: false },
    ]);
    expect(selectVisibleRecords({ kind: 'public' }, records, TODAY)).toEqual([
      { record: disputedPenalty, disputed: true },
      { record: othersPenalty, disputed: false },
    ]);
  });
});
