import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Catalog } from '../../../../catalog/catalog';
import type { CatalogItem } from '../../../../catalog/catalog-item.schema';
import { ApiError } from '../../../../libs/http/api-error';
import { CatalogItemSummaryDto, ErrorResponseDto } from '../api.dto';

@ApiTags('catalog')
@ApiResponse({ status: 429, type: ErrorResponseDto, description: 'RATE_LIMITED（超过每分钟请求上限；响应头 Retry-After 为秒数）' })
@Controller('api/v1/catalog/items')
export class CatalogController {
  constructor(private readonly catalog: Catalog) {}

  @Get()
  @ApiOperation({ summary: '公共信用信息目录' })
  @ApiResponse({ status: 200, type: [CatalogItemSummaryDto] })
  list(): CatalogItemSummaryDto[] {
    return this.catalog.all().map(({ code, name, version, category, disclosure }) => ({ code, name, version, category, disclosure }));
  }

  @Get(':itemCode')
  @ApiOperation({ summary: '目录信息项详情（字段、分类、公开属性、公示期、JSON Schema）' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'UNKNOWN_ITEM' })
  find(@Param('itemCode') itemCode: string): CatalogItem & { jsonSchema: Record<string, unknown> } {
    const item = this.catalog.find(itemCode);
    if (!item) throw new ApiError(404, 'UNKNOWN_ITEM', `目录中没有信息项 ${itemCode}`);
    return { ...item, jsonSchema: this.catalog.jsonSchemaOf(itemCode) };
  }
}
