import { readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { buildCreditReportModel, DISPUTED_MARK, type CreditReportInput, type CreditReportModel, type ReportEntry, type ReportField } from './report-model';

/**
 * Source Han Sans CN (SIL OFL), shipped as an npm package so the report renders the same on a
 * fresh machine without system CJK fonts. pdfkit embeds only the glyphs used, with a ToUnicode
 * map, so the Chinese text can be searched and extracted from the PDF.
 */
const FONT_FILES = {
  normal: 'source-han-sans-cn/SourceHanSansCN-Normal.otf',
  bold: 'source-han-sans-cn/SourceHanSansCN-Bold.otf',
} as const;
let fonts: { normal: Buffer; bold: Buffer } | undefined;

function reportFonts(): { normal: Buffer; bold: Buffer } {
  fonts ??= { normal: readFileSync(require.resolve(FONT_FILES.normal)), bold: readFileSync(require.resolve(FONT_FILES.bold)) };
  return fonts;
}

const NORMAL = 'report-normal';
const BOLD = 'report-bold';
const TEXT = '#111111';
const MUTED = '#555555';
const MARK = '#b00000';
const RULE = '#999999';
const LABEL_FILL = '#f3f3f3';
const MARGIN = { top: 64, bottom: 60, left: 56, right: 56 };
const CELL_PAD = 4;
const LABEL_SHARE = 0.3;
/** Approximate heights (pt) of a record's caption and of an item heading, for keeping them with what follows. */
const ENTRY_CAPTION = 30;
const GROUP_HEADING = 36;
const SECTION_NUMBERS = ['一', '二', '三', '四', '五'];

/** The report as an A4 PDF: the same model as the HTML, number, issue time and page numbers on every page. */
export async function renderCreditReportPdf(input: CreditReportInput): Promise<Buffer> {
  return renderModelPdf(buildCreditReportModel(input), input.issuedAt);
}

export function renderModelPdf(model: CreditReportModel, issuedAt: Date): Promise<Buffer> {
  const { normal, bold } = reportFonts();
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    lang: 'zh-CN',
    displayTitle: true,
    info: {
      Title: `${model.title} ${model.reportNo}`,
      Author: model.issuer,
      Subject: model.subject.name,
      Creator: 'credit-hub',
      CreationDate: issuedAt,
    },
  });
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont(NORMAL, normal);
  doc.registerFont(BOLD, bold);
  new ReportWriter(doc).write(model);
  doc.end();
  return done;
}

function entryRows(entry: ReportEntry): ReportField[] {
  return [...entry.fields, { label: '信息提供单位', value: entry.provider }, { label: '公示截止日期', value: entry.publicationEnd }];
}

function cellText(columnWidth: number): PDFKit.Mixins.TextOptions {
  return { width: columnWidth - 2 * CELL_PAD, lineGap: 1 };
}

class ReportWriter {
  private readonly left: number;
  private readonly width: number;

  constructor(private readonly doc: PDFKit.PDFDocument) {
    this.left = MARGIN.left;
    this.width = doc.page.width - MARGIN.left - MARGIN.right;
  }

  write(model: CreditReportModel): void {
    const doc = this.doc;
    doc.font(BOLD).fontSize(22).fillColor(TEXT).text(model.title, this.left, MARGIN.top + 8, { width: this.width, align: 'center', characterSpacing: 4 });
    doc.moveDown(1);
    for (const field of [...model.heading, { label: '信息概要', value: model.summary }]) this.row(field);
    if (model.emptyNotice !== null) {
      doc.moveDown(1.5);
      doc.font(BOLD).fontSize(14).fillColor(TEXT).text(model.emptyNotice, this.left, doc.y, { width: this.width, align: 'center' });
    }
    model.sections.forEach((section, i) => {
      // Headings stay with the start of what they head: the first record when it fits on a page.
      const first = section.groups[0];
      const firstHeight = first ? GROUP_HEADING + this.keptHeight(first.entries[0]) : 30;
      this.heading(`${SECTION_NUMBERS[i] ?? i + 1}、${section.title}（共 ${section.count} 条）`, 14, firstHeight);
      if (section.emptyNotice !== null) this.paragraph(section.emptyNotice, 10.5);
      for (const group of section.groups) {
        this.heading(`${group.itemName}（${group.entries.length} 条）`, 12, this.keptHeight(group.entries[0]));
        group.entries.forEach((entry, n) => this.entry(entry, n + 1));
      }
    });
    this.heading('报告说明', 14, 40);
    model.closingNotes.forEach((note, i) => this.paragraph(`${i + 1}. ${note}`, 9.5));
    this.runningLines(model);
  }

  /** A record is kept on one page when it fits on one; a longer one starts where it is and runs on. */
  private entry(entry: ReportEntry, n: number): void {
    const doc = this.doc;
    this.keepSpace(this.keptHeight(entry));
    doc.moveDown(0.3);
    const marks = [entry.disputed ? `「${DISPUTED_MARK}」` : '', entry.statusMark !== null ? `「${entry.statusMark}」` : ''].join('');
    doc.font(BOLD).fontSize(10.5).fillColor(TEXT).text(`${n}. ${entry.itemName}`, this.left, doc.y, { width: this.width, continued: marks !== '' });
    if (marks !== '') doc.fillColor(MARK).text(` ${marks}`);
    doc.fillColor(TEXT).moveDown(0.2);
    for (const field of entryRows(entry)) this.row(field);
  }

  /** The space a record needs on its page: all of it when it fits on one page, else its caption and first row. */
  private keptHeight(entry: ReportEntry | undefined): number {
    if (entry === undefined) return 0;
    const height = ENTRY_CAPTION + entryRows(entry).reduce((sum, field) => sum + this.rowHeight(field), 0);
    return height <= this.pageBottom() - MARGIN.top ? height : ENTRY_CAPTION + 24;
  }

  /** A label | value row with borders; a value taller than a page flows on as plain text instead. */
  private row(field: ReportField): void {
    const doc = this.doc;
    const { labelWidth, valueWidth } = this.columns();
    const height = this.rowHeight(field);
    if (height > this.pageBottom() - MARGIN.top) {
      this.keepSpace(40);
      doc.font(BOLD).fillColor(TEXT).text(`${field.label}：`, this.left, doc.y, { width: this.width });
      doc.font(NORMAL).text(field.value, this.left, doc.y, { width: this.width, lineGap: 1 });
      doc.moveDown(0.3);
      return;
    }
    this.keepSpace(height);
    const y = doc.y;
    doc.rect(this.left, y, labelWidth, height).fillAndStroke(LABEL_FILL, RULE);
    doc.rect(this.left + labelWidth, y, valueWidth, height).stroke(RULE);
    doc.fillColor(TEXT).text(field.label, this.left + CELL_PAD, y + CELL_PAD, cellText(labelWidth));
    doc.text(field.value, this.left + labelWidth + CELL_PAD, y + CELL_PAD, cellText(valueWidth));
    doc.x = this.left;
    doc.y = y + height;
  }

  private rowHeight(field: ReportField): number {
    const { labelWidth, valueWidth } = this.columns();
    this.doc.font(NORMAL).fontSize(10);
    return Math.max(this.doc.heightOfString(field.label, cellText(labelWidth)), this.doc.heightOfString(field.value, cellText(valueWidth))) + 2 * CELL_PAD;
  }

  private columns(): { labelWidth: number; valueWidth: number } {
    const labelWidth = Math.round(this.width * LABEL_SHARE);
    return { labelWidth, valueWidth: this.width - labelWidth };
  }

  private heading(text: string, size: number, keepWithNext: number): void {
    const doc = this.doc;
    doc.moveDown(0.8);
    this.keepSpace(size * 2 + keepWithNext);
    doc.font(BOLD).fontSize(size).fillColor(TEXT).text(text, this.left, doc.y, { width: this.width });
    doc.moveDown(0.3);
  }

  private paragraph(text: string, size: number): void {
    this.doc.font(NORMAL).fontSize(size).fillColor(TEXT).text(text, this.left, this.doc.y, { width: this.width, lineGap: 2 });
    this.doc.moveDown(0.2);
  }

  private keepSpace(height: number): void {
    if (this.doc.y + height > this.pageBottom()) this.doc.addPage();
  }

  private pageBottom(): number {
    return this.doc.page.height - MARGIN.bottom;
  }

  /** Drawn last, when the page count is known. Margins are lifted so pdfkit does not break a page. */
  private runningLines(model: CreditReportModel): void {
    const doc = this.doc;
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
      const headerY = 30;
      const footerY = doc.page.height - 40;
      doc.font(NORMAL).fontSize(8.5).fillColor(MUTED);
      doc.text(`${model.title}\u3000${model.issuer}`, this.left, headerY, { width: this.width, align: 'left', lineBreak: false });
      doc.text(`报告编号：${model.reportNo}`, this.left, headerY, { width: this.width, align: 'right', lineBreak: false });
      doc.moveTo(this.left, headerY + 14).lineTo(this.left + this.width, headerY + 14).lineWidth(0.5).stroke(RULE);
      doc.moveTo(this.left, footerY - 6).lineTo(this.left + this.width, footerY - 6).lineWidth(0.5).stroke(RULE);
      doc.fillColor(MUTED).text(`出具时间：${model.issuedAt}`, this.left, footerY, { width: this.width, align: 'left', lineBreak: false });
      doc.text(`第 ${i - range.start + 1} 页 共 ${range.count} 页`, this.left, footerY, { width: this.width, align: 'right', lineBreak: false });
    }
  }
}
