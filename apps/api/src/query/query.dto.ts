import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SubjectViewDto } from '../api.dto';

export class BatchQueryRequestDto {
  @ApiProperty({ type: [String], description: '统一社会信用代码或公民身份号码；最多 HUB_BATCH_QUERY_MAX 个（默认 100）' }) codes!: string[];
}

export class BatchQueryResultDto {
  @ApiProperty({ description: '规范化后的代码（无效代码按原样返回）' }) code!: string;
  @ApiProperty({ enum: ['served', 'denied', 'not_found', 'invalid'] }) outcome!: 'served' | 'denied' | 'not_found' | 'invalid';
  @ApiPropertyOptional({ type: SubjectViewDto }) subject?: SubjectViewDto;
  @ApiPropertyOptional({ example: 'NO_AUTHORIZATION', description: '拒绝原因（访问策略的原因代码）' }) reason?: string;
}

export class BatchQueryResponseDto {
  @ApiProperty({ type: [BatchQueryResultDto] }) results!: BatchQueryResultDto[];
}

export class SubjectRecordsPageDto extends SubjectViewDto {
  @ApiProperty({ description: '该主体记录总数（各状态）' }) total!: number;
  @ApiProperty({ nullable: true, type: Number, description: '下一页的 offset；为 null 表示已是最后一页' }) nextOffset!: number | null;
}
