/**
 * The working-day deadlines of the measures, each a named function citing its article. Inputs
 * are China dates (`YYYY-MM-DD`, Asia/Shanghai) the caller derives from its injected clock — for
 * an instant, `chinaCalendarDate` in libs/domain/identity — so nothing here reads the time.
 *
 * Counting: the day of the triggering event is not counted and the deadline is the close of the
 * Nth working day after it (the usual administrative-law reading of "自…之日起N个工作日内"; see
 * credit-domain.md §4 — to be confirmed with the client). A deadline in a year the calendar does
 * not know throws CalendarHorizonError.
 *
 * Note on numbering: REQUIREMENTS.md groups these as R24–R26, but in the measures all three
 * objection deadlines are in 第二十五条; 第二十六条 is the disputed mark and the withholding when
 * the provider misses its deadline.
 */
import type { WorkingDayCalendar } from './working-day-calendar';

export interface WorkingDayDeadline {
  readonly name: string;
  readonly workingDays: number;
  readonly article: string;
  readonly startsOn: string;
  readonly text: string;
}

export const WORKING_DAY_DEADLINES = {
  objectionComparison: {
    name: 'objection comparison by the credit center',
    workingDays: 2,
    article: '第二十五条第一款',
    startsOn: 'the day the objection is accepted (受理异议申请之日)',
    text: '市信用中心应在受理异议申请之日起2个工作日内完成平台数据比对',
  },
  providerVerification: {
    name: 'verification by the information provider',
    workingDays: 6,
    article: '第二十五条第二款',
    startsOn: "the day the provider receives the center's verification notice (收到异议核查通知之日)",
    text: '信息提供单位应在收到市信用中心异议核查通知之日起6个工作日内完成核查',
  },
  objectionCompletion: {
    name: 'completion by the credit center and notice to the applicant',
    workingDays: 2,
    article: '第二十五条第二款',
    startsOn: "the day the center receives the provider's result (收到核查结果及处理意见之日)",
    text: '市信用中心应在收到信息提供单位核查结果及处理意见之日起2个工作日内完成信息处理，并告知申请人',
  },
  nonDisclosure: {
    name: 'non-disclosure of good information',
    workingDays: 5,
    article: '第二十七条',
    startsOn: 'the day the application is accepted (受理申请之日)',
    text: '市信用中心应当在受理申请之日起5个工作日内中止提供该信息的查询并归档管理，并告知信息提供单位',
  },
} as const satisfies Record<string, WorkingDayDeadline>;

/** 第二十五条第一款: the center compares the platform copy with the source within 2 working days. */
export function objectionComparisonDeadline(calendar: WorkingDayCalendar, acceptedOn: string): string {
  return calendar.addWorkingDays(acceptedOn, WORKING_DAY_DEADLINES.objectionComparison.workingDays);
}

/**
 * 第二十五条第二款: the provider verifies within 6 working days of the center's notice. Missing it
 * withholds the record from queries (第二十六条第二款).
 */
export function providerVerificationDeadline(calendar: WorkingDayCalendar, noticeReceivedOn: string): string {
  return calendar.addWorkingDays(noticeReceivedOn, WORKING_DAY_DEADLINES.providerVerification.workingDays);
}

/** 第二十五条第二款: the center finishes and tells the applicant within 2 working days of the provider's answer. */
export function objectionCompletionDeadline(calendar: WorkingDayCalendar, providerAnsweredOn: string): string {
  return calendar.addWorkingDays(providerAnsweredOn, WORKING_DAY_DEADLINES.objectionCompletion.workingDays);
}

/** 第二十七条: good information the subject asked not to publish is withheld and archived within 5 working days. */
export function nonDisclosureDeadline(calendar: WorkingDayCalendar, acceptedOn: string): string {
  return calendar.addWorkingDays(acceptedOn, WORKING_DAY_DEADLINES.nonDisclosure.workingDays);
}

/** A deadline is missed once its day has closed: on any later day, not on the day itself. */
export function isPastDeadline(deadline: string, today: string): boolean {
  return today > deadline;
}
