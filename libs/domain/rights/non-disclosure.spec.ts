/** Non-disclosure of good information (第二十七条): eligibility, the 5-working-day deadline, the effect. */
import type { RecordStatus } from '../access';
import { createWorkingDayCalendar } from '../calendar';
import { acceptNonDisclosure, carryOutNonDisclosure, checkNonDisclosureEligibility, type NonDisclosureState, refuseNonDisclosure } from './non-disclosure';
import { RightsError } from './rights-error';
import { type Applicant, assertOwnRecord, type InformationCategory } from './rights-record';

const calendar = createWorkingDayCalendar();

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RightsError) return e.code;
    throw e;
  }
  return 'ok';
}

describe('checkNonDisclosureEligibility (第二十七条: 表彰奖励、志愿服务、慈善捐赠等守信信息)', () => {
  it.each<[string, InformationCategory, RecordStatus, string]>([
    ['a commendation being served', 'good', 'active', 'ok'],
    ['good information withheld during an objection', 'good', 'withheld', 'ok'],
    ['a penalty (bad information)', 'bad', 'active', 'NON_DISCLOSURE_NOT_GOOD_INFORMATION'],
    ['a licence (basic information)', 'basic', 'active', 'NON_DISCLOSURE_NOT_GOOD_INFORMATION'],
    ['already non-disclosed', 'good', 'non_disclosed', 'NON_DISCLOSURE_ALREADY_DONE'],
    ['archived', 'good', 'archived', 'NON_DISCLOSURE_RECORD_NOT_ACTIVE'],
    ['deleted by an objection', 'good', 'deleted', 'NON_DISCLOSURE_RECORD_NOT_ACTIVE'],
  ])('%s → %s', (_name, category, status, expected) => {
    expect(codeOf(() => checkNonDisclosureEligibility({ category, status }))).toBe(expected);
  });
});

describe('acceptNonDisclosure (第二十七条: within 5 working days of acceptance)', () => {
  it('accepted Thu 2026-09-24 before 中秋 and 国庆节 → Fri 2026-10-09 (Mon–Fri: 10-01)', () => {
    // 09-25..09-27 中秋, 09-28 Mon (1), 09-29 Tue (2), 09-30 Wed (3), 10-01..10-07 国庆节, 10-08 Thu (4), 10-09 Fri (5).
    expect(acceptNonDisclosure(calendar, { category: 'good', status: 'active' }, '2026-09-24')).toEqual({
      state: 'accepted',
      acceptedOn: '2026-09-24',
      dueOn: '2026-10-09',
    });
  });

  it('accepted Wed 2026-05-06 after 劳动节: the make-up Saturday 05-09 counts → Tue 2026-05-12 (Mon–Fri: 05-13)', () => {
    // 05-07 Thu (1), 05-08 Fri (2), 05-09 Sat 调休 (3), 05-11 Mon (4), 05-12 Tue (5).
    expect(acceptNonDisclosure(calendar, { category: 'good', status: 'active' }, '2026-05-06').dueOn).toBe('2026-05-12');
  });
});

describe('carryOutNonDisclosure and refuseNonDisclosure', () => {
  const nonDisclosed = { status: { to: 'non_disclosed', reason: expect.stringContaining('归档管理'), article: '第二十七条' } };
  it.each<[string, NonDisclosureState, RecordStatus, unknown]>([
    ['accepted, record served → non_disclosed (withheld and archived)', 'accepted', 'active', nonDisclosed],
    ['accepted, record withheld during an objection → non_disclosed', 'accepted', 'withheld', nonDisclosed],
    ['accepted, record archived meanwhile → done, status kept', 'accepted', 'archived', {}],
    ['accepted, record deleted meanwhile → done, status kept', 'accepted', 'deleted', {}],
    ['already done (a re-run) → nothing', 'done', 'non_disclosed', null],
    ['refused → nothing', 'refused', 'active', null],
  ])('%s', (_name, state, status, expected) => {
    expect(carryOutNonDisclosure(state, { status })).toEqual(expected);
  });

  it.each<[NonDisclosureState, string]>([
    ['accepted', 'ok'],
    ['done', 'NON_DISCLOSURE_ALREADY_DECIDED'],
    ['refused', 'NON_DISCLOSURE_ALREADY_DECIDED'],
  ])('an operator refuses a request in state %s → %s', (state, expected) => {
    expect(codeOf(() => refuseNonDisclosure(state))).toBe(expected);
  });
});

describe('assertOwnRecord (第二十三条, 第二十四条, 第二十七条: the 信用主体 acts on its own information)', () => {
  it.each<[string, Applicant, string]>([
    ['the subject itself', { kind: 'subject', subjectCode: 'S-1' }, 'ok'],
    ['another subject', { kind: 'subject', subjectCode: 'S-2' }, 'NOT_OWN_RECORD'],
    ['an empty identity', { kind: 'subject', subjectCode: '' }, 'NOT_OWN_RECORD'],
    ['an operator acting for the subject', { kind: 'operator' }, 'ok'],
  ])('%s → %s', (_name, applicant, expected) => {
    expect(codeOf(() => assertOwnRecord(applicant, { subjectCode: 'S-1' }))).toBe(expected);
  });
});
