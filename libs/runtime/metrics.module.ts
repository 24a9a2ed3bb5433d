import { Module } from '@nestjs/common';
import { HubMetrics } from '../observability/metrics';

@Module({ providers: [HubMetrics], exports: [HubMetrics] })
export class MetricsModule {}
