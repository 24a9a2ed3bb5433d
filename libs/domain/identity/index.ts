export {
  CITIZEN_ID_WEIGHTS,
  citizenIdCheckCharacter,
  ORGANIZATION_CODE_WEIGHTS,
  organizationCodeCheckCharacter,
  USCC_ALPHABET,
  USCC_WEIGHTS,
  usccCheckCharacter,
} from './check-characters';
export {
  birthDateProblem,
  checkCitizenId,
  chinaCalendarDate,
  type CitizenIdCheck,
  convertLegacyCitizenId,
  EARLIEST_BIRTH_YEAR,
  isCalendarDate,
  PROVINCE_CODES,
} from './citizen-id';
export { checkIdentifierLink, type IdentifierLinkCheck, type IdentifierLinkProblem, type LinkedIdentifierKind } from './identifier-link';
export { maskIdentifier, maskPersonalIdsInText } from './mask';
export { detectSpreadsheetDamage, normalizeIdentifier, toHalfWidth } from './normalize';
export { classifySubjectCode, PLACEHOLDER_SUBJECT_CODES, type SubjectCodeCheck } from './subject-code';
export {
  checkOrganizationCode,
  checkUscc,
  isValidOrganizationCode,
  type OrganizationCodeCheck,
  type UsccAuthority,
  type UsccCheck,
  USCC_REGISTRATION_AUTHORITIES,
} from './uscc';
