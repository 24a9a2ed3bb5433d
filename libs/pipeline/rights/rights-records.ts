import { createHash } from 'node:crypto';
import type { Catalog } from '../../../catalog/catalog';
import { maskPersonalIdsInText } from '../../domain/identity';
import { publicationEnd } from '../../domain/publication/publication-end';
import { REJECTION_CODES } from '../../domain/rejections/rejection-codes';
import { type Applicant, correctedFields, type RightsRecord, RightsError } from '../../domain/rights';
import { checkRecordAgainstMeasures } from '../../domain/validation/check-record';
import type { NewRecordVersion, RightsRecordRow } from '../../persistence/rights-record.repository';
import { canonicalJson } from '../ingest/ingest.service';

/** The stored record with its catalog category, as the rules of libs/domain/rights read it. */
export function rightsRecordOf(row: RightsRecordRow, catalog: Catalog): RightsRecord {
  return {
    id: row.id,
    subjectCode: row.subjectCode,
    itemCode: row.itemCode,
    category: catalog.find(row.itemCode)?.category ?? 'basic',
    status: row.status,
    disputed: row.disputed,
    publicationEnd: row.publicationEnd,
  };
}

export function itemNameOf(catalog: Catalog, itemCode: string): string {
  return catalog.find(itemCode)?.name ?? itemCode;
}

/** record_status_events.actor / objection_events.actor for an applicant. */
export function actorOf(applicant: Applicant): string {
  return applicant.kind === 'operator' ? 'operator' : 'subject';
}

/**
 * The new version an objection outcome (更正 / 补充) writes: the corrected fields checked against
 * every rule a record must pass at ingest (a correction cannot smuggle in what the supplier could
 * not send), normalised, hashed like an ingested record, with its publication end recomputed.
 */
export function correctionVersion(
  catalog: Catalog,
  record: RightsRecordRow,
  kind: 'correct' | 'supplement',
  given: Readonly<Record<string, unknown>> | null | undefined,
  today: Date,
  provenance: Record<string, unknown>,
): NewRecordVersion {
  const item = catalog.find(record.itemCode);
  if (!item) throw new RightsError('OBJECTION_CORRECTION_INVALID', `信息项 ${record.itemCode} 不在目录中，无法更正`);
  const merged = correctedFields(kind, record.fields, given);
  const verdict = checkRecordAgainstMeasures({ record: merged, sourceFields: Object.keys(merged) }, item, today);
  if (!verdict.ok) {
    throw new RightsError(
      'OBJECTION_CORRECTION_INVALID',
      '更正或补充后的信息不符合目录和本办法的要求',
      verdict.rejections.map((r) => ({ field: r.field, code: r.code, message: maskPersonalIdsInText(REJECTION_CODES[r.code]?.zh ?? r.code) })),
    );
  }
  if (verdict.subject.code !== record.subjectCode) {
    throw new RightsError('OBJECTION_SUBJECT_CHANGE', '不能通过异议更正改变信息所属的信用主体；信息主体错误的，应删除该信息');
  }
  return {
    fields: verdict.fields,
    contentHash: createHash('sha256').update(canonicalJson(verdict.fields)).digest('hex'),
    publicationEnd: publicationEnd(item, verdict.fields),
    catalogVersion: item.version,
    provenance,
  };
}
