/**
 * 第二十八条: 在十二个月内被列入三个以上行业、领域重点关注名单的，市信用中心应告知信用主体，并提醒信息提供单位
 * 将公示期调整为二年.
 */
import {
  decideKeyAttentionEscalation,
  escalationWindow,
  type KeyAttentionListing,
  keyAttentionStanding,
  ListsDomainError,
  normalizeSector,
} from './key-attention-escalation';

const TODAY = '2026-11-27';

function listing(recordId: string, sector: string, decisionDate: string, supplier = `s-${recordId}`): KeyAttentionListing {
  return { recordId, sector, decisionDate, supplier };
}

describe('escalationWindow — the twelve months ending today (第二十八条, 民法典第二百零一、二百零二条)', () => {
  it.each([
    { today: '2026-11-27', from: '2025-11-27' },
    { today: '2026-03-31', from: '2025-03-31' },
    { today: '2025-02-28', from: '2024-02-28' }, // 2024-02-29 counts too: its twelve months end 2025-02-28
    { today: '2024-02-29', from: '2023-03-01' }, // 2023-02-28 + 12 months = 2024-02-28, already over
    { today: '2025-03-01', from: '2024-03-01' }, // 2024-02-29 + 12 months = 2025-02-28, over
  ])('on $today the window starts $from', ({ today, from }) => {
    expect(escalationWindow(today)).toEqual({ from, to: today });
  });

  it('refuses a today that is not a date', () => {
    expect(() => escalationWindow('2026-02-30')).toThrow(ListsDomainError);
  });
});

describe('keyAttentionStanding and decideKeyAttentionEscalation', () => {
  const none = new Set<string>();

  it.each([
    {
      name: 'three sectors within twelve months: escalate',
      listings: [listing('a', '市场监管', '2026-01-10'), listing('b', '税务', '2026-05-01'), listing('c', '生态环境', '2026-11-01')],
      escalate: true,
      sectors: ['市场监管', '生态环境', '税务'],
    },
    {
      name: 'the oldest listed exactly twelve months ago still counts',
      listings: [listing('a', '市场监管', '2025-11-27'), listing('b', '税务', '2026-05-01'), listing('c', '生态环境', '2026-11-27')],
      escalate: true,
      sectors: ['市场监管', '生态环境', '税务'],
    },
    {
      name: 'twelve months and one day ago does not count: two sectors left',
      listings: [listing('a', '市场监管', '2025-11-26'), listing('b', '税务', '2026-05-01'), listing('c', '生态环境', '2026-11-27')],
      escalate: false,
      sectors: ['生态环境', '税务'],
    },
    {
      name: 'two sectors: no escalation',
      listings: [listing('a', '市场监管', '2026-01-10'), listing('b', '税务', '2026-05-01')],
      escalate: false,
      sectors: ['市场监管', '税务'],
    },
    {
      name: 'the same sector twice is one sector',
      listings: [listing('a', '税务', '2026-01-10'), listing('b', '税务', '2026-03-01', 's-x'), listing('c', '市场监管', '2026-05-01')],
      escalate: false,
      sectors: ['市场监管', '税务'],
    },
    {
      name: 'four sectors: escalate (三个以上 includes more than three)',
      listings: [
        listing('a', '市场监管', '2026-01-10'),
        listing('b', '税务', '2026-02-01'),
        listing('c', '生态环境', '2026-03-01'),
        listing('d', '交通运输', '2026-04-01'),
      ],
      escalate: true,
      sectors: ['交通运输', '市场监管', '生态环境', '税务'],
    },
    {
      name: 'listings outside the window (too old, or dated after today) are not counted',
      listings: [
        listing('a', '市场监管', '2024-06-01'),
        listing('b', '税务', '2025-10-01'),
        listing('c', '生态环境', '2026-11-28'),
        listing('d', '交通运输', '2026-04-01'),
      ],
      escalate: false,
      sectors: ['交通运输'],
    },
    {
      name: 'full-width and padded spellings of a sector are the same sector',
      listings: [listing('a', '税务', '2026-01-10'), listing('b', ' 税务　', '2026-02-01'), listing('c', 'ＡＢ 行业', '2026-03-01')],
      escalate: false,
      sectors: ['AB 行业', '税务'],
    },
    { name: 'no listings at all', listings: [], escalate: false, sectors: [] },
  ])('$name', ({ listings, escalate, sectors }) => {
    const decision = decideKeyAttentionEscalation(listings, TODAY, none);
    expect(decision.escalate).toBe(escalate);
    expect(decision.standing.sectors).toEqual(sectors);
    expect(decision.standing.reached).toBe(escalate);
  });

  it('counts a blank sector as no sector', () => {
    const standing = keyAttentionStanding([listing('a', ' ', '2026-01-10'), listing('b', '税务', '2026-02-01')], TODAY);
    expect(standing.listings.map((l) => l.recordId)).toEqual(['b']);
  });

  it('names every counted listing, the escalation key and each provider to prompt once', () => {
    const decision = decideKeyAttentionEscalation(
      [
        listing('r3', '生态环境', '2026-11-01', 'eco'),
        listing('r1', '市场监管', '2026-01-10', 'amr'),
        listing('r2', '税务', '2026-05-01', 'tax'),
        listing('r4', '市场监管', '2026-06-01', 'amr'),
        listing('old', '交通运输', '2024-01-01', 'traffic'),
      ],
      TODAY,
      none,
    );
    expect(decision).toMatchObject({
      escalate: true,
      key: 'r1,r2,r3,r4',
      suppliers: ['amr', 'eco', 'tax'],
      standing: { window: { from: '2025-11-27', to: TODAY } },
    });
    if (decision.escalate) expect(decision.newListings.map((l) => l.recordId)).toEqual(['r1', 'r2', 'r4', 'r3']);
  });

  it('escalates once per set of listings: not again for the same listings, nor when an old one leaves the window', () => {
    const listings = [
      listing('a', '市场监管', '2025-12-01'),
      listing('b', '税务', '2026-05-01'),
      listing('c', '生态环境', '2026-06-01'),
      listing('d', '交通运输', '2026-07-01'),
    ];
    const first = decideKeyAttentionEscalation(listings, TODAY, none);
    expect(first.escalate).toBe(true);
    const covered = new Set(['a', 'b', 'c', 'd']);
    expect(decideKeyAttentionEscalation(listings, TODAY, covered)).toMatchObject({ escalate: false, reason: 'ALREADY_ESCALATED' });
    // 2026-12-02: listing a (2025-12-01) has left the window, three sectors remain, all told already.
    expect(decideKeyAttentionEscalation(listings, '2026-12-02', covered)).toMatchObject({ escalate: false, reason: 'ALREADY_ESCALATED' });
  });

  it('escalates again when a new listing joins a standing already escalated, covering every counted listing', () => {
    const listings = [listing('a', '市场监管', '2026-01-01'), listing('b', '税务', '2026-02-01'), listing('c', '生态环境', '2026-03-01')];
    const next = decideKeyAttentionEscalation([...listings, listing('e', '文化旅游', '2026-11-20')], TODAY, new Set(['a', 'b', 'c']));
    expect(next).toMatchObject({ escalate: true, key: 'a,b,c,e' });
    if (next.escalate) expect(next.newListings.map((l) => l.recordId)).toEqual(['e']);
  });

  it('a new listing of a sector already counted also starts a new escalation (a new provider to prompt)', () => {
    const listings = [listing('a', '市场监管', '2026-01-01'), listing('b', '税务', '2026-02-01'), listing('c', '生态环境', '2026-03-01')];
    const next = decideKeyAttentionEscalation([...listings, listing('f', '税务', '2026-11-01', 'district-tax')], TODAY, new Set(['a', 'b', 'c']));
    expect(next).toMatchObject({ escalate: true, suppliers: ['district-tax', 's-a', 's-b', 's-c'] });
  });

  it('refuses a listing whose decision date is not a date rather than guessing', () => {
    expect(() => keyAttentionStanding([listing('a', '税务', '2026/01/01')], TODAY)).toThrow(ListsDomainError);
  });
});

describe('normalizeSector', () => {
  it.each([
    ['  税务 ', '税务'],
    ['ＡＢＣ', 'ABC'],
    ['市场  监管', '市场 监管'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeSector(input)).toBe(expected);
  });
});
