import { createHash } from 'node:crypto';
import { catalog, ORG_CODE, penalty, subjectView } from '../../../../test/fixtures/credit-report';
import type { CreditReportRepository, IssuedCreditReport } from '../../../persistence/credit-report.repository';
import { QueryError, type QueryContext, type SubjectView } from '../../query/subject-query.service';
import { CreditReportService } from './credit-report.service';

const ISSUED_AT = new Date('2026-11-27T16:30:00Z'); // 00:30 on 28 November in Xiamen

function fakeRegister(): { repository: CreditReportRepository; recorded: IssuedCreditReport[]; serialDates: string[] } {
  const recorded: IssuedCreditReport[] = [];
  const serialDates: string[] = [];
  const repository = {
    nextSerial: async (date: string) => (serialDates.push(date), 123),
    record: async (report: IssuedCreditReport) => void recorded.push(report),
    supplierNames: async () => new Map([['xm-amr', '厦门市市场监督管理局']]),
  } as unknown as CreditReportRepository;
  return { repository, recorded, serialDates };
}

const publicContext: QueryContext = { caller: { kind: 'public' }, callerId: null, clientAddress: '127.0.0.1', queryKind: 'subject' };

/** 第二十条: a report is a query — same access and log — with its own number, registered before it leaves. */
describe('issuing a credit report', () => {
  it('numbers the report by its China issue date, asks the query service as a report look under that number, and registers what it sent', async () => {
    const { repository, recorded, serialDates } = fakeRegister();
    const asked: QueryContext[] = [];
    const view = async (_code: string, context: QueryContext): Promise<SubjectView> => (asked.push(context), subjectView([penalty(1)]));
    const service = new CreditReportService(repository, { view, logLookup: async () => undefined }, { findById: async () => undefined }, catalog, () => ISSUED_AT);

    const issued = await service.issue(ORG_CODE, 'html', publicContext);

    expect(serialDates).toEqual(['2026-11-28']);
    expect(issued.reportNo).toBe('XMCR-20261128-000123');
    expect(asked).toEqual([{ ...publicContext, queryKind: 'report', reference: 'XMCR-20261128-000123' }]);
    expect(issued.body.toString('utf8')).toContain('2026年11月28日 00:30:00（北京时间）');
    expect(recorded).toEqual([
      {
        reportNo: 'XMCR-20261128-000123', subjectCode: ORG_CODE, callerKind: 'public', callerId: null, purpose: null, format: 'html',
        issuedAt: ISSUED_AT, recordIds: [penalty(1).id], contentSha256: createHash('sha256').update(issued.body).digest(),
      },
    ]);
  });

  it('issues a report saying 未查询到可公开的信用信息 when the caller may see nothing of a valid code', async () => {
    const { repository, recorded } = fakeRegister();
    const view = async (): Promise<SubjectView> => {
      throw new QueryError('SUBJECT_NOT_FOUND', '未找到');
    };
    const service = new CreditReportService(repository, { view, logLookup: async () => undefined }, { findById: async () => undefined }, catalog, () => ISSUED_AT);
    const code = ORG_CODE;
    const issued = await service.issue(code, 'html', publicContext);
    expect(issued.body.toString('utf8')).toContain('未查询到可公开的信用信息');
    expect(recorded.map((r) => [r.subjectCode, r.recordIds])).toEqual([[code, []]]);
  });

  it.each([
    new QueryError('ACCESS_DENIED', '无权查询该信用主体'),
    new QueryError('INVALID_SUBJECT_CODE', '代码无效'),
    new QueryError('QUERY_LOG_UNAVAILABLE', '查询日志暂时无法写入'),
  ])('issues nothing and registers nothing when the query is refused: %s', async (refusal) => {
    const { repository, recorded } = fakeRegister();
    const view = async (): Promise<SubjectView> => {
      throw refusal;
    };
    const service = new CreditReportService(repository, { view, logLookup: async () => undefined }, { findById: async () => undefined }, catalog, () => ISSUED_AT);
    await expect(service.issue(ORG_CODE, 'pdf', publicContext)).rejects.toBe(refusal);
    expect(recorded).toEqual([]);
  });

  it('prints a government user as 姓名（单位） with the label of its 第十八条 purpose', async () => {
    const { repository } = fakeRegister();
    const accounts = {
      findById: async (id: string) =>
        id === 'acc-1' ? { id, kind: 'government' as const, name: '李审批', organization: '厦门市发展和改革委员会', roles: [], createdAt: '', disabledAt: null } : undefined,
    };
    const service = new CreditReportService(repository, { view: async () => subjectView([penalty(1)]), logLookup: async () => undefined }, accounts, catalog, () => ISSUED_AT);
    const context: QueryContext = {
      ...publicContext,
      caller: { kind: 'government', userId: 'acc-1', roles: ['credit_report'], purpose: 'commendation' },
      callerId: 'acc-1',
    };
    const issued = await service.issue(ORG_CODE, 'html', context);
    expect(issued.body.toString('utf8')).toContain('政务用户 李审批（厦门市发展和改革委员会），查询用途：表彰奖励');
  });
});
