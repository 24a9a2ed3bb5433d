import * as iconv from 'iconv-lite';
import { pipeline, Readable, Transform, TransformCallback } from 'node:stream';
import { IngestError } from './ingest-error';
import { BodyCharset } from './media-type';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Counts and decodes the body as it streams: refuses it past the byte limit (413) and at the
 * first byte sequence that is not valid in the declared charset (a GBK file sent as UTF-8),
 * so that mojibake never reaches a record.
 */
export function decodeBody(body: Readable, charset: BodyCharset, maxBytes: number): Readable {
  // pipeline, not pipe: an error anywhere destroys every stage and reaches the reader.
  return pipeline(body, charset === 'utf-8' ? new Utf8Decoder(maxBytes) : new GbkDecoder(maxBytes), () => undefined);
}

abstract class LimitedDecoder extends Transform {
  protected bytes = 0;
  constructor(private readonly maxBytes: number) {
    super({ readableObjectMode: false, decodeStrings: true, encoding: 'utf8' });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const offset = this.bytes;
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      return done(new IngestError('BODY_TOO_LARGE', `请求体超过上限 ${this.maxBytes} 字节`, [{ limit: this.maxBytes }]));
    }
    try {
      const text = this.decode(chunk, offset);
      if (text) this.push(text);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      const rest = this.finish();
      if (rest) this.push(rest);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  protected mismatch(offset: number, charset: string): IngestError {
    return new IngestError('ENCODING_MISMATCH', `请求体不是有效的 ${charset} 编码，请核对 Content-Type 中的 charset`, [
      { byteOffset: offset, reason: `bytes not valid in ${charset}` },
    ]);
  }

  protected abstract decode(chunk: Buffer, offset: number): string;
  protected abstract finish(): string;
}

class Utf8Decoder extends LimitedDecoder {
  // fatal: invalid UTF-8 throws instead of becoming U+FFFD; a leading BOM is dropped.
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  protected decode(chunk: Buffer, offset: number): string {
    try {
      return this.decoder.decode(chunk, { stream: true });
    } catch {
      throw this.mismatch(offset, 'UTF-8');
    }
  }

  protected finish(): string {
    try {
      return this.decoder.decode();
    } catch {
      throw this.mismatch(this.bytes, 'UTF-8');
    }
  }
}

/** GB 18030 is a superset of GBK and GB 2312, so one decoder serves all three declarations. */
class GbkDecoder extends LimitedDecoder {
  private readonly decoder = iconv.getDecoder('gb18030');
  private head: Buffer | undefined = Buffer.alloc(0);

  protected decode(chunk: Buffer, offset: number): string {
    if (this.head) {
      // A UTF-8 BOM decodes to valid GBK characters, so it is caught by its bytes; they may
      // arrive split over several pieces.
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < UTF8_BOM.length) return '';
      if (this.head.subarray(0, 3).equals(UTF8_BOM)) throw this.mismatch(0, 'GBK');
      chunk = this.head;
      offset = 0;
      this.head = undefined;
    }
    return this.check(this.decoder.write(chunk), offset);
  }

  protected finish(): string {
    const rest = this.head && this.head.length > 0 ? this.decoder.write(this.head) : '';
    return this.check(rest + (this.decoder.end() ?? ''), this.bytes);
  }

  // GB 18030 cannot encode U+FFFD as such bytes, so a replacement character means invalid input.
  private check(text: string, offset: number): string {
    if (text.includes('\ufffd')) throw this.mismatch(offset, 'GBK');
    return text;
  }
}
