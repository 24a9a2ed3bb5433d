import { Body, Controller, Get, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { NonDisclosureService } from '../../../../libs/pipeline/rights/non-disclosure.service';
import { ObjectionService } from '../../../../libs/pipeline/rights/objection.service';
import { RepairService } from '../../../../libs/pipeline/rights/repair.service';
import { parseBody } from '../admin/suppliers.controller';
import { ErrorResponseDto } from '../api.dto';
import { type AuthenticatedRequest, SubjectOrOperatorGuard } from '../auth.guards';
import { FileNonDisclosureDto, FileObjectionDto, FileRepairDto, NonDisclosureDto, ObjectionDto, ObjectionWithEventsDto, RepairDto } from './rights.dto';
import { applicantOf, nonDisclosureJson, objectionEventJson, objectionJson, recordIdSchema, repairJson, text } from './rights-http';

const objectionSchema = z.strictObject({ recordId: recordIdSchema, reason: text(2000), contact: text(200) });
const repairSchema = z.strictObject({ recordId: recordIdSchema, reason: text(2000), evidence: text(4000) });
const nonDisclosureSchema = z.strictObject({ recordId: recordIdSchema, reason: text(2000) });

const OWN_RECORD_ONLY = '信用主体以身份核验令牌（sid1.）调用，只能就本人的信用信息申请（否则 403 NOT_OWN_RECORD）；运营人员可代为申请。';

/** The subject's rights (第二十三条, 第二十四条, 第二十七条): applications by the subject, or by an operator on its behalf. */
@ApiTags('rights')
@ApiBearerAuth('identityToken')
@ApiBearerAuth('operatorToken')
@UseGuards(SubjectOrOperatorGuard)
@ApiResponse({ status: 429, type: ErrorResponseDto, description: 'RATE_LIMITED（超过每分钟请求上限，按信用主体计；响应头 Retry-After 为秒数）' })
@Controller('api/v1')
export class SubjectRightsController {
  constructor(
    private readonly objections: ObjectionService,
    private readonly repairs: RepairService,
    private readonly nonDisclosures: NonDisclosureService,
  ) {}

  @Post('objections')
  @ApiOperation({
    summary: '提出异议申请（第二十四条）',
    description: `${OWN_RECORD_ONLY}受理当日起算 2 个工作日的比对期限；处理期间该信息查询时标注 "disputed": true（第二十六条第一款）。`,
  })
  @ApiBody({ type: FileObjectionDto })
  @ApiResponse({ status: 201, type: ObjectionDto })
  @ApiResponse({ status: 403, type: ErrorResponseDto, description: 'NOT_OWN_RECORD' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'RECORD_NOT_FOUND' })
  @ApiResponse({ status: 409, type: ErrorResponseDto, description: 'OBJECTION_ALREADY_OPEN、OBJECTION_RECORD_DELETED、CALENDAR_HORIZON' })
  async fileObjection(@Body() body: unknown, @Req() request: AuthenticatedRequest) {
    const applicant = applicantOf(request);
    const objection = await this.objections.file(applicant, parseBody(objectionSchema, body));
    return objectionJson(objection, applicant.kind === 'subject' ? 'subject' : 'center');
  }

  @Get('objections/:id')
  @ApiOperation({ summary: '查询异议申请及其处理过程', description: '信用主体只能查看本人的异议申请（他人的视为不存在）。' })
  @ApiResponse({ status: 200, type: ObjectionWithEventsDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'OBJECTION_NOT_FOUND' })
  async objection(@Param('id') id: string, @Req() request: AuthenticatedRequest) {
    const viewer = applicantOf(request);
    const { events, ...objection } = await this.objections.get(viewer, id);
    return { ...objectionJson(objection, viewer.kind === 'subject' ? 'subject' : 'center'), events: events.map(objectionEventJson) };
  }

  @Post('repairs')
  @ApiOperation({
    summary: '提出信用修复申请（第二十三条）',
    description: `${OWN_RECORD_ONLY}仅限公示期内、仍在公示的失信信息；修复完成后不再对外提供查询，但信息不删除。`,
  })
  @ApiBody({ type: FileRepairDto })
  @ApiResponse({ status: 201, type: RepairDto })
  @ApiResponse({ status: 403, type: ErrorResponseDto, description: 'NOT_OWN_RECORD' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'RECORD_NOT_FOUND' })
  @ApiResponse({
    status: 409,
    type: ErrorResponseDto,
    description: 'REPAIR_NOT_BAD_INFORMATION、REPAIR_ALREADY_REPAIRED、REPAIR_RECORD_NOT_ACTIVE、REPAIR_OUTSIDE_PUBLICATION_PERIOD、REPAIR_ALREADY_PENDING',
  })
  async fileRepair(@Body() body: unknown, @Req() request: AuthenticatedRequest) {
    return repairJson(await this.repairs.file(applicantOf(request), parseBody(repairSchema, body)));
  }

  @Post('non-disclosure-requests')
  @ApiOperation({
    summary: '申请守信信息不予公开（第二十七条）',
    description: `${OWN_RECORD_ONLY}仅限表彰奖励、志愿服务等守信信息；受理后 5 个工作日内中止提供查询并归档管理，并告知信息提供单位。`,
  })
  @ApiBody({ type: FileNonDisclosureDto })
  @ApiResponse({ status: 201, type: NonDisclosureDto })
  @ApiResponse({ status: 403, type: ErrorResponseDto, description: 'NOT_OWN_RECORD' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'RECORD_NOT_FOUND' })
  @ApiResponse({
    status: 409,
    type: ErrorResponseDto,
    description: 'NON_DISCLOSURE_NOT_GOOD_INFORMATION、NON_DISCLOSURE_ALREADY_DONE、NON_DISCLOSURE_RECORD_NOT_ACTIVE、NON_DISCLOSURE_ALREADY_PENDING',
  })
  async fileNonDisclosure(@Body() body: unknown, @Req() request: AuthenticatedRequest) {
    return nonDisclosureJson(await this.nonDisclosures.file(applicantOf(request), parseBody(nonDisclosureSchema, body)));
  }
}
