import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DeadLetterService } from '../../../../libs/pipeline/dead-letters/dead-letter.service';
import { ErrorResponseDto } from '../api.dto';
import { OperatorGuard } from '../auth.guards';
import { enumParam, pageParams } from '../query-params';

const STATES = ['pending', 'replayed'] as const;

export class DeadLetterDto {
  @ApiProperty({ example: '12' }) id!: string;
  @ApiProperty({ example: 'hub.records', description: '进入死信前所在的队列' }) queue!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) batchId!: string | null;
  @ApiProperty({ nullable: true, type: Number }) chunkNo!: number | null;
  @ApiProperty({ nullable: true, type: String, description: '报送单位代码' }) supplier!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'administrative_penalty' }) item!: string | null;
  @ApiProperty({ description: '数据块中的记录数' }) records!: number;
  @ApiProperty({ description: '进入死信前失败的投递次数（未知时为 0）' }) deliveries!: number;
  @ApiProperty({ example: 'delivery_limit', description: '消息总线给出的原因：delivery_limit、rejected 或最后一次错误' }) reason!: string;
  @ApiProperty({ example: '连续 10 次处理失败', description: '原因的中文说明（与批次中 LOAD_FAILED 拒收的原因相同）' }) message!: string;
  @ApiProperty({ format: 'date-time' }) deadLetteredAt!: string;
  @ApiProperty({ enum: STATES }) state!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) replayedAt!: string | null;
}

export class DeadLetterPageDto {
  @ApiProperty({ type: [DeadLetterDto] }) deadLetters!: DeadLetterDto[];
  @ApiProperty() total!: number;
  @ApiProperty({ nullable: true, type: Number }) nextOffset!: number | null;
}

@ApiTags('admin')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorGuard)
@Controller('api/v1/admin/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLetterService) {}

  @Get()
  @ApiOperation({
    summary: '死信列表',
    description:
      '消息总线放弃的数据块（RabbitMQ 的 hub.dead-letter 队列或内置总线的死信），由工作进程记录；其记录已按 LOAD_FAILED 退回，批次可完成。' +
      '最新在前，分页（offset/limit），?state=pending|replayed。',
  })
  @ApiQuery({ name: 'state', required: false, enum: STATES })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiResponse({ status: 200, type: DeadLetterPageDto })
  async list(@Query('state') state?: string, @Query('offset') offset?: string, @Query('limit') limit?: string) {
    return this.deadLetters.list({ state: enumParam(state, STATES, 'state'), ...pageParams(offset, limit) });
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: '重放死信',
    description:
      '撤回该数据块的 LOAD_FAILED 拒收，把数据块重新发布到 hub.records；能入库的记录入库并计入 loaded，仍无法处理的再次进入死信。每条死信只能重放一次。',
  })
  @ApiResponse({ status: 200, type: DeadLetterDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'DEAD_LETTER_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: 'DEAD_LETTER_ALREADY_REPLAYED, DEAD_LETTER_NOT_REPLAYABLE' })
  @ApiResponse({ status: 503, type: ErrorResponseDto, description: 'BROKER_UNAVAILABLE（未重放，可稍后再试）' })
  async replay(@Param('id') id: string) {
    return this.deadLetters.replay(id);
  }
}
