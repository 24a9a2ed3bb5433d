/**
 * The rules of the measures (厦门市公共信用信息管理办法) applied to incoming records, as plain
 * functions. Each cites its article; `RULES_OF_THE_MEASURES` lists them for the documentation.
 */
export {
  checkDatePlausibility,
  DATE_ORDER_RULES,
  type DateOrderRule,
  EARLIEST_RECORD_DATE,
  EVENT_DATE_FIELDS,
  NOTICE_LEAD_MONTHS,
  OPEN_DATE_FIELDS,
} from './date-plausibility';
export { findGarbledFields } from './garbled-fields';
export { checkNoticeEvidence } from './notice-evidence';
export {
  ARREARS_MARKERS,
  CONSENT_ONLY_FIELD_TERMS,
  describeRestrictedField,
  type FieldTermGroup,
  findConsentOnlyFields,
  findProhibitedFields,
  hasConsentReference,
  normalizeFieldName,
  type NormalizedFieldName,
  ORGANISATION_CONTEXT,
  PROHIBITED_FIELD_TERMS,
  type RestrictedFieldMatch,
  type RestrictionKind,
} from './prohibited-fields';
export { renderRejectionCatalogue } from './rejection-catalogue';
export { RULES_OF_THE_MEASURES, type RuleOfTheMeasures } from './rules-of-the-measures';
