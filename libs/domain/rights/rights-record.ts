import type { RecordStatus } from '../access';
import { RightsError } from './rights-error';

/** 第七条: 基本信息, 守信信息 (good), 失信信息 (bad) — the catalog item's category. */
export type InformationCategory = 'basic' | 'good' | 'bad';

/** What the rights rules need to know of a stored record (credit_records joined with its catalog item). */
export interface RightsRecord {
  readonly id: string;
  readonly subjectCode: string;
  readonly itemCode: string;
  readonly category: InformationCategory;
  readonly status: RecordStatus;
  readonly disputed: boolean;
  /** Last day of the publication period (inclusive), or null for items without one. */
  readonly publicationEnd: string | null;
}

/**
 * Who files an application: the subject itself, identified by its verified-identity token
 * (第十七条), or an operator of the center acting on its behalf (e.g. at the service desk).
 */
export type Applicant = { readonly kind: 'subject'; readonly subjectCode: string } | { readonly kind: 'operator' };

/** A change of `credit_records.status`, written together with its record_status_events row. */
export interface StatusChange {
  readonly to: RecordStatus;
  readonly reason: string;
  readonly article: string;
}

/**
 * 第二十三条, 第二十四条, 第二十七条 give these rights to the 信用主体 over its own information: a
 * subject may not act on another subject's record. An operator files for the record's subject.
 */
export function assertOwnRecord(applicant: Applicant, record: Pick<RightsRecord, 'subjectCode'>): void {
  if (applicant.kind === 'operator') return;
  if (applicant.subjectCode === '' || applicant.subjectCode !== record.subjectCode) {
    throw new RightsError('NOT_OWN_RECORD', '只能就本人（本单位）的信用信息提出申请');
  }
}
