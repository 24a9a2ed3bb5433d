import type { Catalog } from '../../../catalog/catalog';
import { checkMappingAgainstCatalog, parseMappingDocument, parseMappingYaml } from '../../../mappings/mapping-engine';
import { findProhibitedFields } from '../../domain/rules';
import { MappingRepository } from '../../persistence/mapping.repository';
import { Supplier, SupplierRepository } from '../../persistence/supplier.repository';
import { EnvelopeRecord } from '../../bus/messages';
import { contentKey } from '../ingest/ingest.service';
import { judgeRecords, RecordJudgement } from '../worker/judge-records';
import { mapRecords } from '../worker/map-chunk';
import { SubjectResolver } from '../worker/subject-resolver';

export class MappingAdminError extends Error {
  constructor(
    readonly code: 'INVALID_MAPPING' | 'SUPPLIER_NOT_FOUND' | 'UNKNOWN_ITEM' | 'INVALID_REQUEST',
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export interface PreviewVerdict {
  readonly index: number;
  readonly ok: boolean;
  readonly record?: Record<string, unknown>;
  readonly rejections?: { field: string; code: string; value?: string }[];
}

/** Mappings are data: created and replaced (a new version each time) and tried out without storing anything. */
export class MappingAdminService {
  constructor(
    private readonly suppliers: SupplierRepository,
    private readonly mappings: MappingRepository,
    private readonly catalog: Catalog,
    private readonly resolver: SubjectResolver,
    private readonly clock: () => Date,
  ) {}

  async replace(supplierCode: string, itemCode: string, body: unknown): Promise<{ supplier: string; item: string; version: number }> {
    const supplier = await this.supplier(supplierCode);
    const item = this.item(itemCode);
    const parsed = typeof body === 'string' ? parseMappingYaml(body) : parseMappingDocument(body);
    if (!parsed.ok) {
      // Unknown target fields are reported in the same answer, so one round fixes the document.
      throw new MappingAdminError('INVALID_MAPPING', '映射文档无效', [...parsed.problems, ...unknownTargets(body, item)]);
    }
    const problems = [...checkMappingAgainstCatalog(parsed.mapping, item)];
    if (parsed.mapping.item !== itemCode) problems.push({ path: 'item', message: `映射文档的 item 应为 ${itemCode}` });
    // 第十五条: a mapping may not even name a prohibited field as its target.
    for (const r of findProhibitedFields(Object.keys(parsed.mapping.fields))) {
      problems.push({ path: `fields.${r.field}`, message: '禁止采集的信息（第十五条）' });
    }
    if (problems.length > 0) throw new MappingAdminError('INVALID_MAPPING', '映射文档无效', problems);
    const version = await this.mappings.append(supplier.id, itemCode, parsed.mapping);
    return { supplier: supplierCode, item: itemCode, version };
  }

  /** What the hub would make of each record with the current mapping; nothing is stored. */
  async preview(supplierCode: string, itemCode: string, records: unknown): Promise<{ mappingVersion: number | null; results: PreviewVerdict[] }> {
    const supplier = await this.supplier(supplierCode);
    const item = this.item(itemCode);
    if (!Array.isArray(records) || records.length > 1_000 || records.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
      throw new MappingAdminError('INVALID_REQUEST', 'records 应为不超过 1000 条记录对象的数组', [{ path: 'records', message: 'array of ≤ 1000 objects' }]);
    }
    const latest = await this.mappings.latest(supplier.id, itemCode);
    const parsed = latest ? parseMappingDocument(latest.document) : undefined;
    const mapping = latest && parsed?.ok ? { version: latest.version, document: parsed.mapping } : undefined;
    const envelopes: EnvelopeRecord[] = (records as Record<string, unknown>[]).map((payload, index) => ({
      index,
      sourceKey: typeof payload.source_key === 'string' ? payload.source_key : contentKey(payload),
      payload,
    }));
    const today = this.clock();
    const mapped = mapRecords(itemCode, envelopes, mapping);
    const judgements = judgeRecords(mapped, item, today, await this.resolver.linksFor(mapped, today));
    return { mappingVersion: mapping?.version ?? null, results: judgements.map(toVerdict) };
  }

  private async supplier(code: string): Promise<Supplier> {
    const supplier = await this.suppliers.findByCode(code);
    if (!supplier) throw new MappingAdminError('SUPPLIER_NOT_FOUND', `报送单位 ${code} 不存在`);
    return supplier;
  }

  private item(code: string) {
    const item = this.catalog.find(code);
    if (!item) throw new MappingAdminError('UNKNOWN_ITEM', `目录中没有信息项 ${code}`);
    return item;
  }
}

function unknownTargets(body: unknown, item: { fields: readonly { name: string }[] }): { path: string; message: string }[] {
  const fields = typeof body === 'object' && body !== null ? (body as { fields?: unknown }).fields : undefined;
  if (typeof fields !== 'object' || fields === null) return [];
  const known = new Set([...item.fields.map((f) => f.name), 'source_key']);
  return Object.keys(fields)
    .filter((name) => !known.has(name))
    .map((name) => ({ path: `fields.${name}`, message: `目录信息项中没有字段 ${name}` }));
}

function toVerdict(j: RecordJudgement): PreviewVerdict {
  return j.ok
    ? { index: j.index, ok: true, record: j.fields }
    : { index: j.index, ok: false, rejections: j.rejections.map((r) => ({ field: r.field, code: r.code, value: r.value })) };
}
