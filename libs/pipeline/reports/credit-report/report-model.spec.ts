import { commendation, license, ORG_CODE, penalty, reportInput } from '../../../../test/fixtures/credit-report';
import { buildCreditReportModel, EMPTY_REPORT_NOTICE, REPORT_TITLE } from './report-model';
import { describeRequester, type ReportRequester } from './requester';

/** 第二十条: the credit report prints exactly what the caller may see, grouped the way the measures classify it (R8). */
describe('credit report model', () => {
  const model = buildCreditReportModel(reportInput([penalty(2), commendation(1), penalty(1, { disputed: true }), license(1)]));

  it('heads the report with its title, own number, China issue time, issuer, requester and subject', () => {
    expect(model.title).toBe(REPORT_TITLE);
    expect(model.heading).toEqual([
      { label: '报告编号', value: 'XMCR-20261127-000123' },
      { label: '出具时间', value: '2026年11月27日 14:05:09（北京时间）' },
      { label: '出具单位', value: '厦门市公共信用信息中心' },
      { label: '查询人', value: '社会公众' },
      { label: '信用主体名称', value: '厦门鹭岛测试贸易有限公司' },
      { label: '主体类别', value: '法人和非法人组织' },
      { label: '统一社会信用代码', value: ORG_CODE },
    ]);
    expect(model.runningLine).toBe('报告编号：XMCR-20261127-000123\u3000出具时间：2026年11月27日 14:05:09（北京时间）');
  });

  it('takes the issue time in China from the given instant: 23:30 UTC is the next day in Xiamen', () => {
    const late = buildCreditReportModel(reportInput([penalty(1)], { issuedAt: new Date('2026-11-27T23:30:00Z') }));
    expect(late.issuedAt).toBe('2026年11月28日 07:30:00（北京时间）');
  });

  it('groups records into 基础信息, 失信信息 and 守信信息 by the catalog category, in that order', () => {
    expect(model.sections.map((s) => [s.title, s.count, s.groups.map((g) => g.itemName)])).toEqual([
      ['基础信息', 1, ['行政许可']],
      ['失信信息', 2, ['行政处罚']],
      ['守信信息', 1, ['表彰奖励']],
    ]);
    expect(model.summary).toBe('基础信息 1 条；失信信息 2 条；守信信息 1 条');
  });

  it('prints each record under the catalog field labels, in catalog order, code values in Chinese, with provider and publication end', () => {
    const entry = model.sections[1].groups[0].entries[0];
    expect(entry).toMatchObject({ itemName: '行政处罚', disputed: false, provider: '厦门市市场监督管理局', publicationEnd: '2027-03-05' });
    expect(entry.fields).toEqual([
      { label: '法定代表人', value: '陈鹭' },
      { label: '行政处罚决定书文号', value: '厦市监罚〔2026〕2号' },
      { label: '违法行为类型', value: '虚假宣传' },
      { label: '违法事实', value: '在其经营场所发布虚假广告' },
      { label: '处罚依据', value: '《中华人民共和国广告法》第五十五条' },
      { label: '处罚类别', value: '警告、罚款' },
      { label: '处罚内容', value: '警告并处罚款人民币五千元' },
      { label: '罚款金额', value: '5000.00' },
      { label: '处罚决定日期', value: '2026-11-20' },
      { label: '处罚机关', value: '厦门市市场监督管理局' },
      { label: '处罚机关统一社会信用代码', value: '11350200003619218B' },
      { label: '失信信息告知日期', value: '2026-11-10' },
      { label: '告知方式', value: '书面告知' },
    ]);
  });

  it('keeps the query order of records within an item and marks the disputed one (第二十六条)', () => {
    const entries = model.sections[1].groups[0].entries;
    expect(entries.map((e) => [e.fields.find((f) => f.label === '行政处罚决定书文号')?.value, e.disputed])).toEqual([
      ['厦市监罚〔2026〕2号', false],
      ['厦市监罚〔2026〕1号', true],
    ]);
  });

  it('prints 长期 for items published without end, and the supplier code when its name is unknown', () => {
    const bare = buildCreditReportModel(reportInput([license(1)], { supplierNames: undefined }));
    expect(bare.sections[0].groups[0].entries[0]).toMatchObject({ publicationEnd: '长期', provider: 'xm-gov' });
  });

  it('repeats the subject name on a record only when the record names the subject differently', () => {
    const renamed = buildCreditReportModel(reportInput([penalty(1, {}, { subject_name: '厦门鹭岛旧名有限公司' })]));
    expect(renamed.sections[1].groups[0].entries[0].fields[0]).toEqual({ label: '行政相对人名称', value: '厦门鹭岛旧名有限公司' });
    expect(model.sections[1].groups[0].entries[0].fields.map((f) => f.label)).not.toContain('行政相对人名称');
  });

  it('says that a section holds nothing rather than leaving it out', () => {
    const onlyBad = buildCreditReportModel(reportInput([penalty(1)]));
    expect(onlyBad.sections.map((s) => [s.title, s.count, s.emptyNotice])).toEqual([
      ['基础信息', 0, '未查询到该类信息'],
      ['失信信息', 1, null],
      ['守信信息', 0, '未查询到该类信息'],
    ]);
  });

  it('states 未查询到可公开的信用信息 when the caller may see no record', () => {
    const empty = buildCreditReportModel(reportInput([]));
    expect(empty.emptyNotice).toBe(EMPTY_REPORT_NOTICE);
    expect(empty.summary).toBe(EMPTY_REPORT_NOTICE);
    expect(empty.sections).toEqual([]);
    expect(empty.closingNotes.length).toBeGreaterThan(0);
  });

  it('marks a record out of service in an operator report', () => {
    const operator = buildCreditReportModel(reportInput([penalty(1, { status: 'repaired' })], { requester: { kind: 'operator' } }));
    expect(operator.sections[1].groups[0].entries[0].statusMark).toBe('已修复');
    expect(model.sections[1].groups[0].entries[0].statusMark).toBeNull();
  });

  it('closes with the use and validity of the report', () => {
    expect(model.closingNotes.join('')).toEqual(expect.stringContaining('仅供查询人'));
    expect(model.closingNotes.join('')).toEqual(expect.stringContaining('反映出具时间的信息状况'));
    expect(model.closingNotes.join('')).toEqual(expect.stringContaining('凭报告编号'));
  });
});

describe('who asked, as printed on the report (第十七条, 第十八条, 第二十条)', () => {
  it.each<[ReportRequester, string]>([
    [{ kind: 'public' }, '社会公众'],
    [{ kind: 'subject' }, '信用主体本人'],
    [{ kind: 'authorized_third_party', name: '王某（厦门某银行）' }, '被授权查询人 王某（厦门某银行）'],
    [{ kind: 'credit_agency', name: '厦门某信用服务有限公司' }, '信用服务机构 厦门某信用服务有限公司'],
    [{ kind: 'government', name: '李某（厦门市发展和改革委员会）', purposeLabel: '行政许可、监督检查、行政处罚' }, '政务用户 李某（厦门市发展和改革委员会），查询用途：行政许可、监督检查、行政处罚'],
    [{ kind: 'operator' }, '信用中心工作人员'],
  ])('%j → %s', (requester, text) => {
    expect(describeRequester(requester)).toBe(text);
  });
});
