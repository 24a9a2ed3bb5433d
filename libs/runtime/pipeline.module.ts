import { Module } from '@nestjs/common';
import { Catalog } from '../../catalog/catalog';
import { ConnectorKind, ConnectorManifest } from '../../connectors/connector.contract';
import { connectorRegistry } from '../../connectors/registry';
import { MESSAGE_BUS, MessageBus } from '../bus/message-bus';
import { HubConfig } from '../config/hub-config';
import { BatchRepository } from '../persistence/batch.repository';
import { ConnectorRepository } from '../persistence/connector.repository';
import { DeadLetterRepository } from '../persistence/dead-letter.repository';
import { MappingRepository } from '../persistence/mapping.repository';
import { SupplierRepository } from '../persistence/supplier.repository';
import { ConnectorAdminService } from '../pipeline/admin/connector-admin.service';
import { ConnectorRuntime } from '../pipeline/connectors/connector-runtime';
import { FeedbackDispatcher } from '../pipeline/connectors/feedback-dispatcher';
import { IngestService } from '../pipeline/ingest/ingest.service';
import { BatchReportService } from '../pipeline/reports/batch-report.service';
import { EgressGuard } from '../security/egress-policy';
import { SecretBox } from '../security/secret-box';
import { BusModule } from './bus.module';
import { CatalogModule } from './catalog.module';
import { DatabaseModule } from './database.module';
import { CLOCK, Clock, HUB_CONFIG } from './tokens';

export const CONNECTOR_REGISTRY = Symbol('CONNECTOR_REGISTRY');
export const SECRET_BOX = Symbol('SECRET_BOX');
export const EGRESS_GUARD = Symbol('EGRESS_GUARD');

/** The services every way in shares: ingest (REST, SOAP, connectors), batch reports, the connector runtime. */
@Module({
  imports: [DatabaseModule, BusModule, CatalogModule],
  providers: [
    { provide: CONNECTOR_REGISTRY, useFactory: () => connectorRegistry() },
    { provide: SECRET_BOX, inject: [HUB_CONFIG], useFactory: (config: HubConfig) => (config.secretKey ? new SecretBox(config.secretKey) : undefined) },
    { provide: EGRESS_GUARD, inject: [HUB_CONFIG], useFactory: (config: HubConfig) => new EgressGuard(config.egress) },
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
      inject: [BatchRepository, ConnectorRepository, DeadLetterRepository],
      useFactory: (batches: BatchRepository, connectors: ConnectorRepository, deadLetters: DeadLetterRepository) =>
        new BatchReportService(batches, connectors, deadLetters),
    },
    {
      provide: ConnectorRuntime,
      inject: [ConnectorRepository, SupplierRepository, IngestService, CONNECTOR_REGISTRY, SECRET_BOX, CLOCK, EGRESS_GUARD],
      useFactory: (
        instances: ConnectorRepository,
        suppliers: SupplierRepository,
        ingest: IngestService,
        registry: ReadonlyMap<ConnectorKind, ConnectorManifest<unknown>>,
        secrets: SecretBox | undefined,
        clock: Clock,
        egress: EgressGuard,
      ) => new ConnectorRuntime(instances, suppliers, ingest, registry, secrets, clock, egress),
    },
    {
      provide: FeedbackDispatcher,
      inject: [ConnectorRepository, ConnectorRuntime, BatchReportService],
      useFactory: (instances: ConnectorRepository, runtime: ConnectorRuntime, reports: BatchReportService) => new FeedbackDispatcher(instances, runtime, reports),
    },
    {
      provide: ConnectorAdminService,
      inject: [ConnectorRepository, SupplierRepository, Catalog, CONNECTOR_REGISTRY, ConnectorRuntime, SECRET_BOX, EGRESS_GUARD],
      useFactory: (
        instances: ConnectorRepository,
        suppliers: SupplierRepository,
        catalog: Catalog,
        registry: ReadonlyMap<ConnectorKind, ConnectorManifest<unknown>>,
        runtime: ConnectorRuntime,
        secrets: SecretBox | undefined,
        egress: EgressGuard,
      ) => new ConnectorAdminService(instances, suppliers, catalog, registry, runtime, secrets, egress),
    },
  ],
  exports: [IngestService, BatchReportService, ConnectorRuntime, FeedbackDispatcher, ConnectorAdminService],
})
export class PipelineModule {}
