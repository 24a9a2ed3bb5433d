import { Logger, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { Catalog } from '../../../catalog/catalog';
import { ErrorEnvelopeFilter } from '../../../libs/http/error-envelope.filter';
import { MappingRepository } from '../../../libs/persistence/mapping.repository';
import { SupplierRepository } from '../../../libs/persistence/supplier.repository';
import { SupplierAdminService } from '../../../libs/pipeline/admin/supplier-admin.service';
import { BusModule } from '../../../libs/runtime/bus.module';
import { CatalogModule } from '../../../libs/runtime/catalog.module';
import { DatabaseModule } from '../../../libs/runtime/database.module';
import { MetricsModule } from '../../../libs/runtime/metrics.module';
import { PipelineModule } from '../../../libs/runtime/pipeline.module';
import { CLOCK, Clock } from '../../../libs/runtime/tokens';
import { ConnectorsController } from './admin/connectors.controller';
import { AuditController } from './admin/audit.controller';
import { ClockController, JobsController } from './admin/jobs.controller';
import { CalendarController } from './admin/calendar.controller';
import { CalendarModule } from '../../../libs/runtime/calendar.module';
import { JobsModule } from '../../../libs/runtime/jobs.module';
import { AuditChainRepository } from '../../../libs/persistence/audit/audit-chain.repository';
import { HubDatabase } from '../../../libs/persistence/hub-database';
import { SubjectRegistryController } from './admin/subjects-registry.controller';
import { SubjectRegistryService } from '../../../libs/pipeline/admin/subject-registry.service';
import { MappingsController } from './admin/mappings.controller';
import { SuppliersController } from './admin/suppliers.controller';
import { MappingAdminService } from '../../../libs/pipeline/admin/mapping-admin.service';
import { SubjectRegistryRepository } from '../../../libs/persistence/subject-registry.repository';
import { SubjectResolver } from '../../../libs/pipeline/worker/subject-resolver';
import { CallerResolver, OperatorGuard, SubjectOrOperatorGuard, SupplierGuard, SupplierOrOperatorGuard } from './auth.guards';
import { CatalogController } from './catalog/catalog.controller';
import { HealthController } from './health/health.controller';
import { BatchesController } from './ingest/batches.controller';
import { IngestController } from './ingest/ingest.controller';
import { SubjectsController } from './query/subjects.controller';
import { CreditReportController } from './query/credit-report.controller';
import { ReportVerificationController } from './query/report-verification.controller';
import { QueryContextFactory } from './query/query-context.factory';
import { QueryAccountsController } from './admin/query-accounts.controller';
import { RecordsController } from './admin/records.controller';
import { QueryAccountAdminService } from '../../../libs/pipeline/admin/query-account-admin.service';
import { QueryAccountRepository } from '../../../libs/persistence/query-account.repository';
import { AuthorizationRepository } from '../../../libs/persistence/authorization.repository';
import { ListsController } from './query/lists.controller';
import { SupplierScorecardController } from './admin/supplier-scorecard.controller';
import { RightsModule } from '../../../libs/runtime/rights.module';
import { QueryModule } from '../../../libs/runtime/query.module';
import { ComplianceModule } from '../../../libs/runtime/compliance.module';
import { SubjectRightsController } from './rights/subject-rights.controller';
import { RightsAdminController } from './rights/rights-admin.controller';
import { SupplierObjectionsController } from './rights/supplier-objections.controller';
import { DeadLettersController } from './admin/dead-letters.controller';
import { DeadLetterModule } from '../../../libs/runtime/dead-letter.module';
import { RateLimitGuard } from './rate-limit.guard';
import { OperatorQueryGuard } from './query/operator-query.guard';
import { RateLimiter } from '../../../libs/pipeline/limits/rate-limiter';
import { RateLimitRepository } from '../../../libs/persistence/rate-limit.repository';

/** The HTTP edge: controllers translate, the services of libs/pipeline do the work. */
@Module({
  imports: [DatabaseModule, BusModule, CatalogModule, MetricsModule, PipelineModule, JobsModule, CalendarModule, RightsModule, QueryModule, ComplianceModule, DeadLetterModule],
  controllers: [
    IngestController,
    BatchesController,
    SubjectsController,
    ListsController,
    CreditReportController,
    ReportVerificationController,
    QueryAccountsController,
    RecordsController,
    SuppliersController,
    SupplierScorecardController,
    MappingsController,
    ConnectorsController,
    SubjectRegistryController,
    AuditController,
    JobsController,
    ClockController,
    CalendarController,
    CatalogController,
    HealthController,
    SubjectRightsController,
    RightsAdminController,
    SupplierObjectionsController,
    DeadLettersController,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ErrorEnvelopeFilter },
    CallerResolver,
    SupplierGuard,
    OperatorGuard,
    SupplierOrOperatorGuard,
    SubjectOrOperatorGuard,
    QueryContextFactory,
    OperatorQueryGuard,
    {
      provide: RateLimiter,
      inject: [HubDatabase, CLOCK],
      useFactory: (db: HubDatabase, clock: Clock) => {
        const log = new Logger('RateLimit');
        return new RateLimiter(new RateLimitRepository(db), clock, (e) => log.warn(`rate-limit store unavailable, request let through: ${(e as Error)?.message ?? String(e)}`));
      },
    },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    {
      provide: QueryAccountAdminService,
      inject: [QueryAccountRepository, AuthorizationRepository, Catalog, CLOCK],
      useFactory: (accounts: QueryAccountRepository, authorizations: AuthorizationRepository, catalog: Catalog, clock: Clock) =>
        new QueryAccountAdminService(accounts, authorizations, catalog, clock),
    },
    {
      provide: MappingAdminService,
      inject: [SupplierRepository, MappingRepository, Catalog, SubjectRegistryRepository, CLOCK],
      useFactory: (suppliers: SupplierRepository, mappings: MappingRepository, catalog: Catalog, registry: SubjectRegistryRepository, clock: Clock) =>
        new MappingAdminService(suppliers, mappings, catalog, new SubjectResolver(registry), clock),
    },
    { provide: AuditChainRepository, inject: [HubDatabase], useFactory: (db: HubDatabase) => new AuditChainRepository(db) },
    {
      provide: SubjectRegistryService,
      inject: [SubjectRegistryRepository, CLOCK],
      useFactory: (registry: SubjectRegistryRepository, clock: Clock) => new SubjectRegistryService(registry, clock),
    },
    {
      provide: SupplierAdminService,
      inject: [SupplierRepository, Catalog],
      useFactory: (suppliers: SupplierRepository, catalog: Catalog) => new SupplierAdminService(suppliers, catalog),
    },
  ],
})
export class ApiModule {}
