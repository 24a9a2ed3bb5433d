import { Module } from '@nestjs/common';
import { Catalog } from '../../catalog/catalog';
import { NonDisclosureRepository } from '../persistence/non-disclosure.repository';
import { ObjectionRepository } from '../persistence/objection.repository';
import { OutboxRepository } from '../persistence/outbox.repository';
import { RepairRepository } from '../persistence/repair.repository';
import { WorkingDayCalendarService } from '../pipeline/calendar/working-day-calendar.service';
import { NonDisclosureService } from '../pipeline/rights/non-disclosure.service';
import { NotificationService } from '../pipeline/rights/notification.service';
import { ObjectionService } from '../pipeline/rights/objection.service';
import { RepairService } from '../pipeline/rights/repair.service';
import { CalendarModule } from './calendar.module';
import { CatalogModule } from './catalog.module';
import { DatabaseModule } from './database.module';
import { CLOCK, Clock } from './tokens';

/** The subjects' rights workflows (第二十三条 to 第二十七条): objections, repair, non-disclosure, and the outbox they write. */
@Module({
  imports: [DatabaseModule, CatalogModule, CalendarModule],
  providers: [
    {
      provide: ObjectionService,
      inject: [ObjectionRepository, WorkingDayCalendarService, Catalog, CLOCK],
      useFactory: (repo: ObjectionRepository, calendar: WorkingDayCalendarService, catalog: Catalog, clock: Clock) =>
        new ObjectionService(repo, calendar, catalog, clock),
    },
    {
      provide: RepairService,
      inject: [RepairRepository, Catalog, CLOCK],
      useFactory: (repo: RepairRepository, catalog: Catalog, clock: Clock) => new RepairService(repo, catalog, clock),
    },
    {
      provide: NonDisclosureService,
      inject: [NonDisclosureRepository, WorkingDayCalendarService, Catalog, CLOCK],
      useFactory: (repo: NonDisclosureRepository, calendar: WorkingDayCalendarService, catalog: Catalog, clock: Clock) =>
        new NonDisclosureService(repo, calendar, catalog, clock),
    },
    { provide: NotificationService, inject: [OutboxRepository], useFactory: (outbox: OutboxRepository) => new NotificationService(outbox) },
  ],
  exports: [ObjectionService, RepairService, NonDisclosureService, NotificationService],
})
export class RightsModule {}
