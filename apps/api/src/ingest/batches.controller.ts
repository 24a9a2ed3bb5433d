import { Controller, Get, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiError } from '../../../../libs/http/api-error';
import { BatchReportService, BatchViewer } from '../../../../libs/pipeline/reports/batch-report.service';
import { rejectionCsvRow, rejectionsCsvHeader } from '../../../../libs/pipeline/reports/rejections-csv';
import { BatchReportDto, ErrorResponseDto } from '../api.dto';
import { AuthenticatedRequest, SupplierOrOperatorGuard } from '../auth.guards';
import { boundedInt } from '../query-params';

@ApiTags('ingest')
@ApiBearerAuth('supplierKey')
@ApiBearerAuth('operatorToken')
@UseGuards(SupplierOrOperatorGuard)
@Controller('api/v1/ingest/batches')
export class BatchesController {
  constructor(private readonly reports: BatchReportService) {}

  @Get(':batchId')
  @ApiOperation({ summary: '批次处理报告', description: '报送单位本身或运营人员可查看；拒收明细分页（offset/limit）。' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '每页拒收明细条数，默认 1000，最大 10000' })
  @ApiResponse({ status: 200, type: BatchReportDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'BATCH_NOT_FOUND' })
  async report(
    @Param('batchId') batchId: string,
    @Req() request: AuthenticatedRequest,
    @Query('offset') offset?: string,
    @Query('limit') limit?: string,
  ): Promise<BatchReportDto> {
    return this.reports.report(batchId, viewerOf(request), {
      offset: boundedInt(offset, 0, 0, Number.MAX_SAFE_INTEGER, 'offset'),
      limit: boundedInt(limit, 1000, 1, 10_000, 'limit'),
    });
  }

  @Get(':batchId/rejections')
  @ApiOperation({ summary: '拒收明细（CSV）', description: 'format=csv：UTF-8（带 BOM）CSV，已防公式注入，可直接用电子表格打开。' })
  @ApiQuery({ name: 'format', required: true, enum: ['csv'] })
  @ApiProduces('text/csv')
  async rejectionsCsv(
    @Param('batchId') batchId: string,
    @Query('format') format: string | undefined,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    if (format !== 'csv') throw new ApiError(400, 'UNSUPPORTED_FORMAT', '仅支持 format=csv');
    const rows = this.reports.allRejections(batchId, viewerOf(request));
    const first = await rows.next(); // raises BATCH_NOT_FOUND before any byte is sent
    response.status(200);
    response.setHeader('Content-Type', 'text/csv; charset=utf-8');
    response.setHeader('Content-Disposition', `attachment; filename="rejections-${batchId}.csv"`);
    response.write(`\ufeff${rejectionsCsvHeader()}`);
    if (!first.done) response.write(rejectionCsvRow(first.value));
    for await (const row of rows) {
      if (!response.write(rejectionCsvRow(row))) await new Promise((r) => response.once('drain', r));
    }
    response.end();
  }
}

function viewerOf(request: AuthenticatedRequest): BatchViewer {
  const caller = request.caller;
  return caller?.kind === 'supplier' ? { kind: 'supplier', supplierId: caller.supplier.id } : { kind: 'operator' };
}
