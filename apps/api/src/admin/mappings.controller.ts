import { Body, Controller, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { MappingAdminService } from '../../../../libs/pipeline/admin/mapping-admin.service';
import { ErrorResponseDto } from '../api.dto';
import { OperatorGuard } from '../auth.guards';

@ApiTags('admin')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorGuard)
@Controller('api/v1/admin/mappings')
export class MappingsController {
  constructor(private readonly mappings: MappingAdminService) {}

  @Put(':supplierCode/:itemCode')
  @ApiOperation({ summary: '创建或替换映射（生成新版本）', description: '请求体为映射文档，JSON 或 YAML（application/yaml），格式同 mappings/ 目录中的文件。' })
  @ApiConsumes('application/json', 'application/yaml')
  @ApiBody({ schema: { $ref: '#/components/schemas/MappingDocument' } })
  @ApiResponse({ status: 200, description: '{"supplier", "item", "version"}' })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_MAPPING（details 列出每个问题的路径）' })
  async replace(@Param('supplierCode') supplierCode: string, @Param('itemCode') itemCode: string, @Body() body: unknown) {
    return this.mappings.replace(supplierCode, itemCode, body);
  }

  @Post(':supplierCode/:itemCode/preview')
  @HttpCode(200)
  @ApiOperation({ summary: '映射预览', description: '{"records": [...]}（最多 1000 条）→ 每条记录的规范化结果或拒收原因，不保存任何数据。' })
  @ApiResponse({ status: 200, description: '{"mappingVersion", "results": [{"index", "ok", "record" | "rejections"}]}' })
  async preview(@Param('supplierCode') supplierCode: string, @Param('itemCode') itemCode: string, @Body() body: { records?: unknown }) {
    return this.mappings.preview(supplierCode, itemCode, body?.records);
  }
}
