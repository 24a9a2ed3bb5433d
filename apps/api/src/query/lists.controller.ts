import { Controller, Get, Param, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ListQueryService } from '../../../../libs/pipeline/lists/list-query.service';
import { ErrorResponseDto } from '../api.dto';
import { SubjectListsDto } from './lists.dto';
import { QueryContextFactory } from './query-context.factory';
import { RateLimit } from '../rate-limit.guard';

@ApiTags('query')
@Controller('api/v1/subjects')
export class ListsController {
  constructor(
    private readonly lists: ListQueryService,
    private readonly contexts: QueryContextFactory,
  ) {}

  @Get(':code/lists')
  @RateLimit({ queryKind: 'lists' })
  @ApiOperation({
    summary: '信用主体的红名单、黑名单与重点关注名单',
    description:
      '第二十一条：守信联合激励对象名单（red）、失信联合惩戒对象名单（black）与重点关注名单（keyAttention），由信息提供单位认定并报送，在此统一提供。' +
      '调用者与 GET /api/v1/subjects/{code} 相同，只返回其有权查看的记录；每次调用写入查询日志（query_kind=lists）。' +
      '十二个月内被三个以上行业、领域列入重点关注名单的，返回 escalation（第二十八条）。已过有效期（valid_to）的认定不再列出。',
  })
  @ApiBearerAuth('identityToken')
  @ApiBearerAuth('queryAccountToken')
  @ApiBearerAuth('operatorToken')
  @ApiHeader({ name: 'X-Query-Purpose', required: false, description: '政务用户的查询用途代码（第十八条）' })
  @ApiResponse({ status: 200, type: SubjectListsDto })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_SUBJECT_CODE' })
  @ApiResponse({ status: 401, type: ErrorResponseDto, description: 'UNAUTHENTICATED' })
  @ApiResponse({ status: 403, type: ErrorResponseDto, description: 'ACCESS_DENIED、QUERY_PURPOSE_REQUIRED、ROLE_NOT_GRANTED' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'SUBJECT_NOT_FOUND（没有该调用者可查看的信息）' })
  @ApiResponse({ status: 503, type: ErrorResponseDto, description: 'QUERY_LOG_UNAVAILABLE' })
  @ApiResponse({ status: 429, type: ErrorResponseDto, description: 'RATE_LIMITED（超过每分钟请求上限；响应头 Retry-After 为秒数）' })
  async find(@Param('code') code: string, @Req() request: Request): Promise<SubjectListsDto> {
    const context = await this.contexts.forRequest(request, 'lists', { subjectCodes: [code] });
    return this.lists.lists(code, context);
  }
}
