/**
 * Non-disclosure of good information (第二十七条): a subject may ask the center not to publish its
 * commendations, volunteering, charity and other good information. Within 5 working days of
 * accepting the request the center stops serving it and archives it (status `non_disclosed`), and
 * tells the provider.
 */
import { nonDisclosureDeadline, type WorkingDayCalendar } from '../calendar';
import { RightsError } from './rights-error';
import type { RightsRecord, StatusChange } from './rights-record';

export const NON_DISCLOSURE_STATES = ['accepted', 'done', 'refused'] as const;
export type NonDisclosureState = (typeof NON_DISCLOSURE_STATES)[number];

/**
 * Whether the request can be accepted: good information only (the catalog's category `good`), and
 * a record still being served (`withheld` counts: that suspension ends with its objection).
 */
export function checkNonDisclosureEligibility(record: Pick<RightsRecord, 'category' | 'status'>): void {
  if (record.category !== 'good') {
    throw new RightsError('NON_DISCLOSURE_NOT_GOOD_INFORMATION', '只有表彰奖励、志愿服务、慈善捐赠等守信信息可以申请不予公开');
  }
  if (record.status === 'non_disclosed') {
    throw new RightsError('NON_DISCLOSURE_ALREADY_DONE', '该守信信息已不予公开');
  }
  if (record.status !== 'active' && record.status !== 'withheld') {
    throw new RightsError('NON_DISCLOSURE_RECORD_NOT_ACTIVE', '该信息当前已不提供查询', [{ status: record.status }]);
  }
}

/** 第二十七条: accepted today (受理), carried out at the latest on the 5th working day after. */
export function acceptNonDisclosure(calendar: WorkingDayCalendar, record: Pick<RightsRecord, 'category' | 'status'>, acceptedOn: string) {
  checkNonDisclosureEligibility(record);
  return { state: 'accepted' as const, acceptedOn, dueOn: nonDisclosureDeadline(calendar, acceptedOn) };
}

/**
 * Carrying out an accepted request: the record stops being served and is archived. A record that
 * is already out of service for another reason (archived at the end of its period, deleted) keeps
 * that status: the request is done all the same (nothing of it is served).
 */
export function carryOutNonDisclosure(state: NonDisclosureState, record: Pick<RightsRecord, 'status'>): { status?: StatusChange } | null {
  if (state !== 'accepted') return null;
  if (record.status !== 'active' && record.status !== 'withheld') return {};
  return { status: { to: 'non_disclosed', reason: '信用主体申请守信信息不予公开，中止提供查询并归档管理', article: '第二十七条' } };
}

/** An operator may refuse an accepted request before it is carried out. */
export function refuseNonDisclosure(state: NonDisclosureState): 'refused' {
  if (state !== 'accepted') throw new RightsError('NON_DISCLOSURE_ALREADY_DECIDED', '该申请已处理完毕', [{ state }]);
  return 'refused';
}
