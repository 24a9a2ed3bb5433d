import type { IncomingMessage } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import * as iconv from 'iconv-lite';
import { faults, SoapFault } from './soap-fault';

/** SOAP 1.1 §3 and SOAP 1.2 part 1 §5: a SOAP message MUST NOT contain a document type declaration. */
const DTD_MARKERS = ['<!doctype', '<!entity'];
const MARKER_CARRY = 16;

/**
 * Credentials in the SOAP Header must come within this many bytes (after inflation) of the
 * message's start: a request without a header key is authenticated from this prefix, before the
 * rest is inflated or anything is parsed (issue 11: a 126 KB gzip inflating to 31 MB cost 4 s of
 * CPU before WS-Security was checked).
 */
export const SOAP_AUTH_PREFIX_BYTES = 16 * 1024;

/** Checks the credentials found in the prefix; throws (a fault) to refuse. */
export type PrefixAuthenticator = (prefix: string) => Promise<void>;

/**
 * Reads a SOAP request body itself, because node-soap's server buffers the whole request with no
 * cap and gunzips anything (reliability anchors 2.4, E1, E3):
 * - the cap counts bytes AFTER decompression, so a small gzip that inflates to gigabytes stops at the cap;
 * - a DOCTYPE or ENTITY declaration ends the read at once, before any XML parser sees a byte;
 * - the text is decoded in its declared charset (GBK / GB18030 are common in government systems).
 */
export async function readSoapBody(req: IncomingMessage, maxBytes: number, authenticate?: PrefixAuthenticator): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw faults.tooLarge(maxBytes);
  const inflater = decompressorFor(req.headers['content-encoding']);
  const prefixAuth = authenticate && ((prefix: Buffer) => authenticate(decodePrefix(prefix, req.headers['content-type'])));
  const bytes = await collect(req, inflater, maxBytes, prefixAuth);
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

function collect(
  req: IncomingMessage,
  inflater: Transform | undefined,
  maxBytes: number,
  authenticate: ((prefix: Buffer) => Promise<void>) | undefined,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const source: Readable = inflater ?? req;
    const chunks: Buffer[] = [];
    let total = 0;
    let carry = '';
    let settled = false;
    let authenticated: Promise<void> | undefined;
    const checkCredentials = () => {
      authenticated ??= authenticate ? authenticate(Buffer.concat(chunks, total).subarray(0, SOAP_AUTH_PREFIX_BYTES)) : Promise.resolve();
      return authenticated;
    };

    const finish = (error?: unknown) => {
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
      if (authenticate && !authenticated && total >= SOAP_AUTH_PREFIX_BYTES) {
        // Nothing more is inflated until the prefix's credentials are known good.
        source.pause();
        checkCredentials().then(
          () => {
            if (!settled) source.resume();
          },
          (error: unknown) => finish(error),
        );
      }
    };

    source.on('data', onData);
    source.once('end', () => {
      checkCredentials().then(
        () => finish(),
        (error: unknown) => finish(error),
      );
    });
    source.once('error', () => finish(faults.malformed('压缩的请求体已损坏，无法解压')));
    req.once('error', () => finish(faults.malformed('请求体未发送完整')));
    req.once('close', () => {
      if (!req.complete) finish(faults.malformed('请求体未发送完整'));
    });
    if (inflater) req.pipe(inflater);
  });
}

/** The prefix as text, in the body's charset, tolerating a character cut at its end. */
function decodePrefix(bytes: Buffer, contentType: string | undefined): string {
  const charset = charsetOf(bytes, contentType);
  if (charset === 'utf-8' || charset === 'utf8') return new TextDecoder('utf-8').decode(bytes);
  return iconv.encodingExists(charset) ? iconv.decode(bytes, charset) : bytes.toString('latin1');
}

/**
 * WS-Security UsernameToken found in the prefix of a message, read without an XML parser (a
 * bounded regular scan of at most SOAP_AUTH_PREFIX_BYTES): the message is parsed only once its
 * sender is known. Undefined when the prefix holds no complete token.
 */
export function usernameTokenIn(prefix: string): { username: string; password: string; type: string | undefined } | undefined {
  const token = /<(?:[\w.-]+:)?UsernameToken\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?UsernameToken\s*>/.exec(prefix)?.[1];
  if (token === undefined) return undefined;
  const username = /<(?:[\w.-]+:)?Username\b[^>]*>([^<]*)<\//.exec(token)?.[1];
  const password = /<(?:[\w.-]+:)?Password\b([^>]*)>([^<]*)<\//.exec(token);
  if (username === undefined || !password) return undefined;
  const type = /\bType\s*=\s*["']([^"']*)["']/.exec(password[1])?.[1];
  return { username: xmlText(username).trim(), password: xmlText(password[2]).trim(), type };
}

function xmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (_m, ref: string) => {
    if (ref === 'amp') return '&';
    if (ref === 'lt') return '<';
    if (ref === 'gt') return '>';
    if (ref === 'quot') return '"';
    if (ref === 'apos') return "'";
    const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

function hasDtdMarker(lowercased: string): boolean {
  return DTD_MARKERS.some((m) => lowercased.includes(m));
}

/** The charset of Content-Type, else a BOM, else the XML declaration, else UTF-8. */
function charsetOf(bytes: Buffer, contentType: string | undefined): string {
  const fromHeader = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
  const bom = bytes.subarray(0, 3);
  const fromBom =
    bom[0] === 0xef && bom[1] === 0xbb && bom[2] === 0xbf ? 'utf-8' : bom[0] === 0xff && bom[1] === 0xfe ? 'utf-16le' : bom[0] === 0xfe && bom[1] === 0xff ? 'utf-16be' : undefined;
  const fromDeclaration = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(bytes.subarray(0, 200).toString('latin1'))?.[1];
  return (fromHeader ?? fromBom ?? fromDeclaration ?? 'utf-8').toLowerCase();
}

function decodeXml(bytes: Buffer, contentType: string | undefined): string {
  const charset = charsetOf(bytes, contentType);
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
