import { RightsError } from '../../domain/rights';
import type { NoticeFilter, OutboxRepository, StoredNotice } from '../../persistence/outbox.repository';

/** The notification outbox as operators read it (what was, or will be, sent to whom), and its given-up notices sent again. */
export class NotificationService {
  constructor(private readonly outbox: OutboxRepository) {}

  async list(filter: NoticeFilter): Promise<{ notifications: StoredNotice[]; nextOffset: number | null }> {
    const notifications = await this.outbox.list(filter);
    return { notifications, nextOffset: notifications.length === filter.limit ? filter.offset + filter.limit : null };
  }

  /** A failed notice becomes pending again with a fresh count of attempts; the deliverer takes it on its next run. */
  async retry(id: string): Promise<StoredNotice> {
    const retried = await this.outbox.retryFailed(id);
    if (retried) return retried;
    if (await this.outbox.find(id)) throw new RightsError('NOTIFICATION_NOT_FAILED', '该通知未处于发送失败状态，无需重发', [{ id }]);
    throw new RightsError('NOTIFICATION_NOT_FOUND', '未找到该通知', [{ id }]);
  }
}
