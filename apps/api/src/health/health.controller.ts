import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { NoRateLimit } from '../rate-limit.guard';
import { MESSAGE_BUS, MessageBus } from '../../../../libs/bus/message-bus';
import { QUEUES } from '../../../../libs/bus/messages';
import { HubMetrics } from '../../../../libs/observability/metrics';
import { HealthRepository } from '../../../../libs/persistence/health.repository';
import { OutboxRepository } from '../../../../libs/persistence/outbox.repository';
import { DeadLetterService } from '../../../../libs/pipeline/dead-letters/dead-letter.service';
import { CLOCK, Clock } from '../../../../libs/runtime/tokens';

@ApiTags('operations')
@NoRateLimit()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthRepository,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly metrics: HubMetrics,
    private readonly outbox: OutboxRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly deadLetters: DeadLetterService,
  ) {}

  @Get('health/live')
  @HttpCode(200)
  @ApiOperation({ summary: '存活检查' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @ApiOperation({ summary: '就绪检查：数据库可达、迁移已执行、消息队列当前通道可用' })
  async ready(@Res() response: Response): Promise<void> {
    const database = await this.health.databaseReady();
    const bus = this.bus.isConnected();
    const ok = database.reachable && database.migrated && bus;
    response.status(ok ? 200 : 503).json({
      status: ok ? 'ok' : 'unavailable',
      checks: { database: database.reachable, migrations: database.migrated, bus },
    });
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('Cache-Control', 'no-store')
  async metricsText(@Res() response: Response): Promise<void> {
    try {
      const depth = await this.bus.depth(QUEUES.records);
      this.metrics.queueDepth.set({ queue: QUEUES.records }, depth.ready);
      this.metrics.queueDepth.set({ queue: 'hub.dead-letter' }, depth.deadLettered);
    } catch {
      /* depth is best effort; the other metrics still matter during an outage */
    }
    try {
      const dead = await this.deadLetters.counts();
      this.metrics.deadLetters.set({ state: 'pending' }, dead.pending);
      this.metrics.deadLetters.set({ state: 'replayed' }, dead.replayed);
    } catch {
      /* as above: best effort */
    }
    try {
      const unsent = await this.outbox.unsentSummary();
      this.metrics.notifications.set({ state: 'pending' }, unsent.pending);
      this.metrics.notifications.set({ state: 'failed' }, unsent.failed);
      const age = unsent.oldestPendingAt ? (this.clock().getTime() - unsent.oldestPendingAt.getTime()) / 1000 : 0;
      this.metrics.notificationsOldestPendingSeconds.set(Math.max(age, 0));
    } catch {
      /* as above: best effort */
    }
    response.setHeader('Content-Type', this.metrics.registry.contentType);
    response.send(await this.metrics.registry.metrics());
  }
}
