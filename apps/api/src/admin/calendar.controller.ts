import { Body, Controller, Get, Param, ParseIntPipe, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { isIsoDate } from '../../../../libs/domain/calendar';
import { WorkingDayCalendarService } from '../../../../libs/pipeline/calendar/working-day-calendar.service';
import { ErrorResponseDto } from '../api.dto';
import { OperatorGuard } from '../auth.guards';
import { parseBody } from './suppliers.controller';

const isoDate = z.string().refine(isIsoDate, 'must be a YYYY-MM-DD date');

const yearSchema = z.strictObject({
  sourceNote: z.string().trim().min(1).max(500),
  days: z
    .array(z.strictObject({ date: isoDate, kind: z.enum(['holiday', 'workday']), note: z.string().trim().max(100).optional() }))
    .max(366),
});

const rangeSchema = z
  .strictObject({ from: isoDate, to: isoDate })
  .refine((r) => r.from <= r.to, 'from must not be after to');

@ApiTags('admin')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorGuard)
@Controller('api/v1/admin/calendar')
export class CalendarController {
  constructor(private readonly calendar: WorkingDayCalendarService) {}

  @Put('years/:year')
  @ApiOperation({
    summary: '录入一个年度的法定节假日与调休工作日',
    description:
      '{"sourceNote": "国务院办公厅通知文号", "days": [{"date", "kind": "holiday"|"workday", "note"}]}：替换该年度的运营方录入，并宣告该年度完整。' +
      '运营方录入优先于 chinese-days 数据包。未录入、数据包也没有的年度，期限计算报错（CALENDAR_HORIZON），不按周一至周五推算。',
  })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'CALENDAR_TABLE_INVALID（列出每个问题）、INVALID_REQUEST' })
  async enterYear(@Param('year', ParseIntPipe) year: number, @Body() body: unknown) {
    const input = parseBody(yearSchema, body);
    return this.calendar.enterYear({ year, sourceNote: input.sourceNote, days: input.days });
  }

  @Get('days')
  @ApiOperation({ summary: '查询日期区间内每一天是否为工作日及其依据', description: '?from=YYYY-MM-DD&to=YYYY-MM-DD，至多一年。' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: 'CALENDAR_HORIZON（区间超出已知年度）' })
  async days(@Query() query: unknown) {
    const range = parseBody(rangeSchema, query);
    return this.calendar.describe(range.from, range.to);
  }
}
