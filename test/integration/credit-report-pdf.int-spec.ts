import { commendation, license, penalty, reportInput } from '../fixtures/credit-report';
import { renderCreditReportHtml } from '../../libs/pipeline/reports/credit-report/report-html';
import { renderCreditReportPdf } from '../../libs/pipeline/reports/credit-report/report-pdf';
import { pdfInfo, pdfPages, squeeze } from '../support/pdf-text';

jest.setTimeout(60_000);

/**
 * 第二十条: the credit report PDF, read back with poppler's pdftotext as any reader would: the
 * Chinese is real text in an embedded font, and the PDF says what the HTML says.
 */
describe('credit report PDF', () => {
  it('renders an A4 report whose Chinese text can be extracted, a disputed record marked 异议处理中', async () => {
    const input = reportInput([penalty(1, { disputed: true }), penalty(2), license(1), commendation(1)]);
    const pdf = await renderCreditReportPdf(input);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const info = await pdfInfo(pdf);
    expect(info.get('Page size')).toMatch(/^595\.28 x 841\.89 pts \(A4\)/);
    expect(info.get('Title')).toBe('公共信用信息报告 XMCR-20261127-000123');

    const text = squeeze((await pdfPages(pdf)).join(''));
    for (const expected of [
      '公共信用信息报告', 'XMCR-20261127-000123', '2026年11月27日14:05:09（北京时间）', '厦门市公共信用信息中心', '社会公众',
      '厦门鹭岛测试贸易有限公司', '基础信息', '失信信息', '守信信息', '行政处罚', '行政许可', '表彰奖励', '行政处罚决定书文号',
      '厦市监罚〔2026〕1号', '警告、罚款', '书面告知', '厦门市市场监督管理局', '2027-03-05', '守合同重信用企业', '报告说明',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).toContain('1.行政处罚「异议处理中」');
    expect(text.match(/「异议处理中」/g)).toHaveLength(2); // the disputed record, and the closing note that explains the mark
  });

  it('puts the report number, the issue time and 第 n 页 共 m 页 on every page of a long report', async () => {
    const records = Array.from({ length: 30 }, (_, i) => penalty(i + 1, {}, { violation_facts: '在其经营场所发布虚假广告，'.repeat(8) }));
    const pdf = await renderCreditReportPdf(reportInput(records));
    const pages = (await pdfPages(pdf)).map(squeeze);
    expect(pages.length).toBeGreaterThan(3);
    pages.forEach((page, i) => {
      expect(page).toContain('报告编号：XMCR-20261127-000123');
      expect(page).toContain('出具时间：2026年11月27日14:05:09（北京时间）');
      expect(page).toContain(`第${i + 1}页共${pages.length}页`);
    });
    for (let n = 1; n <= 30; n++) expect(pages.join('')).toContain(`厦市监罚〔2026〕${n}号`);
  });

  it('flows a field longer than a page on to the next pages instead of cutting it', async () => {
    const facts = Array.from({ length: 400 }, (_, i) => `第${i + 1}项事实。`).join('');
    const pdf = await renderCreditReportPdf(reportInput([penalty(1, {}, { violation_facts: facts })]));
    const text = squeeze((await pdfPages(pdf)).join(''));
    expect(text).toContain('第1项事实。');
    expect(text).toContain('第400项事实。');
  });

  it('states 未查询到可公开的信用信息 on an empty report', async () => {
    const pages = await pdfPages(await renderCreditReportPdf(reportInput([])));
    expect(pages).toHaveLength(1);
    expect(squeeze(pages[0])).toContain('未查询到可公开的信用信息');
    expect(squeeze(pages[0])).toContain('第1页共1页');
  });

  it('says what the HTML says: every value of the HTML report is in the PDF text', async () => {
    const input = reportInput([penalty(1, { disputed: true }), license(1), commendation(1)]);
    const pdfText = squeeze((await pdfPages(await renderCreditReportPdf(input))).join(''));
    const htmlCells = [...renderCreditReportHtml(input).matchAll(/<td>([^<]*)<\/td>/g)].map((m) => squeeze(m[1]));
    expect(htmlCells.length).toBeGreaterThan(20);
    for (const cell of htmlCells) expect(pdfText).toContain(cell);
  });
});
