export { CHINESE_DAYS_SOURCE_NAME, chineseDaysSource, type ChineseDaysData } from './chinese-days-source';
export { createWorkingDayCalendar, OPERATOR_TABLE_SOURCE_NAME } from './create-calendar';
export {
  isPastDeadline,
  nonDisclosureDeadline,
  objectionComparisonDeadline,
  objectionCompletionDeadline,
  providerVerificationDeadline,
  WORKING_DAY_DEADLINES,
  type WorkingDayDeadline,
} from './deadlines';
export { addDays, isIsoDate, weekday } from './iso-date';
export {
  type CalendarDay,
  type CalendarDayKind,
  CalendarHorizonError,
  CalendarInputError,
  type CalendarSource,
  CalendarTableError,
  checkSource,
  type OperatorCalendarTable,
  WorkingDayCalendar,
} from './working-day-calendar';
