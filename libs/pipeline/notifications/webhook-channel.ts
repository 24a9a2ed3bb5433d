import { createHmac } from 'node:crypto';
import type { StoredNotice } from '../../persistence/outbox.repository';
import { egressRefusal, type EgressGuard } from '../../security/egress-policy';
import { NotificationChannel, NotificationDeliveryError } from './notification-channel';

export interface WebhookChannelConfig {
  readonly url: string;
  /** Signs every request (HMAC-SHA256), so the gateway can tell the hub's notices from anyone else's. */
  readonly secret: string;
  readonly timeoutMs: number;
}

/** What the gateway receives: the notice as the outbox holds it, minus the delivery bookkeeping. */
export interface WebhookNoticeBody {
  readonly id: string;
  readonly recipientKind: string;
  readonly recipient: string;
  readonly topic: string;
  readonly message: string;
  readonly payload: Record<string, unknown>;
  readonly createdAt: string;
}

/**
 * The signature header's value: `v1=` and the hex HMAC-SHA256, under the shared secret, of the
 * timestamp header's value, a dot and the exact body. The gateway recomputes it and refuses a
 * mismatch, and a timestamp too far from its own clock (a replayed request).
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Which failures are worth another attempt: the gateway's own trouble (5xx), a timeout (408),
 * too early (425) or too many requests (429). Any other answer outside 2xx says the request
 * itself is wrong (400, 401 a bad secret, 404 a bad URL, 3xx: redirects are not followed), which
 * sending it again will not change.
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 425 || status === 429;
}

/**
 * Delivers notices by POSTing each as JSON to the center's message gateway (统一消息平台), which
 * routes it on to the subject, supplier or applicant. Headers: `Idempotency-Key` (the notice's
 * dedupe key: the same notice sent twice has the same key), `X-CreditHub-Timestamp` (Unix
 * seconds) and `X-CreditHub-Signature` (webhookSignature).
 */
export class WebhookNotificationChannel implements NotificationChannel {
  readonly name: string;

  constructor(
    private readonly config: WebhookChannelConfig,
    private readonly clock: () => Date,
    /** The gateway is a target like a connector's: resolved, checked, connected to at the checked address. */
    private readonly egress: EgressGuard,
  ) {
    // Without any user:password or query string the URL may carry: the name shows in logs and the job list.
    const { origin, pathname } = new URL(config.url);
    this.name = `webhook ${origin}${pathname}`;
  }

  async deliver(notice: StoredNotice): Promise<void> {
    const content: WebhookNoticeBody = {
      id: notice.id,
      recipientKind: notice.recipientKind,
      recipient: notice.recipient,
      topic: notice.topic,
      message: notice.message,
      payload: notice.payload,
      createdAt: new Date(notice.createdAt).toISOString(),
    };
    const body = JSON.stringify(content);
    const timestamp = String(Math.floor(this.clock().getTime() / 1000));
    let response: Response;
    try {
      response = await this.egress.fetch(this.config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'idempotency-key': notice.dedupeKey,
          'x-credithub-timestamp': timestamp,
          'x-credithub-signature': webhookSignature(this.config.secret, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (e) {
      // A refused target stays refused: the notice is given up for an operator, not retried every 30 s.
      const refused = egressRefusal(e);
      if (refused) throw new NotificationDeliveryError('EGRESS_REFUSED', `the gateway address is refused by the egress policy (${refused.reason})`, true);
      const error = (typeof e === 'object' && e !== null ? e : {}) as { name?: unknown; cause?: { code?: unknown } };
      if (error.name === 'TimeoutError') throw new NotificationDeliveryError('TIMEOUT', `no answer within ${this.config.timeoutMs} ms`, false);
      const code = typeof error.cause?.code === 'string' ? error.cause.code : String(e);
      throw new NotificationDeliveryError('NETWORK', `the gateway could not be reached: ${code}`, false);
    }
    // The answer's content is not used; reading it frees the connection.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return;
    throw new NotificationDeliveryError(`HTTP_${response.status}`, `the gateway answered HTTP ${response.status}`, !isRetryableStatus(response.status));
  }
}
