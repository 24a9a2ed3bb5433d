import { buildCreditReportModel, DISPUTED_MARK, type CreditReportInput, type CreditReportModel, type ReportEntry, type ReportSection } from './report-model';

const SECTION_NUMBERS = ['一', '二', '三', '四', '五'];

/** Every value that reaches the page goes through here: record fields are supplier data. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const STYLE = `
  @page { size: A4; margin: 18mm 16mm 20mm; @bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页"; font-size: 9pt; } }
  * { box-sizing: border-box; }
  body { margin: 0 auto; max-width: 190mm; padding: 12mm 0; color: #111; font: 11pt/1.6 "Source Han Sans CN", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
  header.running { display: flex; justify-content: space-between; font-size: 9pt; color: #555; border-bottom: 1px solid #999; padding-bottom: 2mm; }
  h1 { text-align: center; font-size: 22pt; letter-spacing: 0.3em; margin: 8mm 0 6mm; }
  h2 { font-size: 14pt; border-left: 4px solid #8b0000; padding-left: 3mm; margin: 7mm 0 3mm; }
  h3 { font-size: 12pt; margin: 5mm 0 2mm; }
  table { width: 100%; border-collapse: collapse; margin-bottom: 4mm; page-break-inside: avoid; }
  th, td { border: 1px solid #999; padding: 1.5mm 2.5mm; text-align: left; vertical-align: top; word-break: break-all; }
  th { width: 32%; background: #f3f3f3; font-weight: normal; }
  caption { text-align: left; font-weight: bold; padding: 1mm 0; }
  .disputed, .status { color: #b00; font-weight: bold; margin-left: 2mm; }
  .empty { font-weight: bold; text-align: center; padding: 6mm 0; }
  ol.notes { font-size: 10pt; color: #333; padding-left: 6mm; }
  footer.running { margin-top: 8mm; font-size: 9pt; color: #555; border-top: 1px solid #999; padding-top: 2mm; }
  @media print {
    body { padding: 0; max-width: none; }
    h2, h3 { page-break-after: avoid; }
  }`;

/** The report as one self-contained printable page (no scripts, no external resources). */
export function renderCreditReportHtml(input: CreditReportInput): string {
  return renderModelHtml(buildCreditReportModel(input));
}

export function renderModelHtml(model: CreditReportModel): string {
  const e = escapeHtml;
  const parts: string[] = [];
  parts.push(
    '<!DOCTYPE html>',
    '<html lang="zh-CN">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(model.title)} ${e(model.reportNo)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header class="running"><span>${e(model.issuer)}</span><span>${e(model.runningLine)}</span></header>`,
    `<h1>${e(model.title)}</h1>`,
    `<table class="heading"><tbody>${model.heading.map((f) => row(f.label, f.value)).join('')}${row('信息概要', model.summary)}</tbody></table>`,
  );
  if (model.emptyNotice !== null) parts.push(`<p class="empty">${e(model.emptyNotice)}</p>`);
  model.sections.forEach((section, i) => parts.push(sectionHtml(section, SECTION_NUMBERS[i] ?? String(i + 1))));
  parts.push(
    '<h2>报告说明</h2>',
    `<ol class="notes">${model.closingNotes.map((n) => `<li>${e(n)}</li>`).join('')}</ol>`,
    `<footer class="running">${e(model.runningLine)}\u3000${e(model.issuer)}</footer>`,
    '</body>',
    '</html>',
    '',
  );
  return parts.join('\n');
}

function sectionHtml(section: ReportSection, number: string): string {
  const e = escapeHtml;
  const out = [`<section class="category-${e(section.category)}">`, `<h2>${number}、${e(section.title)}（共 ${section.count} 条）</h2>`];
  if (section.emptyNotice !== null) out.push(`<p>${e(section.emptyNotice)}</p>`);
  for (const group of section.groups) {
    out.push(`<h3>${e(group.itemName)}（${group.entries.length} 条）</h3>`);
    group.entries.forEach((entry, i) => out.push(entryHtml(entry, i + 1)));
  }
  out.push('</section>');
  return out.join('\n');
}

function entryHtml(entry: ReportEntry, n: number): string {
  const e = escapeHtml;
  const marks = [
    entry.disputed ? `<span class="disputed">「${e(DISPUTED_MARK)}」</span>` : '',
    entry.statusMark !== null ? `<span class="status">「${e(entry.statusMark)}」</span>` : '',
  ].join('');
  const rows = [...entry.fields.map((f) => row(f.label, f.value)), row('信息提供单位', entry.provider), row('公示截止日期', entry.publicationEnd)];
  return `<table class="record"><caption>${n}. ${e(entry.itemName)}${marks}</caption><tbody>${rows.join('')}</tbody></table>`;
}

function row(label: string, value: string): string {
  return `<tr><th scope="row">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`;
}
