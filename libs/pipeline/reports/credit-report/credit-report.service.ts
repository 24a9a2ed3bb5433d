import { createHash } from 'node:crypto';
import type { Catalog } from '../../../../catalog/catalog';
import { queryPurposeLabel } from '../../../domain/access';
import { classifySubjectCode } from '../../../domain/identity';
import { chinaCalendarDate } from '../../../domain/identity/citizen-id';
import type { CreditReportRepository } from '../../../persistence/credit-report.repository';
import type { QueryAccountRepository } from '../../../persistence/query-account.repository';
import { QueryError, type QueryContext, type SubjectQueryService, type SubjectView } from '../../query/subject-query.service';
import { renderCreditReportHtml } from './report-html';
import { CREDIT_CENTER_NAME, type CreditReportInput } from './report-model';
import { renderCreditReportPdf } from './report-pdf';
import { formatReportNumber } from './report-number';
import type { ReportRequester } from './requester';

export const REPORT_FORMATS = ['pdf', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

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
    private readonly queries: Pick<SubjectQueryService, 'view'>,
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
