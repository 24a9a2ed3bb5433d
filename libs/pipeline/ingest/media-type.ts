import { IngestError } from './ingest-error';

export type BodyFormat = 'json' | 'ndjson' | 'csv';
export type BodyCharset = 'utf-8' | 'gbk';

export interface IngestMediaType {
  readonly format: BodyFormat;
  readonly charset: BodyCharset;
}

const FORMATS: Record<string, BodyFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'text/csv': 'csv',
};

const CHARSETS: Record<string, BodyCharset> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  gbk: 'gbk',
  gb2312: 'gbk',
  gb18030: 'gbk',
};

export function parseIngestMediaType(contentType: string | undefined): IngestMediaType {
  const [essence, ...params] = (contentType ?? '').split(';').map((p) => p.trim().toLowerCase());
  const format = FORMATS[essence];
  if (!format) {
    throw new IngestError('UNSUPPORTED_MEDIA_TYPE', `不支持的内容类型 ${essence || '(无)'}，请使用 application/json、application/x-ndjson 或 text/csv`);
  }
  const charsetParam = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  const charset = charsetParam === undefined ? 'utf-8' : CHARSETS[charsetParam];
  if (!charset) {
    throw new IngestError('UNSUPPORTED_MEDIA_TYPE', `不支持的字符集 ${charsetParam}，请使用 utf-8 或 gbk`);
  }
  return { format, charset };
}
