import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiError } from '../../../../libs/http/api-error';
import { SupplierAdminService } from '../../../../libs/pipeline/admin/supplier-admin.service';
import { CreateSupplierDto, ErrorResponseDto, SupplierCreatedDto } from '../api.dto';
import { OperatorGuard } from '../auth.guards';

const createSupplierSchema = z.strictObject({
  code: z.string().regex(/^[a-z0-9][a-z0-9_-]{1,63}$/, '应为 2-64 位小写字母、数字、- 或 _'),
  name: z.string().trim().min(1, '不能为空').max(200),
  uscc: z.string().trim().min(1).optional(),
  items: z.array(z.string().min(1)).min(1, '至少一个信息项'),
});

@ApiTags('admin')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorGuard)
@Controller('api/v1/admin/suppliers')
export class SuppliersController {
  constructor(private readonly admin: SupplierAdminService) {}

  @Post()
  @ApiOperation({ summary: '登记信息提供单位', description: '返回的 apiKey 仅显示一次，库中只保存其摘要。' })
  @ApiResponse({ status: 201, type: SupplierCreatedDto })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_REQUEST' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: 'SUPPLIER_EXISTS' })
  async create(@Body() body: CreateSupplierDto): Promise<SupplierCreatedDto> {
    return this.admin.register(parseBody(createSupplierSchema, body));
  }
}

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(
      400,
      'INVALID_REQUEST',
      '请求内容无效',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return parsed.data;
}
