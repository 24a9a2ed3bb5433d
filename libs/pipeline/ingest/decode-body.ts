import * as iconv from 'iconv-lite';
import { pipeline, Readable, Transform, TransformCallback } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { IngestError } from './ingest-error';
import { BodyCharset } from './media-type';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const LF = 0x0a;

export interface DecodeOptions {
  /**
   * `body`: the first invalid byte refuses the whole body (a JSON array has no rows to spare).
   * `line`: an invalid byte marks its line in `brokenLines` and decoding goes on, so a line-based
   * reader (NDJSON, CSV) refuses that row alone (issue 12: only the broken row is lost).
   */
  readonly invalidBytes?: 'body' | 'line';
  /** The request's Content-Encoding: gzip and deflate are inflated, and the byte limit counts what they inflate to. */
  readonly contentEncoding?: string;
}

/** The decoded text, and the lines (1-based) holding bytes invalid in the charset, each with the offset of its first bad byte. */
export type DecodedBody = Readable & { readonly brokenLines: ReadonlyMap<number, number> };

/**
 * Counts and decodes the body as it streams: refuses it past the byte limit (413, counted after
 * inflation, so a gzip bomb stops at the limit) and finds every byte sequence that is not valid
 * in the declared charset (a GBK file sent as UTF-8), with its byte offset and line, so that
 * mojibake never reaches a record. LF (0x0A) is never part of a multi-byte character in UTF-8
 * or GB 18030, so lines are found in the bytes before decoding.
 */
export function decodeBody(body: Readable, charset: BodyCharset, maxBytes: number, options: DecodeOptions = {}): DecodedBody {
  const decoder = new LineAwareDecoder(charset, maxBytes, options.invalidBytes ?? 'body');
  const inflater = inflaterFor(options.contentEncoding);
  // pipeline, not pipe: an error anywhere destroys every stage and reaches the reader.
  if (inflater) pipeline(body, inflater, decoder, () => undefined);
  else pipeline(body, decoder, () => undefined);
  return decoder as unknown as DecodedBody;
}

function inflaterFor(header: string | undefined): Transform | undefined {
  const encodings = (header ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '' && e !== 'identity');
  if (encodings.length === 0) return undefined;
  if (encodings.length === 1 && (encodings[0] === 'gzip' || encodings[0] === 'x-gzip')) return createGunzip();
  if (encodings.length === 1 && encodings[0] === 'deflate') return createInflate();
  throw new IngestError('UNSUPPORTED_MEDIA_TYPE', `不支持的 Content-Encoding：${encodings.join(', ').slice(0, 40)}（支持 gzip、deflate）`);
}

class LineAwareDecoder extends Transform {
  readonly brokenLines = new Map<number, number>();
  private bytes = 0;
  private line = 1;
  private readonly validator: Validator;
  private readonly text: TextPart;
  private head: Buffer | undefined;

  constructor(
    private readonly charset: BodyCharset,
    private readonly maxBytes: number,
    private readonly mode: 'body' | 'line',
  ) {
    super({ readableObjectMode: false, decodeStrings: true, encoding: 'utf8' });
    this.validator = charset === 'utf-8' ? new Utf8Validator() : new Gb18030Validator();
    this.text = charset === 'utf-8' ? new Utf8Text() : new GbkText();
    this.head = charset === 'gbk' ? Buffer.alloc(0) : undefined;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.bytes + chunk.length > this.maxBytes) {
      return done(new IngestError('BODY_TOO_LARGE', `请求体（解压后）超过上限 ${this.maxBytes} 字节`, [{ limit: this.maxBytes }]));
    }
    try {
      if (this.head) {
        // A UTF-8 BOM decodes to valid GBK characters (锘), so it is caught by its bytes, which may arrive split.
        this.head = Buffer.concat([this.head, chunk]);
        if (this.head.length < UTF8_BOM.length) return done();
        if (this.head.subarray(0, 3).equals(UTF8_BOM)) throw this.mismatch(0, 1);
        chunk = this.head;
        this.head = undefined;
      }
      const out = this.lines(chunk);
      if (out) this.push(out);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      let out = this.head && this.head.length > 0 ? this.lines(this.head) : '';
      this.endLine(this.bytes);
      out += this.text.end();
      if (out) this.push(out);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  private lines(chunk: Buffer): string {
    let out = '';
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf;
      const segment = chunk.subarray(start, end);
      const bad = this.validator.feed(segment);
      if (bad !== undefined) this.broken(this.bytes + start + bad);
      const decoded = this.text.write(segment);
      // A GB 18030 sequence well formed but unassigned decodes to U+FFFD: the line is broken too.
      if (bad === undefined && this.charset === 'gbk' && decoded.includes('\ufffd')) this.broken(this.bytes + start);
      out += decoded;
      if (lf === -1) break;
      this.endLine(this.bytes + lf);
      out += this.text.end() + '\n';
      this.line++;
      start = lf + 1;
    }
    this.bytes += chunk.length;
    return out;
  }

  /** A character cut by the end of its line (or of the body) is invalid where it began. */
  private endLine(at: number): void {
    const pending = this.validator.end();
    if (pending > 0) this.broken(at - pending);
  }

  private broken(offset: number): void {
    if (this.mode === 'body') throw this.mismatch(offset, this.line);
    if (!this.brokenLines.has(this.line)) this.brokenLines.set(this.line, offset);
  }

  private mismatch(offset: number, line: number): IngestError {
    const charset = this.charset === 'utf-8' ? 'UTF-8' : 'GBK';
    return new IngestError('ENCODING_MISMATCH', `请求体第 ${line} 行（字节偏移 ${offset}）不是有效的 ${charset} 编码，请核对 Content-Type 中的 charset`, [
      { byteOffset: offset, line, reason: `bytes not valid in ${charset}` },
    ]);
  }
}

/**
 * Checks bytes as they stream; `feed` answers where, relative to the piece, the first invalid
 * sequence began (negative when it began in an earlier piece), or undefined.
 */
interface Validator {
  feed(bytes: Buffer): number | undefined;
  /** At a line's end: how many bytes of an unfinished character are pending (0 when none); then resets. */
  end(): number;
}

/** RFC 3629 well-formed UTF-8 (table 3-7 of the Unicode standard): no overlongs, no surrogates, nothing past U+10FFFF. */
class Utf8Validator implements Validator {
  private need = 0;
  private seen = 0;
  private low = 0x80;
  private high = 0xbf;

  feed(bytes: Buffer): number | undefined {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (this.need === 0) {
        if (b < 0x80) continue;
        this.seen = 1;
        this.low = 0x80;
        this.high = 0xbf;
        if (b >= 0xc2 && b <= 0xdf) this.need = 1;
        else if (b >= 0xe0 && b <= 0xef) {
          this.need = 2;
          if (b === 0xe0) this.low = 0xa0;
          if (b === 0xed) this.high = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
          this.need = 3;
          if (b === 0xf0) this.low = 0x90;
          if (b === 0xf4) this.high = 0x8f;
        } else return this.fail(i, 0);
        continue;
      }
      if (b < this.low || b > this.high) return this.fail(i, this.seen);
      this.low = 0x80;
      this.high = 0xbf;
      this.seen++;
      this.need--;
    }
    return undefined;
  }

  end(): number {
    const pending = this.need > 0 ? this.seen : 0;
    this.need = 0;
    return pending;
  }

  /** The sequence began `back` bytes before i, possibly in an earlier piece. */
  private fail(i: number, back: number): number {
    this.need = 0;
    return i - back;
  }
}

/** GB 18030 structure: one byte < 0x80; 0x81–0xFE then 0x40–0x7E / 0x80–0xFE; or 0x81–0xFE 0x30–0x39 0x81–0xFE 0x30–0x39. */
class Gb18030Validator implements Validator {
  private seen = 0;

  feed(bytes: Buffer): number | undefined {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      switch (this.seen) {
        case 0:
          if (b < 0x80) continue;
          if (b === 0x80 || b === 0xff) return this.fail(i, 0);
          this.seen = 1;
          continue;
        case 1:
          if ((b >= 0x40 && b <= 0x7e) || (b >= 0x80 && b <= 0xfe)) this.seen = 0;
          else if (b >= 0x30 && b <= 0x39) this.seen = 2;
          else return this.fail(i, 1);
          continue;
        case 2:
          if (b < 0x81 || b > 0xfe) return this.fail(i, 2);
          this.seen = 3;
          continue;
        default:
          if (b < 0x30 || b > 0x39) return this.fail(i, 3);
          this.seen = 0;
      }
    }
    return undefined;
  }

  end(): number {
    const pending = this.seen;
    this.seen = 0;
    return pending;
  }

  private fail(i: number, back: number): number {
    this.seen = 0;
    return i - back;
  }
}

/** Decodes the pieces of one line; `end` closes the line (what an invalid tail decodes to stays on its own line). */
interface TextPart {
  write(bytes: Buffer): string;
  end(): string;
}

class Utf8Text implements TextPart {
  // Not fatal: validity is the validator's business; a broken line decodes with U+FFFD and is refused as a whole.
  private decoder = new TextDecoder('utf-8');
  write(bytes: Buffer): string {
    return this.decoder.decode(bytes, { stream: true });
  }
  end(): string {
    // Only the body's first line may begin with a BOM (TextDecoder drops it at its start).
    const rest = this.decoder.decode();
    this.decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    return rest;
  }
}

/** GB 18030 is a superset of GBK and GB 2312, so one decoder serves all three declarations. */
class GbkText implements TextPart {
  private decoder = iconv.getDecoder('gb18030');
  write(bytes: Buffer): string {
    return this.decoder.write(bytes);
  }
  end(): string {
    const rest = this.decoder.end() ?? '';
    this.decoder = iconv.getDecoder('gb18030');
    return rest;
  }
}
