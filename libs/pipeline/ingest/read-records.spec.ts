/**
 * Reading the records of a decoded submission one at a time (API.md "Supplier ingest"): a JSON
 * array, NDJSON, or CSV with a header row. A malformed body is refused as a whole with
 * 400 MALFORMED_BODY naming the record (`index`, 0-based; for CSV the data row) or the line.
 */
import * as iconv from 'iconv-lite';
import { Readable } from 'node:stream';
import { penaltyRecord } from '../../../test/fixtures/credit-data';
import { decodeBody } from './decode-body';
import { IngestError } from './ingest-error';
import type { BodyCharset, BodyFormat } from './media-type';
import { readRecords, type SubmittedRecord } from './read-records';

function streamed(bytes: Buffer, size: number): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
  return Readable.from(pieces);
}

interface ReadOptions {
  readonly charset?: BodyCharset;
  readonly size?: number;
  readonly maxBytes?: number;
}

/** The same path a submission takes: bytes in 7-byte pieces → decodeBody → readRecords. */
async function read(body: string | Buffer, format: BodyFormat, options: ReadOptions = {}): Promise<SubmittedRecord[]> {
  const { charset = 'utf-8', size = 7, maxBytes = 1024 * 1024 } = options;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const records: SubmittedRecord[] = [];
  for await (const record of readRecords(decodeBody(streamed(bytes, size), charset, maxBytes), format)) records.push(record);
  return records;
}

async function refusal(body: string | Buffer, format: BodyFormat, options: ReadOptions = {}): Promise<IngestError> {
  try {
    await read(body, format, options);
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error('expected the body to be refused');
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'x' };
  for (let d = 1; d < depth; d++) value = { child: value };
  return value;
}

describe('readRecords — JSON array', () => {
  const records = Array.from({ length: 10 }, (_, n) => penaltyRecord(n));

  it('yields every element in order with its 0-based index, however small the pieces', async () => {
    const read_ = await read(JSON.stringify(records), 'json', { size: 7 });
    expect(read_.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(read_.map((r) => r.fields)).toEqual(records);
  });

  it('reads Chinese text split across pieces intact', async () => {
    const [first] = await read(JSON.stringify([{ subject_name: '厦门测试企业有限公司' }]), 'json', { size: 1 });
    expect(first?.fields.subject_name).toBe('厦门测试企业有限公司');
  });

  it('reads an empty array as no records', async () => {
    expect(await read('[]', 'json')).toEqual([]);
  });

  it('tolerates whitespace and a UTF-8 BOM around the array', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('\n  [ {"a": 1} ]\n')]);
    expect(await read(body, 'json')).toEqual([{ index: 0, fields: { a: 1 } }]);
  });

  it('refuses malformed JSON at record 7 with MALFORMED_BODY and details index 7', async () => {
    const good = Array.from({ length: 7 }, (_, n) => JSON.stringify(penaltyRecord(n)));
    const body = `[${good.join(',')},{"subject_name": "坏记录", "decision_no": }, ${JSON.stringify(penaltyRecord(8))}]`;
    const error = await refusal(body, 'json');
    expect(error.code).toBe('MALFORMED_BODY');
    expect(error.details).toEqual([expect.objectContaining({ index: 7 })]);
    expect(error.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('names the broken record even when the whole body arrives in one piece (the parser runs ahead)', async () => {
    const body = `[{"n":0},{"n":1},{"n":2},{"n":3},{"n": tru}]`;
    expect((await refusal(body, 'json', { size: 4096 })).details).toEqual([expect.objectContaining({ index: 4 })]);
  });

  it('names the first record that is wrong, whether it is not an object or not JSON', async () => {
    expect((await refusal('[{"n":0}, 1, "two", null, {"n": ]', 'json')).details).toEqual([expect.objectContaining({ index: 1 })]);
    expect((await refusal('[{"n":0}, {"n":1}, {"s":"]}"}, {"n": ]', 'json')).details).toEqual([expect.objectContaining({ index: 3 })]);
  });

  it('refuses a JSON array cut off in the middle with MALFORMED_BODY', async () => {
    const error = await refusal(`[${JSON.stringify(penaltyRecord(0))},{"subject_name": "半条`, 'json');
    expect(error.code).toBe('MALFORMED_BODY');
  });

  it('refuses trailing garbage after the array with MALFORMED_BODY', async () => {
    expect((await refusal('[{"n":0}] [', 'json')).code).toBe('MALFORMED_BODY');
  });

  it('refuses a top-level object instead of an array with MALFORMED_BODY', async () => {
    const error = await refusal(JSON.stringify(penaltyRecord(1)), 'json');
    expect(error.code).toBe('MALFORMED_BODY');
  });

  it.each([
    { name: 'a number', element: 5 },
    { name: 'a string', element: 'record' },
    { name: 'null', element: null },
    { name: 'an array', element: [penaltyRecord(2)] },
  ])('refuses an element that is $name with MALFORMED_BODY at its index', async ({ element }) => {
    const error = await refusal(JSON.stringify([penaltyRecord(0), penaltyRecord(1), element]), 'json');
    expect(error.code).toBe('MALFORMED_BODY');
    expect(error.details).toEqual([expect.objectContaining({ index: 2, reason: 'not an object' })]);
  });

  it('accepts a record nested 32 levels deep', async () => {
    expect(await read(JSON.stringify([nested(32)]), 'json')).toHaveLength(1);
  });

  it('refuses a record nested deeper than 32 levels with RECORD_TOO_LARGE in its place, its neighbours read', async () => {
    const read_ = await read(JSON.stringify([{ a: 1 }, nested(33), { b: 2 }]), 'json');
    expect(read_).toEqual([
      { index: 0, fields: { a: 1 } },
      { index: 1, fields: {}, refusal: { code: 'RECORD_TOO_LARGE', field: '(record)', value: '嵌套超过 32 层' } },
      { index: 2, fields: { b: 2 } },
    ]);
  });

  it('counts arrays inside a record as nesting too', async () => {
    let deep: unknown = 'leaf';
    for (let d = 0; d < 40; d++) deep = [deep];
    const read_ = await read(JSON.stringify([{ list: deep }]), 'json');
    expect(read_).toEqual([{ index: 0, fields: {}, refusal: expect.objectContaining({ code: 'RECORD_TOO_LARGE' }) }]);
  });

  it('passes a decoding error through as ENCODING_MISMATCH, not MALFORMED_BODY', async () => {
    const body = iconv.encode(JSON.stringify([{ subject_name: '厦门测试企业有限公司' }]), 'gbk');
    expect((await refusal(body, 'json')).code).toBe('ENCODING_MISMATCH');
  });

  it('passes the byte limit through as BODY_TOO_LARGE', async () => {
    const body = JSON.stringify(Array.from({ length: 20 }, (_, n) => penaltyRecord(n)));
    expect((await refusal(body, 'json', { maxBytes: 2048 })).code).toBe('BODY_TOO_LARGE');
  });
});

describe('readRecords — NDJSON', () => {
  it('yields one record per line and skips blank lines without counting them', async () => {
    const body = ['{"n":0}', '', '{"n":1}', '   ', '', '{"n":2}', ''].join('\n');
    expect(await read(body, 'ndjson')).toEqual([
      { index: 0, fields: { n: 0 } },
      { index: 1, fields: { n: 1 } },
      { index: 2, fields: { n: 2 } },
    ]);
  });

  it('reads CRLF line ends', async () => {
    expect(await read('{"n":0}\r\n{"n":1}\r\n', 'ndjson')).toEqual([
      { index: 0, fields: { n: 0 } },
      { index: 1, fields: { n: 1 } },
    ]);
  });

  it('reads the last line without a trailing newline', async () => {
    expect(await read('{"n":0}\n{"n":1}', 'ndjson', { size: 3 })).toHaveLength(2);
  });

  it('refuses a line that is not JSON with MALFORMED_BODY naming the record index and the line', async () => {
    const error = await refusal('{"n":0}\n\n{"n":1}\n{"n": }\n{"n":3}\n', 'ndjson');
    expect(error.code).toBe('MALFORMED_BODY');
    expect(error.details).toEqual([{ index: 2, line: 4 }]);
  });

  it('refuses a line that is JSON but not an object', async () => {
    const error = await refusal('{"n":0}\n[1,2]\n', 'ndjson');
    expect(error.code).toBe('MALFORMED_BODY');
    expect(error.details).toEqual([expect.objectContaining({ index: 1, line: 2, reason: 'not an object' })]);
  });

  it('reads a deep record as it is: its depth is measured where every channel meets (record-bounds.ts)', async () => {
    expect(await read(`${JSON.stringify(nested(33))}\n`, 'ndjson')).toEqual([{ index: 0, fields: nested(33) }]);
  });

  it('passes a decoding error through as ENCODING_MISMATCH', async () => {
    const body = iconv.encode('{"subject_name":"厦门测试企业有限公司"}\n', 'gbk');
    expect((await refusal(body, 'ndjson')).code).toBe('ENCODING_MISMATCH');
  });
});

describe('readRecords — CSV with a header row', () => {
  it('yields each data row keyed by the header, indexed from 0', async () => {
    const body = 'subject_name,decision_no\r\n甲公司,厦罚〔2026〕1号\r\n乙公司,厦罚〔2026〕2号\r\n';
    expect(await read(body, 'csv')).toEqual([
      { index: 0, fields: { subject_name: '甲公司', decision_no: '厦罚〔2026〕1号' } },
      { index: 1, fields: { subject_name: '乙公司', decision_no: '厦罚〔2026〕2号' } },
    ]);
  });

  it('trims blanks around header names', async () => {
    const [row] = await read(' subject_name , remarks \n甲公司,无\n', 'csv');
    expect(row?.fields).toEqual({ subject_name: '甲公司', remarks: '无' });
  });

  it('reads quoted cells holding commas, quotes and line breaks (RFC 4180)', async () => {
    const body = 'subject_name,remarks\n"甲,乙公司","第一行\n第二行 ""引号"""\n';
    expect(await read(body, 'csv')).toEqual([{ index: 0, fields: { subject_name: '甲,乙公司', remarks: '第一行\n第二行 "引号"' } }]);
  });

  it('skips empty lines without counting them as rows', async () => {
    const rows = await read('n\n1\n\n2\n\n', 'csv');
    expect(rows).toEqual([
      { index: 0, fields: { n: '1' } },
      { index: 1, fields: { n: '2' } },
    ]);
  });

  it('decodes a GBK CSV with Chinese headers (charset=gbk)', async () => {
    const body = iconv.encode('行政相对人名称,处罚决定日期\r\n厦门测试企业有限公司,2026-03-05\r\n', 'gbk');
    expect(await read(body, 'csv', { charset: 'gbk' })).toEqual([
      { index: 0, fields: { 行政相对人名称: '厦门测试企业有限公司', 处罚决定日期: '2026-03-05' } },
    ]);
  });

  it('tolerates a UTF-8 BOM before the header', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('名称,日期\n甲,2026-03-05\n')]);
    const [row] = await read(body, 'csv', { size: 2 });
    expect(Object.keys(row?.fields ?? {})).toEqual(['名称', '日期']);
  });

  it('refuses a duplicate header with MALFORMED_BODY on line 1', async () => {
    const error = await refusal('subject_name,decision_no,subject_name\na,b,c\n', 'csv');
    expect(error.code).toBe('MALFORMED_BODY');
    expect(error.details).toEqual([expect.objectContaining({ line: 1, reason: 'duplicate header' })]);
  });

  it('refuses header names that are duplicates only after trimming', async () => {
    const error = await refusal('名称, 名称\n甲,乙\n', 'csv');
    expect(error.code).toBe('MALFORMED_BODY');
  });

  it('refuses a row with the wrong number of columns with MALFORMED_BODY naming its line', async () => {
    const error = await refusal('a,b\n1,2\n3,4\n5,6,7\n8,9\n', 'csv');
    expect(error.code).toBe('MALFORMED_BODY');
    expect(error.details).toEqual([expect.objectContaining({ line: 4 })]);
    expect(error.message).toContain('第 4 行');
  });

  it('refuses an unterminated quote with MALFORMED_BODY', async () => {
    const error = await refusal('a,b\n1,"open\n', 'csv');
    expect(error.code).toBe('MALFORMED_BODY');
  });

  it('passes a decoding error through as ENCODING_MISMATCH', async () => {
    const body = iconv.encode('名称,日期\n甲,2026-03-05\n', 'gbk');
    expect((await refusal(body, 'csv')).code).toBe('ENCODING_MISMATCH');
  });
});
