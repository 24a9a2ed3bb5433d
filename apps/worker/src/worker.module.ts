import { Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import { Catalog } from '../../../catalog/catalog';
import { MESSAGE_BUS, MessageBus } from '../../../libs/bus/message-bus';
import { QUEUES } from '../../../libs/bus/messages';
import { HubMetrics } from '../../../libs/observability/metrics';
import { BatchRepository } from '../../../libs/persistence/batch.repository';
import { RecordRepository } from '../../../libs/persistence/record.repository';
import { RecordChunkHandler } from '../../../libs/pipeline/worker/record-chunk.handler';
import { BusModule } from '../../../libs/runtime/bus.module';
import { CatalogModule } from '../../../libs/runtime/catalog.module';
import { DatabaseModule } from '../../../libs/runtime/database.module';
import { MetricsModule } from '../../../libs/runtime/metrics.module';
import { CLOCK, Clock } from '../../../libs/runtime/tokens';

/** Subscribes the handlers once the application is up; one handler per queue. */
class WorkerSubscriptions implements OnApplicationBootstrap {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly recordChunks: RecordChunkHandler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.consume(QUEUES.records, this.recordChunks.handle);
  }
}

@Module({
  imports: [DatabaseModule, BusModule, CatalogModule, MetricsModule],
  providers: [
    {
      provide: RecordChunkHandler,
      inject: [BatchRepository, RecordRepository, Catalog, HubMetrics, CLOCK],
      useFactory: (batches: BatchRepository, records: RecordRepository, catalog: Catalog, metrics: HubMetrics, clock: Clock) =>
        new RecordChunkHandler(batches, records, (code) => catalog.find(code), metrics, { acceptWaitMs: 120_000, clock }),
    },
    {
      provide: WorkerSubscriptions,
      inject: [MESSAGE_BUS, RecordChunkHandler],
      useFactory: (bus: MessageBus, handler: RecordChunkHandler) => new WorkerSubscriptions(bus, handler),
    },
  ],
})
export class WorkerModule {}
