import { RejectionView } from './batch-report.service';

const HEADER = ['序号(index)', '记录标识(sourceKey)', '字段(field)', '代码(code)', '值(value)', '说明(message)', '修改建议(hint)'];

/** A cell a spreadsheet would run as a formula is prefixed with ' (OWASP CSV injection). */
export function formulaSafe(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

export function csvCell(value: string | number | null): string {
  const text = formulaSafe(value === null ? '' : String(value));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function rejectionsCsvHeader(): string {
  return `${HEADER.map(csvCell).join(',')}\r\n`;
}

export function rejectionCsvRow(r: RejectionView): string {
  return `${[r.index, r.sourceKey, r.field, r.code, r.value, r.message, r.hint].map(csvCell).join(',')}\r\n`;
}
