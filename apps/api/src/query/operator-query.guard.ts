import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ApiError } from '../../../../libs/http/api-error';
import { type AuthenticatedRequest, CallerResolver } from '../auth.guards';
import { QueryContextFactory } from './query-context.factory';

/**
 * OperatorGuard for the operators' views of records (query_kind 'history'): anyone else is
 * refused as before (401), and the refusal is logged in the query log first, since these paths
 * are part of the query edge (issue 11, finding 8).
 */
@Injectable()
export class OperatorQueryGuard implements CanActivate {
  constructor(
    private readonly callers: CallerResolver,
    private readonly contexts: QueryContextFactory,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const identification = await this.callers.identify(request);
    if (identification.kind === 'known' && identification.caller.kind === 'operator') {
      request.caller = identification.caller;
      return true;
    }
    const params = request.params as Record<string, string | undefined>;
    await this.contexts.logRefusal(
      request,
      'history',
      { subjectCodes: params.code === undefined ? [] : [params.code], reference: params.id ?? null },
      identification,
      identification.kind === 'invalid' ? identification.reason : 'OPERATOR_ONLY',
    );
    throw new ApiError(401, 'UNAUTHENTICATED', '未认证或凭据无效');
  }
}
