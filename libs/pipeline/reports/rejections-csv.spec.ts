/**
 * The rejections of a batch as a CSV a supplier opens in a spreadsheet (API.md:
 * `GET /api/v1/ingest/batches/{batchId}/rejections?format=csv`, "formula-safe"). Cells are quoted
 * per RFC 4180, and a cell a spreadsheet would run as a formula is prefixed with ' (OWASP CSV
 * injection), since rejection values echo what the supplier's own system sent.
 */
import { parse } from 'csv-parse/sync';
import type { RejectionView } from './batch-report.service';
import { csvCell, formulaSafe, rejectionCsvRow, rejectionsCsvHeader } from './rejections-csv';

function rejection(overrides: Partial<RejectionView> = {}): RejectionView {
  return {
    index: 41,
    sourceKey: 'CF-41',
    field: 'subject_code',
    code: 'USCC_CHECKSUM',
    value: '9135**********0Y43',
    message: '统一社会信用代码校验位错误',
    hint: '核对统一社会信用代码，常见原因为录入错误',
    ...overrides,
  };
}

describe('formulaSafe — cells a spreadsheet would run as formulas', () => {
  it.each([
    { name: 'an equals sign', cell: '=HYPERLINK("http://x","点击")' },
    { name: 'a plus sign', cell: '+86 592 1234567' },
    { name: 'a minus sign', cell: '-2+3' },
    { name: 'an at sign', cell: '@SUM(A1:A9)' },
    { name: 'a tab', cell: '\t=1+1' },
    { name: 'a carriage return', cell: '\r=1+1' },
  ])('a cell starting with $name is prefixed with an apostrophe', ({ cell }) => {
    expect(formulaSafe(cell)).toBe(`'${cell}`);
  });

  it.each([
    { name: 'ordinary Chinese text', cell: '厦门测试企业有限公司' },
    { name: 'a formula character later in the cell', cell: 'a=b+c' },
    { name: 'a number', cell: '5000' },
    { name: 'an empty cell', cell: '' },
    { name: 'a leading space', cell: ' =1' },
  ])('$name is left alone', ({ cell }) => {
    expect(formulaSafe(cell)).toBe(cell);
  });
});

describe('csvCell — RFC 4180 quoting', () => {
  it.each([
    { name: 'plain text is not quoted', value: '罚款', cell: '罚款' },
    { name: 'a comma is quoted', value: '甲,乙', cell: '"甲,乙"' },
    { name: 'a double quote is doubled and quoted', value: '他说"是"', cell: '"他说""是"""' },
    { name: 'a line feed is quoted', value: '第一行\n第二行', cell: '"第一行\n第二行"' },
    { name: 'a carriage return is quoted', value: 'a\rb', cell: '"a\rb"' },
    { name: 'null is an empty cell', value: null, cell: '' },
    { name: 'a number is written as digits', value: 41, cell: '41' },
  ])('$name', ({ value, cell }) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('guards a formula before quoting it: the apostrophe goes inside the quotes', () => {
    expect(csvCell('=1,2')).toBe(`"'=1,2"`);
    expect(csvCell('\r=cmd')).toBe(`"'\r=cmd"`);
  });
});

describe('rejectionsCsvHeader and rejectionCsvRow', () => {
  it('the header names the seven columns in Chinese and English, ending in CRLF', () => {
    const header = rejectionsCsvHeader();
    expect(header.endsWith('\r\n')).toBe(true);
    expect(header.trimEnd().split(',')).toEqual([
      '序号(index)',
      '记录标识(sourceKey)',
      '字段(field)',
      '代码(code)',
      '值(value)',
      '说明(message)',
      '修改建议(hint)',
    ]);
  });

  it('a row lists index, sourceKey, field, code, value, message and hint, ending in CRLF', () => {
    expect(rejectionCsvRow(rejection())).toBe(
      '41,CF-41,subject_code,USCC_CHECKSUM,9135**********0Y43,统一社会信用代码校验位错误,核对统一社会信用代码，常见原因为录入错误\r\n',
    );
  });

  it('a missing source key and value are empty cells', () => {
    expect(rejectionCsvRow(rejection({ sourceKey: null, value: null }))).toBe(
      '41,,subject_code,USCC_CHECKSUM,,统一社会信用代码校验位错误,核对统一社会信用代码，常见原因为录入错误\r\n',
    );
  });

  it('a spreadsheet reading the file gets every cell back as text, formulas defused', () => {
    const hostile = rejection({
      sourceKey: '=cmd|"/c calc"!A1',
      value: '第一行\r\n"第二行", +1',
      message: '-1+1',
      hint: '@import',
    });
    const csv = rejectionsCsvHeader() + rejectionCsvRow(hostile) + rejectionCsvRow(rejection());
    const rows: string[][] = parse(csv, { relax_column_count: false });
    expect(rows).toHaveLength(3);
    expect(rows[1]).toEqual(['41', `'=cmd|"/c calc"!A1`, 'subject_code', 'USCC_CHECKSUM', '第一行\r\n"第二行", +1', "'-1+1", "'@import"]);
    expect(rows[2]?.[4]).toBe('9135**********0Y43');
  });
});
