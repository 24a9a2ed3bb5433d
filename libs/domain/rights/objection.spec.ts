/**
 * Objections (第二十四条 to 第二十六条): each row states the situation, the step and the expected
 * result, worked out by hand from the articles. Dates are on the official 2026 calendar (国庆节
 * 10-01..10-07 with the 调休 working days Sun 09-20 and Sat 10-10; 中秋 09-25..09-27).
 */
import type { RecordStatus } from '../access';
import { createWorkingDayCalendar } from '../calendar';
import {
  acceptObjection,
  answerObjection,
  centerOverdueStage,
  compareObjection,
  correctedFields,
  decideObjection,
  type ObjectionOutcome,
  type ObjectionView,
  outcomeEffect,
  overdueStage,
  providerDeadlineMissed,
} from './objection';
import { RightsError } from './rights-error';

const calendar = createWorkingDayCalendar();

function objection(overrides: Partial<ObjectionView> = {}): ObjectionView {
  return {
    state: 'comparing',
    acceptedOn: '2026-09-18',
    comparisonDue: '2026-09-21',
    forwardedOn: null,
    providerDue: null,
    providerAnswer: null,
    answeredOn: null,
    completionDue: null,
    providerMissedDeadline: false,
    recordWithheld: false,
    ...overrides,
  };
}

const forwarded = (o: Partial<ObjectionView> = {}) =>
  objection({ state: 'forwarded_to_provider', forwardedOn: '2026-09-24', providerDue: '2026-10-10', ...o });
const answered = (answer: ObjectionView['providerAnswer'], o: Partial<ObjectionView> = {}) =>
  forwarded({ state: 'provider_answered', providerAnswer: answer, answeredOn: '2026-10-09', completionDue: '2026-10-12', ...o });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RightsError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('acceptObjection (第二十四条, 第二十五条第一款: comparison within 2 working days; 第二十六条第一款: disputed)', () => {
  it.each([
    // accepted on    comparison due   counting (the day of acceptance is not counted)
    ['2026-09-18', '2026-09-21', 'Fri; Sun 09-20 is a 调休 working day (1), Mon 09-21 (2) — Mon–Fri would say 09-22'],
    ['2026-09-30', '2026-10-09', 'Wed; 10-01..10-07 国庆节, Thu 10-08 (1), Fri 10-09 (2) — Mon–Fri would say 10-02'],
  ])('accepted %s → comparison due %s (%s)', (acceptedOn, due) => {
    const opening = acceptObjection(calendar, { status: 'active' }, acceptedOn);
    expect(opening).toEqual({ state: 'comparing', acceptedOn, comparisonDue: due, record: { disputed: true } });
  });

  it.each<[RecordStatus, string]>([
    ['active', 'comparing'],
    ['repaired', 'comparing'],
    ['archived', 'comparing'],
    ['withheld', 'comparing'],
    ['non_disclosed', 'comparing'],
    ['deleted', 'OBJECTION_RECORD_DELETED'],
  ])('a record in status %s → %s', (status, expected) => {
    const result = codeOf(() => acceptObjection(calendar, { status }, '2026-09-18'));
    expect(result === 'no error' ? 'comparing' : result).toBe(expected);
  });
});

describe('compareObjection (第二十五条第一款)', () => {
  it('no discrepancy with the source: closed as not upheld, the disputed mark removed', () => {
    expect(compareObjection(objection(), false, calendar, '2026-09-21')).toEqual({
      to: 'closed',
      outcome: 'reject',
      closedOn: '2026-09-21',
      record: { disputed: false },
    });
  });

  it('a discrepancy, forwarded Thu 2026-09-24: provider due Sat 2026-10-10 (中秋, 国庆节 and both 调休 days counted right)', () => {
    // 09-25..09-27 中秋 (holiday), 09-28 Mon (1), 09-29 (2), 09-30 (3), 10-01..10-07 国庆节,
    // 10-08 Thu (4), 10-09 Fri (5), 10-10 Sat 调休 working day (6). Mon–Fri would say 10-02.
    expect(compareObjection(objection(), true, calendar, '2026-09-24')).toEqual({
      to: 'forwarded_to_provider',
      forwardedOn: '2026-09-24',
      providerDue: '2026-10-10',
      record: {},
    });
  });

  it.each(['forwarded_to_provider', 'provider_answered', 'closed'] as const)('refused in state %s', (state) => {
    expect(codeOf(() => compareObjection(objection({ state }), true, calendar, '2026-09-24'))).toBe('OBJECTION_STATE_CONFLICT');
  });
});

describe('answerObjection (第二十五条第二款: the center completes within 2 working days of the answer)', () => {
  it.each([
    ['2026-10-09', '2026-10-12', 'Fri; Sat 10-10 调休 (1), Sun 10-11 no, Mon 10-12 (2)'],
    ['2026-09-30', '2026-10-09', 'Wed; 国庆节 10-01..10-07, Thu 10-08 (1), Fri 10-09 (2)'],
    ['2026-10-12', '2026-10-14', 'late answer (deadline 10-10) is still taken: Tue 10-13 (1), Wed 10-14 (2)'],
  ])('answered %s → completion due %s (%s)', (today, due) => {
    expect(answerObjection(forwarded(), calendar, today)).toEqual({ to: 'provider_answered', answeredOn: today, completionDue: due });
  });

  it.each(['comparing', 'provider_answered', 'closed'] as const)('refused in state %s', (state) => {
    expect(codeOf(() => answerObjection(objection({ state }), calendar, '2026-09-30'))).toBe('OBJECTION_STATE_CONFLICT');
  });
});

describe('providerDeadlineMissed (第二十六条第二款: the center stops serving the record)', () => {
  const withhold = { recordWithheld: true, record: { status: { to: 'withheld', reason: expect.any(String), article: '第二十六条第二款' } } };
  it.each<[string, ObjectionView, RecordStatus, string, unknown]>([
    ['deadline day itself (Sat 10-10) is not missed', forwarded(), 'active', '2026-10-10', null],
    ['the day after the deadline, record served → withheld', forwarded(), 'active', '2026-10-11', withhold],
    ['a week later, still unanswered → withheld', forwarded(), 'active', '2026-10-18', withhold],
    ['already handled (a re-run) → nothing', forwarded({ providerMissedDeadline: true, recordWithheld: true }), 'withheld', '2026-10-12', null],
    ['record archived meanwhile → the miss is noted, status kept', forwarded(), 'archived', '2026-10-11', { recordWithheld: false, record: {} }],
    ['provider answered in time → nothing', answered('correct'), 'active', '2026-10-11', null],
    ['still comparing → nothing', objection(), 'active', '2026-10-11', null],
    ['closed → nothing', objection({ state: 'closed' }), 'active', '2026-10-11', null],
  ])('%s', (_name, o, status, today, expected) => {
    expect(providerDeadlineMissed(o, { status }, today)).toEqual(expected);
  });
});

describe('decideObjection (第二十五条第二款: the center completes and tells the applicant)', () => {
  it.each<[string, ObjectionOutcome, string, ObjectionView]>([
    ['comparing: compare first', 'correct', 'OBJECTION_STATE_CONFLICT', objection()],
    ['closed: already completed', 'reject', 'OBJECTION_STATE_CONFLICT', objection({ state: 'closed' })],
    ['forwarded, provider deadline running', 'correct', 'OBJECTION_AWAITING_PROVIDER', forwarded()],
    ['provider asked to correct, center deletes', 'delete', 'OBJECTION_OUTCOME_MISMATCH', answered('correct')],
    ['provider explained (不予处理), center corrects', 'correct', 'OBJECTION_OUTCOME_MISMATCH', answered('explain')],
    ['provider asked to supplement, center corrects', 'correct', 'OBJECTION_OUTCOME_MISMATCH', answered('supplement')],
  ])('refused: %s (outcome %s) → %s', (_name, outcome, code, o) => {
    expect(codeOf(() => decideObjection(o, { status: 'active' }, outcome, '2026-10-12'))).toBe(code);
  });

  it.each<[string, ObjectionView, ObjectionOutcome, RecordStatus, unknown]>([
    ['provider: correct → correct, new version', answered('correct'), 'correct', 'active', { disputed: false, content: 'correct' }],
    ['provider: supplement → supplement, new version', answered('supplement'), 'supplement', 'active', { disputed: false, content: 'supplement' }],
    ['provider: explain → reject, unchanged', answered('explain'), 'reject', 'active', { disputed: false }],
    [
      'provider: delete → status deleted (kept)',
      answered('delete'),
      'delete',
      'active',
      { disputed: false, status: { to: 'deleted', reason: expect.any(String), article: '第二十五条第二款' } },
    ],
    [
      'provider missed its deadline, center corrects: withheld record served again, new version',
      forwarded({ providerMissedDeadline: true, recordWithheld: true }),
      'correct',
      'withheld',
      { disputed: false, content: 'correct', status: { to: 'active', reason: expect.any(String), article: '第二十五条第二款' } },
    ],
    [
      'late provider answer after the withholding, then reject: served again',
      answered('explain', { providerMissedDeadline: true, recordWithheld: true }),
      'reject',
      'withheld',
      { disputed: false, status: { to: 'active', reason: expect.any(String), article: '第二十五条第二款' } },
    ],
    [
      'withheld record deleted: stays out of service as deleted',
      forwarded({ providerMissedDeadline: true, recordWithheld: true }),
      'delete',
      'withheld',
      { disputed: false, status: { to: 'deleted', reason: expect.any(String), article: '第二十五条第二款' } },
    ],
    [
      'record archived meanwhile (not withheld by this objection): stays archived',
      forwarded({ providerMissedDeadline: true, recordWithheld: false }),
      'reject',
      'archived',
      { disputed: false },
    ],
  ])('%s', (_name, o, outcome, status, expectedRecord) => {
    const step = decideObjection(o, { status }, outcome, '2026-10-12');
    expect(step).toEqual({
      to: 'closed',
      outcome,
      closedOn: '2026-10-12',
      withoutProviderAnswer: o.state === 'forwarded_to_provider',
      record: expectedRecord,
    });
  });

  it('a status withheld by someone else (not this objection) is not restored', () => {
    expect(outcomeEffect('reject', { status: 'withheld' }, false)).toEqual({ disputed: false });
  });

  it('deleting an already deleted record changes no status', () => {
    expect(outcomeEffect('delete', { status: 'deleted' }, false)).toEqual({ disputed: false });
  });
});

describe('correctedFields (第二十五条第二款 更正 / 补充)', () => {
  const current = { subject_code: '91350200MA0000000X', fine_amount: '5000.00', remarks: '', penalty_content: '罚款五千元' };

  it.each<[string, 'correct' | 'supplement', Record<string, unknown> | undefined, Record<string, unknown> | string]>([
    ['correct replaces the given fields', 'correct', { fine_amount: '500.00' }, { ...current, fine_amount: '500.00' }],
    ['correct with null removes a field', 'correct', { remarks: null }, { subject_code: current.subject_code, fine_amount: '5000.00', penalty_content: '罚款五千元' }],
    ['supplement fills an empty field', 'supplement', { remarks: '已缴清罚款' }, { ...current, remarks: '已缴清罚款' }],
    ['supplement adds a missing field', 'supplement', { confiscation_amount: '0' }, { ...current, confiscation_amount: '0' }],
    ['supplement may not overwrite a present value', 'supplement', { fine_amount: '1.00' }, 'OBJECTION_SUPPLEMENT_CONFLICT'],
    ['supplement with an empty value', 'supplement', { confiscation_amount: '' }, 'OBJECTION_SUPPLEMENT_CONFLICT'],
    ['no fields', 'correct', undefined, 'OBJECTION_FIELDS_REQUIRED'],
    ['empty fields', 'supplement', {}, 'OBJECTION_FIELDS_REQUIRED'],
    ['the subject may not change', 'correct', { subject_code: '91350200MA0000001X' }, 'OBJECTION_SUBJECT_CHANGE'],
    ['the same subject code given is fine', 'correct', { subject_code: current.subject_code, fine_amount: '1.00' }, { ...current, fine_amount: '1.00' }],
    ['a correction that changes nothing', 'correct', { fine_amount: '5000.00' }, 'OBJECTION_CORRECTION_UNCHANGED'],
  ])('%s', (_name, kind, given, expected) => {
    if (typeof expected === 'string') expect(codeOf(() => correctedFields(kind, current, given))).toBe(expected);
    else expect(correctedFields(kind, current, given)).toEqual(expected);
  });
});

describe('overdue stages (the operator list and the objection-deadlines job)', () => {
  it.each<{ name: string; o: ObjectionView; today: string; stage: string | null; center: string | null }>([
    { name: 'comparing, due 09-21', o: objection(), today: '2026-09-21', stage: null, center: null },
    { name: 'comparing, due 09-21', o: objection(), today: '2026-09-22', stage: 'comparison', center: 'comparison' },
    { name: 'forwarded, provider due 10-10', o: forwarded(), today: '2026-10-10', stage: null, center: null },
    { name: 'forwarded, provider due 10-10', o: forwarded(), today: '2026-10-11', stage: 'provider_verification', center: null },
    { name: 'answered, completion due 10-12', o: answered('correct'), today: '2026-10-12', stage: null, center: null },
    { name: 'answered, completion due 10-12', o: answered('correct'), today: '2026-10-13', stage: 'completion', center: 'completion' },
    { name: 'closed', o: objection({ state: 'closed' }), today: '2027-01-01', stage: null, center: null },
  ])('$name, today $today → $stage (center: $center)', ({ o, today, stage, center }) => {
    expect(overdueStage(o, today)).toBe(stage);
    expect(centerOverdueStage(o, today)).toBe(center);
  });
});
