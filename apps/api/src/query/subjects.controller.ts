import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { SubjectQueryService } from '../../../../libs/pipeline/query/subject-query.service';
import { parseBody } from '../admin/suppliers.controller';
import { ErrorResponseDto, SubjectViewDto } from '../api.dto';
import { QueryContextFactory } from './query-context.factory';
import { RateLimit } from '../rate-limit.guard';
import { BatchQueryRequestDto, BatchQueryResponseDto } from './query.dto';

const batchSchema = z.strictObject({ codes: z.array(z.string().max(64)).min(1, '至少一个代码') });

@ApiTags('query')
@Controller('api/v1/subjects')
export class SubjectsController {
  constructor(
    private readonly queries: SubjectQueryService,
    private readonly contexts: QueryContextFactory,
  ) {}

  @Get(':code')
  @RateLimit({ queryKind: 'subject' })
  @ApiOperation({
    summary: '查询信用主体',
    description:
      '不带 Authorization：社会公开查询（第十六条）。带令牌时按调用者类型返回其有权查看的记录：信用主体本人（身份令牌 sid1.，第十七条）、' +
      '经授权的第三方与信用服务机构（查询账号令牌，仅限有效授权范围内的信息项）、政务用户（查询账号令牌 + X-Query-Purpose，第十八条）、运营人员（全部状态）。' +
      '每次调用（含被拒绝的）均写入查询日志，日志提交后才返回数据。',
  })
  @ApiBearerAuth('identityToken')
  @ApiBearerAuth('queryAccountToken')
  @ApiBearerAuth('operatorToken')
  @ApiHeader({ name: 'X-Query-Purpose', required: false, description: '政务用户的查询用途代码（第十八条），见 libs/domain/access/query-purpose.ts' })
  @ApiResponse({ status: 200, type: SubjectViewDto })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_SUBJECT_CODE；INVALID_REQUEST（路径或参数含 NUL、孤立代理项、控制字符或非 UTF-8 编码，details[0].field 为参数名，同样写入查询日志）' })
  @ApiResponse({ status: 401, type: ErrorResponseDto, description: 'UNAUTHENTICATED（令牌无效、过期或账号已停用）' })
  @ApiResponse({ status: 403, type: ErrorResponseDto, description: 'ACCESS_DENIED（details[0].reason 为原因代码）、QUERY_PURPOSE_REQUIRED、ROLE_NOT_GRANTED' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'SUBJECT_NOT_FOUND' })
  @ApiResponse({ status: 503, type: ErrorResponseDto, description: 'QUERY_LOG_UNAVAILABLE（查询日志无法写入，未提供数据）' })
  @ApiResponse({ status: 429, type: ErrorResponseDto, description: 'RATE_LIMITED（超过每分钟请求上限；响应头 Retry-After 为秒数）' })
  async find(@Param('code') code: string, @Req() request: Request): Promise<SubjectViewDto> {
    const context = await this.contexts.forRequest(request, 'subject', { subjectCodes: [code] });
    return this.queries.view(code, context);
  }

  @Post('batch-query')
  @RateLimit({ queryKind: 'batch' })
  @HttpCode(200)
  @ApiOperation({
    summary: '批量查询（信用服务机构）',
    description: '第二十条第二款：仅向信用服务机构提供。每个主体分别按授权判定并写入查询日志（query_kind=batch）；超过 HUB_BATCH_QUERY_MAX 个代码时整批拒绝。',
  })
  @ApiBearerAuth('queryAccountToken')
  @ApiBody({ type: BatchQueryRequestDto })
  @ApiResponse({ status: 200, type: BatchQueryResponseDto })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'BATCH_TOO_LARGE、INVALID_REQUEST' })
  @ApiResponse({ status: 401, type: ErrorResponseDto, description: 'UNAUTHENTICATED' })
  @ApiResponse({ status: 403, type: ErrorResponseDto, description: 'ACCESS_DENIED（非信用服务机构，reason=BATCH_NOT_OFFERED）' })
  @ApiResponse({ status: 429, type: ErrorResponseDto, description: 'RATE_LIMITED（每个主体代码计一次请求；响应头 Retry-After 为秒数）' })
  async batch(@Body() body: unknown, @Req() request: Request): Promise<BatchQueryResponseDto> {
    const { codes } = parseBody(batchSchema, body);
    const context = await this.contexts.forRequest(request, 'batch', { subjectCodes: codes });
    return { results: await this.queries.batch(codes, context) };
  }
}
