import type { QueryKind } from './subject-query.service';

/**
 * Roles of a government account: which kinds of query its user may make. The access policy does
 * not look at roles (第十八条 conditions the purpose, not the account); they are the operator's way
 * to give an account only the endpoints its user needs.
 */
export const GOVERNMENT_ROLES = ['subject_query', 'credit_report', 'list_query'] as const;
export type GovernmentRole = (typeof GOVERNMENT_ROLES)[number];

export function isGovernmentRole(value: string): value is GovernmentRole {
  return (GOVERNMENT_ROLES as readonly string[]).includes(value);
}

/** The role a government account needs for a kind of query; null: never offered to government accounts. */
export function requiredGovernmentRole(kind: QueryKind): GovernmentRole | null {
  switch (kind) {
    case 'subject':
      return 'subject_query';
    case 'report':
      return 'credit_report';
    case 'lists':
      return 'list_query';
    case 'batch': // 第二十条第二款: credit agencies only
    case 'history': // operators only
    case 'report_verification': // not a query of credit information: anyone holding a report may check it, no role is asked
      return null;
  }
}
