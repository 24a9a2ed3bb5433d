import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class CreateQueryAccountDto {
  @ApiProperty({ enum: ['government', 'authorized_third_party', 'credit_agency'] }) kind!: string;
  @ApiProperty({ example: '张三' }) name!: string;
  @ApiProperty({ example: '厦门市市场监督管理局' }) organization!: string;
  @ApiPropertyOptional({ type: [String], example: ['subject_query'], description: '仅政务账号：subject_query、credit_report、list_query' }) roles?: string[];
}

export class QueryAccountCreatedDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: '仅显示一次，请妥善保存（cqa_ 开头）' }) token!: string;
}

export class QueryAccountDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['government', 'authorized_third_party', 'credit_agency'] }) kind!: string;
  @ApiProperty() name!: string;
  @ApiProperty() organization!: string;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) disabledAt!: string | null;
}

export class QueryAccountListDto {
  @ApiProperty({ type: [QueryAccountDto] }) accounts!: QueryAccountDto[];
  @ApiProperty({ nullable: true, type: Number }) nextOffset!: number | null;
}

export class CreateAuthorizationDto {
  @ApiProperty({ description: '授权人（信用主体）的统一社会信用代码或公民身份号码' }) subjectCode!: string;
  @ApiProperty({ format: 'uuid', description: '被授权方的查询账号 id（第三方或信用服务机构）' }) grantee!: string;
  @ApiProperty({ example: '签订租赁合同前的信用核查', description: '约定的查询用途' }) purpose!: string;
  @ApiProperty({ type: [String], example: ['volunteer_service'], description: '授权查询的信息项代码' }) scope!: string[];
  @ApiProperty({ format: 'date', description: '起始日（含）' }) validFrom!: string;
  @ApiProperty({ format: 'date', description: '截止日（含）' }) validTo!: string;
  @ApiProperty({ description: '授权证明的编号或存档位置' }) proofReference!: string;
}

export class AuthorizationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() subjectCode!: string;
  @ApiProperty({ format: 'uuid' }) grantee!: string;
  @ApiProperty() purpose!: string;
  @ApiProperty({ type: [String] }) scope!: string[];
  @ApiProperty({ format: 'date' }) validFrom!: string;
  @ApiProperty({ format: 'date' }) validTo!: string;
  @ApiProperty() proofReference!: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) revokedAt!: string | null;
}

export class AuthorizationListDto {
  @ApiProperty({ type: [AuthorizationDto] }) authorizations!: AuthorizationDto[];
  @ApiProperty({ nullable: true, type: Number }) nextOffset!: number | null;
}
