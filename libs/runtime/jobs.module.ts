import { Module } from '@nestjs/common';
import { RecordRepository } from '../persistence/record.repository';
import { HUB_JOBS, HubJob } from '../pipeline/jobs/hub-job';
import { PublicationExpiryJob } from '../pipeline/jobs/publication-expiry.job';
import { DatabaseModule } from './database.module';
import { CLOCK, Clock } from './tokens';

/**
 * The list of time-driven jobs, shared by the scheduler (runs them on their schedules) and the
 * API (an operator runs one now). A new job: a class implementing HubJob, added to this list.
 */
@Module({
  imports: [DatabaseModule],
  providers: [
    {
      provide: HUB_JOBS,
      inject: [RecordRepository, CLOCK],
      useFactory: (records: RecordRepository, clock: Clock): HubJob[] => [new PublicationExpiryJob(records, clock)],
    },
  ],
  exports: [HUB_JOBS],
})
export class JobsModule {}
