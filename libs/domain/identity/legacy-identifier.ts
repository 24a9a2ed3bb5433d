import { checkCitizenId } from './citizen-id';
import { normalizeIdentifier } from './normalize';
import { PLACEHOLDER_SUBJECT_CODES } from './subject-code';
import { checkOrganizationCode } from './uscc';

export type LegacyIdentifierKind = 'organization_code' | 'business_registration_no';

export interface LegacyIdentifier {
  readonly kind: LegacyIdentifierKind;
  readonly identifier: string;
}

/**
 * 第六条: old systems still send the pre-2015 identifiers. A valid 9-character organisation code
 * (GB 11714) or a 15-digit business registration number (工商注册号) that is not a legacy citizen
 * ID names a subject the registry may know; anything else is not a legacy identifier.
 */
export function legacyIdentifierOf(raw: unknown, today: Date): LegacyIdentifier | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const code = normalizeIdentifier(String(raw));
  if (PLACEHOLDER_SUBJECT_CODES.has(code)) return undefined;
  if (/^[0-9A-Z]{8}[0-9X]$/.test(code) && checkOrganizationCode(code).ok) return { kind: 'organization_code', identifier: code };
  if (/^\d{15}$/.test(code) && !checkCitizenId(code, today).ok) return { kind: 'business_registration_no', identifier: code };
  return undefined;
}

/** The organisation code inside a USCC (characters 9-17): what the registry learns from every USCC it sees. */
export function organizationCodeOfUscc(uscc: string): string {
  return uscc.slice(8, 17);
}
