export {
  acceptObjection,
  answerObjection,
  centerOverdueStage,
  compareObjection,
  type ComparisonStep,
  correctedFields,
  decideObjection,
  type DecisionStep,
  type MissedDeadlineStep,
  OBJECTION_OUTCOMES,
  OBJECTION_STATES,
  type ObjectionOutcome,
  type ObjectionState,
  type ObjectionView,
  OUTCOME_LABELS,
  OUTCOME_OF_ANSWER,
  outcomeEffect,
  overdueStage,
  type OverdueStage,
  PROVIDER_ANSWERS,
  providerDeadlineMissed,
  type ProviderAnswer,
  type RecordEffect,
} from './objection';
export { checkRepairEligibility, decideRepair, REPAIR_DECIDERS, REPAIR_DECISIONS, REPAIR_STATES, type RepairDecider, type RepairDecision, type RepairState } from './repair';
export {
  acceptNonDisclosure,
  carryOutNonDisclosure,
  checkNonDisclosureEligibility,
  NON_DISCLOSURE_STATES,
  type NonDisclosureState,
  refuseNonDisclosure,
} from './non-disclosure';
export { RIGHTS_ERROR_CODES, RightsError, type RightsErrorCode } from './rights-error';
export { type Applicant, assertOwnRecord, type InformationCategory, type RightsRecord, type StatusChange } from './rights-record';
