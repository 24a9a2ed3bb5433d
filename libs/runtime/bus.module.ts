import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { AmqpBus } from '../bus/amqp-bus';
import { EmbeddedBus } from '../bus/embedded-bus';
import { MESSAGE_BUS, MessageBus } from '../bus/message-bus';
import { HubConfig } from '../config/hub-config';
import { BusMessageRepository } from '../persistence/bus-message.repository';
import { HubDatabase } from '../persistence/hub-database';
import { DatabaseModule } from './database.module';
import { HUB_CONFIG } from './tokens';

/** Stops the bus before the database closes, whatever order Nest tears modules down in. */
class InfrastructureShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly db: HubDatabase,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.stop();
    await this.db.close();
  }
}

@Module({
  imports: [DatabaseModule],
  providers: [
    {
      provide: MESSAGE_BUS,
      inject: [HUB_CONFIG, BusMessageRepository],
      useFactory: async (config: HubConfig, messages: BusMessageRepository): Promise<MessageBus> => {
        const options = { deliveryLimit: config.bus.deliveryLimit, prefetch: config.bus.prefetch };
        const bus = config.bus.url
          ? new AmqpBus({ ...options, url: config.bus.url, confirmTimeoutMs: config.bus.confirmTimeoutMs })
          : new EmbeddedBus(messages, options);
        await bus.start();
        return bus;
      },
    },
    { provide: InfrastructureShutdown, inject: [MESSAGE_BUS, HubDatabase], useFactory: (b: MessageBus, d: HubDatabase) => new InfrastructureShutdown(b, d) },
  ],
  exports: [MESSAGE_BUS],
})
export class BusModule {}
