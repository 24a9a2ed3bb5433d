import { parse as parseCsv } from 'csv-parse';
import { pipeline, Readable, Transform } from 'node:stream';
import { createInterface } from 'node:readline';
import { parser as jsonParser } from 'stream-json';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { IngestError } from './ingest-error';
import { BodyFormat } from './media-type';

export interface SubmittedRecord {
  /** 0-based position in the submission (for CSV, the data row). */
  readonly index: number;
  readonly fields: Record<string, unknown>;
}

/** Deeper nesting than this is refused: no credit record needs it, and it is a known way to crash parsers. */
const MAX_DEPTH = 32;

/** Streams the records of a decoded body one at a time; memory stays flat whatever the size. */
export function readRecords(text: Readable, format: BodyFormat): AsyncGenerator<SubmittedRecord> {
  switch (format) {
    case 'json':
      return readJsonArray(text);
    case 'ndjson':
      return readNdjson(text);
    case 'csv':
      return readCsv(text);
  }
}

async function* readJsonArray(text: Readable): AsyncGenerator<SubmittedRecord> {
  const position = new ElementCounter();
  const elements = pipeline(text, jsonParser(), position, streamArray(), () => undefined);
  try {
    for await (const element of elements as AsyncIterable<{ key: number; value: unknown }>) {
      yield { index: element.key, fields: asRecord(element.value, { index: element.key }) };
    }
  } catch (e) {
    throw asMalformed(e, { index: position.completed }, '请求体不是有效的 JSON 数组');
  }
}

/**
 * Counts the array's completed elements in the token stream. The parser runs ahead of the
 * consumer, so this count, not the last element read, names the record a syntax error is in.
 */
class ElementCounter extends Transform {
  completed = 0;
  private depth = 0;

  constructor() {
    super({ objectMode: true });
  }

  override _transform(token: { name: string }, _encoding: BufferEncoding, done: (e: null, t: unknown) => void): void {
    switch (token.name) {
      case 'startObject':
      case 'startArray':
        this.depth++;
        break;
      case 'endObject':
      case 'endArray':
        this.depth--;
        if (this.depth === 1) this.completed++;
        break;
      case 'stringValue':
      case 'numberValue':
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        if (this.depth === 1) this.completed++;
        break;
    }
    done(null, token);
  }
}

async function* readNdjson(text: Readable): AsyncGenerator<SubmittedRecord> {
  const lines = createInterface({ input: text, crlfDelay: Infinity });
  let index = 0;
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      if (raw.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(raw);
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

async function* readCsv(text: Readable): AsyncGenerator<SubmittedRecord> {
  const rows = pipeline(
    text,
    parseCsv({ columns: trimmedHeader, bom: true, skip_empty_lines: true, relax_quotes: false }),
    () => undefined,
  );
  let index = 0;
  try {
    for await (const row of rows as AsyncIterable<Record<string, string>>) {
      yield { index, fields: row };
      index++;
    }
  } catch (e) {
    // The parser runs ahead of the consumer: its own record count names the failing row.
    const { lines: line, records } = e as { lines?: number; records?: number };
    throw asMalformed(e, { index: records ?? index, line }, `CSV 第 ${line ?? '?'} 行格式错误`);
  }
}

function trimmedHeader(header: string[]): string[] {
  const names = header.map((h) => h.trim());
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new IngestError('MALFORMED_BODY', `CSV 表头重复：${duplicate}`, [{ line: 1, reason: 'duplicate header' }]);
  }
  return names;
}

function asRecord(value: unknown, at: { index: number; line?: number }): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IngestError('MALFORMED_BODY', `第 ${at.index} 条记录不是 JSON 对象`, [{ ...at, reason: 'not an object' }]);
  }
  if (depthOf(value) > MAX_DEPTH) {
    throw new IngestError('MALFORMED_BODY', `第 ${at.index} 条记录嵌套过深`, [{ ...at, reason: 'nested too deep' }]);
  }
  return value as Record<string, unknown>;
}

function depthOf(root: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (depth > max) max = depth;
    if (max > MAX_DEPTH) return max;
    if (typeof node === 'object' && node !== null) {
      for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return max;
}

function asMalformed(e: unknown, at: { index: number; line?: number }, message: string): IngestError {
  if (e instanceof IngestError) return e;
  return new IngestError('MALFORMED_BODY', message, [{ ...at, reason: (e as Error).message }]);
}
