import type { StoredNotice } from '../../persistence/outbox.repository';

/**
 * Where the outbox's notices go: the center's message gateway, SMS, mail, a supplier's feedback
 * channel. One call delivers one notice; the deliverer records the outcome. A channel must accept
 * the same notice twice (at-least-once: a deliverer that dies after sending sends again), which
 * `notice.dedupeKey` makes possible.
 */
export interface NotificationChannel {
  /** For logs and the job's description, e.g. `webhook https://msg.example.gov.cn/notices`. */
  readonly name: string;
  /** Resolves once the channel took the notice; throws NotificationDeliveryError otherwise. */
  deliver(notice: StoredNotice): Promise<void>;
}

/**
 * A delivery that did not happen. `permanent`: sending the same notice again cannot succeed (the
 * channel refused it), so it is given up at once instead of retried.
 */
export class NotificationDeliveryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}
