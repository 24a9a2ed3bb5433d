import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { type Authorization, type Caller, isQueryPurpose } from '../../../../libs/domain/access';
import { classifySubjectCode } from '../../../../libs/domain/identity';
import { ApiError } from '../../../../libs/http/api-error';
import { AuthorizationRepository } from '../../../../libs/persistence/authorization.repository';
import type { QueryAccount } from '../../../../libs/persistence/query-account.repository';
import type { GovernmentWithoutPurpose, QueryContext, QueryKind } from '../../../../libs/pipeline/query/subject-query.service';
import { CLOCK, Clock } from '../../../../libs/runtime/tokens';
import { CallerResolver } from '../auth.guards';

/** The header a government user names its 第十八条 purpose in (API.md). */
export const QUERY_PURPOSE_HEADER = 'x-query-purpose';

/**
 * Builds the QueryContext of a query request, for every caller kind: no Authorization header is
 * the public; otherwise the token decides (invalid or disabled → 401; a supplier key is not a
 * query credential → 403, at the edge like a 401). Third parties and agencies get their
 * unrevoked authorisations of the subjects asked about (the policy decides which are in force);
 * a government user gets the purpose of `X-Query-Purpose`, or none (the service refuses, logged).
 */
@Injectable()
export class QueryContextFactory {
  constructor(
    private readonly callers: CallerResolver,
    private readonly authorizations: AuthorizationRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async forRequest(
    request: Request,
    queryKind: QueryKind,
    options: { readonly subjectCodes: readonly string[]; readonly reference?: string | null },
  ): Promise<QueryContext> {
    const base = { clientAddress: request.ip ?? null, queryKind, reference: options.reference ?? null };
    if (request.headers.authorization === undefined) return { ...base, caller: { kind: 'public' }, callerId: null };
    const resolved = await this.callers.resolve(request);
    if (!resolved) throw new ApiError(401, 'UNAUTHENTICATED', '未认证或凭据无效');
    switch (resolved.kind) {
      case 'operator':
        return { ...base, caller: { kind: 'operator' }, callerId: null };
      case 'subject':
        return { ...base, caller: { kind: 'subject', subjectCode: resolved.subjectCode }, callerId: resolved.subjectCode };
      case 'supplier':
        throw new ApiError(403, 'ACCESS_DENIED', '信息提供单位的接口密钥不能用于查询', [{ reason: 'NOT_A_QUERY_CALLER' }]);
      case 'government':
        return { ...base, caller: this.government(resolved.account, request), callerId: resolved.account.id };
      case 'authorized_third_party':
        return {
          ...base,
          caller: { kind: 'authorized_third_party', grantee: resolved.account.id, authorizations: await this.authorizationsOf(resolved.account, options.subjectCodes) },
          callerId: resolved.account.id,
        };
      case 'credit_agency':
        return {
          ...base,
          caller: { kind: 'credit_agency', agencyId: resolved.account.id, authorizations: await this.authorizationsOf(resolved.account, options.subjectCodes) },
          callerId: resolved.account.id,
        };
    }
  }

  private government(account: QueryAccount, request: Request): Caller | GovernmentWithoutPurpose {
    const raw = request.headers[QUERY_PURPOSE_HEADER];
    const header = Array.isArray(raw) ? raw.join(',') : raw;
    const purpose = header?.trim();
    if (isQueryPurpose(purpose)) return { kind: 'government', userId: account.id, roles: account.roles, purpose };
    return { kind: 'government', userId: account.id, roles: account.roles, purpose: null, requestedPurpose: header ?? null };
  }

  private async authorizationsOf(account: QueryAccount, rawCodes: readonly string[]): Promise<Authorization[]> {
    const now = this.clock();
    const codes = [...new Set(rawCodes.map((raw) => classifySubjectCode(raw, now)).flatMap((c) => (c.ok ? [c.code] : [])))];
    const stored = await this.authorizations.unrevokedFor(account.id, codes);
    return stored.map((a) => ({
      subjectCode: a.subjectCode,
      grantee: a.grantee,
      purpose: a.purpose,
      scope: a.scope,
      validFrom: a.validFrom,
      validTo: a.validTo,
      proofReference: a.proofReference,
    }));
  }
}
