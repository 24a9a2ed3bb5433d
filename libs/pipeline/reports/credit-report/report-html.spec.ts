import { commendation, penalty, reportInput } from '../../../../test/fixtures/credit-report';
import { escapeHtml, renderCreditReportHtml } from './report-html';

/** The printable HTML of the credit report: one self-contained zh-CN page, every value escaped. */
describe('credit report HTML', () => {
  const html = renderCreditReportHtml(reportInput([penalty(1, { disputed: true }), penalty(2), commendation(1)]));

  it('is a complete printable zh-CN page with its own print rules and no script or external resource', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="zh-CN">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<title>公共信用信息报告 XMCR-20261127-000123</title>');
    expect(html).toMatch(/@page \{ size: A4;/);
    expect(html).toContain('@media print');
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('prints number, China issue time, issuer, requester and subject', () => {
    for (const text of ['XMCR-20261127-000123', '2026年11月27日 14:05:09（北京时间）', '厦门市公共信用信息中心', '社会公众', '厦门鹭岛测试贸易有限公司', '统一社会信用代码']) {
      expect(html).toContain(text);
    }
  });

  it('prints the sections in order with the item names and field labels of the catalog', () => {
    const order = ['一、基础信息（共 0 条）', '二、失信信息（共 2 条）', '三、守信信息（共 1 条）', '报告说明'].map((t) => html.indexOf(t));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('<h3>行政处罚（2 条）</h3>');
    expect(html).toContain('<tr><th scope="row">行政处罚决定书文号</th><td>厦市监罚〔2026〕1号</td></tr>');
    expect(html).toContain('<tr><th scope="row">信息提供单位</th><td>厦门市市场监督管理局</td></tr>');
    expect(html).toContain('<tr><th scope="row">公示截止日期</th><td>2027-03-05</td></tr>');
  });

  it('marks the disputed record, and only that one, 「异议处理中」', () => {
    expect(html.match(/异议处理中」<\/span>/g)).toHaveLength(1);
    expect(html).toMatch(/<caption>1\. 行政处罚<span class="disputed">「异议处理中」<\/span><\/caption>/);
  });

  it('escapes record values, so a supplier cannot inject markup into the report', () => {
    const hostile = renderCreditReportHtml(
      reportInput([penalty(1, {}, { violation_facts: '<script>alert("x")</script>', penalty_content: `a & b 'c'` })], {
        supplierNames: new Map([['xm-amr', '<img src=x onerror=alert(1)>']]),
      }),
    );
    expect(hostile).not.toContain('<script>');
    expect(hostile).not.toContain('<img');
    expect(hostile).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(hostile).toContain('a &amp; b &#39;c&#39;');
  });

  it('states 未查询到可公开的信用信息 on an empty report', () => {
    const empty = renderCreditReportHtml(reportInput([]));
    expect(empty).toContain('<p class="empty">未查询到可公开的信用信息</p>');
    expect(empty).not.toContain('失信信息');
    expect(empty).toContain('报告说明');
  });

  it.each([
    ['<', '&lt;'],
    ['>', '&gt;'],
    ['&', '&amp;'],
    ['"', '&quot;'],
    ["'", '&#39;'],
    ['厦门', '厦门'],
  ])('escapes %s as %s', (raw, escaped) => {
    expect(escapeHtml(raw)).toBe(escaped);
  });
});
