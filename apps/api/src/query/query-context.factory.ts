import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { type Authorization, type Caller, isQueryPurpose } from '../../../../libs/domain/access';
import { classifySubjectCode } from '../../../../libs/domain/identity';
import { ApiError } from '../../../../libs/http/api-error';
import { AuthorizationRepository } from '../../../../libs/persistence/authorization.repository';
import type { QueryAccount } from '../../../../libs/persistence/query-account.repository';
import { isStorableText } from '../../../../libs/domain/text/storable-text';
import {
  type GovernmentWithoutPurpose,
  type QueryContext,
  type QueryKind,
  SubjectQueryService,
} from '../../../../libs/pipeline/query/subject-query.service';
import { CLOCK, Clock } from '../../../../libs/runtime/tokens';
import { type Caller as ResolvedCaller, CallerResolver, type Identification } from '../auth.guards';

/** The header a government user names its 第十八条 purpose in (API.md). */
export const QUERY_PURPOSE_HEADER = 'x-query-purpose';

/**
 * Builds the QueryContext of a query request, for every caller kind: no Authorization header is
 * the public; otherwise the token decides (invalid or disabled → 401; a supplier key is not a
 * query credential → 403, at the edge like a 401). Third parties and agencies get their
 * unrevoked authorisations of the subjects asked about (the policy decides which are in force);
 * a government user gets the purpose of `X-Query-Purpose`, or none (the service refuses, logged).
 * Refusals decided here are logged too, before they are answered (issue 11, finding 8).
 */
@Injectable()
export class QueryContextFactory {
  constructor(
    private readonly callers: CallerResolver,
    private readonly authorizations: AuthorizationRepository,
    private readonly queries: SubjectQueryService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Writes the query-log row of a call refused at the edge (committed before the caller hears
   * of it; throws QUERY_LOG_UNAVAILABLE when it cannot be). `identification` says who it was as
   * far as the credential tells.
   */
  async logRefusal(
    request: Request,
    queryKind: QueryKind,
    options: { readonly subjectCodes: readonly string[]; readonly reference?: string | null },
    identification: Identification,
    reason: string,
  ): Promise<void> {
    const who = refusedCaller(identification);
    await this.queries.logRefusedCall({
      ...who,
      // A refused batch names no subject (like the service's own batch refusals): nothing was looked at.
      subjectCode: storable(queryKind !== 'batch' && options.subjectCodes.length === 1 ? options.subjectCodes[0] : ''),
      reason,
      clientAddress: request.ip ?? null,
      queryKind,
      reference: options.reference === undefined || options.reference === null ? null : storable(options.reference),
    });
  }

  async forRequest(
    request: Request,
    queryKind: QueryKind,
    options: { readonly subjectCodes: readonly string[]; readonly reference?: string | null },
  ): Promise<QueryContext> {
    const base = { clientAddress: request.ip ?? null, queryKind, reference: options.reference ?? null };
    const identification = await this.callers.identify(request);
    if (identification.kind === 'anonymous') return { ...base, caller: { kind: 'public' }, callerId: null };
    if (identification.kind === 'invalid') {
      await this.logRefusal(request, queryKind, options, identification, identification.reason);
      throw new ApiError(401, 'UNAUTHENTICATED', '未认证或凭据无效');
    }
    const resolved = identification.caller;
    switch (resolved.kind) {
      case 'operator':
        return { ...base, caller: { kind: 'operator' }, callerId: null };
      case 'subject':
        return { ...base, caller: { kind: 'subject', subjectCode: resolved.subjectCode }, callerId: resolved.subjectCode };
      case 'supplier':
        await this.logRefusal(request, queryKind, options, identification, 'NOT_A_QUERY_CALLER');
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

/** The caller kind and id a refused call is logged under: as resolved, or as far as its credential claimed. */
export function refusedCaller(identification: Identification): { callerKind: string; callerId: string | null } {
  switch (identification.kind) {
    case 'anonymous':
      return { callerKind: 'public', callerId: null };
    case 'invalid':
      return { callerKind: identification.claimed, callerId: null };
    case 'known':
      return knownCaller(identification.caller);
  }
}

function knownCaller(caller: ResolvedCaller): { callerKind: string; callerId: string | null } {
  switch (caller.kind) {
    case 'operator':
      return { callerKind: 'operator', callerId: null };
    case 'supplier':
      return { callerKind: 'supplier', callerId: caller.supplier.code };
    case 'subject':
      return { callerKind: 'subject', callerId: caller.subjectCode };
    case 'government':
    case 'authorized_third_party':
    case 'credit_agency':
      return { callerKind: caller.kind, callerId: caller.account.id };
  }
}

/** What was asked, as the log can hold it (a NUL or lone surrogate cannot be stored: it is left out, not the row). */
function storable(text: string): string {
  const cut = text.slice(0, 64);
  return isStorableText(cut) ? cut : '[unstorable]';
}
