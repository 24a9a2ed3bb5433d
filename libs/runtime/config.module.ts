import { DynamicModule, Global, Module } from '@nestjs/common';
import { HubConfig } from '../config/hub-config';
import { ControlledClock } from './controlled-clock';
import { CLOCK, CLOCK_CONTROL, HUB_CONFIG } from './tokens';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: HubConfig, wall: () => Date = () => new Date()): DynamicModule {
    const control = config.clockControl ? new ControlledClock(wall) : undefined;
    return {
      module: ConfigModule,
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        { provide: CLOCK, useValue: control ? control.now : wall },
        { provide: CLOCK_CONTROL, useFactory: () => control },
      ],
      exports: [HUB_CONFIG, CLOCK, CLOCK_CONTROL],
    };
  }
}
