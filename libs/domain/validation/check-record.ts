import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { checkDatePlausibility, findConsentOnlyFields, findGarbledFields, findProhibitedFields } from '../rules';
import { Rejection } from '../rejections/rejection-codes';
import { RecordVerdict, validateRecord } from './validate-record';

export interface RecordToCheck {
  /** The record in canonical field names (after the mapping). */
  readonly record: Record<string, unknown>;
  /** Every field name the supplier sent, mapped or not: 第十五条 forbids collecting them at all. */
  readonly sourceFields: readonly string[];
}

/**
 * Every rule a record must pass before it is stored: the catalog's formats and required fields
 * (第九条), identity codes (第六条), notice evidence for bad information (第十三条), prohibited and
 * consent-only information (第十五条), garbled text (第十四条) and date plausibility. All failures are reported together.
 */
export function checkRecordAgainstMeasures(input: RecordToCheck, item: CatalogItem, today: Date): RecordVerdict {
  const fieldNames = [...new Set([...input.sourceFields, ...Object.keys(input.record)])].filter(
    (name) => name !== 'source_key' && name !== 'consent_reference',
  );
  const restricted: Rejection[] = [
    ...findProhibitedFields(fieldNames),
    ...findConsentOnlyFields(fieldNames, input.record.consent_reference),
    ...findGarbledFields(input.record),
  ];
  const verdict = validateRecord(input.record, item, today);
  const dates = verdict.ok ? checkDatePlausibility(verdict.fields, item, today) : [];
  const rejections = [...restricted, ...(verdict.ok ? [] : verdict.rejections), ...dates];
  return rejections.length > 0 ? { ok: false, rejections } : verdict;
}
