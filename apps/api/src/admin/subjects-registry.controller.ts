import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
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
@Controller('api/v1/admin/subject-identifiers')
export class SubjectRegistryController {
  constructor(private readonly registry: SubjectRegistryService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: '登记主体的历史标识（组织机构代码、工商注册号、护照、居住证）',
    description: '{"links": [{"kind", "identifier", "subjectCode"}]}；已登记的标识不会被改挂到其他主体。',
  })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_REQUEST（subjectCode 不是有效的统一社会信用代码或公民身份号码）' })
  async link(@Body() body: unknown) {
    return this.registry.link(parseBody(linksSchema, body).links);
  }
}
