import { Module } from '@nestjs/common';
import { Catalog } from '../../catalog/catalog';
import { OutboxRepository } from '../persistence/outbox.repository';
import { SupplierComplianceRepository } from '../persistence/supplier-compliance.repository';
import { WorkingDayCalendarService } from '../pipeline/calendar/working-day-calendar.service';
import { SupplierComplianceService } from '../pipeline/compliance/supplier-compliance.service';
import { CalendarModule } from './calendar.module';
import { CatalogModule } from './catalog.module';
import { DatabaseModule } from './database.module';
import { CLOCK, Clock } from './tokens';

/** 第三十二条: expected deliveries, 催报 reminders and the supplier scorecard (used by the API and the jobs). */
@Module({
  imports: [DatabaseModule, CatalogModule, CalendarModule],
  providers: [
    {
      provide: SupplierComplianceService,
      inject: [SupplierComplianceRepository, OutboxRepository, Catalog, WorkingDayCalendarService, CLOCK],
      useFactory: (
        repository: SupplierComplianceRepository,
        outbox: OutboxRepository,
        catalog: Catalog,
        calendars: WorkingDayCalendarService,
        clock: Clock,
      ) => new SupplierComplianceService(repository, outbox, catalog, calendars, clock),
    },
  ],
  exports: [SupplierComplianceService],
})
export class ComplianceModule {}
