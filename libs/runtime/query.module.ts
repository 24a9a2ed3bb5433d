import { Module } from '@nestjs/common';
import { Catalog } from '../../catalog/catalog';
import { HubConfig } from '../config/hub-config';
import { CreditReportRepository } from '../persistence/credit-report.repository';
import { HubDatabase } from '../persistence/hub-database';
import { QueryAccountRepository } from '../persistence/query-account.repository';
import { SubjectQueryRepository } from '../persistence/subject-query.repository';
import { ListQueryService } from '../pipeline/lists/list-query.service';
import { SubjectQueryService } from '../pipeline/query/subject-query.service';
import { CreditReportService } from '../pipeline/reports/credit-report/credit-report.service';
import { CatalogModule } from './catalog.module';
import { DatabaseModule } from './database.module';
import { CLOCK, Clock, HUB_CONFIG } from './tokens';
import { HubMetrics } from '../observability/metrics';
import { meteredQueryLogWriter } from '../pipeline/query/metered-query-log-writer';
import { MetricsModule } from './metrics.module';

/**
 * Everything that serves records to a caller (第十六条 to 第二十一条): the subject query with its
 * access policy and query log, and what is built on it (lists, credit reports). One
 * SubjectQueryService per process, so its group-commit log writer sees every look.
 */
@Module({
  imports: [DatabaseModule, CatalogModule, MetricsModule],
  providers: [
    {
      provide: SubjectQueryService,
      inject: [SubjectQueryRepository, Catalog, CLOCK, HUB_CONFIG, HubMetrics],
      useFactory: (repo: SubjectQueryRepository, catalog: Catalog, clock: Clock, config: HubConfig, metrics: HubMetrics) =>
        new SubjectQueryService(
          repo,
          catalog,
          clock,
          { batchQueryMax: config.batchQueryMax },
          meteredQueryLogWriter((entries) => repo.appendLog(entries), metrics),
        ),
    },
    {
      provide: CreditReportService,
      inject: [HubDatabase, SubjectQueryService, QueryAccountRepository, Catalog, CLOCK],
      useFactory: (db: HubDatabase, queries: SubjectQueryService, accounts: QueryAccountRepository, catalog: Catalog, clock: Clock) =>
        new CreditReportService(new CreditReportRepository(db), queries, accounts, catalog, clock),
    },
    {
      provide: ListQueryService,
      inject: [SubjectQueryService, Catalog, CLOCK],
      useFactory: (queries: SubjectQueryService, catalog: Catalog, clock: Clock) => new ListQueryService(queries, catalog, clock),
    },
  ],
  exports: [SubjectQueryService, CreditReportService, ListQueryService],
})
export class QueryModule {}
