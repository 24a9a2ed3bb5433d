/**
 * Decoding a submission as it streams (API.md "Supplier ingest"): UTF-8 by default, GBK when
 * declared, a UTF-8 BOM tolerated, bytes not valid in the declared charset refused with
 * 400 ENCODING_MISMATCH, and a body past the limit refused with 413 BODY_TOO_LARGE.
 */
import * as iconv from 'iconv-lite';
import { Readable } from 'node:stream';
import { decodeBody } from './decode-body';
import { IngestError } from './ingest-error';
import type { BodyCharset } from './media-type';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const LIMIT = 1024 * 1024;

/** The body as a client streams it: `size`-byte pieces, so characters are split across chunks. */
function streamed(bytes: Buffer, size = 7): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
  return Readable.from(pieces);
}

async function decoded(bytes: Buffer, charset: BodyCharset, size = 7, maxBytes = LIMIT): Promise<string> {
  let text = '';
  for await (const piece of decodeBody(streamed(bytes, size), charset, maxBytes)) text += String(piece);
  return text;
}

async function refusal(bytes: Buffer, charset: BodyCharset, size = 7, maxBytes = LIMIT): Promise<IngestError> {
  try {
    await decoded(bytes, charset, size, maxBytes);
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error('expected the body to be refused');
}

const CSV = '行政相对人名称,统一社会信用代码,处罚决定日期\r\n厦门测试企业有限公司,91350200000000017Q,2026-03-05\r\n';

describe('decodeBody — UTF-8 (the default)', () => {
  it.each([1, 2, 7, 4096])('passes Chinese text through unchanged when streamed in %i-byte pieces', async (size) => {
    expect(await decoded(Buffer.from(CSV, 'utf8'), 'utf-8', size)).toBe(CSV);
  });

  it('tolerates a leading UTF-8 BOM and drops it', async () => {
    expect(await decoded(Buffer.concat([UTF8_BOM, Buffer.from('[{"a":1}]')]), 'utf-8')).toBe('[{"a":1}]');
  });

  it('drops the BOM even when it arrives one byte at a time', async () => {
    expect(await decoded(Buffer.concat([UTF8_BOM, Buffer.from('名称')]), 'utf-8', 1)).toBe('名称');
  });

  it('keeps a U+FEFF that is not at the start (only a leading BOM is dropped)', async () => {
    expect(await decoded(Buffer.from('a\ufeffb', 'utf8'), 'utf-8')).toBe('a\ufeffb');
  });

  it('refuses GBK bytes declared as UTF-8 with ENCODING_MISMATCH', async () => {
    const error = await refusal(iconv.encode(CSV, 'gbk'), 'utf-8');
    expect(error.code).toBe('ENCODING_MISMATCH');
    expect(error.details).toEqual([expect.objectContaining({ byteOffset: expect.any(Number) })]);
    expect(error.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('reports the offset of the chunk where the bad bytes start', async () => {
    const bytes = Buffer.concat([Buffer.from('0123456789abcd'), iconv.encode('名称', 'gbk')]);
    const error = await refusal(bytes, 'utf-8', 7);
    expect(error.details).toEqual([expect.objectContaining({ byteOffset: 14 })]);
  });

  it('refuses a body that ends inside a multi-byte character', async () => {
    const cut = Buffer.from('名称', 'utf8').subarray(0, 4);
    expect((await refusal(cut, 'utf-8')).code).toBe('ENCODING_MISMATCH');
  });
});

describe('decodeBody — GBK (declared with charset=gbk)', () => {
  it.each([1, 7, 4096])('decodes a GBK CSV with Chinese headers streamed in %i-byte pieces', async (size) => {
    expect(await decoded(iconv.encode(CSV, 'gbk'), 'gbk', size)).toBe(CSV);
  });

  it.each([
    { name: 'a byte that is never valid in GBK (0xFF)', bytes: Buffer.from([0x41, 0xff, 0x42]) },
    { name: 'a lead byte followed by a space', bytes: Buffer.from([0x41, 0x81, 0x20, 0x42]) },
    { name: 'a lead byte at the very end', bytes: Buffer.from([0x41, 0x42, 0xd5]) },
  ])('refuses $name with ENCODING_MISMATCH', async ({ bytes }) => {
    expect((await refusal(bytes, 'gbk', 1)).code).toBe('ENCODING_MISMATCH');
  });

  it('refuses a UTF-8 file (with its BOM) declared as GBK', async () => {
    const error = await refusal(Buffer.concat([UTF8_BOM, Buffer.from(CSV, 'utf8')]), 'gbk', 4096);
    expect(error.code).toBe('ENCODING_MISMATCH');
    expect(error.details).toEqual([expect.objectContaining({ byteOffset: 0 })]);
  });
});

describe('decodeBody — the byte limit (413 BODY_TOO_LARGE)', () => {
  it.each<BodyCharset>(['utf-8', 'gbk'])('refuses a %s body one byte over the limit', async (charset) => {
    const error = await refusal(Buffer.alloc(2049, 0x41), charset, 7, 2048);
    expect(error.code).toBe('BODY_TOO_LARGE');
    expect(error.details).toEqual([{ limit: 2048 }]);
  });

  it('accepts a body of exactly the limit', async () => {
    expect(await decoded(Buffer.alloc(2048, 0x41), 'utf-8', 7, 2048)).toHaveLength(2048);
  });

  it('counts bytes, not characters (3-byte UTF-8 Chinese)', async () => {
    const text = '名'.repeat(700); // 700 characters, 2100 bytes
    expect((await refusal(Buffer.from(text, 'utf8'), 'utf-8', 7, 2048)).code).toBe('BODY_TOO_LARGE');
  });
});
