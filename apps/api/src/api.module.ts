import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Catalog } from '../../../catalog/catalog';
import { MESSAGE_BUS, MessageBus } from '../../../libs/bus/message-bus';
import { HubConfig } from '../../../libs/config/hub-config';
import { ErrorEnvelopeFilter } from '../../../libs/http/error-envelope.filter';
import { BatchRepository } from '../../../libs/persistence/batch.repository';
import { MappingRepository } from '../../../libs/persistence/mapping.repository';
import { SubjectQueryRepository } from '../../../libs/persistence/subject-query.repository';
import { SupplierRepository } from '../../../libs/persistence/supplier.repository';
import { SupplierAdminService } from '../../../libs/pipeline/admin/supplier-admin.service';
import { IngestService } from '../../../libs/pipeline/ingest/ingest.service';
import { SubjectQueryService } from '../../../libs/pipeline/query/subject-query.service';
import { BatchReportService } from '../../../libs/pipeline/reports/batch-report.service';
import { BusModule } from '../../../libs/runtime/bus.module';
import { CatalogModule } from '../../../libs/runtime/catalog.module';
import { DatabaseModule } from '../../../libs/runtime/database.module';
import { MetricsModule } from '../../../libs/runtime/metrics.module';
import { CLOCK, Clock, HUB_CONFIG } from '../../../libs/runtime/tokens';
import { MappingsController } from './admin/mappings.controller';
import { SuppliersController } from './admin/suppliers.controller';
import { MappingAdminService } from '../../../libs/pipeline/admin/mapping-admin.service';
import { SubjectRegistryRepository } from '../../../libs/persistence/subject-registry.repository';
import { SubjectResolver } from '../../../libs/pipeline/worker/subject-resolver';
import { CallerResolver, OperatorGuard, SupplierGuard, SupplierOrOperatorGuard } from './auth.guards';
import { CatalogController } from './catalog/catalog.controller';
import { HealthController } from './health/health.controller';
import { BatchesController } from './ingest/batches.controller';
import { IngestController } from './ingest/ingest.controller';
import { SubjectsController } from './query/subjects.controller';

/** The HTTP edge: controllers translate, the services of libs/pipeline do the work. */
@Module({
  imports: [DatabaseModule, BusModule, CatalogModule, MetricsModule],
  controllers: [
    IngestController,
    BatchesController,
    SubjectsController,
    SuppliersController,
    MappingsController,
    CatalogController,
    HealthController,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ErrorEnvelopeFilter },
    CallerResolver,
    SupplierGuard,
    OperatorGuard,
    SupplierOrOperatorGuard,
    {
      provide: IngestService,
      inject: [BatchRepository, MESSAGE_BUS, Catalog, HUB_CONFIG, MappingRepository],
      useFactory: (batches: BatchRepository, bus: MessageBus, catalog: Catalog, config: HubConfig, mappings: MappingRepository) =>
        new IngestService(batches, bus, (code) => catalog.find(code) !== undefined, config.ingest, (supplierId, item) =>
          mappings.latestVersion(supplierId, item),
        ),
    },
    {
      provide: BatchReportService,
      inject: [BatchRepository],
      useFactory: (batches: BatchRepository) => new BatchReportService(batches),
    },
    {
      provide: SubjectQueryService,
      inject: [SubjectQueryRepository, Catalog, CLOCK],
      useFactory: (repo: SubjectQueryRepository, catalog: Catalog, clock: Clock) => new SubjectQueryService(repo, catalog, clock),
    },
    {
      provide: MappingAdminService,
      inject: [SupplierRepository, MappingRepository, Catalog, SubjectRegistryRepository, CLOCK],
      useFactory: (suppliers: SupplierRepository, mappings: MappingRepository, catalog: Catalog, registry: SubjectRegistryRepository, clock: Clock) =>
        new MappingAdminService(suppliers, mappings, catalog, new SubjectResolver(registry), clock),
    },
    {
      provide: SupplierAdminService,
      inject: [SupplierRepository, Catalog],
      useFactory: (suppliers: SupplierRepository, catalog: Catalog) => new SupplierAdminService(suppliers, catalog),
    },
  ],
})
export class ApiModule {}
