import { Logger } from '@nestjs/common';
import type { Catalog } from '../../../catalog/catalog';
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import {
  type Caller,
  canQuerySubject,
  decideRecordAccess,
  maxBatchSize,
  type RecordStatus,
  type RecordView as PolicyRecord,
  selectVisibleRecords,
} from '../../domain/access';
import { classifySubjectCode, maskIdentifier, maskPersonalIdsInText } from '../../domain/identity';
import { chinaCalendarDate } from '../../domain/identity/citizen-id';
import { storableRendering } from '../../domain/text/storable-text';
import {
  QueryLogEntry,
  RecordHistory,
  RecordPrefilter,
  StoredRecordRow,
  SubjectQueryRepository,
  SubjectRow,
} from '../../persistence/subject-query.repository';
import { requiredGovernmentRole } from './government-roles';
import { QueryLogWriter } from './query-log-writer';

export interface RecordView {
  readonly id: string;
  readonly item: string;
  readonly category: string;
  readonly disclosure: string;
  readonly status: string;
  readonly disputed: boolean;
  readonly publicationEnd: string | null;
  readonly fields: Record<string, unknown>;
  readonly supplier: string;
}

export interface SubjectView {
  readonly code: string;
  readonly kind: 'organization' | 'person';
  readonly name: string | null;
  readonly records: RecordView[];
}

/** What kind of look this is, written to query_log.query_kind (R19). */
export type QueryKind = 'subject' | 'report' | 'batch' | 'lists' | 'history' | 'report_verification';

/**
 * A government user whose `X-Query-Purpose` is missing or not one of the 第十八条 purposes. It is
 * never turned into a domain Caller: `view` logs the refusal and answers QUERY_PURPOSE_REQUIRED.
 */
export interface GovernmentWithoutPurpose {
  readonly kind: 'government';
  readonly userId: string;
  readonly roles: readonly string[];
  readonly purpose: null;
  /** The header value as sent (logged, truncated), or null when absent. */
  readonly requestedPurpose: string | null;
}

/** Who asks and why, for one look at one subject (built at the edge from the request). */
export interface QueryContext {
  readonly caller: Caller | GovernmentWithoutPurpose;
  /** query_log.caller_id: the account id, the subject code of a subject, null for the public and the operator token. */
  readonly callerId: string | null;
  readonly clientAddress: string | null;
  readonly queryKind: QueryKind;
  /** e.g. the credit report number (query_log.reference). */
  readonly reference?: string | null;
}

/** A call refused before it became a look: who it claimed to be, as far as known, and why. */
export interface RefusedCall {
  /** A caller kind, or what the credential claimed: `subject` (sid1.), `query_account` (cqa_), `unknown`. */
  readonly callerKind: string;
  readonly callerId: string | null;
  /** As requested (truncated), '' when the call named none. */
  readonly subjectCode: string;
  /** e.g. UNAUTHENTICATED, NOT_A_QUERY_CALLER, OPERATOR_ONLY, RATE_LIMITED, or a credential's own reason. */
  readonly reason: string;
  readonly clientAddress: string | null;
  readonly queryKind: QueryKind;
  readonly reference: string | null;
}

export type QueryErrorCode =
  | 'SUBJECT_NOT_FOUND'
  | 'INVALID_SUBJECT_CODE'
  | 'ACCESS_DENIED'
  | 'QUERY_PURPOSE_REQUIRED'
  | 'ROLE_NOT_GRANTED'
  | 'BATCH_TOO_LARGE'
  | 'RECORD_NOT_FOUND'
  | 'REPORT_NOT_FOUND'
  | 'QUERY_LOG_UNAVAILABLE';

export class QueryError extends Error {
  constructor(
    readonly code: QueryErrorCode,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

export type BatchOutcome = 'served' | 'denied' | 'not_found' | 'invalid';

export interface BatchResult {
  readonly code: string;
  readonly outcome: BatchOutcome;
  readonly subject?: SubjectView;
  readonly reason?: string;
}

export interface SubjectRecordsPage {
  readonly code: string;
  readonly kind: 'organization' | 'person';
  readonly name: string | null;
  readonly records: RecordView[];
  readonly total: number;
  readonly nextOffset: number | null;
}

export interface SubjectQueryOptions {
  /** HUB_BATCH_QUERY_MAX: most subjects in one batch query of a credit agency (第二十条第二款). */
  readonly batchQueryMax: number;
}

/** One look decided but not yet logged: the log row, and what to answer once it is committed. */
type Decided =
  | { readonly entry: QueryLogEntry; readonly served: SubjectView }
  | { readonly entry: QueryLogEntry; readonly refused: QueryError; readonly batchOutcome: Exclude<BatchOutcome, 'served'> };

/** Batch reads run this many subjects at a time (the pool is shared with everything else). */
const BATCH_READ_CONCURRENCY = 4;

/**
 * The query edge for every caller kind (第十六条 to 第二十条): decides with the access policy of
 * libs/domain/access (the one place that says who sees what), reads the subject, filters its
 * records, masks personal identifiers as fits the caller, and writes the query-log row
 * (第十九条, 第三十一条) BEFORE anything is answered; if the row cannot be committed nothing is
 * served. Refusals (bad code, no access, no purpose, missing role) are logged too.
 *
 * Masking: the public, authorised third parties and credit agencies see personal identifiers
 * masked (the subject's own code in `code` excepted: they asked for it). The subject itself,
 * government users (第十八条, for a statutory purpose) and operators see records as stored.
 */
export class SubjectQueryService {
  private readonly log = new Logger('SubjectQueryService');
  private publicPrefilter: RecordPrefilter | undefined;
  private readonly personalFieldsByItem = new Map<string, ReadonlySet<string>>();

  constructor(
    private readonly repository: SubjectQueryRepository,
    private readonly catalog: Catalog,
    private readonly clock: () => Date,
    private readonly options: SubjectQueryOptions = { batchQueryMax: 100 },
    private readonly writer: QueryLogWriter = new QueryLogWriter((entries) => repository.appendLog(entries)),
  ) {}

  /** One subject as `context.caller` may see it; throws QueryError (logged) when refused or empty. */
  async view(rawCode: string, context: QueryContext): Promise<SubjectView> {
    const decided = await this.decide(rawCode, context, this.clock());
    await this.commitLog([decided.entry]);
    if ('refused' in decided) throw decided.refused;
    return decided.served;
  }

  /**
   * 第二十条第二款: a credit agency's batch query. Every subject goes through the same decision as
   * `view` and gets its own log row (query_kind 'batch'); all rows are committed together before
   * the answer. Other callers are refused, as is a batch above the configured size (both logged
   * as one row without a subject: nothing was looked at).
   */
  async batch(rawCodes: readonly string[], context: QueryContext): Promise<BatchResult[]> {
    const now = this.clock();
    const batchContext: QueryContext = { ...context, queryKind: 'batch' };
    const limit = isPolicyCaller(context.caller) ? maxBatchSize(context.caller, this.options.batchQueryMax) : 0;
    if (limit === 0 || rawCodes.length > limit) {
      const tooLarge = limit > 0;
      const reason = tooLarge ? 'BATCH_TOO_LARGE' : 'BATCH_NOT_OFFERED';
      await this.commitLog([this.entry(batchContext, now, '', { outcome: 'denied', reason })]);
      throw tooLarge
        ? new QueryError('BATCH_TOO_LARGE', `批量查询一次最多 ${limit} 个主体，本次 ${rawCodes.length} 个`, [{ max: limit, given: rawCodes.length }])
        : new QueryError('ACCESS_DENIED', '批量查询仅向信用服务机构提供（第二十条第二款）', [{ reason }]);
    }
    const decided: Decided[] = new Array<Decided>(rawCodes.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < rawCodes.length; i = next++) decided[i] = await this.decide(rawCodes[i], batchContext, now);
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_READ_CONCURRENCY, rawCodes.length) }, worker));
    await this.commitLog(decided.map((d) => d.entry));
    return decided.map((d, i) => {
      if ('served' in d) return { code: d.served.code, outcome: 'served', subject: d.served };
      const reason = (d.refused.details[0] as { reason?: string } | undefined)?.reason;
      return { code: d.entry.subjectCode || rawCodes[i], outcome: d.batchOutcome, ...(reason ? { reason } : {}) };
    });
  }

  /** Operators: every record of a subject in every status, paged (query_kind 'history'). */
  async subjectRecords(rawCode: string, page: { offset: number; limit: number }, context: QueryContext): Promise<SubjectRecordsPage> {
    const now = this.clock();
    const checked = classifySubjectCode(rawCode, now);
    if (!checked.ok) {
      await this.commitLog([this.entry(context, now, rawCode.slice(0, 64), { outcome: 'invalid_code' })]);
      throw invalidCode();
    }
    const caller = this.operatorOnly(context);
    const { subject, records, total } = await this.repository.subjectRecordsPage(checked.code, page);
    const today = chinaCalendarDate(now);
    const visible = selectVisibleRecords(caller, records.map((r) => this.policyView(r)), today);
    const served = visible.map((v) => v.record.row);
    await this.commitLog([
      this.entry(context, now, checked.code, served.length > 0 || subject ? servedOutcome(served) : { outcome: 'not_found' }),
    ]);
    if (!subject) throw notFound(checked.code);
    const nextOffset = page.offset + records.length < total && records.length > 0 ? page.offset + records.length : null;
    return {
      ...toSubject(subject),
      records: visible.map((v) => this.recordView(v.record.row, v.disputed, caller)),
      total,
      nextOffset,
    };
  }

  /** Operators: a record, every version and every status change (query_kind 'history'). */
  async recordHistory(recordId: string, context: QueryContext): Promise<RecordHistoryView> {
    const now = this.clock();
    const caller = this.operatorOnly(context);
    const history = await this.repository.recordHistory(recordId);
    if (!history) {
      await this.commitLog([this.entry(context, now, '', { outcome: 'not_found', reference: recordId.slice(0, 64) })]);
      throw new QueryError('RECORD_NOT_FOUND', '记录不存在');
    }
    const { record } = history;
    const decision = decideRecordAccess(caller, this.policyView(record), chinaCalendarDate(now));
    await this.commitLog([
      this.entry(context, now, record.subjectCode, { ...servedOutcome([record]), reference: record.id }),
    ]);
    const item = this.catalog.find(record.itemCode);
    return {
      record: {
        ...this.recordView(record, decision.marked.disputed, caller),
        subjectCode: record.subjectCode,
        sourceKey: record.sourceKey,
        version: record.version,
        catalogVersion: record.catalogVersion,
        createdAt: record.createdAt,
        updatedAt: record.updatedAt,
        itemName: item?.name ?? null,
      },
      versions: history.versions,
      statusEvents: history.statusEvents,
    };
  }

  /**
   * Logs a look that reads no credit record but names a subject (e.g. checking a credit report's
   * authenticity), under the same rule: committed before anything is answered.
   */
  async logLookup(context: QueryContext, subjectCode: string, result: { outcome: 'served' | 'not_found'; resultCount: number; reference: string }): Promise<void> {
    await this.commitLog([this.entry(context, this.clock(), subjectCode, result)]);
  }

  /**
   * A call refused at the edge before any look (issue 11, finding 8): a credential that proves
   * nothing, a supplier key used to query, a query account on an operator-only path, a rate limit.
   * Logged like every look (outcome `refused`, the reason code), committed before the answer; if
   * it cannot be, QUERY_LOG_UNAVAILABLE (503) instead of the refusal.
   */
  async logRefusedCall(call: RefusedCall): Promise<void> {
    await this.commitLog([
      {
        queriedAt: this.clock(),
        callerKind: call.callerKind,
        callerId: call.callerId,
        subjectCode: call.subjectCode,
        purpose: null,
        outcome: 'refused',
        reason: call.reason,
        resultCount: 0,
        clientAddress: call.clientAddress,
        queryKind: call.queryKind,
        itemCodes: null,
        reference: call.reference,
      },
    ]);
  }

  /**
   * A call refused at the edge before any decision: 400 INVALID_REQUEST, text that cannot be
   * stored in its path, parameters, headers or body. Logged like every call (committed before the
   * answer); `subjectCode` is what was asked, rendered storable by `entry`.
   */
  async logRefusedRequest(context: QueryContext, subjectCode: string): Promise<void> {
    await this.commitLog([this.entry(context, this.clock(), subjectCode, { outcome: 'invalid_request', reason: 'INVALID_REQUEST' })]);
  }

  private operatorOnly(context: QueryContext): Caller {
    // The admin edge guards these endpoints; this keeps the service from serving them to anyone else.
    if (context.caller.kind !== 'operator') throw new QueryError('ACCESS_DENIED', '仅运营人员可查看', [{ reason: 'OPERATOR_ONLY' }]);
    return context.caller;
  }

  private async decide(rawCode: string, context: QueryContext, now: Date): Promise<Decided> {
    const today = chinaCalendarDate(now);
    const checked = classifySubjectCode(rawCode, now);
    if (!checked.ok) {
      return {
        entry: this.entry(context, now, rawCode.slice(0, 64), { outcome: 'invalid_code' }),
        refused: invalidCode(),
        batchOutcome: 'invalid',
      };
    }
    const code = checked.code;

    const refusal = this.edgeRefusal(context, code, today);
    if (refusal) {
      return {
        entry: this.entry(context, now, code, { outcome: 'denied', reason: refusal.reason }),
        refused: refusal.error,
        batchOutcome: 'denied',
      };
    }
    const caller = context.caller as Caller;

    const { subject, records } = await this.repository.readSubject(code, this.prefilter(caller, code, today));
    const visible = selectVisibleRecords(caller, records.map((r) => this.policyView(r)), today);
    if (!subject || visible.length === 0) {
      return {
        entry: this.entry(context, now, code, { outcome: 'not_found', purpose: purposeOf(caller, code, today) }),
        refused: notFound(code),
        batchOutcome: 'not_found',
      };
    }
    const served = visible.map((v) => v.record.row);
    return {
      entry: this.entry(context, now, code, { ...servedOutcome(served), purpose: purposeOf(caller, code, today) }),
      served: { ...toSubject(subject), records: visible.map((v) => this.recordView(v.record.row, v.disputed, caller)) },
    };
  }

  /**
   * The refusals decided before anything is read: a government account without the role for
   * this kind of query or without a 第十八条 purpose, then `canQuerySubject`.
   */
  private edgeRefusal(context: QueryContext, code: string, today: string): { reason: string; error: QueryError } | undefined {
    const caller = context.caller;
    if (caller.kind === 'government') {
      const role = requiredGovernmentRole(context.queryKind);
      if (role === null || !caller.roles.includes(role)) {
        return {
          reason: 'ROLE_NOT_GRANTED',
          error: new QueryError('ROLE_NOT_GRANTED', `账号未被授予此类查询的角色${role ? `（${role}）` : ''}`, [{ reason: 'ROLE_NOT_GRANTED', role }]),
        };
      }
      if (caller.purpose === null) return purposeRequired();
    }
    const decision = canQuerySubject(caller as Caller, code, today);
    if (decision.allowed) return undefined;
    if (decision.reason === 'PURPOSE_REQUIRED') return purposeRequired();
    return {
      reason: decision.reason,
      error: new QueryError('ACCESS_DENIED', `无权查询该信用主体（${decision.reason}）`, [{ reason: decision.reason }]),
    };
  }

  /**
   * What the SQL may leave out: the items no active, in-period record of which the policy would
   * serve this caller (asked of the policy itself, item by item), other statuses and records past
   * their period. Operators see everything. The policy still decides every record read.
   */
  private prefilter(caller: Caller, code: string, today: string): RecordPrefilter {
    if (caller.kind === 'operator') return { itemCodes: null, statuses: null, servedOn: null };
    // The open query's answer depends on nothing but the day: worked out once per day (the hot path).
    if (caller.kind === 'public' && this.publicPrefilter?.servedOn === today) return this.publicPrefilter;
    const itemCodes = this.catalog
      .all()
      .filter(
        (item) =>
          decideRecordAccess(
            caller,
            { subjectCode: code, itemCode: item.code, disclosure: item.disclosure, usage: item.usage, status: 'active', disputed: false, publicationEnd: null },
            today,
          ).visible,
      )
      .map((item) => item.code);
    const prefilter = { itemCodes, statuses: ['active'], servedOn: today };
    if (caller.kind === 'public') this.publicPrefilter = prefilter;
    return prefilter;
  }

  /** The policy's view of a stored record, carrying the row along for the answer. */
  private policyView<R extends StoredRecordRow>(row: R): PolicyRecord & { row: R } {
    const item: CatalogItem | undefined = this.catalog.find(row.itemCode);
    // An item no longer in the catalog is served to operators only (no disclosure, no usage).
    return {
      subjectCode: row.subjectCode,
      itemCode: row.itemCode,
      disclosure: item?.disclosure ?? 'government',
      usage: item?.usage ?? [],
      status: row.status as RecordStatus,
      disputed: row.disputed,
      publicationEnd: row.publicationEnd,
      row,
    };
  }

  private recordView(row: StoredRecordRow, disputed: boolean, caller: Caller): RecordView {
    const item = this.catalog.find(row.itemCode);
    const masked = masksPersonalIds(caller);
    return {
      id: row.id,
      item: row.itemCode,
      category: item?.category ?? 'basic',
      disclosure: item?.disclosure ?? 'government',
      status: row.status,
      disputed,
      publicationEnd: row.publicationEnd,
      fields: masked ? maskFields(row.fields, this.personalFields(row.itemCode, item)) : row.fields,
      supplier: row.supplier,
    };
  }

  private personalFields(itemCode: string, item: CatalogItem | undefined): ReadonlySet<string> {
    let names = this.personalFieldsByItem.get(itemCode);
    if (names === undefined) {
      names = new Set(item?.fields.filter((f) => f.personal).map((f) => f.name));
      this.personalFieldsByItem.set(itemCode, names);
    }
    return names;
  }

  private entry(
    context: QueryContext,
    now: Date,
    subjectCode: string,
    result: { outcome: string; reason?: string; resultCount?: number; itemCodes?: string[] | null; purpose?: string | null; reference?: string | null },
  ): QueryLogEntry {
    const caller = context.caller;
    // What the caller sent is logged as sent, but rendered storable: a NUL or lone surrogate in a
    // subject code, header or reference must neither reach the database nor fail the group commit.
    return {
      queriedAt: now,
      callerKind: caller.kind,
      callerId: storable(context.callerId),
      subjectCode: storableRendering(subjectCode),
      purpose: storable(result.purpose !== undefined ? result.purpose : requestedPurpose(caller)),
      outcome: result.outcome,
      reason: storable(result.reason ?? null),
      resultCount: result.resultCount ?? 0,
      clientAddress: storable(context.clientAddress),
      queryKind: context.queryKind,
      itemCodes: result.itemCodes ?? null,
      reference: storable(result.reference !== undefined ? result.reference : (context.reference ?? null)),
    };
  }

  private async commitLog(entries: readonly QueryLogEntry[]): Promise<void> {
    try {
      await this.writer.writeAll(entries);
    } catch (error) {
      this.log.error(`query log not written, nothing served: ${(error as Error)?.message ?? String(error)}`);
      throw new QueryError('QUERY_LOG_UNAVAILABLE', '查询日志暂时无法写入，本次查询未提供任何数据，请稍后重试');
    }
  }
}

export interface RecordHistoryView {
  readonly record: RecordView & {
    readonly subjectCode: string;
    readonly sourceKey: string;
    readonly version: number;
    readonly catalogVersion: number;
    readonly createdAt: string;
    readonly updatedAt: string;
    readonly itemName: string | null;
  };
  readonly versions: RecordHistory['versions'];
  readonly statusEvents: RecordHistory['statusEvents'];
}

function storable(text: string | null): string | null {
  return text === null ? null : storableRendering(text);
}

function isPolicyCaller(caller: Caller | GovernmentWithoutPurpose): caller is Caller {
  return !(caller.kind === 'government' && caller.purpose === null);
}

function purposeRequired(): { reason: string; error: QueryError } {
  return {
    reason: 'PURPOSE_REQUIRED',
    error: new QueryError('QUERY_PURPOSE_REQUIRED', '政务查询须在 X-Query-Purpose 中注明第十八条规定的查询用途', [{ reason: 'PURPOSE_REQUIRED' }]),
  };
}

function invalidCode(): QueryError {
  return new QueryError('INVALID_SUBJECT_CODE', '统一社会信用代码或公民身份号码无效');
}

function notFound(code: string): QueryError {
  return new QueryError('SUBJECT_NOT_FOUND', `未找到可查询的信用主体信息（${maskIdentifier(code)}）`);
}

function servedOutcome(served: readonly StoredRecordRow[]): { outcome: string; resultCount: number; itemCodes: string[] } {
  return { outcome: 'served', resultCount: served.length, itemCodes: [...new Set(served.map((r) => r.itemCode))].sort() };
}

function toSubject(subject: SubjectRow): { code: string; kind: 'organization' | 'person'; name: string | null } {
  return { code: subject.code, kind: subject.kind, name: subject.name };
}

/** The purpose written to the log: the 第十八条 purpose, or the agreed purposes of the authorisations in force. */
function purposeOf(caller: Caller, code: string, today: string): string | null {
  switch (caller.kind) {
    case 'government':
      return caller.purpose;
    case 'authorized_third_party':
    case 'credit_agency': {
      const grantee = caller.kind === 'credit_agency' ? caller.agencyId : caller.grantee;
      const purposes = caller.authorizations
        .filter((a) => a.grantee === grantee && a.subjectCode === code && a.validFrom <= today && today <= a.validTo)
        .map((a) => a.purpose);
      return purposes.length > 0 ? [...new Set(purposes)].join('；') : null;
    }
    case 'public':
    case 'subject':
    case 'operator':
      return null;
  }
}

/** For refusals: what the caller claimed (a government user's header value, truncated), if anything. */
function requestedPurpose(caller: Caller | GovernmentWithoutPurpose): string | null {
  if (caller.kind !== 'government') return null;
  return caller.purpose ?? caller.requestedPurpose?.slice(0, 64) ?? null;
}

/** The public, third parties and agencies never see a personal identifier whole, not even inside free text. */
function masksPersonalIds(caller: Caller): boolean {
  switch (caller.kind) {
    case 'public':
    case 'authorized_third_party':
    case 'credit_agency':
      return true;
    case 'subject':
    case 'government':
    case 'operator':
      return false;
  }
}

/** The shortest identifier maskPersonalIdsInText looks for (a legacy 15-digit number). */
const SHORTEST_MASKED_TOKEN = 15;

/** The fields with identifiers masked; the same object when nothing needed masking (it is never shared: one per row read). */
function maskFields(fields: Record<string, unknown>, personal: ReadonlySet<string>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const name of Object.keys(fields)) {
    const value = fields[name];
    if (typeof value !== 'string') continue;
    const masked = personal.has(name) ? maskIdentifier(value) : value.length < SHORTEST_MASKED_TOKEN ? value : maskPersonalIdsInText(value);
    if (masked === value) continue;
    out ??= { ...fields };
    // A field named __proto__ stays a field: assigning it would set the object's prototype.
    if (name === '__proto__') Object.defineProperty(out, name, { value: masked, enumerable: true, writable: true, configurable: true });
    else out[name] = masked;
  }
  return out ?? fields;
}
