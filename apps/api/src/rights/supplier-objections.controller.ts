import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { PROVIDER_ANSWERS } from '../../../../libs/domain/rights';
import { ApiError } from '../../../../libs/http/api-error';
import { ObjectionService } from '../../../../libs/pipeline/rights/objection.service';
import { parseBody } from '../admin/suppliers.controller';
import { ErrorResponseDto } from '../api.dto';
import { type AuthenticatedRequest, SupplierGuard } from '../auth.guards';
import { ObjectionDto, ObjectionPageDto, ProviderAnswerDto } from './rights.dto';
import { fieldsSchema, objectionJson, pageParams, text } from './rights-http';

const answerSchema = z
  .strictObject({ answer: z.enum(PROVIDER_ANSWERS), note: text(2000), fields: fieldsSchema.optional() })
  .refine((b) => b.fields === undefined || b.answer === 'correct' || b.answer === 'supplement', {
    message: '只有 correct 或 supplement 可以提供 fields',
    path: ['fields'],
  });

/** The information provider's side of an objection (第二十五条第二款: 信息提供单位为异议处理的责任主体). */
@ApiTags('rights')
@ApiBearerAuth('supplierKey')
@UseGuards(SupplierGuard)
@Controller('api/v1/supplier/objections')
export class SupplierObjectionsController {
  constructor(private readonly objections: ObjectionService) {}

  @Get()
  @ApiOperation({ summary: '转交本单位核查的异议', description: '本单位报送记录上、已转交核查且尚未办结的异议；分页（offset/limit）。' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiResponse({ status: 200, type: ObjectionPageDto })
  async list(@Req() request: AuthenticatedRequest, @Query('offset') offset?: string, @Query('limit') limit?: string) {
    const page = await this.objections.listForSupplier(supplierOf(request).id, pageParams(offset, limit));
    return { ...page, objections: page.objections.map((o) => objectionJson(o, 'supplier')) };
  }

  @Post(':id/answer')
  @HttpCode(200)
  @ApiOperation({
    summary: '反馈异议核查结果（第二十五条第二款）',
    description: '异议成立的提请更正（correct）、删除（delete）或补充（supplement），不成立的说明原因（explain）。市信用中心自收到之日起 2 个工作日内完成处理。',
  })
  @ApiBody({ type: ProviderAnswerDto })
  @ApiResponse({ status: 200, type: ObjectionDto })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_REQUEST、OBJECTION_SUPPLEMENT_CONFLICT、OBJECTION_CORRECTION_INVALID 等' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'OBJECTION_NOT_FOUND（含其他单位的异议）' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: 'OBJECTION_STATE_CONFLICT' })
  async answer(@Param('id') id: string, @Body() body: unknown, @Req() request: AuthenticatedRequest) {
    const supplier = supplierOf(request);
    const objection = await this.objections.answer({ id: supplier.id, code: supplier.code }, id, parseBody(answerSchema, body));
    return objectionJson(objection, 'supplier');
  }
}

function supplierOf(request: AuthenticatedRequest) {
  if (request.caller?.kind !== 'supplier') throw new ApiError(401, 'UNAUTHENTICATED', '未认证或凭据无效');
  return request.caller.supplier;
}
