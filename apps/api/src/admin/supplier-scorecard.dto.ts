import { ApiProperty } from '@nestjs/swagger';

export class ItemScoreDto {
  @ApiProperty({ example: 'administrative_penalty' }) item!: string;
  @ApiProperty({ example: '行政处罚' }) name!: string;
  @ApiProperty({ enum: ['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly'] }) frequency!: string;
  @ApiProperty() deadlineWorkingDays!: number;
  @ApiProperty({ description: '已到期的应报送期数（按时 + 逾期补报 + 未报送）' }) expected!: number;
  @ApiProperty() onTime!: number;
  @ApiProperty() late!: number;
  @ApiProperty() missing!: number;
  @ApiProperty({ description: '尚未到期且未报送的期数（不计入 expected）' }) pending!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'onTime / expected' }) timeliness!: number | null;
  @ApiProperty() received!: number;
  @ApiProperty() rejected!: number;
}

export class ScorecardPeriodDto {
  @ApiProperty({ format: 'date' }) from!: string;
  @ApiProperty({ format: 'date' }) to!: string;
}

export class ObjectionCountsDto {
  @ApiProperty() total!: number;
  @ApiProperty({ description: '异议办结结果为更正、删除或补充（记录确有问题）的件数' }) upheld!: number;
}

export class SupplierScorecardDto {
  @ApiProperty() supplier!: string;
  @ApiProperty() supplierName!: string;
  @ApiProperty({ type: ScorecardPeriodDto }) period!: ScorecardPeriodDto;
  @ApiProperty({ format: 'date', description: '登记日期；此前不计应报送' }) registeredOn!: string;
  @ApiProperty({ type: [ItemScoreDto] }) items!: ItemScoreDto[];
  @ApiProperty() received!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty({ nullable: true, type: Number }) rejectionRate!: number | null;
  @ApiProperty({ type: ObjectionCountsDto }) objections!: ObjectionCountsDto;
  @ApiProperty({ description: '区间内发出的催报通知数' }) reminders!: number;
}
