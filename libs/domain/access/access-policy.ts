/**
 * Who sees which record: the one place that decides it (第十六条 to 第十八条, 第二十条, 第二十二条,
 * with the record states of 第二十三条, 第二十五条, 第二十六条, 第二十七条 and 第二十八条). Plain functions of the
 * caller, the record and today's date in China; no I/O, no clock. Logging the look (第十九条,
 * 第三十一条) is the caller's job and happens for every decision, refusals included.
 *
 * The order of the checks is fixed, so the reason of a refusal is predictable:
 *   1. operators see everything (administration, history; still logged);
 *   2. is this caller entitled to this kind of item of this subject (disclosure attribute, the
 *      item's usage permissions, identity, authorisation, purpose)?
 *   3. is the record servable at all (status `active`)?
 *   4. is today within its publication period?
 * README.md in this folder records the reading of each article.
 */
import type { CatalogDisclosure } from '../../../catalog/catalog-item.schema';
import { isIsoDate } from '../calendar/iso-date';
import { isQueryPurpose, type QueryPurpose } from './query-purpose';

export const CALLER_KINDS = [
  'public',
  'subject',
  'authorized_third_party',
  'government',
  'credit_agency',
  'operator',
] as const;
export type CallerKind = (typeof CALLER_KINDS)[number];

/** `credit_records.status`. Only `active` records are ever served to anyone but operators. */
export const RECORD_STATUSES = ['active', 'repaired', 'archived', 'withheld', 'non_disclosed', 'deleted'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/**
 * 第十七条: the subject's authorisation of someone else — proof of the authorisation, the agreed
 * purpose and the scope (catalog item codes). `validFrom`/`validTo` are inclusive China dates.
 */
export interface Authorization {
  readonly subjectCode: string;
  readonly grantee: string;
  readonly purpose: string;
  readonly scope: readonly string[];
  readonly validFrom: string;
  readonly validTo: string;
  readonly proofReference: string;
}

export type Caller =
  | { readonly kind: 'public' }
  /** `subjectCode` comes from a verified-identity token (第十七条 有效身份验证), never from the request. */
  | { readonly kind: 'subject'; readonly subjectCode: string }
  | { readonly kind: 'authorized_third_party'; readonly grantee: string; readonly authorizations: readonly Authorization[] }
  | { readonly kind: 'government'; readonly userId: string; readonly roles: readonly string[]; readonly purpose: QueryPurpose }
  | { readonly kind: 'credit_agency'; readonly agencyId: string; readonly authorizations: readonly Authorization[] }
  | { readonly kind: 'operator' };

/** What the policy needs to know of a stored record (`credit_records` joined with its catalog item). */
export interface RecordView {
  readonly subjectCode: string;
  readonly itemCode: string;
  readonly disclosure: CatalogDisclosure;
  /** The catalog item's usage permissions (第九条 使用权限). */
  readonly usage: readonly string[];
  readonly status: RecordStatus;
  readonly disputed: boolean;
  /** Last day of the publication period (inclusive), or null for items without one. */
  readonly publicationEnd: string | null;
}

export const VISIBLE_REASONS = ['PUBLIC_ITEM', 'OWN_RECORD', 'AUTHORIZED', 'GOVERNMENT_PURPOSE', 'OPERATOR'] as const;

export const AUTHORIZATION_REFUSALS = [
  'NO_AUTHORIZATION',
  'AUTHORIZATION_EXPIRED',
  'AUTHORIZATION_NOT_YET_VALID',
  'AUTHORIZATION_INVALID',
] as const;
export type AuthorizationRefusal = (typeof AUTHORIZATION_REFUSALS)[number];

export const REFUSAL_REASONS = [
  'NOT_PUBLIC',
  'GOVERNMENT_SHARING_ONLY',
  'USAGE_NOT_PERMITTED',
  'NOT_OWN_SUBJECT',
  ...AUTHORIZATION_REFUSALS,
  'OUT_OF_SCOPE',
  'PURPOSE_REQUIRED',
  'REPAIRED',
  'ARCHIVED',
  'WITHHELD',
  'NON_DISCLOSED',
  'DELETED',
  'UNKNOWN_STATUS',
  'OUTSIDE_PUBLICATION_PERIOD',
] as const;

export type VisibleReason = (typeof VISIBLE_REASONS)[number];
export type RefusalReason = (typeof REFUSAL_REASONS)[number];
export type AccessReason = VisibleReason | RefusalReason;

export interface AccessDecision {
  readonly visible: boolean;
  /** 第二十六条: a record under objection is served marked as disputed. */
  readonly marked: { readonly disputed: boolean };
  readonly reason: AccessReason;
}

export type SubjectQueryReason =
  | 'OPEN_QUERY'
  | 'OWN_SUBJECT'
  | 'AUTHORIZED'
  | 'GOVERNMENT_PURPOSE'
  | 'OPERATOR'
  | 'NOT_OWN_SUBJECT'
  | AuthorizationRefusal
  | 'PURPOSE_REQUIRED';

export interface SubjectQueryDecision {
  readonly allowed: boolean;
  readonly reason: SubjectQueryReason;
}

export class AccessPolicyError extends Error {
  readonly code = 'ACCESS_INVALID_DATE';
  constructor(message: string) {
    super(message);
    this.name = 'AccessPolicyError';
  }
}

/** 第二十条第二款: how many subjects a credit service agency may ask for in one batch, by default. */
export const DEFAULT_CREDIT_AGENCY_BATCH_SIZE = 100;

/**
 * 第二十条第二款: batch query is a service for credit service agencies only. Returns the most
 * subjects one request may name: `configured` (the operator's setting) for agencies, 0 (no batch
 * query) for every other caller. Each subject of a batch still goes through `canQuerySubject`.
 */
export function maxBatchSize(caller: Caller, configured: number = DEFAULT_CREDIT_AGENCY_BATCH_SIZE): number {
  if (!Number.isInteger(configured) || configured < 1) {
    throw new RangeError(`batch size must be a positive integer, got ${configured}`);
  }
  return caller.kind === 'credit_agency' ? configured : 0;
}

/**
 * The query edge: may this caller ask about this subject at all? A refusal is a 403 (logged); an
 * allowed query still filters each record through `decideRecordAccess`.
 */
export function canQuerySubject(caller: Caller, subjectCode: string, today: string): SubjectQueryDecision {
  assertDate(today, 'today');
  switch (caller.kind) {
    case 'public':
      return allowed('OPEN_QUERY');
    case 'subject':
      return isOwnSubject(caller.subjectCode, subjectCode) ? allowed('OWN_SUBJECT') : denied('NOT_OWN_SUBJECT');
    case 'authorized_third_party':
    case 'credit_agency': {
      const found = validAuthorizations(granteeOf(caller), caller.authorizations, subjectCode, today);
      return Array.isArray(found) ? allowed('AUTHORIZED') : denied(found);
    }
    case 'government':
      return isQueryPurpose(caller.purpose) ? allowed('GOVERNMENT_PURPOSE') : denied('PURPOSE_REQUIRED');
    case 'operator':
      return allowed('OPERATOR');
  }
}

/** Whether `record` is served to `caller` today (`YYYY-MM-DD`, Asia/Shanghai), and why. */
export function decideRecordAccess(caller: Caller, record: RecordView, today: string): AccessDecision {
  assertDate(today, 'today');
  return decideOnCheckedDay(caller, record, today);
}

/** decideRecordAccess once `today` is known to be a date (checked once per subject, not per record). */
function decideOnCheckedDay(caller: Caller, record: RecordView, today: string): AccessDecision {
  if (record.publicationEnd !== null) assertDate(record.publicationEnd, 'publicationEnd');

  // 第四条: the credit center administers the platform; operators see every state and version.
  if (caller.kind === 'operator') return show('OPERATOR', record);

  const entitlement = entitlementOf(caller, record, today);
  if (!isVisibleReason(entitlement)) return hide(entitlement);

  const state = stateRefusal(record, today);
  if (state !== null) return hide(state);

  return show(entitlement, record);
}

/** The records of one subject that `caller` may see, with their disputed mark, in input order. */
export function selectVisibleRecords<T extends RecordView>(
  caller: Caller,
  records: readonly T[],
  today: string,
): Array<{ record: T; disputed: boolean }> {
  const out: Array<{ record: T; disputed: boolean }> = [];
  if (records.length > 0) assertDate(today, 'today');
  for (const record of records) {
    const decision = decideOnCheckedDay(caller, record, today);
    if (decision.visible) out.push({ record, disputed: decision.marked.disputed });
  }
  return out;
}

function entitlementOf(caller: Exclude<Caller, { kind: 'operator' }>, record: RecordView, today: string): AccessReason {
  switch (caller.kind) {
    case 'public':
      // 第十六条: the open query serves 社会公开 items the catalog lets the public see.
      if (record.disclosure !== 'public') return 'NOT_PUBLIC';
      return record.usage.includes('public_disclosure') ? 'PUBLIC_ITEM' : 'USAGE_NOT_PERMITTED';
    case 'subject':
      // 第十七条: after identity verification, a subject queries its own public and authorised items.
      if (!isOwnSubject(caller.subjectCode, record.subjectCode)) return 'NOT_OWN_SUBJECT';
      return authorizableItem(record) ?? 'OWN_RECORD';
    case 'authorized_third_party':
    case 'credit_agency': {
      // 第十七条, 第二十二条第三款, 第二十条第二款: someone else sees only what a valid authorisation
      // of this subject, granted to this caller, names in its scope.
      const found = validAuthorizations(granteeOf(caller), caller.authorizations, record.subjectCode, today);
      if (!Array.isArray(found)) return found;
      if (!found.some((a) => a.scope.includes(record.itemCode))) return 'OUT_OF_SCOPE';
      return authorizableItem(record) ?? 'AUTHORIZED';
    }
    case 'government':
      // 第十八条: for an enumerated purpose, whatever the item's usage permissions share with
      // government users (第十条第（三）项 政务共享; the catalog grants government_sharing per item).
      if (!isQueryPurpose(caller.purpose)) return 'PURPOSE_REQUIRED';
      return record.usage.includes('government_sharing') ? 'GOVERNMENT_PURPOSE' : 'USAGE_NOT_PERMITTED';
  }
}

/**
 * 第十条, 第十七条: the items a subject (or someone it authorised) may see: 社会公开 items published
 * to the public, and items whose usage permits authorised query. 政务共享 items never leave the
 * government side. Returns the refusal, or null when the item fits.
 */
function authorizableItem(record: RecordView): RefusalReason | null {
  switch (record.disclosure) {
    case 'government':
      return 'GOVERNMENT_SHARING_ONLY';
    case 'public':
      if (record.usage.includes('public_disclosure')) return null;
      return record.usage.includes('authorized_query') ? null : 'USAGE_NOT_PERMITTED';
    case 'authorized':
      return record.usage.includes('authorized_query') ? null : 'USAGE_NOT_PERMITTED';
  }
}

/** Only active records are served; each other status names the article that withdrew it. */
const STATUS_REFUSAL: Readonly<Record<RecordStatus, RefusalReason | null>> = {
  active: null,
  repaired: 'REPAIRED', // 第二十三条第三款: 不再对外提供查询，但信息不得删除
  archived: 'ARCHIVED', // 第二十八条第二款: 公示期届满 … 归档管理
  withheld: 'WITHHELD', // 第二十六条第二款: provider missed its verification deadline → 中止提供查询
  non_disclosed: 'NON_DISCLOSED', // 第二十七条: good information the subject asked not to publish
  deleted: 'DELETED', // 第二十五条第二款: an objection upheld by deletion; the row and its versions are kept (第三十条)
};

function stateRefusal(record: RecordView, today: string): RefusalReason | null {
  const byStatus = Object.prototype.hasOwnProperty.call(STATUS_REFUSAL, record.status)
    ? STATUS_REFUSAL[record.status]
    : 'UNKNOWN_STATUS';
  if (byStatus !== null) return byStatus;
  // 第二十八条: the period ends on publicationEnd (inclusive). Checked here, not left to the archive
  // job, so a record whose period ended yesterday is not served while the job has yet to run.
  if (record.publicationEnd !== null && today > record.publicationEnd) return 'OUTSIDE_PUBLICATION_PERIOD';
  return null;
}

/**
 * The caller's authorisations that are for `subjectCode`, granted to `grantee`, well-formed and in
 * force today; or why there are none. An authorisation granted to someone else is ignored as if it
 * were absent (fail closed if a token carries foreign authorisations).
 */
function validAuthorizations(
  grantee: string,
  authorizations: readonly Authorization[],
  subjectCode: string,
  today: string,
): Authorization[] | AuthorizationRefusal {
  const candidates = authorizations.filter(
    (a) => grantee !== '' && a.grantee === grantee && subjectCode !== '' && a.subjectCode === subjectCode,
  );
  if (candidates.length === 0) return 'NO_AUTHORIZATION';
  const wellFormed = candidates.filter(isWellFormed);
  const valid = wellFormed.filter((a) => a.validFrom <= today && today <= a.validTo);
  if (valid.length > 0) return valid;
  if (wellFormed.some((a) => a.validTo < today)) return 'AUTHORIZATION_EXPIRED';
  if (wellFormed.some((a) => a.validFrom > today)) return 'AUTHORIZATION_NOT_YET_VALID';
  return 'AUTHORIZATION_INVALID';
}

/** 第十七条: an authorisation needs its proof, the agreed purpose, a scope and a validity period. */
function isWellFormed(a: Authorization): boolean {
  return (
    a.proofReference.trim() !== '' &&
    a.purpose.trim() !== '' &&
    a.scope.length > 0 &&
    isIsoDate(a.validFrom) &&
    isIsoDate(a.validTo) &&
    a.validFrom <= a.validTo
  );
}

function granteeOf(caller: Extract<Caller, { kind: 'authorized_third_party' | 'credit_agency' }>): string {
  return caller.kind === 'credit_agency' ? caller.agencyId : caller.grantee;
}

function isOwnSubject(verifiedCode: string, subjectCode: string): boolean {
  return verifiedCode !== '' && verifiedCode === subjectCode;
}

function isVisibleReason(reason: AccessReason): reason is VisibleReason {
  return (VISIBLE_REASONS as readonly string[]).includes(reason);
}

function show(reason: VisibleReason, record: RecordView): AccessDecision {
  return { visible: true, marked: { disputed: record.disputed }, reason };
}

function hide(reason: RefusalReason): AccessDecision {
  return { visible: false, marked: { disputed: false }, reason };
}

function allowed(reason: SubjectQueryReason): SubjectQueryDecision {
  return { allowed: true, reason };
}

function denied(reason: SubjectQueryReason): SubjectQueryDecision {
  return { allowed: false, reason };
}

function assertDate(value: string, name: string): void {
  if (!isIsoDate(value)) throw new AccessPolicyError(`${name} must be a YYYY-MM-DD date, got ${JSON.stringify(value)}`);
}
