/**
 * Which bodies `POST /api/v1/ingest/{itemCode}` reads (API.md "Supplier ingest"): JSON arrays,
 * NDJSON and CSV, in UTF-8 (the default) or GBK; anything else is 415 UNSUPPORTED_MEDIA_TYPE.
 */
import { IngestError } from './ingest-error';
import { parseIngestMediaType } from './media-type';

function refusal(contentType: string | undefined): IngestError {
  try {
    parseIngestMediaType(contentType);
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error(`expected ${String(contentType)} to be refused`);
}

describe('parseIngestMediaType — accepted bodies', () => {
  it.each([
    { contentType: 'application/json', format: 'json', charset: 'utf-8' },
    { contentType: 'application/x-ndjson', format: 'ndjson', charset: 'utf-8' },
    { contentType: 'application/ndjson', format: 'ndjson', charset: 'utf-8' },
    { contentType: 'text/csv', format: 'csv', charset: 'utf-8' },
  ])('$contentType without a charset is $format in UTF-8 (the default)', ({ contentType, format, charset }) => {
    expect(parseIngestMediaType(contentType)).toEqual({ format, charset });
  });

  it.each([
    { contentType: 'text/csv; charset=utf-8', charset: 'utf-8' },
    { contentType: 'text/csv; charset=UTF-8', charset: 'utf-8' },
    { contentType: 'text/csv;charset=utf8', charset: 'utf-8' },
    { contentType: 'text/csv; charset="utf-8"', charset: 'utf-8' },
    { contentType: 'text/csv; charset=gbk', charset: 'gbk' },
    { contentType: 'text/csv; charset=GBK', charset: 'gbk' },
    { contentType: 'text/csv; charset=gb2312', charset: 'gbk' },
  ])('$contentType is read as $charset', ({ contentType, charset }) => {
    expect(parseIngestMediaType(contentType)).toEqual({ format: 'csv', charset });
  });

  it('reads the media type case-insensitively and ignores other parameters', () => {
    expect(parseIngestMediaType('Application/JSON; version=1; charset=gbk')).toEqual({ format: 'json', charset: 'gbk' });
  });
});

describe('parseIngestMediaType — refused bodies (415 UNSUPPORTED_MEDIA_TYPE)', () => {
  it.each([
    { name: 'no Content-Type at all', contentType: undefined },
    { name: 'an empty Content-Type', contentType: '' },
    { name: 'XML', contentType: 'application/xml' },
    { name: 'a form', contentType: 'application/x-www-form-urlencoded' },
    { name: 'an Excel workbook', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
    { name: 'plain text', contentType: 'text/plain; charset=utf-8' },
  ])('$name is refused', ({ contentType }) => {
    expect(refusal(contentType).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it.each(['latin1', 'iso-8859-1', 'utf-16', 'big5', ''])('charset=%s is refused', (charset) => {
    expect(refusal(`text/csv; charset=${charset}`).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('explains the refusal in Chinese', () => {
    expect(refusal('application/xml').message).toMatch(/[\u4e00-\u9fff]/);
  });
});
