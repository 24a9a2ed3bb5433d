import { Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import { Catalog } from '../../catalog/catalog';
import { MESSAGE_BUS, MessageBus } from '../bus/message-bus';
import { HubMetrics } from '../observability/metrics';
import { BatchRepository } from '../persistence/batch.repository';
import { DeadLetterRepository } from '../persistence/dead-letter.repository';
import { RecordRepository } from '../persistence/record.repository';
import { DeadLetterService } from '../pipeline/dead-letters/dead-letter.service';
import { BusModule } from './bus.module';
import { CatalogModule } from './catalog.module';
import { DatabaseModule } from './database.module';
import { MetricsModule } from './metrics.module';

/** The dead-letter list and replay (api) and the sink that fills it (worker); ADR 0012. */
@Module({
  imports: [DatabaseModule, BusModule, CatalogModule, MetricsModule],
  providers: [
    {
      provide: DeadLetterService,
      inject: [DeadLetterRepository, BatchRepository, RecordRepository, MESSAGE_BUS, Catalog, HubMetrics],
      useFactory: (deadLetters: DeadLetterRepository, batches: BatchRepository, records: RecordRepository, bus: MessageBus, catalog: Catalog, metrics: HubMetrics) =>
        new DeadLetterService(deadLetters, batches, records, bus, (code) => catalog.find(code) !== undefined, metrics),
    },
  ],
  exports: [DeadLetterService],
})
export class DeadLetterModule {}

/** Worker role: subscribes the sink to the dead-letter queue once the application is up. */
class DeadLetterSink implements OnApplicationBootstrap {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly deadLetters: DeadLetterService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.consumeDeadLetters(this.deadLetters.absorb);
  }
}

@Module({
  imports: [DeadLetterModule, BusModule],
  providers: [
    {
      provide: DeadLetterSink,
      inject: [MESSAGE_BUS, DeadLetterService],
      useFactory: (bus: MessageBus, service: DeadLetterService) => new DeadLetterSink(bus, service),
    },
  ],
})
export class DeadLetterSinkModule {}
