import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiError } from '../../../../libs/http/api-error';
import { HUB_JOBS, HubJob } from '../../../../libs/pipeline/jobs/hub-job';
import { ControlledClock } from '../../../../libs/runtime/controlled-clock';
import { CLOCK, CLOCK_CONTROL, Clock } from '../../../../libs/runtime/tokens';
import { ErrorResponseDto } from '../api.dto';
import { OperatorGuard } from '../auth.guards';
import { parseBody } from './suppliers.controller';

@ApiTags('admin')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorGuard)
@Controller('api/v1/admin/jobs')
export class JobsController {
  constructor(
    @Inject(HUB_JOBS) private readonly jobs: HubJob[],
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: '定时任务列表', description: '每个任务的名称、计划（Asia/Shanghai 的 cron 表达式）与说明。' })
  list() {
    return { jobs: this.jobs.map((j) => ({ name: j.name, schedule: j.schedule, description: j.description })) };
  }

  @Post(':name/run')
  @HttpCode(200)
  @ApiOperation({ summary: '立即运行一个定时任务', description: '任务幂等：与计划运行重叠或重复运行不会重复处理。返回本次处理的计数。' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'JOB_NOT_FOUND' })
  async run(@Param('name') name: string) {
    const job = this.jobs.find((j) => j.name === name);
    if (!job) throw new ApiError(404, 'JOB_NOT_FOUND', `没有名为 ${name} 的定时任务`);
    const startedAt = this.clock();
    const result = await job.run();
    return { job: job.name, startedAt: startedAt.toISOString(), finishedAt: this.clock().toISOString(), result };
  }
}

const clockSchema = z.strictObject({ now: z.string().datetime({ offset: true }) });

/** Only with HUB_CLOCK_CONTROL=on (never in production): moves the hub's clock for deadline tests. */
@ApiTags('admin')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorGuard)
@Controller('api/v1/admin/clock')
export class ClockController {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CLOCK_CONTROL) private readonly control: ControlledClock | undefined,
  ) {}

  @Get()
  @ApiOperation({ summary: '集线器当前时间' })
  now() {
    return { now: this.clock().toISOString(), controllable: this.control !== undefined };
  }

  @Put()
  @ApiOperation({ summary: '设置集线器时间（仅测试环境，HUB_CLOCK_CONTROL=on）', description: '{"now": "2026-09-25T09:00:00+08:00"}；之后时间照常流逝。' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'CLOCK_NOT_CONTROLLABLE' })
  set(@Body() body: unknown) {
    if (!this.control) throw new ApiError(404, 'CLOCK_NOT_CONTROLLABLE', '时钟不可调整（未设置 HUB_CLOCK_CONTROL=on）');
    this.control.set(new Date(parseBody(clockSchema, body).now));
    return this.now();
  }
}
