import { Controller, Get, Param, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { SubjectQueryService } from '../../../../libs/pipeline/query/subject-query.service';
import { ErrorResponseDto, SubjectViewDto } from '../api.dto';

@ApiTags('query')
@Controller('api/v1/subjects')
export class SubjectsController {
  constructor(private readonly queries: SubjectQueryService) {}

  @Get(':code')
  @ApiOperation({ summary: '查询信用主体（社会公开）', description: '返回调用者有权查看的记录；每次调用（含被拒绝的）均写入查询日志。' })
  @ApiResponse({ status: 200, type: SubjectViewDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'SUBJECT_NOT_FOUND' })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_SUBJECT_CODE' })
  async find(@Param('code') code: string, @Req() request: Request): Promise<SubjectViewDto> {
    return this.queries.publicView(code, { kind: 'public', clientAddress: request.ip ?? null });
  }
}
