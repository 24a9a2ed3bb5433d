/**
 * Validating one canonical record against its catalog item (第九条) and the identity rules (第六条),
 * with the notice evidence bad information must carry (第十三条). Runs on the real catalog.
 */
import { loadCatalog } from '../../../catalog/catalog';
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import {
  citizenId,
  penaltyRecord,
  personPenaltyRecord,
  recentDate,
  uscc,
  withWrongCheck,
} from '../../../test/fixtures/credit-data';
import { maskIdentifier } from '../identity';
import type { Rejection } from '../rejections/rejection-codes';
import { type RecordVerdict, validateRecord } from './validate-record';

/** Noon in China on 2026-06-15; the law's "today" is the calendar date in China (UTC+8). */
const TODAY = new Date('2026-06-15T04:00:00Z');
const catalog = loadCatalog();

function item(code: string): CatalogItem {
  const found = catalog.find(code);
  if (found === undefined) throw new Error(`catalog item ${code} missing`);
  return found;
}

const PENALTY = item('administrative_penalty');

/** A penalty dated relative to TODAY, so the test never depends on the wall clock. */
function penalty(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return penaltyRecord(n, { decision_date: recentDate(10, TODAY), notified_on: recentDate(20, TODAY), ...overrides });
}

function personPenalty(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return personPenaltyRecord(n, { decision_date: recentDate(10, TODAY), notified_on: recentDate(20, TODAY), ...overrides });
}

function without(record: Record<string, unknown>, ...names: string[]): Record<string, unknown> {
  const copy = { ...record };
  for (const name of names) delete copy[name];
  return copy;
}

function accepted(verdict: RecordVerdict): Extract<RecordVerdict, { ok: true }> {
  if (!verdict.ok) throw new Error(`expected the record to pass, got ${JSON.stringify(verdict.rejections)}`);
  return verdict;
}

function rejectionsOf(verdict: RecordVerdict): Rejection[] {
  if (verdict.ok) throw new Error('expected the record to be rejected, it passed');
  return verdict.rejections;
}

function toFullWidth(text: string): string {
  return [...text].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
}

function firstMatching(make: (n: number) => string, test: (code: string) => boolean): string {
  for (let n = 1; n < 10_000; n++) {
    const code = make(n);
    if (test(code)) return code;
  }
  throw new Error('no fixture code matched');
}

describe('validateRecord — a valid administrative penalty', () => {
  it('passes and names its subject as an organisation', () => {
    const verdict = accepted(validateRecord(penalty(1), PENALTY, TODAY));
    expect(verdict.subject).toEqual({ code: uscc(1), kind: 'organization', name: '厦门测试企业1有限公司' });
    expect(verdict.fields.subject_code).toBe(uscc(1));
    expect(verdict.fields.penalty_categories).toEqual(['罚款']);
    expect(verdict.fields.fine_amount).toBe('5000.00');
  });

  it('stores a USCC typed in full-width characters in its compact half-width form (第六条)', () => {
    const verdict = accepted(validateRecord(penalty(2, { subject_code: toFullWidth(uscc(2)) }), PENALTY, TODAY));
    expect(verdict.fields.subject_code).toBe(uscc(2));
    expect(verdict.subject.code).toBe(uscc(2));
  });

  it('upper-cases a USCC whose check character was typed in lower case', () => {
    const code = firstMatching(uscc, (c) => /[A-Z]$/.test(c));
    const verdict = accepted(validateRecord(penalty(3, { subject_code: code.toLowerCase() }), PENALTY, TODAY));
    expect(verdict.fields.subject_code).toBe(code);
  });

  it('stores a citizen ID ending in lower-case x with the upper-case X of GB 11643', () => {
    const id = firstMatching(citizenId, (c) => c.endsWith('X'));
    const verdict = accepted(validateRecord(personPenalty(4, { subject_code: id.toLowerCase() }), PENALTY, TODAY));
    expect(verdict.fields.subject_code).toBe(id);
    expect(verdict.subject).toEqual(expect.objectContaining({ code: id, kind: 'person' }));
  });

  it('trims the surrounding blanks of string fields', () => {
    const verdict = accepted(validateRecord(penalty(5, { decision_no: '  厦市监罚〔2026〕5号 ' }), PENALTY, TODAY));
    expect(verdict.fields.decision_no).toBe('厦市监罚〔2026〕5号');
  });
});

describe('validateRecord — required fields (第九条)', () => {
  it.each(['subject_name', 'decision_no', 'violation_facts', 'decision_date', 'authority_code'])(
    'a record without %s is rejected with REQUIRED_FIELD naming that field',
    (name) => {
      const rejections = rejectionsOf(validateRecord(without(penalty(10), name), PENALTY, TODAY));
      expect(rejections).toContainEqual({ field: name, code: 'REQUIRED_FIELD' });
    },
  );

  it.each([
    { name: 'a blank string', value: '   ' },
    { name: 'null', value: null },
  ])('$name counts as missing', ({ value }) => {
    const rejections = rejectionsOf(validateRecord(penalty(11, { decision_no: value }), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'decision_no', code: 'REQUIRED_FIELD' }]);
  });

  it('an empty penalty_categories list counts as missing', () => {
    const rejections = rejectionsOf(validateRecord(penalty(12, { penalty_categories: [] }), PENALTY, TODAY));
    expect(rejections).toContainEqual({ field: 'penalty_categories', code: 'REQUIRED_FIELD' });
  });

  it('a record without a subject code gets exactly one REQUIRED_FIELD for subject_code', () => {
    const rejections = rejectionsOf(validateRecord(without(penalty(13), 'subject_code'), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'subject_code', code: 'REQUIRED_FIELD' }]);
  });
});

describe('validateRecord — notice evidence of bad information (第十三条)', () => {
  it('bad information without notified_on and notice_method is rejected with NOTICE_MISSING for each', () => {
    const rejections = rejectionsOf(validateRecord(without(penalty(20), 'notified_on', 'notice_method'), PENALTY, TODAY));
    expect(rejections).toEqual([
      { field: 'notified_on', code: 'NOTICE_MISSING' },
      { field: 'notice_method', code: 'NOTICE_MISSING' },
    ]);
  });

  it('bad information with only the notice date still misses its method', () => {
    const rejections = rejectionsOf(validateRecord(without(penalty(21), 'notice_method'), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'notice_method', code: 'NOTICE_MISSING' }]);
  });

  it.each(['severe_dishonesty_list', 'key_attention_list'])('the same holds for the bad item %s', (code) => {
    const rejections = rejectionsOf(validateRecord(without(penalty(22), 'notified_on', 'notice_method'), item(code), TODAY));
    expect(rejections).toEqual(
      expect.arrayContaining([
        { field: 'notified_on', code: 'NOTICE_MISSING' },
        { field: 'notice_method', code: 'NOTICE_MISSING' },
      ]),
    );
  });

  it.each(['written', 'public_notice', 'exempt_by_law'])('notice_method %s is accepted', (method) => {
    expect(validateRecord(penalty(23, { notice_method: method }), PENALTY, TODAY).ok).toBe(true);
  });

  it('a notice method outside the code list is UNKNOWN_CODE_VALUE', () => {
    const rejections = rejectionsOf(validateRecord(penalty(24, { notice_method: 'phone_call' }), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'notice_method', code: 'UNKNOWN_CODE_VALUE', value: 'phone_call' }]);
  });
});

describe('validateRecord — conditionally required fields', () => {
  it('a legal_person without legal_representative is rejected with REQUIRED_FIELD', () => {
    const rejections = rejectionsOf(validateRecord(without(penalty(30), 'legal_representative'), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'legal_representative', code: 'REQUIRED_FIELD' }]);
  });

  it('a natural_person needs no legal_representative', () => {
    const record = personPenalty(31);
    expect(record).not.toHaveProperty('legal_representative');
    expect(validateRecord(record, PENALTY, TODAY).ok).toBe(true);
  });

  it('an individual_business needs no legal_representative', () => {
    const record = without(penalty(32, { subject_type: 'individual_business' }), 'legal_representative');
    expect(validateRecord(record, PENALTY, TODAY).ok).toBe(true);
  });

  it('a penalty whose categories include 罚款 needs fine_amount', () => {
    const rejections = rejectionsOf(validateRecord(without(penalty(33), 'fine_amount'), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'fine_amount', code: 'REQUIRED_FIELD' }]);
  });

  it('a penalty without 罚款 needs no fine_amount', () => {
    const record = without(penalty(34, { penalty_categories: ['警告'], penalty_content: '警告' }), 'fine_amount');
    expect(validateRecord(record, PENALTY, TODAY).ok).toBe(true);
  });

  it('the 罚款 condition also reads categories sent as one delimited string', () => {
    const rejections = rejectionsOf(
      validateRecord(without(penalty(35, { penalty_categories: '警告;罚款' }), 'fine_amount'), PENALTY, TODAY),
    );
    expect(rejections).toEqual([{ field: 'fine_amount', code: 'REQUIRED_FIELD' }]);
  });
});

describe('validateRecord — penalty_categories', () => {
  it.each([
    { name: 'semicolons', value: '罚款;警告' },
    { name: 'full-width semicolons', value: '罚款；警告' },
    { name: 'commas with blanks', value: '罚款 , 警告' },
    { name: 'a vertical bar', value: '罚款|警告' },
  ])('a string separated by $name is split into a list', ({ value }) => {
    const verdict = accepted(validateRecord(penalty(40, { penalty_categories: value }), PENALTY, TODAY));
    expect(verdict.fields.penalty_categories).toEqual(['罚款', '警告']);
  });

  it('a category outside the catalog code list is UNKNOWN_CODE_VALUE', () => {
    const rejections = rejectionsOf(validateRecord(penalty(41, { penalty_categories: ['罚款', '打板子'] }), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'penalty_categories', code: 'UNKNOWN_CODE_VALUE', value: '["罚款","打板子"]' }]);
  });

  it('an unknown subject_type is UNKNOWN_CODE_VALUE', () => {
    const rejections = rejectionsOf(validateRecord(penalty(42, { subject_type: 'company' }), PENALTY, TODAY));
    expect(rejections).toContainEqual({ field: 'subject_type', code: 'UNKNOWN_CODE_VALUE', value: 'company' });
  });
});

describe('validateRecord — dates', () => {
  it.each([
    { name: '30 February', value: '2026-02-30' },
    { name: '31 April', value: '2026-04-31' },
    { name: '29 February of a common year', value: '2025-02-29' },
    { name: 'month 13', value: '2026-13-01' },
    { name: 'slashes', value: '2026/03/01' },
    { name: 'no zero padding', value: '2026-3-1' },
    { name: 'a compact date', value: '20260301' },
  ])('$name ($value) is INVALID_DATE', ({ value }) => {
    const rejections = rejectionsOf(validateRecord(penalty(50, { decision_date: value }), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'decision_date', code: 'INVALID_DATE', value }]);
  });

  it('29 February of a leap year is a real date', () => {
    const verdict = accepted(validateRecord(penalty(51, { decision_date: '2024-02-29', notified_on: '2024-02-20' }), PENALTY, TODAY));
    expect(verdict.fields.decision_date).toBe('2024-02-29');
  });

  it('a decision_date after today is FUTURE_DATE', () => {
    const rejections = rejectionsOf(validateRecord(penalty(52, { decision_date: '2026-06-16' }), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'decision_date', code: 'FUTURE_DATE', value: '2026-06-16' }]);
  });

  it('a notice date after today is FUTURE_DATE', () => {
    const rejections = rejectionsOf(validateRecord(penalty(53, { notified_on: '2027-01-01' }), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'notified_on', code: 'FUTURE_DATE', value: '2027-01-01' }]);
  });

  it('today is the calendar date in China: at 00:30 China time (16:30 UTC the day before) the new day is not future', () => {
    const justAfterMidnightInChina = new Date('2026-06-14T16:30:00Z');
    const verdict = validateRecord(penalty(54, { decision_date: '2026-06-15' }), PENALTY, justAfterMidnightInChina);
    expect(verdict.ok).toBe(true);
  });

  it('a decision taken today is not in the future', () => {
    expect(validateRecord(penalty(55, { decision_date: '2026-06-15' }), PENALTY, TODAY).ok).toBe(true);
  });
});

describe('validateRecord — money is a decimal string in 元', () => {
  it.each([
    { name: 'a thousands separator', value: '5,000' },
    { name: 'a currency sign', value: '¥5000' },
    { name: 'a unit', value: '5000元' },
    { name: 'a trailing dot', value: '5000.' },
    { name: 'a boolean', value: true },
  ])('$name is INVALID_FORMAT', ({ value }) => {
    const rejections = rejectionsOf(validateRecord(penalty(60, { fine_amount: value }), PENALTY, TODAY));
    expect(rejections).toEqual([expect.objectContaining({ field: 'fine_amount', code: 'INVALID_FORMAT' })]);
  });

  it('the rejection shows the value as sent', () => {
    const rejections = rejectionsOf(validateRecord(penalty(61, { fine_amount: '5,000' }), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'fine_amount', code: 'INVALID_FORMAT', value: '5,000' }]);
  });

  it.each([
    { sent: 5000, stored: '5000' },
    { sent: 1234.5, stored: '1234.5' },
    { sent: ' 5000.00 ', stored: '5000.00' },
    { sent: '0.10', stored: '0.10' },
  ])('$sent is stored as the string $stored', ({ sent, stored }) => {
    const verdict = accepted(validateRecord(penalty(62, { fine_amount: sent }), PENALTY, TODAY));
    expect(verdict.fields.fine_amount).toBe(stored);
  });

  it('an optional amount is checked too when present', () => {
    const rejections = rejectionsOf(validateRecord(penalty(63, { confiscation_amount: '三千' }), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'confiscation_amount', code: 'INVALID_FORMAT', value: '三千' }]);
  });
});

describe('validateRecord — text fields', () => {
  it.each(['subject_name', 'violation_facts', 'remarks'])('a NUL character in %s is INVALID_FORMAT', (name) => {
    const rejections = rejectionsOf(validateRecord(penalty(70, { [name]: '违法\u0000事实' }), PENALTY, TODAY));
    expect(rejections).toContainEqual(expect.objectContaining({ field: name, code: 'INVALID_FORMAT' }));
  });

  it('an object where a string is expected is INVALID_FORMAT', () => {
    const rejections = rejectionsOf(validateRecord(penalty(71, { remarks: { text: '备注' } }), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'remarks', code: 'INVALID_FORMAT', value: '{"text":"备注"}' }]);
  });

  it('a number where a string is expected is kept as its text', () => {
    const verdict = accepted(validateRecord(penalty(72, { remarks: 42 }), PENALTY, TODAY));
    expect(verdict.fields.remarks).toBe('42');
  });
});

describe('validateRecord — subject identity (第六条)', () => {
  it('a legal_person with a wrong USCC check character is USCC_CHECKSUM, its value masked', () => {
    const bad = withWrongCheck(uscc(80));
    const rejections = rejectionsOf(validateRecord(penalty(80, { subject_code: bad }), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'subject_code', code: 'USCC_CHECKSUM', value: maskIdentifier(bad) }]);
  });

  it('the masked value never contains the whole code, only its first and last four characters', () => {
    const bad = withWrongCheck(uscc(81));
    const [rejection] = rejectionsOf(validateRecord(penalty(81, { subject_code: bad }), PENALTY, TODAY));
    expect(rejection?.value).toBeDefined();
    const value = rejection?.value ?? '';
    expect(value).not.toContain(bad);
    expect(value).not.toContain(bad.slice(4, 14));
    expect(value).toBe(`${bad.slice(0, 4)}${'*'.repeat(10)}${bad.slice(14)}`);
  });

  it('a masked value is shown in the normalised form (full-width input masked as half-width)', () => {
    const bad = withWrongCheck(uscc(82));
    const [rejection] = rejectionsOf(validateRecord(penalty(82, { subject_code: toFullWidth(bad) }), PENALTY, TODAY));
    expect(rejection).toEqual({ field: 'subject_code', code: 'USCC_CHECKSUM', value: maskIdentifier(bad) });
  });

  it('a natural_person with a wrong citizen ID check is CITIZEN_ID_CHECKSUM, its value masked', () => {
    const bad = withWrongCheck(citizenId(83));
    const rejections = rejectionsOf(validateRecord(personPenalty(83, { subject_code: bad }), PENALTY, TODAY));
    expect(rejections).toEqual([{ field: 'subject_code', code: 'CITIZEN_ID_CHECKSUM', value: maskIdentifier(bad) }]);
  });

  it('a natural_person given a USCC is rejected with a citizen-ID code, not accepted as an organisation', () => {
    const rejections = rejectionsOf(validateRecord(personPenalty(84, { subject_code: uscc(84) }), PENALTY, TODAY));
    expect(rejections).toEqual([
      { field: 'subject_code', code: expect.stringMatching(/^CITIZEN_ID_/), value: maskIdentifier(uscc(84)) },
    ]);
  });

  it('a legal_person given a citizen ID is rejected with a USCC code', () => {
    const rejections = rejectionsOf(validateRecord(penalty(85, { subject_code: citizenId(85) }), PENALTY, TODAY));
    expect(rejections).toEqual([
      expect.objectContaining({ field: 'subject_code', code: expect.stringMatching(/^(USCC_|ORG_CODE_)/) }),
    ]);
  });

  it('a wrong check character in the authority USCC is USCC_CHECKSUM on authority_code', () => {
    const rejections = rejectionsOf(
      validateRecord(penalty(86, { authority_code: withWrongCheck(uscc(99_999_999)) }), PENALTY, TODAY),
    );
    expect(rejections).toEqual([expect.objectContaining({ field: 'authority_code', code: 'USCC_CHECKSUM' })]);
  });
});

describe('validateRecord — every problem in one round', () => {
  it('reports all the problems of one record, not only the first', () => {
    const record = without(
      penalty(90, {
        subject_code: withWrongCheck(uscc(90)),
        decision_date: '2026-02-30',
        penalty_categories: ['打板子'],
        fine_amount: '5,000',
      }),
      'decision_no',
      'notified_on',
    );
    const rejections = rejectionsOf(validateRecord(record, PENALTY, TODAY));
    expect(rejections.map((r) => `${r.field}:${r.code}`).sort()).toEqual(
      [
        'decision_date:INVALID_DATE',
        'decision_no:REQUIRED_FIELD',
        'fine_amount:INVALID_FORMAT',
        'notified_on:NOTICE_MISSING',
        'penalty_categories:UNKNOWN_CODE_VALUE',
        'subject_code:USCC_CHECKSUM',
      ].sort(),
    );
  });
});

describe('validateRecord — only catalog fields are stored', () => {
  it('drops fields the catalog does not know, including source_key', () => {
    const record = penalty(95, { religion: '无', 内部编号: 'X-1', extra: { nested: true } });
    const verdict = accepted(validateRecord(record, PENALTY, TODAY));
    const known = new Set(PENALTY.fields.map((f) => f.name));
    expect(Object.keys(verdict.fields).filter((k) => !known.has(k))).toEqual([]);
    expect(verdict.fields).not.toHaveProperty('source_key');
    expect(verdict.fields).not.toHaveProperty('religion');
  });

  it('does not store absent optional fields', () => {
    const verdict = accepted(validateRecord(penalty(96), PENALTY, TODAY));
    expect(verdict.fields).not.toHaveProperty('remarks');
    expect(verdict.fields).not.toHaveProperty('confiscation_amount');
  });
});
