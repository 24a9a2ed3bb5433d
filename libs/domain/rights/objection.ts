/**
 * Objections (第二十四条 to 第二十六条), as plain functions: which step is allowed in which state,
 * the working-day deadline each step starts, and what each step does to the record. The caller
 * (libs/pipeline/rights) loads the objection and the record under lock, calls one of these, and
 * writes what it returns in one transaction. README.md in this folder records the reading.
 *
 *   comparing ──(no discrepancy)──────────────────────────────────────────► closed (reject)
 *      │ discrepancy: forwarded, provider notified
 *      ▼
 *   forwarded_to_provider ──(provider answers)──► provider_answered ──(center decides)──► closed
 *      │ provider deadline missed: record withheld (第二十六条第二款), state unchanged
 *      └──────────────────────(center decides on its own comparison)────────────────► closed
 */
import {
  isPastDeadline,
  objectionComparisonDeadline,
  objectionCompletionDeadline,
  providerVerificationDeadline,
  type WorkingDayCalendar,
} from '../calendar';
import { RightsError } from './rights-error';
import type { RightsRecord, StatusChange } from './rights-record';

export const OBJECTION_STATES = ['comparing', 'forwarded_to_provider', 'provider_answered', 'closed'] as const;
export type ObjectionState = (typeof OBJECTION_STATES)[number];

/** 第二十五条第二款: 更正、删除或补充 when the objection holds; 不予处理 (reject, with the reason) when not. */
export const OBJECTION_OUTCOMES = ['correct', 'delete', 'supplement', 'reject'] as const;
export type ObjectionOutcome = (typeof OBJECTION_OUTCOMES)[number];

/** 第二十五条第二款: the provider 提请更正、删除或补充, or 说明不予处理的原因 (explain). */
export const PROVIDER_ANSWERS = ['correct', 'delete', 'supplement', 'explain'] as const;
export type ProviderAnswer = (typeof PROVIDER_ANSWERS)[number];

/** The outcome the provider's answer asks the center to carry out. */
export const OUTCOME_OF_ANSWER: Readonly<Record<ProviderAnswer, ObjectionOutcome>> = {
  correct: 'correct',
  delete: 'delete',
  supplement: 'supplement',
  explain: 'reject',
};

/** Which deadline an open objection has let pass. */
export type OverdueStage = 'comparison' | 'provider_verification' | 'completion';

/** The parts of a stored objection the rules read. Dates are China dates (YYYY-MM-DD). */
export interface ObjectionView {
  readonly state: ObjectionState;
  readonly acceptedOn: string;
  readonly comparisonDue: string;
  readonly forwardedOn: string | null;
  readonly providerDue: string | null;
  readonly providerAnswer: ProviderAnswer | null;
  readonly answeredOn: string | null;
  readonly completionDue: string | null;
  /** The provider let its verification deadline pass (第二十六条第二款). */
  readonly providerMissedDeadline: boolean;
  /** That missed deadline withheld the record (it was being served then). */
  readonly recordWithheld: boolean;
}

/** What a step does to the record: its status, its disputed mark, and whether its content changes. */
export interface RecordEffect {
  readonly status?: StatusChange;
  readonly disputed?: boolean;
  /** correct: the given fields replace the record's; supplement: they add what is missing. */
  readonly content?: 'correct' | 'supplement';
}

export interface ObjectionOpening {
  readonly state: 'comparing';
  readonly acceptedOn: string;
  readonly comparisonDue: string;
  readonly record: RecordEffect;
}

export type ComparisonStep =
  | { readonly to: 'closed'; readonly outcome: 'reject'; readonly closedOn: string; readonly record: RecordEffect }
  | { readonly to: 'forwarded_to_provider'; readonly forwardedOn: string; readonly providerDue: string; readonly record: RecordEffect };

export interface AnswerStep {
  readonly to: 'provider_answered';
  readonly answeredOn: string;
  readonly completionDue: string;
}

export interface MissedDeadlineStep {
  readonly recordWithheld: boolean;
  readonly record: RecordEffect;
}

export interface DecisionStep {
  readonly to: 'closed';
  readonly outcome: ObjectionOutcome;
  readonly closedOn: string;
  /** The center closed it without a provider answer, after the provider's deadline passed. */
  readonly withoutProviderAnswer: boolean;
  readonly record: RecordEffect;
}

/**
 * 第二十四条, 第二十五条第一款: the center accepts the objection on `acceptedOn` (受理) and has 2
 * working days to compare; meanwhile the record is served marked as disputed (第二十六条第一款).
 * A record deleted by an earlier objection is not served to anyone: there is nothing to object to.
 */
export function acceptObjection(calendar: WorkingDayCalendar, record: Pick<RightsRecord, 'status'>, acceptedOn: string): ObjectionOpening {
  if (record.status === 'deleted') {
    throw new RightsError('OBJECTION_RECORD_DELETED', '该信用信息已因异议成立被删除，不再提供查询，无需再提出异议');
  }
  return {
    state: 'comparing',
    acceptedOn,
    comparisonDue: objectionComparisonDeadline(calendar, acceptedOn),
    record: { disputed: true },
  };
}

/**
 * 第二十五条第一款: the platform copy is compared with the source. Consistent with the source →
 * closed, the objection not upheld (the applicant is told the reason); inconsistent → forwarded to
 * the provider, whose 6 working days run from today, the day it receives the notice.
 */
export function compareObjection(
  objection: ObjectionView,
  discrepancy: boolean,
  calendar: WorkingDayCalendar,
  today: string,
): ComparisonStep {
  assertState(objection, ['comparing'], '只有待比对的异议可以登记比对结果');
  if (!discrepancy) return { to: 'closed', outcome: 'reject', closedOn: today, record: { disputed: false } };
  return {
    to: 'forwarded_to_provider',
    forwardedOn: today,
    providerDue: providerVerificationDeadline(calendar, today),
    record: {},
  };
}

/**
 * 第二十五条第二款: the provider's verification result. A late answer is still taken (the
 * record stays withheld until the center completes); the center's 2 working days run from today.
 */
export function answerObjection(objection: ObjectionView, calendar: WorkingDayCalendar, today: string): AnswerStep {
  assertState(objection, ['forwarded_to_provider'], '该异议不在等待信息提供单位核查的状态');
  return { to: 'provider_answered', answeredOn: today, completionDue: objectionCompletionDeadline(calendar, today) };
}

/**
 * 第二十六条第二款: the provider let its verification deadline pass without answering, so the
 * center stops serving the record. Null when there is nothing (more) to do: not waiting for the
 * provider, the deadline not yet past, or already handled (re-runs change nothing). A record that
 * is not being served (archived, repaired, …) keeps its status; only the miss is noted.
 */
export function providerDeadlineMissed(objection: ObjectionView, record: Pick<RightsRecord, 'status'>, today: string): MissedDeadlineStep | null {
  if (objection.state !== 'forwarded_to_provider' || objection.providerMissedDeadline || objection.providerDue === null) return null;
  if (!isPastDeadline(objection.providerDue, today)) return null;
  if (record.status !== 'active') return { recordWithheld: false, record: {} };
  return {
    recordWithheld: true,
    record: {
      status: { to: 'withheld', reason: '信息提供单位未在期限内完成异议核查，中止提供查询', article: '第二十六条第二款' },
    },
  };
}

/**
 * 第二十五条第二款: the center completes the objection. After a provider answer the outcome must be
 * the one the provider asked for (the provider is 异议处理的责任主体). Without an answer the center
 * may close it only once the provider's deadline has passed (第二十五条第一款 统筹异议处理).
 */
export function decideObjection(
  objection: ObjectionView,
  record: Pick<RightsRecord, 'status'>,
  outcome: ObjectionOutcome,
  today: string,
): DecisionStep {
  assertState(objection, ['forwarded_to_provider', 'provider_answered'], decisionStateMessage(objection.state));
  if (objection.state === 'forwarded_to_provider' && !objection.providerMissedDeadline) {
    throw new RightsError('OBJECTION_AWAITING_PROVIDER', `信息提供单位的核查期限（${objection.providerDue}）尚未届满，请等待核查结果`);
  }
  if (objection.state === 'provider_answered' && objection.providerAnswer !== null) {
    const expected = OUTCOME_OF_ANSWER[objection.providerAnswer];
    if (expected !== outcome) {
      throw new RightsError('OBJECTION_OUTCOME_MISMATCH', `处理结果应与信息提供单位的核查意见一致（${OUTCOME_LABELS[expected]}）`, [
        { providerAnswer: objection.providerAnswer, expectedOutcome: expected },
      ]);
    }
  }
  return {
    to: 'closed',
    outcome,
    closedOn: today,
    withoutProviderAnswer: objection.state === 'forwarded_to_provider',
    record: outcomeEffect(outcome, record, objection.recordWithheld),
  };
}

/**
 * What closing with `outcome` does to the record: the disputed mark goes (第二十六条第一款 marks
 * only while the objection is open); delete → status `deleted` (kept, not served); otherwise a
 * record this objection withheld is served again; correct/supplement write a new version.
 */
export function outcomeEffect(outcome: ObjectionOutcome, record: Pick<RightsRecord, 'status'>, withheldByThisObjection: boolean): RecordEffect {
  if (outcome === 'delete') {
    if (record.status === 'deleted') return { disputed: false };
    return { disputed: false, status: { to: 'deleted', reason: '异议成立，删除该信息（停止提供查询，信息保留）', article: '第二十五条第二款' } };
  }
  const status: StatusChange | undefined =
    withheldByThisObjection && record.status === 'withheld'
      ? { to: 'active', reason: '异议处理完毕，恢复提供查询', article: '第二十五条第二款' }
      : undefined;
  const content = outcome === 'correct' || outcome === 'supplement' ? outcome : undefined;
  return { disputed: false, ...(status ? { status } : {}), ...(content ? { content } : {}) };
}

/**
 * The record's fields after a correction or a supplement. Correct: the given values replace the
 * record's (null removes a field). Supplement: only fields the record lacks may be given. The
 * subject of a record is never changed: a record about the wrong subject is deleted instead.
 */
export function correctedFields(
  kind: 'correct' | 'supplement',
  current: Readonly<Record<string, unknown>>,
  given: Readonly<Record<string, unknown>> | null | undefined,
): Record<string, unknown> {
  const entries = Object.entries(given ?? {});
  if (entries.length === 0) {
    throw new RightsError('OBJECTION_FIELDS_REQUIRED', kind === 'correct' ? '更正需提供更正后的字段' : '补充需提供补充的字段');
  }
  if ('subject_code' in (given ?? {}) && given?.subject_code !== current.subject_code) {
    throw new RightsError('OBJECTION_SUBJECT_CHANGE', '不能通过异议更正改变信息所属的信用主体；信息主体错误的，应删除该信息');
  }
  const next: Record<string, unknown> = { ...current };
  if (kind === 'supplement') {
    const present = entries.filter(([name]) => !isMissing(current[name])).map(([name]) => name);
    const empty = entries.filter(([, value]) => isMissing(value)).map(([name]) => name);
    if (present.length > 0 || empty.length > 0) {
      throw new RightsError('OBJECTION_SUPPLEMENT_CONFLICT', '补充只能填写原信息缺少的字段，且取值不能为空', [
        ...present.map((field) => ({ field, problem: 'already_present' })),
        ...empty.map((field) => ({ field, problem: 'empty' })),
      ]);
    }
  }
  for (const [name, value] of entries) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  if (sameContent(current, next)) throw new RightsError('OBJECTION_CORRECTION_UNCHANGED', '更正后的信息与原信息相同');
  return next;
}

/** Which deadline an open objection has let pass today, if any (for the operator's overdue list). */
export function overdueStage(objection: ObjectionView, today: string): OverdueStage | null {
  switch (objection.state) {
    case 'comparing':
      return isPastDeadline(objection.comparisonDue, today) ? 'comparison' : null;
    case 'forwarded_to_provider':
      return objection.providerDue !== null && isPastDeadline(objection.providerDue, today) ? 'provider_verification' : null;
    case 'provider_answered':
      return objection.completionDue !== null && isPastDeadline(objection.completionDue, today) ? 'completion' : null;
    case 'closed':
      return null;
  }
}

/** The center's own deadlines only (the provider's is handled by withholding, not by a reminder). */
export function centerOverdueStage(objection: ObjectionView, today: string): 'comparison' | 'completion' | null {
  const stage = overdueStage(objection, today);
  return stage === 'comparison' || stage === 'completion' ? stage : null;
}

export const OUTCOME_LABELS: Readonly<Record<ObjectionOutcome, string>> = {
  correct: '更正',
  delete: '删除',
  supplement: '补充',
  reject: '异议不成立，不予处理',
};

function assertState(objection: ObjectionView, allowed: readonly ObjectionState[], message: string): void {
  if (!allowed.includes(objection.state)) {
    throw new RightsError('OBJECTION_STATE_CONFLICT', message, [{ state: objection.state, allowed }]);
  }
}

function decisionStateMessage(state: ObjectionState): string {
  return state === 'closed' ? '该异议已办结' : '请先完成平台数据比对（第二十五条第一款）';
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
}

function sameContent(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return false;
  return true;
}
