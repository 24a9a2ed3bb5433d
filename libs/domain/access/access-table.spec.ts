/**
 * The access table (issue 5 acceptance): every caller kind × disclosure attribute × record state,
 * each cell checked against the expectation written out below by hand — nothing here is computed
 * by the policy's own rules.
 *
 * Cell notation: `REASON` served; `REASON*` served and marked disputed (第二十六条第一款);
 * `-REASON` not served.
 *
 * Dataset: subject S, today 2026-03-10. The items are the real catalog's:
 *   public      administrative_penalty  usage public_disclosure, government_sharing, credit_report
 *   authorized  volunteer_service       usage authorized_query, government_sharing, credit_report
 *   government  wage_arrears            usage government_sharing, joint_punishment
 * In-scope authorisations name all three items; out-of-scope ones name only `commendation`.
 */
import { DISCLOSURES, type CatalogDisclosure } from '../../../catalog/catalog-item.schema';
import {
  type Authorization,
  type Caller,
  CALLER_KINDS,
  decideRecordAccess,
  RECORD_STATUSES,
  type RecordStatus,
  type RecordView,
} from './access-policy';

const TODAY = '2026-03-10';
const S = 'SUBJECT-S';
const OTHER = 'SUBJECT-T';
const GRANTEE = 'bank-of-example';
const AGENCY = 'agency-of-example';

const ITEMS: Record<CatalogDisclosure, { itemCode: string; usage: string[] }> = {
  public: { itemCode: 'administrative_penalty', usage: ['public_disclosure', 'government_sharing', 'credit_report'] },
  authorized: { itemCode: 'volunteer_service', usage: ['authorized_query', 'government_sharing', 'credit_report'] },
  government: { itemCode: 'wage_arrears', usage: ['government_sharing', 'joint_punishment'] },
};
const ALL_ITEMS = ['administrative_penalty', 'volunteer_service', 'wage_arrears'];

function authorization(grantee: string, overrides: Partial<Authorization> = {}): Authorization {
  return {
    subjectCode: S,
    grantee,
    purpose: '贷款审批',
    scope: ALL_ITEMS,
    validFrom: '2026-01-01',
    validTo: '2026-12-31',
    proofReference: 'AUTH-2026-0001',
    ...overrides,
  };
}

/** The state columns: every status, plus disputed and an ended publication period of an active record. */
const STATES = ['active', 'disputed', 'period_ended', 'repaired', 'archived', 'withheld', 'non_disclosed', 'deleted'] as const;
type State = (typeof STATES)[number];

const STATE_ARTICLE: Record<State, string> = {
  active: '第十六条至第十八条',
  disputed: '第二十六条第一款',
  period_ended: '第二十八条',
  repaired: '第二十三条第三款',
  archived: '第二十八条第二款',
  withheld: '第二十六条第二款',
  non_disclosed: '第二十七条',
  deleted: '第二十五条第二款',
};

function record(disclosure: CatalogDisclosure, state: State): RecordView {
  const status: RecordStatus = state === 'disputed' || state === 'period_ended' ? 'active' : state;
  return {
    subjectCode: S,
    itemCode: ITEMS[disclosure].itemCode,
    disclosure,
    usage: ITEMS[disclosure].usage,
    status,
    disputed: state === 'disputed',
    publicationEnd: state === 'period_ended' ? '2026-03-09' : '2026-06-05',
  };
}

interface CallerCase {
  readonly caller: Caller;
  readonly article: string;
  /** One row per disclosure attribute, one cell per state in STATES order. */
  readonly expected: Record<CatalogDisclosure, readonly [string, string, string, string, string, string, string, string]>;
}

// prettier-ignore
const TABLE: Record<string, CallerCase> = {
  'public': {
    caller: { kind: 'public' },
    article: '第十六条',
    expected: {
      //           active          disputed         period_ended                   repaired    archived    withheld    non_disclosed   deleted
      public:     ['PUBLIC_ITEM', 'PUBLIC_ITEM*', '-OUTSIDE_PUBLICATION_PERIOD', '-REPAIRED', '-ARCHIVED', '-WITHHELD', '-NON_DISCLOSED', '-DELETED'],
      authorized: ['-NOT_PUBLIC', '-NOT_PUBLIC',  '-NOT_PUBLIC',                 '-NOT_PUBLIC', '-NOT_PUBLIC', '-NOT_PUBLIC', '-NOT_PUBLIC', '-NOT_PUBLIC'],
      government: ['-NOT_PUBLIC', '-NOT_PUBLIC',  '-NOT_PUBLIC',                 '-NOT_PUBLIC', '-NOT_PUBLIC', '-NOT_PUBLIC', '-NOT_PUBLIC', '-NOT_PUBLIC'],
    },
  },
  'subject: its own records': {
    caller: { kind: 'subject', subjectCode: S },
    article: '第十七条',
    expected: {
      public:     ['OWN_RECORD', 'OWN_RECORD*', '-OUTSIDE_PUBLICATION_PERIOD', '-REPAIRED', '-ARCHIVED', '-WITHHELD', '-NON_DISCLOSED', '-DELETED'],
      authorized: ['OWN_RECORD', 'OWN_RECORD*', '-OUTSIDE_PUBLICATION_PERIOD', '-REPAIRED', '-ARCHIVED', '-WITHHELD', '-NON_DISCLOSED', '-DELETED'],
      government: ['-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY'],
    },
  },
  'subject: another subject\'s records': {
    caller: { kind: 'subject', subjectCode: OTHER },
    article: '第十七条',
    expected: {
      public:     ['-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT'],
      authorized: ['-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT'],
      government: ['-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT', '-NOT_OWN_SUBJECT'],
    },
  },
  'third party: valid authorisation covering the item': {
    caller: { kind: 'authorized_third_party', grantee: GRANTEE, authorizations: [authorization(GRANTEE)] },
    article: '第十七条, 第二十二条第三款',
    expected: {
      public:     ['AUTHORIZED', 'AUTHORIZED*', '-OUTSIDE_PUBLICATION_PERIOD', '-REPAIRED', '-ARCHIVED', '-WITHHELD', '-NON_DISCLOSED', '-DELETED'],
      authorized: ['AUTHORIZED', 'AUTHORIZED*', '-OUTSIDE_PUBLICATION_PERIOD', '-REPAIRED', '-ARCHIVED', '-WITHHELD', '-NON_DISCLOSED', '-DELETED'],
      government: ['-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY'],
    },
  },
  'third party: valid authorisation, item out of scope': {
    caller: { kind: 'authorized_third_party', grantee: GRANTEE, authorizations: [authorization(GRANTEE, { scope: ['commendation'] })] },
    article: '第十七条',
    expected: {
      public:     ['-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE'],
      authorized: ['-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE'],
      government: ['-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE'],
    },
  },
  'third party: authorisation expired': {
    caller: { kind: 'authorized_third_party', grantee: GRANTEE, authorizations: [authorization(GRANTEE, { validTo: '2026-03-09' })] },
    article: '第十七条',
    expected: {
      public:     ['-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED'],
      authorized: ['-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED'],
      government: ['-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED'],
    },
  },
  'third party: authorisation not yet in force': {
    caller: { kind: 'authorized_third_party', grantee: GRANTEE, authorizations: [authorization(GRANTEE, { validFrom: '2026-03-11' })] },
    article: '第十七条',
    expected: {
      public:     ['-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID'],
      authorized: ['-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID'],
      government: ['-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID', '-AUTHORIZATION_NOT_YET_VALID'],
    },
  },
  'third party: authorisation of another subject': {
    caller: { kind: 'authorized_third_party', grantee: GRANTEE, authorizations: [authorization(GRANTEE, { subjectCode: OTHER })] },
    article: '第十七条, 第三十条第（一）项',
    expected: {
      public:     ['-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION'],
      authorized: ['-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION'],
      government: ['-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION'],
    },
  },
  'third party: authorisation granted to someone else': {
    caller: { kind: 'authorized_third_party', grantee: GRANTEE, authorizations: [authorization('someone-else')] },
    article: '第十七条',
    expected: {
      public:     ['-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION'],
      authorized: ['-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION'],
      government: ['-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION'],
    },
  },
  'government: with an R18 purpose': {
    caller: { kind: 'government', userId: 'u-001', roles: ['credit_query'], purpose: 'licensing_inspection_penalty' },
    article: '第十八条, 第十条第（三）项',
    expected: {
      public:     ['GOVERNMENT_PURPOSE', 'GOVERNMENT_PURPOSE*', '-OUTSIDE_PUBLICATION_PERIOD', '-REPAIRED', '-ARCHIVED', '-WITHHELD', '-NON_DISCLOSED', '-DELETED'],
      authorized: ['GOVERNMENT_PURPOSE', 'GOVERNMENT_PURPOSE*', '-OUTSIDE_PUBLICATION_PERIOD', '-REPAIRED', '-ARCHIVED', '-WITHHELD', '-NON_DISCLOSED', '-DELETED'],
      government: ['GOVERNMENT_PURPOSE', 'GOVERNMENT_PURPOSE*', '-OUTSIDE_PUBLICATION_PERIOD', '-REPAIRED', '-ARCHIVED', '-WITHHELD', '-NON_DISCLOSED', '-DELETED'],
    },
  },
  'government: without a valid purpose': {
    caller: { kind: 'government', userId: 'u-001', roles: ['credit_query'], purpose: 'curiosity' as unknown as 'other_statutory' },
    article: '第十八条',
    expected: {
      public:     ['-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED'],
      authorized: ['-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED'],
      government: ['-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED', '-PURPOSE_REQUIRED'],
    },
  },
  'credit agency: valid authorisation covering the item': {
    caller: { kind: 'credit_agency', agencyId: AGENCY, authorizations: [authorization(AGENCY)] },
    article: '第二十条第二款, 第二十二条第三款',
    expected: {
      public:     ['AUTHORIZED', 'AUTHORIZED*', '-OUTSIDE_PUBLICATION_PERIOD', '-REPAIRED', '-ARCHIVED', '-WITHHELD', '-NON_DISCLOSED', '-DELETED'],
      authorized: ['AUTHORIZED', 'AUTHORIZED*', '-OUTSIDE_PUBLICATION_PERIOD', '-REPAIRED', '-ARCHIVED', '-WITHHELD', '-NON_DISCLOSED', '-DELETED'],
      government: ['-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY', '-GOVERNMENT_SHARING_ONLY'],
    },
  },
  'credit agency: valid authorisation, item out of scope': {
    caller: { kind: 'credit_agency', agencyId: AGENCY, authorizations: [authorization(AGENCY, { scope: ['commendation'] })] },
    article: '第二十条第二款',
    expected: {
      public:     ['-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE'],
      authorized: ['-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE'],
      government: ['-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE', '-OUT_OF_SCOPE'],
    },
  },
  'credit agency: authorisation expired': {
    caller: { kind: 'credit_agency', agencyId: AGENCY, authorizations: [authorization(AGENCY, { validTo: '2026-03-09' })] },
    article: '第二十条第二款',
    expected: {
      public:     ['-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED'],
      authorized: ['-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED'],
      government: ['-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED', '-AUTHORIZATION_EXPIRED'],
    },
  },
  'credit agency: authorisation of another subject': {
    caller: { kind: 'credit_agency', agencyId: AGENCY, authorizations: [authorization(AGENCY, { subjectCode: OTHER })] },
    article: '第二十条第二款, 第三十条第（一）项',
    expected: {
      public:     ['-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION'],
      authorized: ['-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION'],
      government: ['-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION', '-NO_AUTHORIZATION'],
    },
  },
  'operator': {
    caller: { kind: 'operator' },
    article: '第四条 (市信用中心 administers the platform)',
    expected: {
      public:     ['OPERATOR', 'OPERATOR*', 'OPERATOR', 'OPERATOR', 'OPERATOR', 'OPERATOR', 'OPERATOR', 'OPERATOR'],
      authorized: ['OPERATOR', 'OPERATOR*', 'OPERATOR', 'OPERATOR', 'OPERATOR', 'OPERATOR', 'OPERATOR', 'OPERATOR'],
      government: ['OPERATOR', 'OPERATOR*', 'OPERATOR', 'OPERATOR', 'OPERATOR', 'OPERATOR', 'OPERATOR', 'OPERATOR'],
    },
  },
};

function parseCell(cell: string): { visible: boolean; disputed: boolean; reason: string } {
  if (cell.startsWith('-')) return { visible: false, disputed: false, reason: cell.slice(1) };
  if (cell.endsWith('*')) return { visible: true, disputed: true, reason: cell.slice(0, -1) };
  return { visible: true, disputed: false, reason: cell };
}

const cells = Object.entries(TABLE).flatMap(([callerName, c]) =>
  DISCLOSURES.flatMap((disclosure) =>
    STATES.map((state, column) => ({
      callerName,
      ...c,
      disclosure,
      state,
      stateArticle: STATE_ARTICLE[state],
      cell: c.expected[disclosure][column],
    })),
  ),
);

describe('the access table covers the whole cross product', () => {
  it('has a row for every caller kind', () => {
    const kinds = new Set(Object.values(TABLE).map((c) => c.caller.kind));
    expect([...kinds].sort()).toEqual([...CALLER_KINDS].sort());
  });

  it('has a column for every record status, plus disputed and an ended publication period', () => {
    for (const status of RECORD_STATUSES) expect(STATES).toContain(status);
    expect(STATES).toEqual(expect.arrayContaining(['disputed', 'period_ended']));
  });

  it('has every disclosure attribute in every row, one cell per state', () => {
    for (const c of Object.values(TABLE)) {
      expect(Object.keys(c.expected).sort()).toEqual([...DISCLOSURES].sort());
      for (const d of DISCLOSURES) expect(c.expected[d]).toHaveLength(STATES.length);
    }
    expect(cells).toHaveLength(Object.keys(TABLE).length * DISCLOSURES.length * STATES.length);
  });
});

describe('decideRecordAccess — caller × disclosure × record state', () => {
  it.each(cells)('$callerName ($article) × $disclosure item × $state ($stateArticle) → $cell', ({ caller, disclosure, state, cell }) => {
    const expected = parseCell(cell);
    const decision = decideRecordAccess(caller, record(disclosure, state), TODAY);
    expect({ visible: decision.visible, disputed: decision.marked.disputed, reason: decision.reason }).toEqual(expected);
  });
});
