import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiError } from '../../../../libs/http/api-error';
import { CreditReportService, REPORT_FORMATS, type ReportFormat } from '../../../../libs/pipeline/reports/credit-report/credit-report.service';
import { ErrorResponseDto } from '../api.dto';
import { QueryContextFactory } from './query-context.factory';
import { RateLimit } from '../rate-limit.guard';

const CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = { pdf: 'application/pdf', html: 'text/html; charset=utf-8' };

@ApiTags('query')
@Controller('api/v1/subjects')
export class CreditReportController {
  constructor(
    private readonly reports: CreditReportService,
    private readonly contexts: QueryContextFactory,
  ) {}

  @Get(':code/report')
  @RateLimit({ queryKind: 'report', costlyReport: true })
  @ApiOperation({
    summary: '出具公共信用信息报告',
    description:
      '第二十条：按调用者可查看的范围（与 GET /api/v1/subjects/{code} 相同的访问规则与调用者类型）出具可打印的中文信用报告，' +
      '带本报告编号（XMCR-日期-序号，响应头 X-Report-Number）与出具时间（北京时间）。每次出具写入查询日志（query_kind=report，reference=报告编号）' +
      '并登记于报告登记簿；无可查看信息时出具注明「未查询到可公开的信用信息」的报告。政务用户需 credit_report 角色与 X-Query-Purpose。',
  })
  @ApiBearerAuth('identityToken')
  @ApiBearerAuth('queryAccountToken')
  @ApiBearerAuth('operatorToken')
  @ApiHeader({ name: 'X-Query-Purpose', required: false, description: '政务用户的查询用途代码（第十八条）' })
  @ApiQuery({ name: 'format', required: false, enum: REPORT_FORMATS, description: '默认 pdf' })
  @ApiProduces('application/pdf', 'text/html')
  @ApiResponse({
    status: 200,
    description: 'PDF（Content-Disposition: attachment; filename="<报告编号>.pdf"）或 HTML 页面；响应头 X-Report-Number 为报告编号',
    content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } }, 'text/html': { schema: { type: 'string' } } },
  })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_SUBJECT_CODE、UNSUPPORTED_FORMAT' })
  @ApiResponse({ status: 401, type: ErrorResponseDto, description: 'UNAUTHENTICATED' })
  @ApiResponse({ status: 403, type: ErrorResponseDto, description: 'ACCESS_DENIED、QUERY_PURPOSE_REQUIRED、ROLE_NOT_GRANTED' })
  @ApiResponse({ status: 503, type: ErrorResponseDto, description: 'QUERY_LOG_UNAVAILABLE（查询日志无法写入，未出具报告）' })
  @ApiResponse({
    status: 429,
    type: ErrorResponseDto,
    description: 'RATE_LIMITED（超过每分钟请求上限；PDF 报告另有更低的上限 RATE_LIMIT_REPORT_PER_MINUTE；响应头 Retry-After 为秒数）',
  })
  async report(
    @Param('code') code: string,
    @Query('format') format: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const chosen = reportFormat(format);
    const context = await this.contexts.forRequest(request, 'report', { subjectCodes: [code] });
    const issued = await this.reports.issue(code, chosen, context);
    response.status(200);
    response.setHeader('Content-Type', CONTENT_TYPES[chosen]);
    response.setHeader('Content-Disposition', `${chosen === 'pdf' ? 'attachment' : 'inline'}; filename="${issued.reportNo}.${chosen}"`);
    response.setHeader('X-Report-Number', issued.reportNo);
    // A report carries personal data: no shared caches; the HTML runs nothing and loads nothing.
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    if (chosen === 'html') response.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    response.end(issued.body);
  }
}

function reportFormat(raw: unknown): ReportFormat {
  if (raw === undefined || raw === '') return 'pdf';
  if (typeof raw === 'string' && (REPORT_FORMATS as readonly string[]).includes(raw)) return raw as ReportFormat;
  throw new ApiError(400, 'UNSUPPORTED_FORMAT', '仅支持 format=pdf 或 format=html', [{ path: 'format' }]);
}
