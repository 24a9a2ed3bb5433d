import { Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CronJob } from 'cron';
import { BatchRepository } from '../../../libs/persistence/batch.repository';
import { DatabaseModule } from '../../../libs/runtime/database.module';

/** A batch still `receiving` after this long lost its publisher (crash between publish and accept). */
const STALE_BATCH_SECONDS = 15 * 60;

/** Time-driven work. Each job is idempotent, so running it on several schedulers is harmless. */
class ScheduledJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Scheduler');
  private readonly jobs: CronJob[] = [];

  constructor(private readonly batches: BatchRepository) {}

  onApplicationBootstrap(): void {
    this.jobs.push(
      CronJob.from({
        cronTime: '0 * * * * *',
        onTick: () => this.abortStaleBatches(),
        start: true,
        waitForCompletion: true,
        timeZone: 'Asia/Shanghai',
      }),
    );
  }

  onApplicationShutdown(): void {
    for (const job of this.jobs) void job.stop();
  }

  private async abortStaleBatches(): Promise<void> {
    try {
      const aborted = await this.batches.abortStale(STALE_BATCH_SECONDS);
      if (aborted > 0) this.log.warn(`aborted ${aborted} batch(es) whose publisher never finished`);
    } catch (e) {
      this.log.warn(`stale-batch sweep failed: ${(e as Error).message}`);
    }
  }
}

@Module({
  imports: [DatabaseModule],
  providers: [{ provide: ScheduledJobs, inject: [BatchRepository], useFactory: (b: BatchRepository) => new ScheduledJobs(b) }],
})
export class SchedulerModule {}
