import type { BatchReport } from '../../../../libs/pipeline/reports/batch-report.service';
import { faults, SoapFault, xmlSafe } from './soap-fault';

/**
 * Translation between node-soap's parsed document/literal messages and the services' types.
 * node-soap gives `unknown`-shaped objects (a single repeated element may still be an object,
 * an empty element is '' or null), so every value is checked here, once, before any service runs.
 */

export interface SubmitRequest {
  readonly item: string;
  readonly requestId: string | undefined;
  readonly records: Record<string, unknown>[];
}

export interface ReportRequest {
  readonly batchId: string;
  readonly offset: number;
  readonly limit: number;
}

const MAX_REQUEST_ID = 200;

export function parseSubmitRecords(args: unknown): SubmitRequest {
  const message = asObject(args, 'SubmitRecords');
  const item = text(message.item);
  if (!item) throw faults.malformed('缺少信息项代码 item');
  const requestId = text(message.requestId);
  if (requestId !== undefined && requestId.length > MAX_REQUEST_ID) {
    throw new SoapFault('Client', 'INVALID_REQUEST', `requestId 不得超过 ${MAX_REQUEST_ID} 个字符`);
  }
  if (message.records === undefined) throw faults.malformed('缺少记录列表 records');
  const list = message.records === null || message.records === '' ? {} : asObject(message.records, 'records');
  const records = asList(list.record).map((record, index) => parseRecord(record, index));
  return { item, requestId, records };
}

/** A record is a list of {name, value}; a name given twice makes a list (e.g. penalty_categories), no value is null. */
function parseRecord(raw: unknown, index: number): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  if (raw === null || raw === '') return record;
  for (const rawField of asList(asObject(raw, `record[${index}]`).field)) {
    const field = asObject(rawField, `record[${index}].field`);
    const name = text(field.name);
    if (!name) throw faults.malformed(`第 ${index} 条记录（从 0 计）中有字段缺少 name`);
    if (field.value !== undefined && field.value !== null && typeof field.value !== 'string') {
      throw faults.malformed(`第 ${index} 条记录的字段 ${name.slice(0, 64)} 的 value 应为文本`);
    }
    const value = typeof field.value === 'string' ? field.value : null;
    const earlier = record[name];
    // Pushed, not copied: a name repeated 100,000 times must not cost a copy per repetition.
    if (Array.isArray(earlier)) earlier.push(value);
    else record[name] = earlier === undefined ? value : [earlier, value];
  }
  return record;
}

export function parseGetBatchReport(args: unknown): ReportRequest {
  const message = asObject(args, 'GetBatchReport');
  const batchId = text(message.batchId);
  if (!batchId) throw faults.malformed('缺少批次号 batchId');
  return {
    batchId,
    offset: boundedInt(message.offset, 0, 0, Number.MAX_SAFE_INTEGER, 'offset'),
    limit: boundedInt(message.limit, 1000, 1, 10_000, 'limit'),
  };
}

/** The GetBatchReportResponse element; absent optional elements stand for null, every text made safe for XML 1.0. */
export function reportResponse(report: BatchReport): Record<string, unknown> {
  return {
    batchId: report.batchId,
    item: report.item,
    status: report.status,
    received: report.received,
    loaded: report.loaded,
    rejected: report.rejected,
    rejections: {
      rejection: report.rejections.map((r) => ({
        index: r.index,
        sourceKey: r.sourceKey === null ? undefined : xmlSafe(r.sourceKey),
        field: xmlSafe(r.field),
        code: r.code,
        value: r.value === null ? undefined : xmlSafe(r.value),
        message: xmlSafe(r.message),
        hint: xmlSafe(r.hint),
      })),
    },
    rejectionsNextOffset: report.rejectionsNextOffset ?? undefined,
  };
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw faults.malformed(`${what} 的结构不符合 WSDL`);
  return value as Record<string, unknown>;
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function boundedInt(value: unknown, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SoapFault('Client', 'INVALID_REQUEST', `参数 ${name} 应为 ${min} 到 ${max} 之间的整数`);
  }
  return n;
}
