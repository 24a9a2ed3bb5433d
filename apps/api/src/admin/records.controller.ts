import { Controller, Get, Param, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { QueryContext, RecordHistoryView, SubjectQueryService } from '../../../../libs/pipeline/query/subject-query.service';
import { ErrorResponseDto } from '../api.dto';
import { OperatorQueryGuard } from '../query/operator-query.guard';
import { SubjectRecordsPageDto } from '../query/query.dto';
import { pageParams } from '../query-params';

/** Operators' views of what the platform keeps (第四条; every state, every version), logged as query_kind 'history'. */
@ApiTags('admin')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorQueryGuard)
@Controller('api/v1/admin')
export class RecordsController {
  constructor(private readonly queries: SubjectQueryService) {}

  @Get('records/:id/history')
  @ApiOperation({
    summary: '记录的版本历史与状态变更',
    description: '返回记录当前内容与状态、credit_record_versions 中的每个版本（按版本号）以及 record_status_events 中的每次状态变更（按时间）。写入查询日志。',
  })
  @ApiResponse({ status: 200, description: '{record, versions: [...], statusEvents: [...]}' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'RECORD_NOT_FOUND' })
  async history(@Param('id') id: string, @Req() request: Request): Promise<RecordHistoryView> {
    return this.queries.recordHistory(id, operatorContext(request));
  }

  @Get('subjects/:code/records')
  @ApiOperation({ summary: '信用主体的全部记录（各状态）', description: '含已修复、归档、暂停提供、不予公开及超出公示期的记录；分页（offset/limit）。写入查询日志。' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '默认 100，最大 1000' })
  @ApiResponse({ status: 200, type: SubjectRecordsPageDto })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_SUBJECT_CODE' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'SUBJECT_NOT_FOUND' })
  async subjectRecords(
    @Param('code') code: string,
    @Req() request: Request,
    @Query('offset') offset?: string,
    @Query('limit') limit?: string,
  ): Promise<SubjectRecordsPageDto> {
    return this.queries.subjectRecords(code, pageParams(offset, limit), operatorContext(request));
  }
}

function operatorContext(request: Request): QueryContext {
  return { caller: { kind: 'operator' }, callerId: null, clientAddress: request.ip ?? null, queryKind: 'history' };
}
