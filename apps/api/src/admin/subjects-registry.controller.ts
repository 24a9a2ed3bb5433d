import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { SubjectRegistryService } from '../../../../libs/pipeline/admin/subject-registry.service';
import { ErrorResponseDto } from '../api.dto';
import { OperatorGuard } from '../auth.guards';
import { parseBody } from './suppliers.controller';

const linksSchema = z.strictObject({
  links: z
    .array(
      z.strictObject({
        kind: z.enum(['organization_code', 'business_registration_no', 'passport', 'residence_permit']),
        identifier: z.string().trim().min(1).max(64),
        subjectCode: z.string().trim().min(15).max(18),
      }),
    )
    .min(1)
    .max(10_000),
});

@ApiTags('admin')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorGuard)
@Controller('api/v1/admin')
export class SubjectRegistryController {
  constructor(private readonly registry: SubjectRegistryService) {}

  @Post('subject-identifiers')
  @HttpCode(200)
  @ApiOperation({
    summary: '登记主体的历史标识（组织机构代码、工商注册号、护照、居住证）',
    description: '{"links": [{"kind", "identifier", "subjectCode"}]}；已登记的标识不会被改挂到其他主体。',
  })
  @ApiResponse({
    status: 400,
    type: ErrorResponseDto,
    description:
      'INVALID_REQUEST；details 中每个问题带 code：SUBJECT_CODE_INVALID（subjectCode 无效）、ORG_CODE_CHECKSUM（组织机构代码校验位错误）、ORG_CODE_MISMATCH（与统一社会信用代码第9至17位不一致）、INVALID_FORMAT',
  })
  async link(@Body() body: unknown) {
    return this.registry.link(parseBody(linksSchema, body).links);
  }

  @Get('subjects/:code/links')
  @ApiOperation({ summary: '查询主体已登记的历史标识', description: '{"code", "links": [{"kind", "identifier", "source", "linkedAt"}]}' })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_REQUEST（主体代码无效）' })
  async links(@Param('code') code: string) {
    return this.registry.linksOf(code);
  }
}
