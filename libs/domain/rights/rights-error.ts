/**
 * The refusals of the subjects'-rights workflows (第二十三条 to 第二十七条). Each has a stable code
 * (mapped to an HTTP status at the edge, libs/http/api-error.ts) and a Chinese message.
 */
export const RIGHTS_ERROR_CODES = [
  'RECORD_NOT_FOUND',
  'NOT_OWN_RECORD',
  'OBJECTION_NOT_FOUND',
  'OBJECTION_ALREADY_OPEN',
  'OBJECTION_RECORD_DELETED',
  'OBJECTION_STATE_CONFLICT',
  'OBJECTION_AWAITING_PROVIDER',
  'OBJECTION_OUTCOME_MISMATCH',
  'OBJECTION_FIELDS_REQUIRED',
  'OBJECTION_SUBJECT_CHANGE',
  'OBJECTION_SUPPLEMENT_CONFLICT',
  'OBJECTION_CORRECTION_INVALID',
  'OBJECTION_CORRECTION_UNCHANGED',
  'REPAIR_NOT_FOUND',
  'REPAIR_NOT_BAD_INFORMATION',
  'REPAIR_ALREADY_REPAIRED',
  'REPAIR_RECORD_NOT_ACTIVE',
  'REPAIR_OUTSIDE_PUBLICATION_PERIOD',
  'REPAIR_ALREADY_PENDING',
  'REPAIR_ALREADY_DECIDED',
  'NON_DISCLOSURE_NOT_FOUND',
  'NON_DISCLOSURE_NOT_GOOD_INFORMATION',
  'NON_DISCLOSURE_ALREADY_DONE',
  'NON_DISCLOSURE_RECORD_NOT_ACTIVE',
  'NON_DISCLOSURE_ALREADY_PENDING',
  'NON_DISCLOSURE_ALREADY_DECIDED',
  'NOTIFICATION_NOT_FOUND',
  'NOTIFICATION_NOT_FAILED',
] as const;
export type RightsErrorCode = (typeof RIGHTS_ERROR_CODES)[number];

export class RightsError extends Error {
  override readonly name = 'RightsError';

  constructor(
    readonly code: RightsErrorCode,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}
