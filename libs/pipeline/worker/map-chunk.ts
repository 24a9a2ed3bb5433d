import { applyMapping, MappingResult } from '../../../mappings/mapping-engine';
import type { MappingDocument } from '../../../mappings/mapping.schema';
import { standardMappingFor } from '../../../mappings/standard-mappings';
import { EnvelopeRecord } from '../../bus/messages';

export interface MappedRecord {
  readonly envelope: EnvelopeRecord;
  readonly outcome: MappingResult;
  /** Which mapping the record went through: the supplier's version, the built-in standard, or none. */
  readonly mapping: number | 'standard' | null;
}

export interface SupplierMapping {
  readonly version: number;
  readonly document: MappingDocument;
}

/**
 * Brings each record to canonical field names: through the supplier's mapping for the item if
 * it has one, else through the built-in national standard mapping when the record's columns are
 * the standard's (CF_*, XK_*), else as it came (API.md: records are read in canonical names).
 */
export function mapRecords(itemCode: string, records: readonly EnvelopeRecord[], mapping: SupplierMapping | undefined): MappedRecord[] {
  return records.map((envelope) => {
    if (envelope.refusal) return { envelope, outcome: { ok: false, rejections: [envelope.refusal], sourceFields: [] }, mapping: null };
    if (mapping) return { envelope, outcome: applyMapping(mapping.document, envelope.payload), mapping: mapping.version };
    const fieldNames = Object.keys(envelope.payload);
    const standard = standardMappingFor(itemCode, fieldNames);
    if (standard) return { envelope, outcome: applyMapping(standard, envelope.payload), mapping: 'standard' };
    return { envelope, outcome: { ok: true, record: envelope.payload, sourceFields: fieldNames }, mapping: null };
  });
}
