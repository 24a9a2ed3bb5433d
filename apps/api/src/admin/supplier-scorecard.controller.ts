import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { isIsoDate } from '../../../../libs/domain/calendar';
import { SupplierComplianceService } from '../../../../libs/pipeline/compliance/supplier-compliance.service';
import { ErrorResponseDto } from '../api.dto';
import { OperatorGuard } from '../auth.guards';
import { SupplierScorecardDto } from './supplier-scorecard.dto';
import { parseBody } from './suppliers.controller';

const isoDate = z.string().refine(isIsoDate, '应为 YYYY-MM-DD 日期');
const rangeSchema = z.object({ from: isoDate.optional(), to: isoDate.optional() });

@ApiTags('admin')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorGuard)
@Controller('api/v1/admin/suppliers')
export class SupplierScorecardController {
  constructor(private readonly compliance: SupplierComplianceService) {}

  @Get(':code/scorecard')
  @ApiOperation({
    summary: '信息提供单位报送考核（第三十二条）',
    description:
      '按目录归集频率与时限，统计区间内每个信息项应报送的期数及按时、逾期补报、未报送的期数和及时率；收到与被退回的记录数及退回率；' +
      '对其记录提出的异议及成立（更正、删除、补充）件数；发出的催报通知数。from/to 为 YYYY-MM-DD（默认截至今日的 30 天，最长 366 天）。',
  })
  @ApiQuery({ name: 'from', required: false, description: 'YYYY-MM-DD' })
  @ApiQuery({ name: 'to', required: false, description: 'YYYY-MM-DD' })
  @ApiResponse({ status: 200, type: SupplierScorecardDto })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_REQUEST' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'SUPPLIER_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: 'CALENDAR_HORIZON（区间超出已知的工作日日历年度）' })
  async scorecard(@Param('code') code: string, @Query() query: unknown): Promise<SupplierScorecardDto> {
    return this.compliance.scorecard(code, parseBody(rangeSchema, query));
  }
}
