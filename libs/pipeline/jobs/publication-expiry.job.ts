import { chinaCalendarDate } from '../../domain/identity/citizen-id';
import { RecordRepository } from '../../persistence/record.repository';
import type { Clock } from '../../runtime/tokens';
import type { HubJob, JobResult } from './hub-job';

/** 第二十八条: records past their publication period are archived (not served, not deleted), in resumable batches. */
export class PublicationExpiryJob implements HubJob {
  readonly name = 'publication-expiry';
  readonly schedule = '0 5 * * * *';
  readonly description = '公示期届满的信用信息归档（第二十八条）';

  constructor(
    private readonly records: RecordRepository,
    private readonly clock: Clock,
    private readonly batchSize = 10_000,
  ) {}

  async run(): Promise<JobResult> {
    const today = chinaCalendarDate(this.clock());
    let archived = 0;
    for (let step = -1; step !== 0; archived += step) step = await this.records.archiveExpired(today, this.batchSize);
    return { archived };
  }
}
