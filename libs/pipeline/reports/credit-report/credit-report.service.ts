import { createHash } from 'node:crypto';
import type { Catalog } from '../../../../catalog/catalog';
import { queryPurposeLabel } from '../../../domain/access';
import { classifySubjectCode, maskIdentifier } from '../../../domain/identity';
import { chinaCalendarDate } from '../../../domain/identity/citizen-id';
import type { CreditReportRepository } from '../../../persistence/credit-report.repository';
import type { QueryAccountRepository } from '../../../persistence/query-account.repository';
import { QueryError, type QueryContext, type SubjectQueryService, type SubjectView } from '../../query/subject-query.service';
import { renderCreditReportHtml } from './report-html';
import { CREDIT_CENTER_NAME, type CreditReportInput } from './report-model';
import { renderCreditReportPdf } from './report-pdf';
import { formatReportNumber, parseReportNumber } from './report-number';
import type { ReportRequester } from './requester';

export const REPORT_FORMATS = ['pdf', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** What anyone holding a report may learn by checking it: nothing its own pages do not show. */
export type ReportVerification =
  | {
      readonly reportNo: string;
      readonly authentic: true;
      readonly issuedAt: Date;
      readonly format: ReportFormat;
      /** Masked as in logs: the answer adds nothing the report's holder does not already know. */
      readonly subjectCode: string;
      readonly recordCount: number;
    }
  | { readonly reportNo: string; readonly authentic: false };

/** Thrown for a malformed number or digest (400, nothing looked up, nothing logged). */
export class ReportVerificationInputError extends Error {
  constructor(
    readonly code: 'INVALID_REPORT_NUMBER' | 'INVALID_DIGEST',
    message: string,
    readonly details: unknown[],
  ) {
    super(message);
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface IssuedReport {
  readonly reportNo: string;
  readonly format: ReportFormat;
  readonly issuedAt: Date;
  readonly body: Buffer;
}

/**
 * 第二十条: issues a credit report of one subject to whoever asks. The content is exactly what
 * SubjectQueryService.view serves this caller (same access rules, same query-log row, with
 * query_kind 'report' and the report number as reference); a subject the caller may see nothing
 * of gets a report that says so. The report is registered (credit_reports) before it is returned.
 */
export class CreditReportService {
  constructor(
    private readonly reports: CreditReportRepository,
    private readonly queries: Pick<SubjectQueryService, 'view' | 'logLookup'>,
    private readonly accounts: Pick<QueryAccountRepository, 'findById'>,
    private readonly catalog: Catalog,
    private readonly clock: () => Date,
    private readonly issuer: string = CREDIT_CENTER_NAME,
  ) {}

  async issue(rawCode: string, format: ReportFormat, context: QueryContext): Promise<IssuedReport> {
    const issuedAt = this.clock();
    const reportNo = formatReportNumber(chinaCalendarDate(issuedAt), await this.reports.nextSerial(chinaCalendarDate(issuedAt)));
    const subject = await this.visibleOrEmpty(rawCode, { ...context, queryKind: 'report', reference: reportNo }, issuedAt);
    const input: CreditReportInput = {
      reportNo,
      issuedAt,
      issuer: this.issuer,
      requester: await this.requesterOf(context),
      subject,
      catalog: this.catalog,
      supplierNames: await this.reports.supplierNames([...new Set(subject.records.map((r) => r.supplier))]),
    };
    const body = format === 'pdf' ? await renderCreditReportPdf(input) : Buffer.from(renderCreditReportHtml(input), 'utf8');
    await this.reports.record({
      reportNo,
      subjectCode: subject.code,
      callerKind: context.caller.kind,
      callerId: context.callerId,
      purpose: context.caller.kind === 'government' ? context.caller.purpose : null,
      format,
      issuedAt,
      recordIds: subject.records.map((r) => r.id),
      contentSha256: createHash('sha256').update(body).digest(),
    });
    return { reportNo, format, issuedAt, body };
  }

  /**
   * Whether a report with this number was issued with exactly these bytes (their SHA-256, as
   * `sha256sum` prints it). Details are given only for a match, so numbers, which are
   * sequential, cannot be walked to learn whom reports were issued about. Every check that
   * names a well-formed number is logged (query_kind 'report_verification', reference = number).
   */
  async verify(reportNo: string, sha256Hex: unknown, context: QueryContext): Promise<ReportVerification> {
    if (parseReportNumber(reportNo) === undefined) {
      throw new ReportVerificationInputError('INVALID_REPORT_NUMBER', '报告编号格式应为 XMCR-YYYYMMDD-NNNNNN', [{ path: 'reportNo' }]);
    }
    const digest = typeof sha256Hex === 'string' ? sha256Hex.trim().toLowerCase() : '';
    if (!SHA256_HEX.test(digest)) {
      throw new ReportVerificationInputError('INVALID_DIGEST', '请提供报告文件的 SHA-256 摘要（64 位十六进制）', [{ path: 'sha256' }]);
    }
    const stored = await this.reports.find(reportNo);
    const authentic = stored !== undefined && stored.contentSha256 === digest;
    await this.queries.logLookup(context, stored?.subjectCode ?? '', {
      outcome: authentic ? 'served' : 'not_found',
      resultCount: authentic ? 1 : 0,
      reference: reportNo,
    });
    if (stored === undefined) throw new QueryError('REPORT_NOT_FOUND', `未找到编号为 ${reportNo} 的信用报告`);
    if (!authentic) return { reportNo, authentic: false };
    return {
      reportNo,
      authentic: true,
      issuedAt: new Date(stored.issuedAt),
      format: stored.format,
      subjectCode: maskIdentifier(stored.subjectCode),
      recordCount: stored.recordIds.length,
    };
  }

  /** Refusals propagate (already logged); "nothing to see" becomes an empty report, logged as not_found. */
  private async visibleOrEmpty(rawCode: string, context: QueryContext, issuedAt: Date): Promise<SubjectView> {
    try {
      return await this.queries.view(rawCode, context);
    } catch (error) {
      if (!(error instanceof QueryError) || error.code !== 'SUBJECT_NOT_FOUND') throw error;
      const checked = classifySubjectCode(rawCode, issuedAt);
      if (!checked.ok) throw error;
      return { code: checked.code, kind: checked.kind, name: null, records: [] };
    }
  }

  private async requesterOf(context: QueryContext): Promise<ReportRequester> {
    const caller = context.caller;
    switch (caller.kind) {
      case 'public':
      case 'subject':
      case 'operator':
        return { kind: caller.kind };
      case 'government': {
        const purposeLabel = caller.purpose === null ? '未说明' : queryPurposeLabel(caller.purpose);
        return { kind: 'government', name: await this.accountName(caller.userId), purposeLabel };
      }
      case 'authorized_third_party':
        return { kind: 'authorized_third_party', name: await this.accountName(caller.grantee) };
      case 'credit_agency':
        return { kind: 'credit_agency', name: await this.accountName(caller.agencyId) };
    }
  }

  /** `姓名（单位）` of a query account, or its id if the account cannot be found. */
  private async accountName(id: string): Promise<string> {
    const account = await this.accounts.findById(id);
    return account ? `${account.name}（${account.organization}）` : id;
  }
}
