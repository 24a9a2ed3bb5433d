import { checkCitizenId } from './citizen-id';
import { organizationCodeOfUscc } from './legacy-identifier';
import { normalizeIdentifier } from './normalize';
import { classifySubjectCode } from './subject-code';
import { checkOrganizationCode } from './uscc';

export type LinkedIdentifierKind = 'organization_code' | 'business_registration_no' | 'passport' | 'residence_permit';

export interface IdentifierLinkProblem {
  readonly field: 'identifier' | 'subjectCode';
  readonly code: 'ORG_CODE_CHECKSUM' | 'ORG_CODE_MISMATCH' | 'INVALID_FORMAT' | 'SUBJECT_CODE_INVALID';
  readonly message: string;
}

export type IdentifierLinkCheck =
  | { readonly ok: true; readonly identifier: string; readonly subjectCode: string }
  | { readonly ok: false; readonly problems: readonly IdentifierLinkProblem[] };

/**
 * 第六条: a legacy identifier may be linked only to a subject it can belong to. The subject code
 * must be a valid USCC or citizen ID; an organisation code must pass GB 11714 and, for an
 * organisation, equal characters 9–17 of its USCC (GB 32100 embeds it there); a 工商注册号 is 15
 * digits and not a citizen ID. Every problem of the link is reported at once.
 */
export function checkIdentifierLink(
  link: { kind: LinkedIdentifierKind; identifier: string; subjectCode: string },
  today: Date,
): IdentifierLinkCheck {
  const problems: IdentifierLinkProblem[] = [];
  const subject = classifySubjectCode(link.subjectCode, today);
  if (!subject.ok) problems.push({ field: 'subjectCode', code: 'SUBJECT_CODE_INVALID', message: '不是有效的统一社会信用代码或公民身份号码' });
  const identifier = normalizeIdentifier(link.identifier);
  if (link.kind === 'organization_code') {
    const org = /^[0-9A-Z]{8}[0-9X]$/.test(identifier) ? checkOrganizationCode(identifier) : undefined;
    if (org === undefined) {
      problems.push({ field: 'identifier', code: 'INVALID_FORMAT', message: '组织机构代码应为8位本体代码加1位校验码（可带连字符）' });
    } else if (!org.ok) {
      problems.push({ field: 'identifier', code: 'ORG_CODE_CHECKSUM', message: '组织机构代码校验位错误（GB 11714-1997）' });
    } else if (subject.ok && subject.kind === 'organization' && organizationCodeOfUscc(subject.code) !== identifier) {
      problems.push({
        field: 'identifier',
        code: 'ORG_CODE_MISMATCH',
        message: `组织机构代码与统一社会信用代码第9至17位（${organizationCodeOfUscc(subject.code)}）不一致`,
      });
    }
  }
  if (link.kind === 'business_registration_no' && (!/^\d{15}$/.test(identifier) || checkCitizenId(identifier, today).ok)) {
    problems.push({ field: 'identifier', code: 'INVALID_FORMAT', message: '工商注册号应为15位数字（且不是身份证号码）' });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, identifier, subjectCode: subject.ok ? subject.code : link.subjectCode };
}
