import { parseMappingDocument } from '../../../mappings/mapping-engine';
import { MappingRepository } from '../../persistence/mapping.repository';
import { SupplierMapping } from './map-chunk';

/** Mapping versions never change once written, so each one is read and parsed once per process. */
export class MappingVersions {
  private readonly cache = new Map<string, SupplierMapping>();

  constructor(private readonly mappings: MappingRepository) {}

  async get(supplierId: string, itemCode: string, version: number): Promise<SupplierMapping> {
    const key = `${supplierId}/${itemCode}/${version}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const stored = await this.mappings.find(supplierId, itemCode, version);
    if (!stored) throw new Error(`mapping ${key} is missing`);
    const parsed = parseMappingDocument(stored.document);
    if (!parsed.ok) throw new Error(`stored mapping ${key} no longer parses: ${parsed.problems.map((p) => p.path).join(', ')}`);
    const mapping = { version, document: parsed.mapping };
    if (this.cache.size > 1_000) this.cache.clear();
    this.cache.set(key, mapping);
    return mapping;
  }
}
