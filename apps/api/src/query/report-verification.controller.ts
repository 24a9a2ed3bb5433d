import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CreditReportService, REPORT_FORMATS, type ReportFormat } from '../../../../libs/pipeline/reports/credit-report/credit-report.service';
import { ErrorResponseDto } from '../api.dto';
import { QueryContextFactory } from './query-context.factory';
import { RateLimit } from '../rate-limit.guard';

export class ReportVerificationDto {
  @ApiProperty({ example: 'XMCR-20261127-000123' }) reportNo!: string;
  @ApiProperty({ description: '该编号的报告是否正是以这些字节出具的' }) authentic!: boolean;
  @ApiPropertyOptional({ format: 'date-time', description: '出具时间（仅 authentic 为 true 时给出）' }) issuedAt?: string;
  @ApiPropertyOptional({ enum: REPORT_FORMATS }) format?: ReportFormat;
  @ApiPropertyOptional({ example: '9135**********YZ0K', description: '信用主体代码（脱敏）' }) subjectCode?: string;
  @ApiPropertyOptional({ description: '报告所载记录条数' }) recordCount?: number;
}

@ApiTags('query')
@Controller('api/v1/reports')
export class ReportVerificationController {
  constructor(
    private readonly reports: CreditReportService,
    private readonly contexts: QueryContextFactory,
  ) {}

  @Get(':reportNo/verification')
  @RateLimit({ queryKind: 'report_verification' })
  @ApiOperation({
    summary: '核验信用报告真伪',
    description:
      '第二十条：持有信用报告者（如银行、招标单位）可凭报告编号与报告文件的 SHA-256 摘要（如 `sha256sum 报告.pdf` 的输出）核验报告是否由本中心以该内容出具。' +
      '摘要一致时返回出具时间、格式、脱敏的主体代码与记录条数；不一致时只返回 authentic=false。无需凭据；每次核验写入查询日志（query_kind=report_verification，reference=报告编号）。',
  })
  @ApiQuery({ name: 'sha256', required: true, description: '报告文件（PDF 或 HTML 原样字节）的 SHA-256，64 位十六进制' })
  @ApiResponse({ status: 200, type: ReportVerificationDto })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_REPORT_NUMBER、INVALID_DIGEST' })
  @ApiResponse({ status: 401, type: ErrorResponseDto, description: 'UNAUTHENTICATED（带了无效凭据）' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'REPORT_NOT_FOUND' })
  @ApiResponse({ status: 503, type: ErrorResponseDto, description: 'QUERY_LOG_UNAVAILABLE' })
  @ApiResponse({ status: 429, type: ErrorResponseDto, description: 'RATE_LIMITED（超过每分钟请求上限；响应头 Retry-After 为秒数）' })
  async verify(@Param('reportNo') reportNo: string, @Query('sha256') sha256: unknown, @Req() request: Request): Promise<ReportVerificationDto> {
    const context = await this.contexts.forRequest(request, 'report_verification', { subjectCodes: [], reference: reportNo });
    const checked = await this.reports.verify(reportNo, sha256, context);
    if (!checked.authentic) return { reportNo: checked.reportNo, authentic: false };
    return { ...checked, issuedAt: checked.issuedAt.toISOString() };
  }
}
