import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { QueryAccountAdminService } from '../../../../libs/pipeline/admin/query-account-admin.service';
import { QUERY_ACCOUNT_KINDS } from '../../../../libs/persistence/query-account.repository';
import { ErrorResponseDto } from '../api.dto';
import { OperatorGuard } from '../auth.guards';
import { pageParams } from '../query-params';
import {
  AuthorizationDto,
  AuthorizationListDto,
  CreateAuthorizationDto,
  CreateQueryAccountDto,
  QueryAccountCreatedDto,
  QueryAccountDto,
  QueryAccountListDto,
} from './query-accounts.dto';
import { parseBody } from './suppliers.controller';

const createAccountSchema = z.strictObject({
  kind: z.enum(QUERY_ACCOUNT_KINDS),
  name: z.string().trim().min(1, '不能为空').max(200),
  organization: z.string().trim().min(1, '不能为空').max(200),
  roles: z.array(z.string().min(1).max(64)).max(20).default([]),
});

const createAuthorizationSchema = z.strictObject({
  subjectCode: z.string().trim().min(1).max(64),
  grantee: z.string().trim().min(1).max(64),
  purpose: z.string().trim().min(1, '不能为空').max(500),
  scope: z.array(z.string().min(1).max(64)).min(1, '至少一个信息项').max(100),
  validFrom: z.string(),
  validTo: z.string(),
  proofReference: z.string().trim().min(1, '不能为空').max(500),
});

@ApiTags('admin')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorGuard)
@Controller('api/v1/admin')
export class QueryAccountsController {
  constructor(private readonly admin: QueryAccountAdminService) {}

  @Post('query-accounts')
  @ApiOperation({
    summary: '开设查询账号（政务用户、经授权的第三方、信用服务机构）',
    description: '返回的 token 仅显示一次，库中只保存其 SHA-256 摘要。政务账号的角色：subject_query（主体查询）、credit_report（信用报告）、list_query（名单查询）。',
  })
  @ApiResponse({ status: 201, type: QueryAccountCreatedDto })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_REQUEST' })
  async createAccount(@Body() body: CreateQueryAccountDto): Promise<QueryAccountCreatedDto> {
    const created = await this.admin.createAccount(parseBody(createAccountSchema, body));
    return { id: created.id, token: created.token };
  }

  @Get('query-accounts')
  @ApiOperation({ summary: '查询账号列表', description: '按开设时间排序，分页（offset/limit）；不含令牌。' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '默认 100，最大 1000' })
  @ApiResponse({ status: 200, type: QueryAccountListDto })
  async listAccounts(@Query('offset') offset?: string, @Query('limit') limit?: string): Promise<QueryAccountListDto> {
    const page = pageParams(offset, limit);
    const accounts = await this.admin.listAccounts(page);
    return { accounts, nextOffset: accounts.length === page.limit ? page.offset + page.limit : null };
  }

  @Post('query-accounts/:id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: '停用查询账号', description: '停用后其令牌不再有效（401）；账号保留，查询日志仍可追溯。重复停用保持首次停用时间。' })
  @ApiResponse({ status: 200, type: QueryAccountDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'ACCOUNT_NOT_FOUND' })
  async disable(@Param('id') id: string): Promise<QueryAccountDto> {
    return this.admin.disableAccount(id);
  }

  @Post('authorizations')
  @ApiOperation({
    summary: '登记信用主体的查询授权（第十七条）',
    description: '被授权方须为第三方或信用服务机构账号；scope 为目录中的非政务共享信息项；有效期起止日均含当日。',
  })
  @ApiResponse({ status: 201, type: AuthorizationDto })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_REQUEST（details 列出每个问题的 path）' })
  async createAuthorization(@Body() body: CreateAuthorizationDto): Promise<AuthorizationDto> {
    return this.admin.recordAuthorization(parseBody(createAuthorizationSchema, body));
  }

  @Get('authorizations')
  @ApiOperation({ summary: '查询授权列表', description: '可按 subject（主体代码）与 grantee（账号 id）筛选；按登记时间排序，分页（offset/limit）。' })
  @ApiQuery({ name: 'subject', required: false })
  @ApiQuery({ name: 'grantee', required: false })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '默认 100，最大 1000' })
  @ApiResponse({ status: 200, type: AuthorizationListDto })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'INVALID_REQUEST' })
  async listAuthorizations(
    @Query('subject') subject?: string,
    @Query('grantee') grantee?: string,
    @Query('offset') offset?: string,
    @Query('limit') limit?: string,
  ): Promise<AuthorizationListDto> {
    const page = pageParams(offset, limit);
    const authorizations = await this.admin.listAuthorizations({ subject: subject || undefined, grantee: grantee || undefined, ...page });
    return { authorizations, nextOffset: authorizations.length === page.limit ? page.offset + page.limit : null };
  }

  @Post('authorizations/:id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: '撤销查询授权', description: '授权记录不删除，只记撤销时间；撤销后立即不再据此提供查询。重复撤销保持首次撤销时间。' })
  @ApiResponse({ status: 200, type: AuthorizationDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'AUTHORIZATION_NOT_FOUND' })
  async revoke(@Param('id') id: string): Promise<AuthorizationDto> {
    return this.admin.revokeAuthorization(id);
  }
}

