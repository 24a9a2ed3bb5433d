/**
 * Bounded work per input and contained encoding errors (issue 11 findings 4 and 6, issue 12):
 * a bad byte in NDJSON or CSV costs only its row (ENCODING_MISMATCH with line and byte offset),
 * a JSON array with a bad byte is refused whole with the right offset and line, a record past
 * the size limit is skipped to its end without being held and refused in its place, and a CSV
 * header is checked in one pass.
 */
import * as iconv from 'iconv-lite';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { decodeBody, DecodeOptions } from './decode-body';
import { IngestError } from './ingest-error';
import type { BodyCharset, BodyFormat } from './media-type';
import { checkedHeader, DEFAULT_READ_LIMITS, ReadLimits, readRecords, type SubmittedRecord } from './read-records';
import { measureRecord } from './record-bounds';

function streamed(bytes: Buffer, size: number): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
  return Readable.from(pieces);
}

async function read(
  bytes: Buffer,
  format: BodyFormat,
  o: { charset?: BodyCharset; size?: number; limits?: Partial<ReadLimits>; decode?: DecodeOptions; maxBytes?: number } = {},
): Promise<SubmittedRecord[]> {
  const invalidBytes = format === 'json' ? 'body' : 'line';
  const text = decodeBody(streamed(bytes, o.size ?? 7), o.charset ?? 'utf-8', o.maxBytes ?? 1024 * 1024, { invalidBytes, ...o.decode });
  const out: SubmittedRecord[] = [];
  for await (const r of readRecords(text, format, { ...DEFAULT_READ_LIMITS, ...o.limits })) out.push(r);
  return out;
}

async function refusalOf(promise: Promise<unknown>): Promise<IngestError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

const GBK_NAME = iconv.encode('厦门测试', 'gbk'); // bytes not valid UTF-8

describe('a bad byte in NDJSON costs its row only', () => {
  const lines = (middle: Buffer) => Buffer.concat([Buffer.from('{"n":1}\n{"n":2}\n{"n":"'), middle, Buffer.from('"}\n{"n":4}\n')]);

  it.each([1, 3, 7, 4096])('refuses line 3 with ENCODING_MISMATCH, its line and byte offset, and reads the rest (%i-byte pieces)', async (size) => {
    const records = await read(lines(GBK_NAME), 'ndjson', { size });
    expect(records).toEqual([
      { index: 0, fields: { n: 1 } },
      { index: 1, fields: { n: 2 } },
      { index: 2, fields: {}, refusal: { code: 'ENCODING_MISMATCH', field: '(record)', value: '第 3 行，字节偏移 22' } },
      { index: 3, fields: { n: 4 } },
    ]);
  });

  it('refuses a character cut by the end of its line', async () => {
    const records = await read(Buffer.concat([Buffer.from('{"n":"'), Buffer.from('名').subarray(0, 2), Buffer.from('\n{"n":2}\n')]), 'ndjson');
    expect(records.map((r) => r.refusal?.code)).toEqual(['ENCODING_MISMATCH', undefined]);
  });

  it('finds UTF-8 sent as GBK per line as well', async () => {
    const body = Buffer.concat([iconv.encode('{"n":"厦门"}\n', 'gbk'), Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a])]);
    const records = await read(body, 'ndjson', { charset: 'gbk' });
    expect(records).toEqual([{ index: 0, fields: { n: '厦门' } }, expect.objectContaining({ index: 1, refusal: expect.objectContaining({ code: 'ENCODING_MISMATCH' }) })]);
  });
});

describe('a bad byte in CSV costs its row only', () => {
  it('refuses data row 2 (line 3) with its line and offset; the header and other rows read', async () => {
    const body = Buffer.concat([Buffer.from('name,no\n甲,1\n'), GBK_NAME, Buffer.from(',2\n丙,3\n')]);
    const records = await read(body, 'csv');
    expect(records.map((r) => [r.index, r.refusal?.value ?? r.fields.name])).toEqual([
      [0, '甲'],
      [1, '第 3 行，字节偏移 14'],
      [2, '丙'],
    ]);
  });

  it('names a row that spans lines by the broken line inside it', async () => {
    const body = Buffer.concat([Buffer.from('name,no\n"甲\n'), GBK_NAME, Buffer.from('",1\n丙,3\n')]);
    const records = await read(body, 'csv');
    expect(records.map((r) => r.refusal?.value)).toEqual(['第 3 行，字节偏移 13', undefined]);
  });

  it('refuses the whole body when the header itself is broken: no row could be read by its names', async () => {
    const error = await refusalOf(read(Buffer.concat([GBK_NAME, Buffer.from(',no\n甲,1\n')]), 'csv'));
    expect(error.code).toBe('ENCODING_MISMATCH');
    expect(error.details).toEqual([expect.objectContaining({ line: 1, byteOffset: 0 })]);
  });
});

describe('a bad byte in a JSON array refuses the body, pointing at the byte', () => {
  it.each([1, 5, 4096])('reports the byte offset and line of the first bad byte (%i-byte pieces)', async (size) => {
    const body = Buffer.concat([Buffer.from('[\n{"n":1},\n{"n":2},\n{"n":"'), GBK_NAME, Buffer.from('"}\n]')]);
    const error = await refusalOf(read(body, 'json', { size }));
    expect(error.code).toBe('ENCODING_MISMATCH');
    expect(error.details).toEqual([expect.objectContaining({ byteOffset: 26, line: 4 })]);
  });
});

describe('a record past the size limit is skipped to its end, never held whole', () => {
  const limits = { maxRecordBytes: 1024 };
  const big = 'x'.repeat(50_000);

  it('JSON array: the large element is refused in its place, its neighbours read', async () => {
    const body = Buffer.from(JSON.stringify([{ n: 1 }, { n: 2, text: big, inner: { q: '"]},' } }, { n: 3 }]));
    const records = await read(body, 'json', { limits, size: 4096 });
    expect(records).toEqual([
      { index: 0, fields: { n: 1 } },
      { index: 1, fields: {}, refusal: { code: 'RECORD_TOO_LARGE', field: '(record)', value: '超过 1024 字节' } },
      { index: 2, fields: { n: 3 } },
    ]);
  });

  it('NDJSON: the long line is refused in its place, its neighbours read', async () => {
    const body = Buffer.from(`{"n":1}\n${JSON.stringify({ n: 2, text: big })}\n{"n":3}`);
    const records = await read(body, 'ndjson', { limits, size: 4096 });
    expect(records).toEqual([
      { index: 0, fields: { n: 1 } },
      { index: 1, fields: {}, refusal: { code: 'RECORD_TOO_LARGE', field: '(record)', value: '第 2 行超过 1024 字节' } },
      { index: 2, fields: { n: 3 } },
    ]);
  });

  it('counts bytes, not characters: 400 Chinese characters are 1,200 bytes', async () => {
    const body = Buffer.from(`${JSON.stringify({ t: '厦'.repeat(400) })}\n`);
    expect((await read(body, 'ndjson', { limits }))[0].refusal?.code).toBe('RECORD_TOO_LARGE');
  });
});

describe('a CSV header is checked in one pass', () => {
  it('refuses more columns than the limit with a Chinese message', async () => {
    const header = Array.from({ length: 1001 }, (_, i) => `c${i}`).join(',');
    const error = await refusalOf(read(Buffer.from(`${header}\n`), 'csv', { size: 65536 }));
    expect(error.code).toBe('MALFORMED_BODY');
    expect(error.message).toBe('CSV 表头有 1001 列，超过上限 1000 列');
  });

  it('refuses a 200,000-column header past the record limit before the CSV parser sees it', async () => {
    const header = Array.from({ length: 200_000 }, (_, i) => `c${i}`).join(',');
    const error = await refusalOf(read(Buffer.from(`${header}\nx\n`), 'csv', { size: 65536, maxBytes: 8 * 1024 * 1024 }));
    expect(error.message).toMatch(/^CSV 表头至少有 \d+ 列，超过上限 1000 列$/);
  });

  it('counts columns outside quotes only', async () => {
    const records = await read(Buffer.from('"a,b",c\n1,2\n'), 'csv', { limits: { maxCsvColumns: 2 } as Partial<ReadLimits> });
    expect(records).toEqual([{ index: 0, fields: { 'a,b': '1', c: '2' } }]);
  });

  it('finds a duplicate among 200,000 names (a Set, not indexOf per name)', () => {
    const names = Array.from({ length: 200_000 }, (_, i) => `c${i}`);
    names.push('c7');
    expect(() => checkedHeader(names, 1_000_000)).toThrow('CSV 表头重复：c7');
    expect(checkedHeader([' a ', 'b'], 10)).toEqual(['a', 'b']);
  });
});

describe('measureRecord: one iterative walk, stopped at the first bound', () => {
  const bounds = { maxRecordBytes: 1024 * 1024, maxFieldsPerRecord: 500, maxDepth: 32 };

  it('refuses a record 20,000 levels deep without overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let d = 0; d < 20_000; d++) deep = { a: deep };
    expect(measureRecord(deep, bounds)).toEqual({ ok: false, refusal: { code: 'RECORD_TOO_LARGE', field: '(record)', value: '嵌套超过 32 层' } });
  });

  it('refuses 300,000 keys at the 501st', () => {
    const wide: Record<string, number> = {};
    for (let i = 0; i < 300_000; i++) wide[`k${i}`] = i;
    expect(measureRecord(wide, bounds)).toEqual({ ok: false, refusal: expect.objectContaining({ value: '字段和数组元素超过 500 个' }) });
  });

  it('counts array elements as fields and measures an ordinary record', () => {
    expect(measureRecord({ list: Array.from({ length: 600 }, () => 1) }, bounds).ok).toBe(false);
    const ok = measureRecord({ name: '厦门', n: 1 }, bounds);
    expect(ok).toEqual({ ok: true, bytes: expect.any(Number) });
    expect(ok.ok && ok.bytes).toBeGreaterThanOrEqual(JSON.stringify({ name: '厦门', n: 1 }).length);
  });
});

describe('an empty body', () => {
  it('is EMPTY_BODY for a JSON body of nothing but whitespace', async () => {
    expect((await refusalOf(read(Buffer.from(' \n'), 'json'))).code).toBe('EMPTY_BODY');
  });
});

describe('Content-Encoding', () => {
  it('inflates gzip and reads the records', async () => {
    const records = await read(gzipSync(Buffer.from('{"n":1}\n{"n":2}\n')), 'ndjson', { decode: { contentEncoding: 'gzip' } });
    expect(records.map((r) => r.fields)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('refuses a gzip bomb at the limit counted after inflation', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)); // 50 MB of spaces in ~50 KB
    const error = await refusalOf(read(bomb, 'json', { size: 16 * 1024, maxBytes: 1024 * 1024, decode: { contentEncoding: 'gzip' } }));
    expect(error.code).toBe('BODY_TOO_LARGE');
  });

  it('refuses an encoding it does not know with 415', () => {
    expect(() => decodeBody(Readable.from([]), 'utf-8', 1024, { contentEncoding: 'br' })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE' }));
  });
});

describe('a CSV row past the record limit costs that row only (RECORD_TOO_LARGE in its place)', () => {
  const limits = { maxRecordBytes: 64 } as Partial<ReadLimits>;
  const big = 'x'.repeat(200);

  it.each([1, 5, 4096])('refuses the long row and reads its neighbours (%i-byte pieces)', async (size) => {
    const body = Buffer.from(`name,no\n甲,1\n${big},2\n丙,3\n`);
    const records = await read(body, 'csv', { size, limits });
    expect(records).toEqual([
      { index: 0, fields: { name: '甲', no: '1' } },
      { index: 1, fields: {}, refusal: { code: 'RECORD_TOO_LARGE', field: '(record)', value: '第 3 行超过 64 字节' } },
      { index: 2, fields: { name: '丙', no: '3' } },
    ]);
  });

  it('counts UTF-8 bytes, skips a quoted cell spanning lines to its end, and keeps later line numbers true', async () => {
    const body = Buffer.concat([
      Buffer.from('name,no\r\n'),
      Buffer.from(`"${'厦'.repeat(30)}\n第二行\n第三行",1\r\n`), // 90+ bytes over three lines
      Buffer.from('乙,2\r\n'),
      GBK_NAME,
      Buffer.from(',3\r\n'),
    ]);
    const records = await read(body, 'csv', { size: 3, limits });
    expect(records).toEqual([
      { index: 0, fields: {}, refusal: { code: 'RECORD_TOO_LARGE', field: '(record)', value: '第 2 行超过 64 字节' } },
      { index: 1, fields: { name: '乙', no: '2' } },
      expect.objectContaining({ index: 2, refusal: { code: 'ENCODING_MISMATCH', field: '(record)', value: expect.stringMatching(/^第 6 行/) } }),
    ]);
  });

  it('refuses a long last row without a final line feed', async () => {
    const records = await read(Buffer.from(`name,no\n甲,1\n${big},2`), 'csv', { limits });
    expect(records.map((r) => r.refusal?.code ?? r.fields.name)).toEqual(['甲', 'RECORD_TOO_LARGE']);
  });
});
