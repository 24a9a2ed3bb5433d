import { parse as parseCsv } from 'csv-parse';
import { pipeline, Readable, Transform, TransformCallback } from 'node:stream';
import type { RecordRefusal } from '../../bus/messages';
import { CsvRowBound, TOO_LARGE_ROW } from './csv-row-bound';
import { IngestError } from './ingest-error';
import { JsonArraySplitter } from './json-array-splitter';
import { BodyFormat } from './media-type';
import { DEFAULT_RECORD_BOUNDS, RecordBounds, utf8Length } from './record-bounds';

export interface SubmittedRecord {
  /** 0-based position in the submission (for CSV, the data row). */
  readonly index: number;
  readonly fields: Record<string, unknown>;
  /** Set when the record was refused while it was read (bad bytes, too large): it keeps its place, its fields are not used. */
  readonly refusal?: RecordRefusal;
}

/**
 * How a reader outside the REST edge (an SFTP file) hands a record refused while it was read to
 * IngestService.submitRecords, whose records are plain field maps: a symbol-keyed member, which
 * no supplier data can carry and which JSON never writes.
 */
export const READ_REFUSAL = Symbol('read-refusal');

export function asFields(record: SubmittedRecord): Record<string, unknown> {
  return record.refusal ? { ...pickSourceKey(record.fields), [READ_REFUSAL]: record.refusal } : record.fields;
}

function pickSourceKey(fields: Record<string, unknown>): Record<string, unknown> {
  return 'source_key' in fields ? { source_key: fields.source_key } : {};
}

export interface ReadLimits extends RecordBounds {
  /** Columns of a CSV header; a wider header refuses the body. */
  readonly maxCsvColumns: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { ...DEFAULT_RECORD_BOUNDS, maxCsvColumns: 1000 };

/** The lines (1-based) the decoder found bytes invalid in the charset on, with the offset of the first (decode-body.ts). */
type BrokenLines = ReadonlyMap<number, number>;

/**
 * Streams the records of a decoded body one at a time; memory stays flat whatever the size,
 * and no record is held past `maxRecordBytes` (it is skipped to its end and refused in place).
 */
export function readRecords(text: Readable, format: BodyFormat, limits: ReadLimits = DEFAULT_READ_LIMITS): AsyncGenerator<SubmittedRecord> {
  const broken = (text as Readable & { brokenLines?: BrokenLines }).brokenLines ?? new Map<number, number>();
  switch (format) {
    case 'json':
      return readJsonArray(text, limits);
    case 'ndjson':
      return readNdjson(text, limits, broken);
    case 'csv':
      return readCsv(text, limits, broken);
  }
}

async function* readJsonArray(text: Readable, limits: ReadLimits): AsyncGenerator<SubmittedRecord> {
  const splitter = new JsonArraySplitter(limits.maxDepth, limits.maxRecordBytes);
  for await (const piece of text as AsyncIterable<string>) {
    for (const element of splitter.feed(piece)) {
      const { index } = element;
      if ('refusal' in element) {
        yield { index, fields: {}, refusal: element.refusal };
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(element.text);
      } catch (e) {
        throw new IngestError('MALFORMED_BODY', `第 ${index + 1} 条记录不是有效的 JSON`, [{ index, reason: (e as Error).message }]);
      }
      yield { index, fields: asRecord(value, { index }) };
    }
  }
  splitter.end();
}

async function* readNdjson(text: Readable, limits: ReadLimits, broken: BrokenLines): AsyncGenerator<SubmittedRecord> {
  let index = 0;
  let line = 0;
  try {
    for await (const read of boundedLines(text, limits.maxRecordBytes)) {
      line = read.line;
      const badByte = broken.get(line);
      if (badByte !== undefined) {
        yield { index, fields: {}, refusal: encodingMismatch(line, badByte) };
        index++;
        continue;
      }
      if (read.text === undefined) {
        yield { index, fields: {}, refusal: { code: 'RECORD_TOO_LARGE', field: '(record)', value: `第 ${line} 行超过 ${limits.maxRecordBytes} 字节` } };
        index++;
        continue;
      }
      if (read.text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(read.text);
      } catch {
        throw new IngestError('MALFORMED_BODY', `第 ${line} 行不是有效的 JSON`, [{ index, line }]);
      }
      yield { index, fields: asRecord(value, { index, line }) };
      index++;
    }
  } catch (e) {
    throw asMalformed(e, { index, line }, '请求体不是有效的 NDJSON');
  }
}

/**
 * The lines of a text stream, 1-based; a line longer than `maxBytes` is not kept (its text is
 * undefined) and the rest of it is skipped, so one 60 MB line costs no more memory than the limit.
 */
export async function* boundedLines(text: AsyncIterable<string | Buffer>, maxBytes: number): AsyncGenerator<{ line: number; text: string | undefined }> {
  let line = 1;
  let pieces: string[] = [];
  let bytes = 0;
  let tooLong = false;
  const keep = (piece: string) => {
    if (tooLong || piece === '') return;
    bytes += utf8Length(piece);
    if (bytes > maxBytes) {
      tooLong = true;
      pieces = [];
    } else pieces.push(piece);
  };
  for await (const chunk of text) {
    const piece = String(chunk);
    let start = 0;
    for (;;) {
      const lf = piece.indexOf('\n', start);
      if (lf === -1) {
        keep(piece.slice(start));
        break;
      }
      keep(piece.slice(start, lf));
      yield { line, text: tooLong ? undefined : stripCr(pieces.join('')) };
      line++;
      pieces = [];
      bytes = 0;
      tooLong = false;
      start = lf + 1;
    }
  }
  if (tooLong || pieces.length > 0) yield { line, text: tooLong ? undefined : stripCr(pieces.join('')) };
}

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

async function* readCsv(text: Readable, limits: ReadLimits, broken: BrokenLines): AsyncGenerator<SubmittedRecord> {
  const headerEnd = 1;
  let firstColumn = '';
  const rows = pipeline(
    text,
    new CsvHeaderGuard(limits.maxCsvColumns, limits.maxRecordBytes),
    new CsvRowBound(limits.maxRecordBytes),
    parseCsv({
      columns: (header: string[]) => {
        const bad = broken.get(1);
        if (bad !== undefined) throw new IngestError('ENCODING_MISMATCH', `CSV 表头（第 1 行，字节偏移 ${bad}）不是有效的声明编码，请核对 Content-Type 中的 charset`, [{ line: 1, byteOffset: bad, reason: 'header bytes not valid in the charset' }]);
        const checked = checkedHeader(header, limits.maxCsvColumns);
        firstColumn = checked[0];
        return checked;
      },
      bom: true,
      skip_empty_lines: true,
      relax_quotes: false,
      info: true,
      // csv-parse counts characters: a row is never held past the record limit.
      max_record_size: limits.maxRecordBytes,
    }),
    () => undefined,
  );
  let index = 0;
  let previousEnd: number | undefined;
  try {
    for await (const { record, info } of rows as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      const first = (previousEnd ?? headerEnd) + 1;
      previousEnd = info.lines;
      const badLine = brokenBetween(broken, first, info.lines);
      if (record[firstColumn]?.startsWith(TOO_LARGE_ROW)) {
        yield { index, fields: {}, refusal: { code: 'RECORD_TOO_LARGE', field: '(record)', value: `第 ${first} 行超过 ${limits.maxRecordBytes} 字节` } };
      } else {
        yield badLine ? { index, fields: record, refusal: encodingMismatch(badLine[0], badLine[1]) } : { index, fields: record };
      }
      index++;
    }
  } catch (e) {
    // The parser runs ahead of the consumer: its own record count names the failing row.
    const { lines: line, records, code } = e as { lines?: number; records?: number; code?: string };
    if (code === 'CSV_MAX_RECORD_SIZE') {
      throw new IngestError('MALFORMED_BODY', `CSV 第 ${line ?? '?'} 行超过单条记录上限 ${limits.maxRecordBytes} 字节`, [
        { index: records ?? index, line, limit: limits.maxRecordBytes, reason: 'row too large' },
      ]);
    }
    throw asMalformed(e, { index: records ?? index, line }, `CSV 第 ${line ?? '?'} 行格式错误`);
  }
}

/**
 * Counts the header's columns with a plain scan before the CSV parser sees a byte of it: a
 * 100,000-column header is refused after one pass over its characters, not after the parser has
 * built 100,000 names (issue 11 finding 6). Holds at most one header line (≤ maxBytes characters).
 */
class CsvHeaderGuard extends Transform {
  private held: string[] = [];
  private heldLength = 0;
  private columns = 1;
  private inQuotes = false;
  private passing = false;

  constructor(
    private readonly maxColumns: number,
    private readonly maxBytes: number,
  ) {
    super({ decodeStrings: false, encoding: 'utf8' });
  }

  override _transform(chunk: string | Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const text = String(chunk);
    if (this.passing) return done(null, text);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) this.inQuotes = !this.inQuotes;
      else if (this.inQuotes) continue;
      else if (c === 0x2c) this.columns++;
      else if (c === 0x0a) {
        if (this.columns > this.maxColumns) return done(this.tooWide());
        this.passing = true;
        const out = this.held.join('') + text;
        this.held = [];
        return done(null, out);
      }
    }
    this.held.push(text);
    this.heldLength += text.length;
    if (this.heldLength > this.maxBytes) {
      return done(
        this.columns > this.maxColumns
          ? this.tooWide()
          : new IngestError('MALFORMED_BODY', `CSV 第 1 行超过单条记录上限 ${this.maxBytes} 字节`, [{ line: 1, limit: this.maxBytes, reason: 'header too large' }]),
      );
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    if (!this.passing && this.columns > this.maxColumns) return done(this.tooWide());
    done(null, this.held.join(''));
  }

  private tooWide(): IngestError {
    const counted = this.passing || this.heldLength <= this.maxBytes ? `有 ${this.columns} 列` : `至少有 ${this.columns} 列`;
    return new IngestError('MALFORMED_BODY', `CSV 表头${counted}，超过上限 ${this.maxColumns} 列`, [{ line: 1, limit: this.maxColumns, reason: 'too many columns' }]);
  }
}

function brokenBetween(broken: BrokenLines, first: number, last: number): [number, number] | undefined {
  if (broken.size === 0) return undefined;
  for (let line = first; line <= last; line++) {
    const at = broken.get(line);
    if (at !== undefined) return [line, at];
  }
  return undefined;
}

function encodingMismatch(line: number, byteOffset: number): RecordRefusal {
  return { code: 'ENCODING_MISMATCH', field: '(record)', value: `第 ${line} 行，字节偏移 ${byteOffset}` };
}

/** Linear in the header's width (a Set, not indexOf per name): a 200,000-column header is refused after one pass. */
export function checkedHeader(header: string[], maxColumns: number): string[] {
  if (header.length > maxColumns) {
    throw new IngestError('MALFORMED_BODY', `CSV 表头有 ${header.length} 列，超过上限 ${maxColumns} 列`, [
      { line: 1, limit: maxColumns, reason: 'too many columns' },
    ]);
  }
  const names = header.map((h) => h.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new IngestError('MALFORMED_BODY', `CSV 表头重复：${name.slice(0, 100)}`, [{ line: 1, reason: 'duplicate header' }]);
    }
    seen.add(name);
  }
  return names;
}

function asRecord(value: unknown, at: { index: number; line?: number }): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IngestError('MALFORMED_BODY', `第 ${at.index + 1} 条记录不是 JSON 对象`, [{ ...at, reason: 'not an object' }]);
  }
  return value as Record<string, unknown>;
}

function asMalformed(e: unknown, at: { index: number; line?: number }, message: string): IngestError {
  if (e instanceof IngestError) return e;
  return new IngestError('MALFORMED_BODY', message, [{ ...at, reason: (e as Error).message }]);
}
