import { retryDelaySeconds } from '../jobs/notification-delivery.job';
import { isRetryableStatus, WebhookNotificationChannel, webhookSignature } from './webhook-channel';
import { permissiveEgressGuard } from '../../security/egress-policy';

describe('the notification webhook', () => {
  it('signs the timestamp and the exact body with HMAC-SHA256 (a vector computed with openssl)', () => {
    // printf '1760234400.{"a":1}' | openssl dgst -sha256 -hmac 'gateway-shared-secret-0123456789abcdef'
    expect(webhookSignature('gateway-shared-secret-0123456789abcdef', '1760234400', '{"a":1}')).toBe(
      'v1=d39cae25a98c076bfc0d86b40a623de2c36ec8a334525f5d7069379e30a05c3a',
    );
  });

  it('a different body, timestamp or secret gives a different signature', () => {
    const base = webhookSignature('s'.repeat(32), '1', '{}');
    expect(webhookSignature('s'.repeat(32), '2', '{}')).not.toBe(base);
    expect(webhookSignature('s'.repeat(32), '1', '{ }')).not.toBe(base);
    expect(webhookSignature('t'.repeat(32), '1', '{}')).not.toBe(base);
  });

  it.each([
    [500, true],
    [502, true],
    [503, true],
    [408, true],
    [425, true],
    [429, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [413, false],
    [302, false],
  ])('HTTP %i is retried: %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe('the delivery retry schedule', () => {
  it.each([
    [1, 30],
    [2, 60],
    [3, 120],
    [7, 1_920],
    [8, 3_600],
    [12, 3_600],
  ])('after %i failed attempts the next waits %i s', (attempts, seconds) => {
    expect(retryDelaySeconds(attempts)).toBe(seconds);
  });
});

describe('the webhook channel as operators see it', () => {
  it('is named by its origin and path, never by credentials or a query string in its URL', () => {
    const channel = new WebhookNotificationChannel({ url: 'https://hub:s3cret@msg.example.gov.cn/v1/notices?token=abc', secret: 's'.repeat(32), timeoutMs: 1000 }, () => new Date(), permissiveEgressGuard());
    expect(channel.name).toBe('webhook https://msg.example.gov.cn/v1/notices');
  });
});
