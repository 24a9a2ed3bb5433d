import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { legacyIdentifierOf } from '../../domain/identity/legacy-identifier';
import { maskIdentifier } from '../../domain/identity';
import { Rejection } from '../../domain/rejections/rejection-codes';
import { checkRecordAgainstMeasures } from '../../domain/validation/check-record';
import { SubjectKind } from '../../domain/validation/validate-record';
import { MappedRecord } from './map-chunk';
import { LEGACY_IDENTIFIER_FIELDS, registryKey, RegistryLinks } from './subject-resolver';

export interface Resolution {
  readonly from: string;
  readonly kind: string;
  readonly identifier: string;
}

export type RecordJudgement =
  | {
      readonly index: number;
      readonly sourceKey: string | undefined;
      readonly ok: true;
      readonly fields: Record<string, unknown>;
      readonly subject: { readonly code: string; readonly kind: SubjectKind; readonly name: string | null };
      readonly mapping: number | 'standard' | null;
      readonly resolution?: Resolution;
    }
  | {
      readonly index: number;
      readonly sourceKey: string | undefined;
      readonly ok: false;
      readonly rejections: Rejection[];
      readonly mapping: number | 'standard' | null;
    };

/**
 * The verdict on each mapped record, shared by the worker and the mapping preview: legacy
 * identifiers resolved through the registry links, then every rule of the measures.
 */
export function judgeRecords(mapped: readonly MappedRecord[], item: CatalogItem, today: Date, links: RegistryLinks): RecordJudgement[] {
  return mapped.map(({ envelope, outcome, mapping }) => {
    // A mapping may name the supplier's own id column (source_key); it wins over the derived key.
    const mappedKey = outcome.ok ? outcome.record.source_key : undefined;
    const sourceKey = typeof mappedKey === 'string' && mappedKey.trim() !== '' ? mappedKey.trim() : envelope.sourceKey;
    const base = { index: envelope.index, sourceKey, mapping };
    if (!outcome.ok) return { ...base, ok: false, rejections: outcome.rejections.map(toRejection) };
    const { record, resolution } = resolveLegacySubject(outcome.record, today, links);
    const verdict = checkRecordAgainstMeasures({ record, sourceFields: outcome.sourceFields }, item, today);
    if (!verdict.ok) return { ...base, ok: false, rejections: verdict.rejections };
    return { ...base, ok: true, fields: verdict.fields, subject: verdict.subject, resolution };
  });
}

function toRejection(r: { field: string; code: string; value?: string }): Rejection {
  return { field: r.field, code: r.code as Rejection['code'], value: r.value };
}

/** A subject known only by a legacy identifier takes the social credit code the registry links it to. */
function resolveLegacySubject(
  record: Record<string, unknown>,
  today: Date,
  links: RegistryLinks,
): { record: Record<string, unknown>; resolution?: Resolution } {
  for (const field of LEGACY_IDENTIFIER_FIELDS) {
    const id = legacyIdentifierOf(record[field], today);
    const code = id && links.get(registryKey(id));
    if (id && code) {
      return {
        record: { ...record, subject_code: code },
        resolution: { from: field, kind: id.kind, identifier: maskIdentifier(id.identifier) },
      };
    }
  }
  return { record };
}
