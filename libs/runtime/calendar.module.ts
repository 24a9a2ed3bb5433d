import { Module } from '@nestjs/common';
import { CalendarRepository } from '../persistence/calendar.repository';
import { WorkingDayCalendarService } from '../pipeline/calendar/working-day-calendar.service';
import { DatabaseModule } from './database.module';
import { CLOCK, Clock } from './tokens';

/** The working-day calendar (chinese-days + the operator table) for every deadline of the measures. */
@Module({
  imports: [DatabaseModule],
  providers: [
    {
      provide: WorkingDayCalendarService,
      inject: [CalendarRepository, CLOCK],
      useFactory: (table: CalendarRepository, clock: Clock) => new WorkingDayCalendarService(table, clock),
    },
  ],
  exports: [WorkingDayCalendarService],
})
export class CalendarModule {}
