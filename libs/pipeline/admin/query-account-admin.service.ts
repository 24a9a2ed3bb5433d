import { randomBytes } from 'node:crypto';
import type { Catalog } from '../../../catalog/catalog';
import type { Authorization } from '../../domain/access';
import { isIsoDate } from '../../domain/calendar/iso-date';
import { classifySubjectCode } from '../../domain/identity';
import { hashApiKey } from '../../http/api-key';
import { AuthorizationRepository, StoredAuthorization } from '../../persistence/authorization.repository';
import { QueryAccount, QueryAccountKind, QueryAccountRepository } from '../../persistence/query-account.repository';
import { GOVERNMENT_ROLES, isGovernmentRole } from '../query/government-roles';

export const QUERY_ACCOUNT_TOKEN_PREFIX = 'cqa_';

/** Query account tokens: 256 random bits, shown once, stored as a SHA-256 digest (like supplier keys). */
export function newQueryAccountToken(): string {
  return `${QUERY_ACCOUNT_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function isQueryAccountToken(token: string): boolean {
  return token.startsWith(QUERY_ACCOUNT_TOKEN_PREFIX);
}

type Problem = { path: string; message: string };

export class QueryAccountAdminError extends Error {
  constructor(
    readonly code: 'INVALID_REQUEST' | 'ACCOUNT_NOT_FOUND' | 'AUTHORIZATION_NOT_FOUND',
    message: string,
    readonly details: Problem[] = [],
  ) {
    super(message);
  }
}

export interface NewQueryAccount {
  readonly kind: QueryAccountKind;
  readonly name: string;
  readonly organization: string;
  readonly roles: readonly string[];
}

/** The policy's authorisation as an operator records it; `grantee` is the grantee's query account id. */
export type NewAuthorization = Authorization;

/**
 * The operator's side of the query callers: accounts for government users, authorised third
 * parties and credit agencies, and the subjects' authorisations (第十七条) the center records on
 * presentation of the proof. Authorisations are never deleted, only revoked.
 */
export class QueryAccountAdminService {
  constructor(
    private readonly accounts: QueryAccountRepository,
    private readonly authorizations: AuthorizationRepository,
    private readonly catalog: Catalog,
    private readonly clock: () => Date,
  ) {}

  async createAccount(input: NewQueryAccount): Promise<{ id: string; token: string; account: QueryAccount }> {
    const problems: Problem[] = [];
    const roles = [...new Set(input.roles)];
    if (input.kind === 'government') {
      roles.forEach((role, i) => {
        if (!isGovernmentRole(role)) problems.push({ path: `roles[${i}]`, message: `未知角色 ${role}，可选：${GOVERNMENT_ROLES.join('、')}` });
      });
    } else if (roles.length > 0) {
      problems.push({ path: 'roles', message: '仅政务账号设置角色' });
    }
    if (problems.length > 0) throw new QueryAccountAdminError('INVALID_REQUEST', '请求内容无效', problems);
    const token = newQueryAccountToken();
    const account = await this.accounts.create({ ...input, roles, tokenHash: hashApiKey(token), createdAt: this.clock() });
    return { id: account.id, token, account };
  }

  async listAccounts(page: { offset: number; limit: number }): Promise<QueryAccount[]> {
    return this.accounts.list(page);
  }

  async disableAccount(id: string): Promise<QueryAccount> {
    const account = await this.accounts.disable(id, this.clock());
    if (!account) throw new QueryAccountAdminError('ACCOUNT_NOT_FOUND', '查询账号不存在');
    return account;
  }

  async recordAuthorization(input: NewAuthorization): Promise<StoredAuthorization> {
    const problems: Problem[] = [];
    const code = classifySubjectCode(input.subjectCode, this.clock());
    if (!code.ok) problems.push({ path: 'subjectCode', message: '统一社会信用代码或公民身份号码无效' });
    input.scope.forEach((itemCode, i) => {
      const item = this.catalog.find(itemCode);
      if (!item) problems.push({ path: `scope[${i}]`, message: `目录中没有信息项 ${itemCode}` });
      // 第十条: 政务共享 items are never served on the authorised channel; a scope naming one would promise what the policy refuses.
      else if (item.disclosure === 'government') problems.push({ path: `scope[${i}]`, message: `${itemCode} 为政务共享信息，不能授权查询` });
    });
    if (!isIsoDate(input.validFrom)) problems.push({ path: 'validFrom', message: '应为 YYYY-MM-DD 日期' });
    if (!isIsoDate(input.validTo)) problems.push({ path: 'validTo', message: '应为 YYYY-MM-DD 日期' });
    else if (isIsoDate(input.validFrom) && input.validFrom > input.validTo) problems.push({ path: 'validTo', message: '不能早于 validFrom' });
    const grantee = await this.accounts.findById(input.grantee);
    if (!grantee) problems.push({ path: 'grantee', message: '查询账号不存在' });
    else if (grantee.kind === 'government') problems.push({ path: 'grantee', message: '被授权方应为第三方或信用服务机构账号' });
    else if (grantee.disabledAt !== null) problems.push({ path: 'grantee', message: '该查询账号已停用' });
    if (problems.length > 0 || !code.ok || !grantee) throw new QueryAccountAdminError('INVALID_REQUEST', '请求内容无效', problems);
    return this.authorizations.create({
      subjectCode: code.code,
      granteeId: grantee.id,
      purpose: input.purpose,
      scope: [...new Set(input.scope)],
      validFrom: input.validFrom,
      validTo: input.validTo,
      proofReference: input.proofReference,
      recordedAt: this.clock(),
    });
  }

  async listAuthorizations(filter: { subject?: string; grantee?: string; offset: number; limit: number }): Promise<StoredAuthorization[]> {
    let subjectCode: string | undefined;
    if (filter.subject !== undefined) {
      const code = classifySubjectCode(filter.subject, this.clock());
      if (!code.ok) throw new QueryAccountAdminError('INVALID_REQUEST', '请求内容无效', [{ path: 'subject', message: '统一社会信用代码或公民身份号码无效' }]);
      subjectCode = code.code;
    }
    return this.authorizations.list({ subjectCode, granteeId: filter.grantee, offset: filter.offset, limit: filter.limit });
  }

  async revokeAuthorization(id: string): Promise<StoredAuthorization> {
    const revoked = await this.authorizations.revoke(id, this.clock());
    if (!revoked) throw new QueryAccountAdminError('AUTHORIZATION_NOT_FOUND', '授权记录不存在');
    return revoked;
  }
}
