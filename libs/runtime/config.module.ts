import { DynamicModule, Global, Module } from '@nestjs/common';
import { HubConfig } from '../config/hub-config';
import { CLOCK, HUB_CONFIG } from './tokens';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: HubConfig, clock: () => Date = () => new Date()): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
      ],
      exports: [HUB_CONFIG, CLOCK],
    };
  }
}
