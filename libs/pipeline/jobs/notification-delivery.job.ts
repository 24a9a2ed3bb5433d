import { Logger } from '@nestjs/common';
import { maskIdentifier } from '../../domain/identity';
import type { OutboxRepository, StoredNotice } from '../../persistence/outbox.repository';
import type { Clock } from '../../runtime/tokens';
import { type NotificationChannel, NotificationDeliveryError } from '../notifications/notification-channel';
import type { HubJob, JobResult } from './hub-job';

export interface NotificationDeliveryOptions {
  /** Notices claimed, and sent concurrently, at a time. */
  readonly batchSize: number;
  /** Most notices one run sends; the rest wait for the next run (every 10 s). */
  readonly maxPerRun: number;
  /** Attempts after which a notice that keeps failing is given up (failed, for an operator). */
  readonly maxAttempts: number;
  /** How long a claimed notice is hidden from other deliverers: longer than one send can take. */
  readonly leaseSeconds: number;
}

export const DEFAULT_NOTIFICATION_DELIVERY: Omit<NotificationDeliveryOptions, 'leaseSeconds'> = { batchSize: 10, maxPerRun: 500, maxAttempts: 12 };

/** Seconds before the next attempt after `attempts` failed ones: 30 s, 1 min, 2 min … at most 1 h (12 attempts ≈ 10 h). */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(30 * 2 ** Math.max(attempts - 1, 0), 3_600);
}

/**
 * Sends the notification outbox through the configured channel: objection outcomes, repair and
 * non-disclosure decisions, key-attention notices, 催报 reminders. At least once: a notice is
 * claimed (attempt counted, leased), sent, then marked sent; a failure is retried with backoff
 * unless the channel refused it for good or it ran out of attempts, when it is marked failed for
 * an operator to look at and send again. A batch that fails entirely (the gateway is down) ends the
 * run. Several schedulers may run it at once (claims skip each other's rows).
 */
export class NotificationDeliveryJob implements HubJob {
  readonly name = 'notification-delivery';
  readonly schedule = '*/10 * * * * *';
  readonly description: string;
  private readonly log = new Logger('NotificationDelivery');

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly channel: NotificationChannel,
    private readonly clock: Clock,
    private readonly options: NotificationDeliveryOptions,
  ) {
    this.description = `通过通知渠道（${channel.name}）发送发件箱中的待发通知，失败按退避重试`;
  }

  async run(): Promise<JobResult> {
    const result = { sent: 0, retrying: 0, failed: 0 };
    while (result.sent + result.retrying + result.failed < this.options.maxPerRun) {
      const now = this.clock();
      const claimed = await this.outbox.claimDue(now, new Date(now.getTime() + this.options.leaseSeconds * 1000), this.options.batchSize);
      if (claimed.length === 0) break;
      const outcomes = await Promise.all(claimed.map((notice) => this.deliver(notice)));
      for (const outcome of outcomes) result[outcome] += 1;
      // The gateway is down or overloaded: the rest waits for the next run instead of adding to it.
      if (outcomes.every((o) => o === 'retrying')) break;
    }
    return result;
  }

  private async deliver(notice: StoredNotice): Promise<'sent' | 'retrying' | 'failed'> {
    try {
      await this.channel.deliver(notice);
    } catch (e) {
      const error = e instanceof NotificationDeliveryError ? e : new NotificationDeliveryError('CHANNEL_ERROR', String((e as Error)?.message ?? e), false);
      const reason = `${error.code}: ${error.message}`;
      const about = `notice ${notice.id} (${notice.topic} to ${notice.recipientKind} ${maskIdentifier(notice.recipient)}), attempt ${notice.attempts}`;
      if (error.permanent || notice.attempts >= this.options.maxAttempts) {
        await this.outbox.markFailed(notice.id, reason, this.clock());
        this.log.error(`${about} given up: ${reason}`);
        return 'failed';
      }
      const retryAt = new Date(this.clock().getTime() + retryDelaySeconds(notice.attempts) * 1000);
      await this.outbox.markRetry(notice.id, reason, retryAt);
      this.log.warn(`${about} not delivered, next attempt at ${retryAt.toISOString()}: ${reason}`);
      return 'retrying';
    }
    await this.outbox.markSent(notice.id, this.clock());
    return 'sent';
  }
}
