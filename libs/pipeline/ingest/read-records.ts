import { parse as parseCsv } from 'csv-parse';
import { pipeline, Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { IngestError } from './ingest-error';
import { JsonArraySplitter } from './json-array-splitter';
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
  const splitter = new JsonArraySplitter(MAX_DEPTH);
  for await (const piece of text as AsyncIterable<string>) {
    for (const { index, text: element } of splitter.feed(piece)) {
      let value: unknown;
      try {
        value = JSON.parse(element);
      } catch (e) {
        throw new IngestError('MALFORMED_BODY', `第 ${index} 条记录不是有效的 JSON`, [{ index, reason: (e as Error).message }]);
      }
      yield { index, fields: asRecord(value, { index }) };
    }
  }
  splitter.end();
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
