import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RecordViewDto } from '../api.dto';

export class KeyAttentionEscalationDto {
  @ApiProperty({ format: 'date', description: '十二个月统计窗口的首日（含）' }) windowFrom!: string;
  @ApiProperty({ format: 'date', description: '统计窗口的末日（今日，含）' }) windowTo!: string;
  @ApiProperty({ type: [String], example: ['市场监管', '生态环境', '税务'] }) sectors!: string[];
  @ApiProperty({ type: [String], description: '计入的重点关注名单记录 id' }) listings!: string[];
  @ApiProperty({ example: 24, description: '提醒信息提供单位调整后的公示期（月）' }) extendedPeriodMonths!: number;
}

export class SubjectListsDto {
  @ApiProperty() code!: string;
  @ApiProperty({ enum: ['organization', 'person'] }) kind!: 'organization' | 'person';
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ type: [RecordViewDto], description: '守信联合激励对象名单（红名单）' }) red!: RecordViewDto[];
  @ApiProperty({ type: [RecordViewDto], description: '失信联合惩戒对象名单（黑名单）' }) black!: RecordViewDto[];
  @ApiProperty({ type: [RecordViewDto], description: '重点关注名单' }) keyAttention!: RecordViewDto[];
  @ApiPropertyOptional({ type: KeyAttentionEscalationDto, description: '第二十八条：十二个月内被三个以上行业、领域列入重点关注名单' })
  escalation?: KeyAttentionEscalationDto;
}
