/**
 * 第二十八条: how long a record stays published. Severe-dishonesty listings 5 years, key-attention
 * listings 1 year, other bad information at least 3 months; basic and good information has no end.
 * Runs on the real catalog, so a change of an item's period shows here.
 */
import { loadCatalog } from '../../../catalog/catalog';
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { addMonths, publicationEnd } from './publication-end';

const catalog = loadCatalog();

function item(code: string): CatalogItem {
  const found = catalog.find(code);
  if (found === undefined) throw new Error(`catalog item ${code} missing`);
  return found;
}

describe('publicationEnd — the period of each rule (第二十八条)', () => {
  it.each([
    { rule: 'severe_dishonesty_5y: a severe-dishonesty listing is published 5 years', code: 'severe_dishonesty_list', from: '2026-03-05', end: '2031-03-05' },
    { rule: 'key_attention_1y: a key-attention listing is published 1 year', code: 'key_attention_list', from: '2026-03-05', end: '2027-03-05' },
    { rule: 'bad_min_3m: unpaid wages are published the minimum 3 months', code: 'wage_arrears', from: '2026-03-05', end: '2026-06-05' },
    { rule: 'bad_min_3m with a longer period: a dishonest judgment debtor 24 months', code: 'dishonest_judgment_debtor', from: '2026-03-05', end: '2028-03-05' },
    { rule: 'penalty_by_severity: an administrative penalty at least 3 months', code: 'administrative_penalty', from: '2026-03-05', end: '2026-06-05' },
  ])('$rule', ({ code, from, end }) => {
    expect(publicationEnd(item(code), { decision_date: from })).toBe(end);
  });

  it.each([
    { extended: true, end: '2028-03-05' },
    { extended: false, end: '2027-03-05' },
    { extended: 'true', end: '2027-03-05' },
  ])('key_attention_1y: a listing its provider sent with extended_to_two_years $extended ends $end (第二十八条)', ({ extended, end }) => {
    expect(publicationEnd(item('key_attention_list'), { decision_date: '2026-03-05', extended_to_two_years: extended })).toBe(end);
  });

  it('ignores extended_to_two_years on items other than the key-attention list', () => {
    expect(publicationEnd(item('severe_dishonesty_list'), { decision_date: '2026-03-05', extended_to_two_years: true })).toBe('2031-03-05');
  });

  it('a severe-dishonesty listing of 29 February ends on 28 February five years later', () => {
    expect(publicationEnd(item('severe_dishonesty_list'), { decision_date: '2024-02-29' })).toBe('2029-02-28');
  });

  it('counts from the field the catalog names (tax arrears: announcement_date), not from decision_date', () => {
    const taxArrears = item('tax_arrears');
    expect(taxArrears.publication.fromField).toBe('announcement_date');
    expect(publicationEnd(taxArrears, { announcement_date: '2026-01-31', decision_date: '2025-01-01' })).toBe('2026-04-30');
  });

  it.each(['administrative_license', 'commendation'])('permanent: %s is published without end (null)', (code) => {
    expect(item(code).publication.rule).toBe('permanent');
    expect(publicationEnd(item(code), { decision_date: '2026-03-05' })).toBeNull();
  });

  it.each(['volunteer_service', 'social_insurance_registration'])('none: %s is never published, so it has no end', (code) => {
    const unpublished = item(code);
    expect(unpublished.publication.rule).toBe('none');
    expect(publicationEnd(unpublished, { [unpublished.publication.fromField]: '2026-03-05' })).toBeNull();
  });

  it.each([
    { name: 'absent', fields: {} },
    { name: 'not a string', fields: { decision_date: 20260305 } },
    { name: 'not YYYY-MM-DD', fields: { decision_date: '2026/03/05' } },
  ])('gives null when the start date is $name', ({ fields }) => {
    expect(publicationEnd(item('severe_dishonesty_list'), fields)).toBeNull();
  });
});

describe('addMonths — calendar months', () => {
  it.each([
    { name: 'the same day of the next month', from: '2026-03-05', months: 1, to: '2026-04-05' },
    { name: 'zero months is the same day', from: '2026-03-05', months: 0, to: '2026-03-05' },
    { name: '31 January + 1 month is the last day of February (common year)', from: '2026-01-31', months: 1, to: '2026-02-28' },
    { name: '31 January + 1 month is 29 February in a leap year', from: '2024-01-31', months: 1, to: '2024-02-29' },
    { name: '31 August + 1 month is 30 September', from: '2026-08-31', months: 1, to: '2026-09-30' },
    { name: '30 November + 3 months crosses the year into February', from: '2026-11-30', months: 3, to: '2027-02-28' },
    { name: '15 December + 1 month is 15 January of the next year', from: '2026-12-15', months: 1, to: '2027-01-15' },
    { name: '29 February + 12 months is 28 February', from: '2024-02-29', months: 12, to: '2025-02-28' },
    { name: '29 February + 48 months is 29 February again', from: '2024-02-29', months: 48, to: '2028-02-29' },
    { name: '1900 is not a leap year (divisible by 100)', from: '1900-01-31', months: 1, to: '1900-02-28' },
    { name: '2000 is a leap year (divisible by 400)', from: '2000-01-31', months: 1, to: '2000-02-29' },
    { name: '2100 is not a leap year', from: '2100-01-31', months: 1, to: '2100-02-28' },
    { name: '60 months from 31 May', from: '2026-05-31', months: 60, to: '2031-05-31' },
    { name: 'a negative count goes back', from: '2026-03-31', months: -1, to: '2026-02-28' },
    { name: 'a negative count crosses the year backwards', from: '2026-01-15', months: -3, to: '2025-10-15' },
  ])('$name: $from + $months → $to', ({ from, months, to }) => {
    expect(addMonths(from, months)).toBe(to);
  });
});
