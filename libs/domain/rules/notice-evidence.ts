/**
 * 第十三条（归集前告知）: before a provider submits a subject's bad information it notifies the
 * subject in writing, or by public notice when writing cannot be delivered, unless a law or
 * regulation provides otherwise. A bad record therefore carries its notice evidence, the date
 * (`notified_on`) and the method (`notice_method`: written | public_notice | exempt_by_law).
 *
 * Decision: BOTH fields are required for every bad record, `exempt_by_law` included, as API.md
 * states ("yes, for bad information" on each) and as the catalog schema enforces (each is
 * `requiredWhen: {categoryBad: true}`, which `validateRecord` already turns into NOTICE_MISSING).
 * The text of 第十三条 would allow an exempt record without a date, but two rules that disagree
 * would send a supplier conflicting reasons, and the date still means something for an exempt
 * record: the day the provider established the legal exemption (or served the decision that
 * carries it), which an objection (第二十四条) can check. Changing this needs API.md to change first.
 *
 * Only presence is judged here. An unknown method is UNKNOWN_CODE_VALUE and a malformed date
 * INVALID_DATE (validateRecord, 第九条); a notice dated after submission is FUTURE_DATE
 * (checkDatePlausibility).
 */
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { NOTICE_FIELDS } from '../../../catalog/catalog-item.schema';
import type { Rejection } from '../rejections/rejection-codes';

/** One NOTICE_MISSING per missing notice field of a bad record; nothing for basic or good records. */
export function checkNoticeEvidence(fields: Record<string, unknown>, item: CatalogItem): Rejection[] {
  if (item.category !== 'bad') return [];
  return NOTICE_FIELDS.filter((name) => isBlank(fields[name])).map((name) => ({ field: name, code: 'NOTICE_MISSING' }));
}

function isBlank(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}
