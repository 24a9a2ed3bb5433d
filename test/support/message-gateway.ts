/**
 * The center's message gateway (统一消息平台) as the notification webhook sees it: a node:http
 * server on loopback that records every POST (headers, raw body, whether its signature checks out
 * under the shared secret, computed here independently of the hub's code) and answers from a
 * script: a queue of statuses or stalls, 200 once the queue is empty.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders } from 'node:http';
import { AddressInfo } from 'node:net';

export interface GatewayDelivery {
  readonly headers: IncomingHttpHeaders;
  readonly raw: string;
  readonly body: Record<string, unknown>;
  readonly signatureValid: boolean;
  readonly status: number;
}

export type GatewayAnswer = { readonly status: number } | { readonly stallMs: number };

export interface MessageGateway {
  readonly url: string;
  readonly deliveries: GatewayDelivery[];
  /** Answers for the next requests, in order. */
  readonly script: GatewayAnswer[];
  /** Every delivery with a valid signature and a 2xx answer, by Idempotency-Key. */
  accepted(): Map<string, GatewayDelivery[]>;
  close(): Promise<void>;
}

export async function startMessageGateway(secret: string): Promise<MessageGateway> {
  const deliveries: GatewayDelivery[] = [];
  const script: GatewayAnswer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const answer = script.shift() ?? { status: 200 };
      const expected = `v1=${createHmac('sha256', secret).update(`${String(req.headers['x-credithub-timestamp'])}.${raw}`).digest('hex')}`;
      const given = String(req.headers['x-credithub-signature'] ?? '');
      const signatureValid = given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
      const respond = (status: number) => {
        deliveries.push({ headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown>, signatureValid, status });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status < 300 }));
      };
      if ('stallMs' in answer) setTimeout(() => respond(200), answer.stallMs);
      else respond(signatureValid ? answer.status : 401);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/notices`,
    deliveries,
    script,
    accepted() {
      const byKey = new Map<string, GatewayDelivery[]>();
      for (const d of deliveries.filter((x) => x.signatureValid && x.status < 300)) {
        const key = String(d.headers['idempotency-key']);
        byKey.set(key, [...(byKey.get(key) ?? []), d]);
      }
      return byKey;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
