import { Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CronJob, CronTime } from 'cron';
import { BatchRepository } from '../../../libs/persistence/batch.repository';
import { HUB_JOBS, HubJob } from '../../../libs/pipeline/jobs/hub-job';
import { JobsModule } from '../../../libs/runtime/jobs.module';
import { ConnectorRepository } from '../../../libs/persistence/connector.repository';
import { ConnectorRuntime } from '../../../libs/pipeline/connectors/connector-runtime';
import { FeedbackDispatcher } from '../../../libs/pipeline/connectors/feedback-dispatcher';
import { applyConnectorDeclarations } from '../../../libs/pipeline/connectors/declared-connectors';
import { ConnectorAdminService } from '../../../libs/pipeline/admin/connector-admin.service';
import { DatabaseModule } from '../../../libs/runtime/database.module';
import { PipelineModule } from '../../../libs/runtime/pipeline.module';
import { CLOCK, Clock, HUB_CONFIG } from '../../../libs/runtime/tokens';
import { HubConfig } from '../../../libs/config/hub-config';

/**
 * Is an instance's next scheduled time, counted from its last run (or its registration), past?
 * A retry after a failure is due at its backoff time instead.
 */
export function isDue(schedule: string, since: Date, nextAttemptAt: Date | null, now: Date): boolean {
  if (nextAttemptAt) return nextAttemptAt <= now;
  // getNextDateFrom ignores the CronTime's own zone unless it is given again (cron 4).
  return new CronTime(schedule, 'Asia/Shanghai').getNextDateFrom(since, 'Asia/Shanghai').toJSDate() <= now;
}

/** Time-driven work. Each job is idempotent and leased, so running it on several schedulers is harmless. */
class ScheduledJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Scheduler');
  private readonly jobs: CronJob[] = [];

  constructor(
    private readonly batches: BatchRepository,
    private readonly connectors: ConnectorRepository,
    private readonly runtime: ConnectorRuntime,
    private readonly feedback: FeedbackDispatcher,
    private readonly clock: Clock,
    private readonly publishTimeoutSeconds: number,
    private readonly admin: ConnectorAdminService,
    private readonly declared: { dir?: string; secrets: Readonly<Record<string, string>> },
    private readonly hubJobs: readonly HubJob[],
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.declared.dir) {
      // Config-as-code: an invalid declaration stops the start with every problem listed.
      const applied = await applyConnectorDeclarations(this.declared.dir, this.declared.secrets, this.admin);
      this.log.log(`connector declarations: ${applied.map((a) => `${a.name}${a.changed ? ' (updated)' : ''}`).join(', ') || 'none'}`);
    }
    this.every('0 * * * * *', () => this.abortStaleBatches());
    for (const job of this.hubJobs) this.every(job.schedule, () => this.runHubJob(job));
    this.every('*/15 * * * * *', () => this.runDueConnectors());
    this.every('*/10 * * * * *', () => this.dispatchFeedback());
  }

  onApplicationShutdown(): void {
    for (const job of this.jobs) void job.stop();
  }

  private every(cronTime: string, work: () => Promise<void>): void {
    this.jobs.push(CronJob.from({ cronTime, onTick: work, start: true, waitForCompletion: true, timeZone: 'Asia/Shanghai' }));
  }

  private async abortStaleBatches(): Promise<void> {
    try {
      // A batch still `receiving` past the publish timeout lost its publisher (crash between publish and accept).
      const aborted = await this.batches.abortStale(this.publishTimeoutSeconds);
      if (aborted > 0) this.log.warn(`aborted ${aborted} batch(es) whose publisher never finished`);
    } catch (e) {
      this.log.warn(`stale-batch sweep failed: ${(e as Error).message}`);
    }
  }

  private async runHubJob(job: HubJob): Promise<void> {
    try {
      const result = await job.run();
      if (Object.values(result).some((n) => n > 0)) this.log.log(`job ${job.name}: ${JSON.stringify(result)}`);
    } catch (e) {
      this.log.warn(`job ${job.name} failed: ${(e as Error).message}`);
    }
  }

  private async runDueConnectors(): Promise<void> {
    try {
      const now = this.clock();
      for (const instance of await this.connectors.enabled()) {
        if (!isDue(instance.schedule, instance.lastRunAt ?? instance.createdAt, instance.nextAttemptAt, now)) continue;
        const result = await this.runtime.run(instance.id);
        if (result.outcome === 'done' && result.batchIds.length > 0) {
          this.log.log(`connector ${instance.id} (${instance.kind}) produced ${result.batchIds.length} batch(es)`);
        }
      }
    } catch (e) {
      this.log.warn(`connector schedule failed: ${(e as Error).message}`);
    }
  }

  private async dispatchFeedback(): Promise<void> {
    try {
      await this.feedback.dispatchDue();
    } catch (e) {
      this.log.warn(`feedback dispatch failed: ${(e as Error).message}`);
    }
  }
}

@Module({
  imports: [DatabaseModule, PipelineModule, JobsModule],
  providers: [
    {
      provide: ScheduledJobs,
      inject: [BatchRepository, ConnectorRepository, ConnectorRuntime, FeedbackDispatcher, CLOCK, HUB_CONFIG, ConnectorAdminService, HUB_JOBS],
      useFactory: (
        b: BatchRepository,
        c: ConnectorRepository,
        r: ConnectorRuntime,
        f: FeedbackDispatcher,
        clock: Clock,
        config: HubConfig,
        admin: ConnectorAdminService,
        hubJobs: HubJob[],
      ) =>
        new ScheduledJobs(b, c, r, f, clock, config.ingest.publishTimeoutSeconds, admin, {
          dir: config.connectorsDir,
          secrets: config.connectorSecrets,
        }, hubJobs),
    },
  ],
})
export class SchedulerModule {}

