import type { NoticeFilter, OutboxRepository, StoredNotice } from '../../persistence/outbox.repository';

/** The notification outbox as operators read it (what was, or will be, sent to whom). */
export class NotificationService {
  constructor(private readonly outbox: OutboxRepository) {}

  async list(filter: NoticeFilter): Promise<{ notifications: StoredNotice[]; nextOffset: number | null }> {
    const notifications = await this.outbox.list(filter);
    return { notifications, nextOffset: notifications.length === filter.limit ? filter.offset + filter.limit : null };
  }
}
