import { Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { CatalogVersionRepository } from '../../../libs/persistence/catalog-version.repository';
import { MappingRepository } from '../../../libs/persistence/mapping.repository';
import { SubjectRegistryRepository } from '../../../libs/persistence/subject-registry.repository';
import { MappingVersions } from '../../../libs/pipeline/worker/mapping-versions';
import { SubjectResolver } from '../../../libs/pipeline/worker/subject-resolver';
import { canonicalJson } from '../../../libs/pipeline/ingest/ingest.service';
import { Catalog } from '../../../catalog/catalog';
import { MESSAGE_BUS, MessageBus } from '../../../libs/bus/message-bus';
import { QUEUES } from '../../../libs/bus/messages';
import { HubMetrics } from '../../../libs/observability/metrics';
import { BatchRepository } from '../../../libs/persistence/batch.repository';
import { RecordRepository } from '../../../libs/persistence/record.repository';
import { RecordChunkHandler } from '../../../libs/pipeline/worker/record-chunk.handler';
import { BusModule } from '../../../libs/runtime/bus.module';
import { DeadLetterSinkModule } from '../../../libs/runtime/dead-letter.module';
import { CatalogModule } from '../../../libs/runtime/catalog.module';
import { DatabaseModule } from '../../../libs/runtime/database.module';
import { MetricsModule } from '../../../libs/runtime/metrics.module';
import { CLOCK, Clock, HUB_CONFIG } from '../../../libs/runtime/tokens';
import { HubConfig } from '../../../libs/config/hub-config';

/**
 * Once the application is up: records the catalog versions this worker validates against
 * (a changed item without a version bump stops it), then subscribes one handler per queue.
 */
class WorkerSubscriptions implements OnApplicationBootstrap {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly recordChunks: RecordChunkHandler,
    private readonly catalog: Catalog,
    private readonly catalogVersions: CatalogVersionRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.catalogVersions.record(
      this.catalog.all().map((item) => ({
        code: item.code,
        version: item.version,
        contentHash: createHash('sha256').update(canonicalJson(item)).digest('hex'),
        definition: item,
      })),
    );
    await this.bus.consume(QUEUES.records, this.recordChunks.handle);
  }
}

@Module({
  imports: [DatabaseModule, BusModule, CatalogModule, MetricsModule, DeadLetterSinkModule],
  providers: [
    {
      provide: RecordChunkHandler,
      inject: [BatchRepository, RecordRepository, Catalog, HubMetrics, MappingRepository, SubjectRegistryRepository, CLOCK, HUB_CONFIG],
      useFactory: (
        batches: BatchRepository,
        records: RecordRepository,
        catalog: Catalog,
        metrics: HubMetrics,
        mappings: MappingRepository,
        registry: SubjectRegistryRepository,
        clock: Clock,
        config: HubConfig,
      ) =>
        new RecordChunkHandler(batches, records, (code) => catalog.find(code), metrics, new MappingVersions(mappings), new SubjectResolver(registry), {
          acceptWaitMs: config.ingest.publishTimeoutSeconds * 1000,
          clock,
          maxRejectionsPerBatch: config.loader.maxRejectionsPerBatch,
        }),
    },
    {
      provide: WorkerSubscriptions,
      inject: [MESSAGE_BUS, RecordChunkHandler, Catalog, CatalogVersionRepository],
      useFactory: (bus: MessageBus, handler: RecordChunkHandler, catalog: Catalog, versions: CatalogVersionRepository) =>
        new WorkerSubscriptions(bus, handler, catalog, versions),
    },
  ],
})
export class WorkerModule {}
