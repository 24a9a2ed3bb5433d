import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  NON_DISCLOSURE_STATES,
  OBJECTION_OUTCOMES,
  OBJECTION_STATES,
  REPAIR_DECIDERS,
  REPAIR_DECISIONS,
  REPAIR_STATES,
} from '../../../../libs/domain/rights';
import { NOTICE_STATES, type RecipientKind } from '../../../../libs/persistence/outbox.repository';
import { NonDisclosureService } from '../../../../libs/pipeline/rights/non-disclosure.service';
import { NotificationService } from '../../../../libs/pipeline/rights/notification.service';
import { ObjectionService } from '../../../../libs/pipeline/rights/objection.service';
import { RepairService } from '../../../../libs/pipeline/rights/repair.service';
import { parseBody } from '../admin/suppliers.controller';
import { ErrorResponseDto } from '../api.dto';
import { OperatorGuard } from '../auth.guards';
import {
  ComparisonDto,
  NonDisclosureDto,
  NonDisclosurePageDto,
  NotificationDto,
  NotificationPageDto,
  ObjectionDecisionDto,
  ObjectionDto,
  ObjectionPageDto,
  RefuseNonDisclosureDto,
  RepairDecisionDto,
  RepairDto,
  RepairPageDto,
} from './rights.dto';
import {
  booleanParam,
  enumParam,
  fieldsSchema,
  nonDisclosureJson,
  objectionJson,
  pageParams,
  repairJson,
  text,
} from './rights-http';

const comparisonSchema = z.strictObject({ discrepancy: z.boolean(), note: text(2000) });
const decisionSchema = z
  .strictObject({ outcome: z.enum(OBJECTION_OUTCOMES), reason: text(2000), fields: fieldsSchema.optional() })
  .refine((b) => b.fields === undefined || b.outcome === 'correct' || b.outcome === 'supplement', {
    message: '只有 correct 或 supplement 可以提供 fields',
    path: ['fields'],
  });
const repairDecisionSchema = z.strictObject({ decision: z.enum(REPAIR_DECISIONS), decidedBy: z.enum(REPAIR_DECIDERS), reason: text(2000) });
const refusalSchema = z.strictObject({ reason: text(2000) });
const RECIPIENT_KINDS: readonly RecipientKind[] = ['subject', 'supplier', 'applicant', 'operator'];

/** The credit center's side of the rights workflows (第二十三条, 第二十五条, 第二十七条) and the notification outbox. */
@ApiTags('rights')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorGuard)
@Controller('api/v1/admin')
export class RightsAdminController {
  constructor(
    private readonly objections: ObjectionService,
    private readonly repairs: RepairService,
    private readonly nonDisclosures: NonDisclosureService,
    private readonly notifications: NotificationService,
  ) {}

  @Get('objections')
  @ApiOperation({ summary: '异议申请列表', description: '?state=comparing|forwarded_to_provider|provider_answered|closed&overdue=true；分页（offset/limit）。' })
  @ApiQuery({ name: 'state', required: false, enum: OBJECTION_STATES })
  @ApiQuery({ name: 'overdue', required: false, type: Boolean, description: 'true：只列出今天已逾期（比对、核查或完成期限已过）的异议' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '默认 100，最大 1000' })
  @ApiResponse({ status: 200, type: ObjectionPageDto })
  async listObjections(
    @Query('state') state?: string,
    @Query('overdue') overdue?: string,
    @Query('offset') offset?: string,
    @Query('limit') limit?: string,
  ) {
    const page = await this.objections.list({
      state: enumParam(state, OBJECTION_STATES, 'state'),
      overdue: booleanParam(overdue, 'overdue'),
      ...pageParams(offset, limit),
    });
    return { ...page, objections: page.objections.map((o) => objectionJson(o, 'center')) };
  }

  @Post('objections/:id/comparison')
  @HttpCode(200)
  @ApiOperation({
    summary: '登记平台数据比对结果（第二十五条第一款）',
    description: '不一致（discrepancy: true）：转交信息提供单位核查，通知其在 6 个工作日内完成；一致：异议不成立，办结并告知申请人（note 为原因）。',
  })
  @ApiBody({ type: ComparisonDto })
  @ApiResponse({ status: 200, type: ObjectionDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'OBJECTION_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: 'OBJECTION_STATE_CONFLICT、CALENDAR_HORIZON' })
  async compare(@Param('id') id: string, @Body() body: unknown) {
    return objectionJson(await this.objections.compare(id, parseBody(comparisonSchema, body)), 'center');
  }

  @Post('objections/:id/decision')
  @HttpCode(200)
  @ApiOperation({
    summary: '异议处理完毕并告知申请人（第二十五条第二款）',
    description:
      '结果须与信息提供单位的核查意见一致；信息提供单位逾期未核查的，市信用中心可自行办结。更正/补充生成新版本，删除将记录置为 deleted（保留不删），' +
      '办结后取消异议标注，因逾期中止查询的记录恢复提供查询（删除的除外）。',
  })
  @ApiBody({ type: ObjectionDecisionDto })
  @ApiResponse({ status: 200, type: ObjectionDto })
  @ApiResponse({
    status: 400,
    type: ErrorResponseDto,
    description: 'INVALID_REQUEST、OBJECTION_FIELDS_REQUIRED、OBJECTION_SUBJECT_CHANGE、OBJECTION_SUPPLEMENT_CONFLICT、OBJECTION_CORRECTION_INVALID、OBJECTION_CORRECTION_UNCHANGED',
  })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'OBJECTION_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: 'OBJECTION_STATE_CONFLICT、OBJECTION_AWAITING_PROVIDER、OBJECTION_OUTCOME_MISMATCH' })
  async decide(@Param('id') id: string, @Body() body: unknown) {
    return objectionJson(await this.objections.decide(id, parseBody(decisionSchema, body)), 'center');
  }

  @Get('repairs')
  @ApiOperation({ summary: '信用修复申请列表', description: '?state=pending|approved|rejected；分页（offset/limit）。' })
  @ApiQuery({ name: 'state', required: false, enum: REPAIR_STATES })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiResponse({ status: 200, type: RepairPageDto })
  async listRepairs(@Query('state') state?: string, @Query('offset') offset?: string, @Query('limit') limit?: string) {
    const page = await this.repairs.list({ state: enumParam(state, REPAIR_STATES, 'state'), ...pageParams(offset, limit) });
    return { ...page, repairs: page.repairs.map(repairJson) };
  }

  @Post('repairs/:id/decision')
  @HttpCode(200)
  @ApiOperation({
    summary: '登记信用修复决定（第二十三条第三款）',
    description: '由信息提供单位或市信用中心作出（decidedBy）。通过：该失信信息不再对外提供查询，但信息不删除；告知申请人与信息提供单位。',
  })
  @ApiBody({ type: RepairDecisionDto })
  @ApiResponse({ status: 200, type: RepairDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'REPAIR_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: 'REPAIR_ALREADY_DECIDED、REPAIR_ALREADY_REPAIRED、REPAIR_RECORD_NOT_ACTIVE、REPAIR_OUTSIDE_PUBLICATION_PERIOD' })
  async decideRepair(@Param('id') id: string, @Body() body: unknown) {
    return repairJson(await this.repairs.decide(id, parseBody(repairDecisionSchema, body)));
  }

  @Get('non-disclosure-requests')
  @ApiOperation({ summary: '守信信息不予公开申请列表', description: '?state=accepted|done|refused；分页（offset/limit）。' })
  @ApiQuery({ name: 'state', required: false, enum: NON_DISCLOSURE_STATES })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiResponse({ status: 200, type: NonDisclosurePageDto })
  async listNonDisclosures(@Query('state') state?: string, @Query('offset') offset?: string, @Query('limit') limit?: string) {
    const page = await this.nonDisclosures.list({ state: enumParam(state, NON_DISCLOSURE_STATES, 'state'), ...pageParams(offset, limit) });
    return { ...page, requests: page.requests.map(nonDisclosureJson) };
  }

  @Post('non-disclosure-requests/:id/refusal')
  @HttpCode(200)
  @ApiOperation({ summary: '不予同意守信信息不予公开申请', description: '只能在 non-disclosure 任务办理之前；告知申请人原因。' })
  @ApiBody({ type: RefuseNonDisclosureDto })
  @ApiResponse({ status: 200, type: NonDisclosureDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'NON_DISCLOSURE_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: 'NON_DISCLOSURE_ALREADY_DECIDED' })
  async refuseNonDisclosure(@Param('id') id: string, @Body() body: unknown) {
    return nonDisclosureJson(await this.nonDisclosures.refuse(id, parseBody(refusalSchema, body)));
  }

  @Get('notifications')
  @ApiOperation({
    summary: '通知发件箱',
    description:
      '异议、修复、不予公开等决定写入的通知（与决定同一事务）；配置通知渠道（HUB_NOTIFY_WEBHOOK_URL）后由 notification-delivery 任务发送。' +
      '?recipientKind=subject|supplier|applicant|operator&recipient=&topic=&state=pending|sent|failed，分页（offset/limit）。',
  })
  @ApiQuery({ name: 'recipientKind', required: false, enum: RECIPIENT_KINDS })
  @ApiQuery({ name: 'state', required: false, enum: NOTICE_STATES, description: 'pending 待发（含重试中）；sent 已发送；failed 已放弃，待运营人员处理' })
  @ApiQuery({ name: 'recipient', required: false, type: String })
  @ApiQuery({ name: 'topic', required: false, type: String, example: 'objection.closed' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiResponse({ status: 200, type: NotificationPageDto })
  async listNotifications(
    @Query('recipientKind') recipientKind?: string,
    @Query('recipient') recipient?: string,
    @Query('topic') topic?: string,
    @Query('state') state?: string,
    @Query('offset') offset?: string,
    @Query('limit') limit?: string,
  ) {
    return this.notifications.list({
      recipientKind: enumParam(recipientKind, RECIPIENT_KINDS, 'recipientKind'),
      recipient: recipient || undefined,
      topic: topic || undefined,
      state: enumParam(state, NOTICE_STATES, 'state'),
      ...pageParams(offset, limit),
    });
  }

  @Post('notifications/:id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: '重发已放弃的通知', description: '发送失败（failed）的通知重新进入待发状态，尝试次数清零；下一次 notification-delivery 任务发送。' })
  @ApiResponse({ status: 200, type: NotificationDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'NOTIFICATION_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: 'NOTIFICATION_NOT_FAILED' })
  async retryNotification(@Param('id') id: string) {
    return this.notifications.retry(id);
  }
}
