import * as iconv from 'iconv-lite';
import type { FeedbackRejection } from '../connector.contract';
import { rejectionCsvRow, rejectionsCsvHeader } from '../../libs/pipeline/reports/rejections-csv';

export type FileCharset = 'utf-8' | 'gbk';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Text in the supplier's own charset. GBK files get GB 18030 bytes: identical to GBK for every
 * GBK character, and lossless (instead of `?`) for the rare character GBK lacks. UTF-8 gets a
 * BOM so that Excel, which most suppliers open these in, does not read it as the ANSI code page.
 */
export function encodeText(text: string, charset: FileCharset, withBom: boolean): Buffer {
  if (charset === 'gbk') return iconv.encode(text, 'gb18030');
  const body = Buffer.from(text, 'utf8');
  return withBom ? Buffer.concat([UTF8_BOM, body]) : body;
}

/**
 * The rejection report, header then one row per rejection, as encoded chunks: formula-safe
 * cells (OWASP CSV injection, anchors 3.3) come from the shared report writer, so this file and
 * the report the API serves can never disagree on escaping.
 */
export function* feedbackCsvChunks(rejections: Iterable<FeedbackRejection>, charset: FileCharset): Generator<Buffer> {
  yield encodeText(rejectionsCsvHeader(), charset, true);
  let rows: string[] = [];
  for (const rejection of rejections) {
    rows.push(rejectionCsvRow(rejection));
    // A few hundred rows per chunk: large reports stream without one buffer per row.
    if (rows.length === 256) {
      yield encodeText(rows.join(''), charset, false);
      rows = [];
    }
  }
  if (rows.length > 0) yield encodeText(rows.join(''), charset, false);
}
