import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Request and response shapes of the rights workflows, for the OpenAPI document (bodies are checked with zod). */
export class FileObjectionDto {
  @ApiProperty({ format: 'uuid', description: '异议所涉信用信息记录的 id' }) recordId!: string;
  @ApiProperty({ example: '罚款金额有误，应为 500 元', description: '异议理由（错误、遗漏或侵犯合法权益的情形）' }) reason!: string;
  @ApiProperty({ example: '13800000000', description: '告知处理结果的联系方式' }) contact!: string;
}

export class ComparisonDto {
  @ApiProperty({ description: '平台数据与信息源是否不一致；true 转交信息提供单位核查，false 办结（异议不成立）' }) discrepancy!: boolean;
  @ApiProperty({ description: '比对说明；不一致为 false 时即为告知申请人的不予处理原因' }) note!: string;
}

export class ObjectionDecisionDto {
  @ApiProperty({ enum: ['correct', 'delete', 'supplement', 'reject'] }) outcome!: string;
  @ApiProperty({ description: '处理说明（reject 时为不予处理的原因），告知申请人' }) reason!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: '仅 correct/supplement：更正或补充的字段；缺省时采用信息提供单位反馈的字段' })
  fields?: Record<string, unknown>;
}

export class ProviderAnswerDto {
  @ApiProperty({ enum: ['correct', 'delete', 'supplement', 'explain'], description: 'explain = 异议不成立，说明不予处理的原因' }) answer!: string;
  @ApiProperty() note!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: '仅 correct/supplement：提请更正或补充的字段' })
  fields?: Record<string, unknown>;
}

export class ObjectionEventDto {
  @ApiProperty({ example: 'forwarded' }) action!: string;
  @ApiProperty({ nullable: true, type: String }) fromState!: string | null;
  @ApiProperty() toState!: string;
  @ApiProperty({ example: 'operator' }) actor!: string;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) detail!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class ObjectionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) recordId!: string;
  @ApiProperty({ example: 'administrative_penalty' }) item!: string;
  @ApiProperty({ description: '信息提供单位代码' }) supplier!: string;
  @ApiProperty({ description: '申请人（信用主体）代码' }) applicant!: string;
  @ApiProperty({ enum: ['subject', 'operator'] }) filedBy!: string;
  @ApiProperty() reason!: string;
  @ApiPropertyOptional({ description: '申请人联系方式（信息提供单位不可见）' }) contact?: string;
  @ApiProperty({ enum: ['comparing', 'forwarded_to_provider', 'provider_answered', 'closed'] }) state!: string;
  @ApiProperty({ format: 'date', description: '受理日' }) acceptedOn!: string;
  @ApiProperty({ format: 'date', description: '平台数据比对期限（受理后第 2 个工作日，第二十五条第一款）' }) comparisonDue!: string;
  @ApiProperty({ nullable: true, type: String }) comparisonNote!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) forwardedOn!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date', description: '信息提供单位核查期限（收到通知后第 6 个工作日）' }) providerDue!: string | null;
  @ApiProperty({ nullable: true, type: String, enum: ['correct', 'delete', 'supplement', 'explain'] }) providerAnswer!: string | null;
  @ApiProperty({ nullable: true, type: String }) providerNote!: string | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) providerFields!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) answeredOn!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date', description: '市信用中心完成期限（收到核查结果后第 2 个工作日）' }) completionDue!: string | null;
  @ApiProperty({ description: '信息提供单位逾期未核查（第二十六条第二款）' }) providerMissedDeadline!: boolean;
  @ApiProperty({ description: '因逾期未核查而中止提供查询' }) recordWithheld!: boolean;
  @ApiProperty({ nullable: true, type: String, enum: ['comparison', 'provider_verification', 'completion'], description: '今天已逾期的环节' })
  overdue!: string | null;
  @ApiProperty({ nullable: true, type: String, enum: ['correct', 'delete', 'supplement', 'reject'] }) outcome!: string | null;
  @ApiProperty({ nullable: true, type: String }) outcomeReason!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) closedOn!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ObjectionWithEventsDto extends ObjectionDto {
  @ApiProperty({ type: [ObjectionEventDto] }) events!: ObjectionEventDto[];
}

export class ObjectionPageDto {
  @ApiProperty({ type: [ObjectionDto] }) objections!: ObjectionDto[];
  @ApiProperty() total!: number;
  @ApiProperty({ nullable: true, type: Number, description: '下一页的 offset；为 null 表示已是最后一页' }) nextOffset!: number | null;
}

export class FileRepairDto {
  @ApiProperty({ format: 'uuid' }) recordId!: string;
  @ApiProperty({ example: '已缴清罚款并完成整改' }) reason!: string;
  @ApiProperty({ example: '缴款凭证编号 2026-000123；整改报告', description: '已纠正失信行为、消除不利影响的证明材料（说明或存档编号）' }) evidence!: string;
}

export class RepairDecisionDto {
  @ApiProperty({ enum: ['approve', 'reject'] }) decision!: string;
  @ApiProperty({ enum: ['provider', 'center'], description: '作出决定的是信息提供单位还是市信用中心（第二十三条第三款）' }) decidedBy!: string;
  @ApiProperty() reason!: string;
}

export class RepairDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) recordId!: string;
  @ApiProperty() item!: string;
  @ApiProperty() supplier!: string;
  @ApiProperty() applicant!: string;
  @ApiProperty({ enum: ['subject', 'operator'] }) filedBy!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() evidence!: string;
  @ApiProperty({ enum: ['pending', 'approved', 'rejected'] }) state!: string;
  @ApiProperty({ nullable: true, type: String, enum: ['provider', 'center'] }) decidedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) decisionReason!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) decidedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class RepairPageDto {
  @ApiProperty({ type: [RepairDto] }) repairs!: RepairDto[];
  @ApiProperty() total!: number;
  @ApiProperty({ nullable: true, type: Number }) nextOffset!: number | null;
}

export class FileNonDisclosureDto {
  @ApiProperty({ format: 'uuid', description: '守信信息（表彰奖励、志愿服务等）记录的 id' }) recordId!: string;
  @ApiProperty() reason!: string;
}

export class RefuseNonDisclosureDto {
  @ApiProperty() reason!: string;
}

export class NonDisclosureDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) recordId!: string;
  @ApiProperty() item!: string;
  @ApiProperty() supplier!: string;
  @ApiProperty() applicant!: string;
  @ApiProperty({ enum: ['subject', 'operator'] }) filedBy!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ enum: ['accepted', 'done', 'refused'] }) state!: string;
  @ApiProperty({ format: 'date' }) acceptedOn!: string;
  @ApiProperty({ format: 'date', description: '办理期限（受理后第 5 个工作日，第二十七条）' }) dueOn!: string;
  @ApiProperty({ nullable: true, type: String }) refusalReason!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class NonDisclosurePageDto {
  @ApiProperty({ type: [NonDisclosureDto] }) requests!: NonDisclosureDto[];
  @ApiProperty() total!: number;
  @ApiProperty({ nullable: true, type: Number }) nextOffset!: number | null;
}

export class NotificationDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['subject', 'supplier', 'applicant', 'operator'] }) recipientKind!: string;
  @ApiProperty() recipient!: string;
  @ApiProperty({ example: 'objection.closed' }) topic!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload!: Record<string, unknown>;
  @ApiProperty() dedupeKey!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) sentAt!: string | null;
  @ApiProperty({ description: '已尝试发送的次数' }) attempts!: number;
  @ApiProperty({ nullable: true, type: String, description: '最近一次发送失败的原因（错误代码：说明）', example: 'HTTP_503: the gateway answered HTTP 503' })
  lastError!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: '放弃发送的时间（渠道拒收或多次失败）' }) failedAt!: string | null;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] }) notifications!: NotificationDto[];
  @ApiProperty({ nullable: true, type: Number }) nextOffset!: number | null;
}
