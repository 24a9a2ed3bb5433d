import type { IncomingMessage } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import * as iconv from 'iconv-lite';
import { faults, SoapFault } from './soap-fault';

/** SOAP 1.1 §3 and SOAP 1.2 part 1 §5: a SOAP message MUST NOT contain a document type declaration. */
const DTD_MARKERS = ['<!doctype', '<!entity'];
const MARKER_CARRY = 16;

/**
 * Reads a SOAP request body itself, because node-soap's server buffers the whole request with no
 * cap and gunzips anything (reliability anchors 2.4, E1, E3):
 * - the cap counts bytes AFTER decompression, so a small gzip that inflates to gigabytes stops at the cap;
 * - a DOCTYPE or ENTITY declaration ends the read at once, before any XML parser sees a byte;
 * - the text is decoded in its declared charset (GBK / GB18030 are common in government systems).
 */
export async function readSoapBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw faults.tooLarge(maxBytes);
  const inflater = decompressorFor(req.headers['content-encoding']);
  const bytes = await collect(req, inflater, maxBytes);
  const text = decodeXml(bytes, req.headers['content-type']);
  // Checked again on the text: in UTF-16 the markers are not visible in the raw bytes.
  if (hasDtdMarker(text.toLowerCase())) throw faults.dtdForbidden();
  if (text.trim() === '') throw faults.malformed('请求体为空');
  return text;
}

function decompressorFor(header: string | string[] | undefined): Transform | undefined {
  const encodings = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '' && e !== 'identity');
  if (encodings.length === 0) return undefined;
  if (encodings.length > 1) throw unsupportedEncoding();
  switch (encodings[0]) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw unsupportedEncoding();
  }
}

const unsupportedEncoding = () => new SoapFault('Client', 'UNSUPPORTED_MEDIA_TYPE', '不支持的 Content-Encoding（支持 gzip、deflate、br）');

function collect(req: IncomingMessage, inflater: Transform | undefined, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const source: Readable = inflater ?? req;
    const chunks: Buffer[] = [];
    let total = 0;
    let carry = '';
    let settled = false;

    const finish = (error?: SoapFault) => {
      if (settled) return;
      settled = true;
      source.removeListener('data', onData);
      if (inflater) {
        req.unpipe(inflater);
        inflater.destroy();
      }
      if (error) {
        chunks.length = 0;
        reject(error);
      } else {
        resolve(Buffer.concat(chunks, total));
      }
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) return finish(faults.tooLarge(maxBytes));
      // latin1 keeps one char per byte, so a marker split across two chunks is found through the carry
      const window = carry + chunk.toString('latin1').toLowerCase();
      if (hasDtdMarker(window)) return finish(faults.dtdForbidden());
      carry = window.slice(-MARKER_CARRY);
      chunks.push(chunk);
    };

    source.on('data', onData);
    source.once('end', () => finish());
    source.once('error', () => finish(faults.malformed('压缩的请求体已损坏，无法解压')));
    req.once('error', () => finish(faults.malformed('请求体未发送完整')));
    req.once('close', () => {
      if (!req.complete) finish(faults.malformed('请求体未发送完整'));
    });
    if (inflater) req.pipe(inflater);
  });
}

function hasDtdMarker(lowercased: string): boolean {
  return DTD_MARKERS.some((m) => lowercased.includes(m));
}

/** The charset of Content-Type, else a BOM, else the XML declaration, else UTF-8. */
function decodeXml(bytes: Buffer, contentType: string | undefined): string {
  const fromHeader = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
  const bom = bytes.subarray(0, 3);
  const fromBom =
    bom[0] === 0xef && bom[1] === 0xbb && bom[2] === 0xbf ? 'utf-8' : bom[0] === 0xff && bom[1] === 0xfe ? 'utf-16le' : bom[0] === 0xfe && bom[1] === 0xff ? 'utf-16be' : undefined;
  const fromDeclaration = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(bytes.subarray(0, 200).toString('latin1'))?.[1];
  const charset = (fromHeader ?? fromBom ?? fromDeclaration ?? 'utf-8').toLowerCase();
  if (charset === 'utf-8' || charset === 'utf8') {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes); // drops a UTF-8 BOM
    } catch {
      throw new SoapFault('Client', 'ENCODING_MISMATCH', '请求体不是有效的 UTF-8 编码，请检查声明的字符集');
    }
  }
  const shown = charset.slice(0, 40);
  if (!iconv.encodingExists(charset)) throw new SoapFault('Client', 'UNSUPPORTED_MEDIA_TYPE', `不支持的字符集 ${shown}`);
  const text = iconv.decode(bytes, charset);
  // iconv-lite puts U+FFFD where bytes are not valid in the charset: mojibake is refused, never parsed
  if (text.includes('\uFFFD')) throw new SoapFault('Client', 'ENCODING_MISMATCH', `请求体中有不属于字符集 ${charset} 的字节`);
  return text;
}
