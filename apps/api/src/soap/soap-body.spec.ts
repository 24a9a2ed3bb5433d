/**
 * The SOAP push edge reads its body itself (reliability anchors 2.4, 3.2, E1, E3; issue 11
 * finding 6): credentials in the message are checked from its first bytes before the rest is
 * inflated, a DOCTYPE is refused, and inflation stops at the cap.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { readSoapBody, SOAP_AUTH_PREFIX_BYTES, usernameTokenIn } from './soap-body';
import { SoapFault } from './soap-fault';

function request(body: Buffer, headers: Record<string, string> = {}): IncomingMessage & { bytesRead: () => number } {
  let read = 0;
  const pieces: Buffer[] = [];
  for (let i = 0; i < body.length; i += 16 * 1024) pieces.push(body.subarray(i, i + 16 * 1024));
  const stream = Readable.from(
    (function* () {
      for (const p of pieces) {
        read += p.length;
        yield p;
      }
    })(),
  );
  return Object.assign(stream, { headers: { 'content-type': 'text/xml; charset=utf-8', ...headers }, complete: true, bytesRead: () => read }) as unknown as IncomingMessage & {
    bytesRead: () => number;
  };
}

const header = (user: string, key: string) =>
  `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header>` +
  `<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken>` +
  `<wsse:Username>${user}</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">${key}</wsse:Password>` +
  `</wsse:UsernameToken></wsse:Security></soap:Header><soap:Body>`;
const tail = '</soap:Body></soap:Envelope>';

async function refusal(p: Promise<unknown>): Promise<SoapFault> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SoapFault) return e;
    throw e;
  }
  throw new Error('expected a fault');
}

describe('usernameTokenIn', () => {
  it('reads Username, Password and its Type, whatever the prefixes, unescaping XML', () => {
    expect(usernameTokenIn(header('xm-court', 'chk_a&amp;b'))).toEqual({
      username: 'xm-court',
      password: 'chk_a&b',
      type: expect.stringMatching(/#PasswordText$/),
    });
    expect(usernameTokenIn('<UsernameToken><Username>u</Username><Password>p</Password></UsernameToken>')).toEqual({ username: 'u', password: 'p', type: undefined });
  });

  it('finds nothing in a prefix without a complete token', () => {
    expect(usernameTokenIn('<soap:Envelope><soap:Body>')).toBeUndefined();
    expect(usernameTokenIn('<wsse:UsernameToken><wsse:Username>u</wsse:Username>')).toBeUndefined();
  });
});

describe('readSoapBody with a prefix authenticator', () => {
  const bomb = () => gzipSync(Buffer.from(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${' '.repeat(31 * 1024 * 1024)}${tail}`));

  it('refuses an unauthenticated request after inflating no more than a few pieces past the prefix', async () => {
    // Hardly compressible, so that how much of it was read shows how much was inflated.
    const compressed = gzipSync(Buffer.from(`<soap:Envelope><soap:Body>${randomBytes(6 * 1024 * 1024).toString('base64')}${tail}`));
    const req = request(compressed, { 'content-encoding': 'gzip' });
    let seen = -1;
    const fault = await refusal(
      readSoapBody(req, 32 * 1024 * 1024, async (prefix) => {
        seen = prefix.length;
        throw new SoapFault('Client', 'UNAUTHENTICATED', '未认证或凭据无效');
      }),
    );
    expect(fault.code).toBe('UNAUTHENTICATED');
    expect(seen).toBe(SOAP_AUTH_PREFIX_BYTES);
    // The compressed stream was not read to its end: the rest was never inflated.
    expect(req.bytesRead()).toBeLessThan(compressed.length);
  });

  it('reads the whole body once the prefix authenticates, and still stops a bomb at the cap after inflation', async () => {
    const ok = Buffer.from(`${header('u', 'k')}<x>${'甲'.repeat(10_000)}</x>${tail}`);
    const calls: string[] = [];
    expect(await readSoapBody(request(ok), 1024 * 1024, async (p) => void calls.push(p))).toBe(ok.toString('utf8'));
    expect(calls).toHaveLength(1);
    const fault = await refusal(readSoapBody(request(bomb(), { 'content-encoding': 'gzip' }), 4 * 1024 * 1024, async () => undefined));
    expect(fault).toEqual(expect.objectContaining({ code: 'BODY_TOO_LARGE', httpStatus: 413 }));
  });

  it('authenticates a message shorter than the prefix at its end', async () => {
    const small = Buffer.from(`${header('u', 'k')}${tail}`);
    const fault = await refusal(
      readSoapBody(request(small), 1024 * 1024, async () => {
        throw new SoapFault('Client', 'UNAUTHENTICATED', 'no');
      }),
    );
    expect(fault.code).toBe('UNAUTHENTICATED');
  });

  it('still refuses a DOCTYPE before anything is parsed', async () => {
    const body = Buffer.from('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><soap:Envelope/>');
    expect((await refusal(readSoapBody(request(body), 1024 * 1024, async () => undefined))).code).toBe('DTD_FORBIDDEN');
  });
});
