import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Response shapes for the OpenAPI document; the contract is API.md. */
export class ErrorBodyDto {
  @ApiProperty({ example: 'MALFORMED_BODY' }) code!: string;
  @ApiProperty({ example: '请求体不是有效的 JSON 数组' }) message!: string;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) details!: unknown[];
}

export class ErrorResponseDto {
  @ApiProperty({ type: ErrorBodyDto }) error!: ErrorBodyDto;
}

export class IngestReceiptDto {
  @ApiProperty({ format: 'uuid' }) batchId!: string;
  @ApiProperty({ example: 1000 }) received!: number;
}

export class RejectionDto {
  @ApiProperty() index!: number;
  @ApiProperty({ nullable: true, type: String }) sourceKey!: string | null;
  @ApiProperty({ example: 'subject_code' }) field!: string;
  @ApiProperty({ example: 'USCC_CHECKSUM' }) code!: string;
  @ApiProperty({ nullable: true, type: String, example: '9135**********7Q' }) value!: string | null;
  @ApiProperty({ example: '统一社会信用代码校验位错误' }) message!: string;
  @ApiProperty() hint!: string;
}

export class BatchReportDto {
  @ApiProperty({ format: 'uuid' }) batchId!: string;
  @ApiProperty() supplier!: string;
  @ApiProperty({ example: 'administrative_penalty' }) item!: string;
  @ApiProperty({ enum: ['processing', 'done'] }) status!: 'processing' | 'done';
  @ApiProperty() received!: number;
  @ApiProperty() loaded!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty({ type: [RejectionDto] }) rejections!: RejectionDto[];
  @ApiProperty({ description: '超出每批拒收明细存储上限（INGEST_MAX_REJECTIONS_PER_BATCH）而未存储的拒收明细条数；rejected 仍按记录如实计数', example: 0 })
  rejectionsNotStored!: number;
  @ApiProperty({ nullable: true, type: Number, description: '下一页拒收明细的 offset；为 null 表示已是最后一页' })
  rejectionsNextOffset!: number | null;
  @ApiProperty({ required: false, description: '本批次进入死信队列、待运营人员重放的数据块数；其记录暂按 LOAD_FAILED 计入拒收', example: 0 })
  deadLetters?: number;
}

export class RecordViewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() item!: string;
  @ApiProperty({ enum: ['basic', 'good', 'bad'] }) category!: string;
  @ApiProperty({ enum: ['public', 'authorized', 'government'] }) disclosure!: string;
  @ApiProperty({ example: 'active' }) status!: string;
  @ApiProperty() disputed!: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) publicationEnd!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) fields!: Record<string, unknown>;
  @ApiProperty() supplier!: string;
}

export class SubjectViewDto {
  @ApiProperty() code!: string;
  @ApiProperty({ enum: ['organization', 'person'] }) kind!: 'organization' | 'person';
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ type: [RecordViewDto] }) records!: RecordViewDto[];
}

export class CreateSupplierDto {
  @ApiProperty({ example: 'xm-amr', pattern: '^[a-z0-9][a-z0-9_-]{1,63}$' }) code!: string;
  @ApiProperty({ example: '厦门市市场监督管理局' }) name!: string;
  @ApiPropertyOptional({ example: '11350200MB0000000X' }) uscc?: string;
  @ApiProperty({ type: [String], example: ['administrative_penalty'] }) items!: string[];
}

export class SupplierCreatedDto {
  @ApiProperty() code!: string;
  @ApiProperty({ description: '仅显示一次，请妥善保存' }) apiKey!: string;
}

export class CatalogItemSummaryDto {
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ enum: ['basic', 'good', 'bad'] }) category!: string;
  @ApiProperty({ enum: ['public', 'authorized', 'government'] }) disclosure!: string;
}
