import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ConnectorAdminService } from '../../../../libs/pipeline/admin/connector-admin.service';
import { ErrorResponseDto } from '../api.dto';
import { OperatorGuard } from '../auth.guards';
import { parseBody } from './suppliers.controller';

const registrationSchema = z.strictObject({
  supplier: z.string().min(1),
  item: z.string().min(1),
  kind: z.string().min(1),
  schedule: z.string().min(1),
  config: z.record(z.string(), z.unknown()),
});

@ApiTags('admin')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorGuard)
@Controller('api/v1/admin')
export class ConnectorsController {
  constructor(private readonly connectors: ConnectorAdminService) {}

  @Get('connector-kinds')
  @ApiOperation({ summary: '连接器类型列表（sftp、soap-pull、rest-pull、db-poll）' })
  kinds() {
    return this.connectors.kinds();
  }

  @Get('connector-kinds/:kind')
  @ApiOperation({ summary: '连接器类型及其配置 JSON Schema（口令等字段标记为 writeOnly）' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'UNKNOWN_CONNECTOR_KIND' })
  kind(@Param('kind') kind: string) {
    return this.connectors.kind(kind);
  }

  @Post('connectors')
  @ApiOperation({ summary: '登记连接器实例', description: '{"supplier", "item", "kind", "schedule": "<cron>", "config": {…}}；口令加密保存，任何接口都不返回。' })
  @ApiResponse({ status: 201, description: '{"id"}' })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_CONNECTOR（details 列出每个问题的路径）' })
  async register(@Body() body: unknown) {
    return this.connectors.register(parseBody(registrationSchema, body));
  }

  @Get('connectors/:id')
  @ApiOperation({ summary: '连接器状态：上次运行、游标、计数、最近错误（不含口令）' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'CONNECTOR_NOT_FOUND' })
  async status(@Param('id') id: string) {
    return this.connectors.status(id);
  }

  @Post('connectors/:id/run')
  @HttpCode(200)
  @ApiOperation({ summary: '立即运行连接器', description: '所产生的批次全部持久化后返回其批次号。' })
  async run(@Param('id') id: string) {
    const result = await this.connectors.runNow(id);
    return { id: result.instanceId, outcome: result.outcome, batchIds: result.batchIds, quarantined: result.quarantined, error: result.error ?? null };
  }
}
