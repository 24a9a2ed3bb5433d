import { CanActivate, ExecutionContext, Inject, Injectable, Logger, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { HubConfig } from '../../../libs/config/hub-config';
import { ApiError } from '../../../libs/http/api-error';
import { clientAddressKey } from '../../../libs/pipeline/limits/client-address';
import { RateLimiter, RateLimitRule } from '../../../libs/pipeline/limits/rate-limiter';
import type { QueryKind } from '../../../libs/pipeline/query/subject-query.service';
import { HUB_CONFIG } from '../../../libs/runtime/tokens';
import { CallerResolver, type Identification } from './auth.guards';
import { QueryContextFactory } from './query/query-context.factory';

export interface RateLimitOptions {
  /** A route of the query edge: a 429 there is written to the query log as this kind of look. */
  readonly queryKind?: QueryKind;
  /** The PDF credit report (~0.3 s of CPU each): counted in its own, smaller bucket as well. */
  readonly costlyReport?: boolean;
  /** Not limited at all (health and metrics probes). */
  readonly exempt?: boolean;
}

const RATE_LIMIT = 'credit-hub:rate-limit';

/** Marks a route of the query edge (see RateLimitOptions); every route without it is limited as a plain one. */
export const RateLimit = (options: RateLimitOptions) => SetMetadata(RATE_LIMIT, options);
export const NoRateLimit = () => SetMetadata(RATE_LIMIT, { exempt: true } satisfies RateLimitOptions);

/**
 * Rate limits at the HTTP edge (issue 11, finding 7; OWASP API4 and API6), on every route
 * unless exempt: anonymous callers and credentials that prove nothing per client address (the
 * socket's, or X-Forwarded-For from HUB_TRUSTED_PROXIES only), token holders per account or
 * subject. Operators are never limited; suppliers only where they have no business (the query
 * edge), so ingest and batch reports keep their own bounds. The PDF report also counts in its own
 * bucket, and a batch query costs one per subject named. A 429 carries Retry-After; on the query
 * edge it is written to the query log before it is answered.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly log = new Logger('RateLimit');

  constructor(
    private readonly reflector: Reflector,
    private readonly callers: CallerResolver,
    private readonly limiter: RateLimiter,
    private readonly contexts: QueryContextFactory,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const options = this.reflector.getAllAndOverride<RateLimitOptions | undefined>(RATE_LIMIT, [context.getHandler(), context.getClass()]) ?? {};
    if (options.exempt) return true;
    const limits = this.config.rateLimits;
    if (limits.publicPerMinute === 0 && limits.accountPerMinute === 0 && limits.reportPerMinute === 0) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const identification = await this.callers.identify(request);
    const client = this.clientOf(identification, request, options);
    if (!client) return true;
    const rules: RateLimitRule[] = [
      { bucket: client.scope, key: client.key, perMinute: client.scope === 'address' ? limits.publicPerMinute : limits.accountPerMinute, weight: weightOf(request, options) },
    ];
    if (options.costlyReport && isPdf(request)) rules.push({ bucket: 'report', key: `${client.scope}:${client.key}`, perMinute: limits.reportPerMinute });
    const verdict = await this.limiter.check(rules);
    if (verdict.allowed) return true;

    if (options.queryKind) {
      const params = request.params as Record<string, string | undefined>;
      await this.contexts.logRefusal(
        request,
        options.queryKind,
        { subjectCodes: params.code === undefined ? [] : [params.code], reference: params.reportNo ?? null },
        identification,
        'RATE_LIMITED',
      );
    }
    // debug: a flood would otherwise flood the log too; 429s of the query edge are in the query log and its metrics.
    this.log.debug(`429 ${request.method} ${request.route ? String((request.route as { path?: unknown }).path) : ''} ${verdict.bucket} limit ${verdict.limit}/min`);
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(verdict.retryAfterSeconds));
    throw new ApiError(429, 'RATE_LIMITED', `请求过于频繁，请在 ${verdict.retryAfterSeconds} 秒后重试`, [
      { scope: verdict.bucket, limit: verdict.limit, windowSeconds: 60, retryAfterSeconds: verdict.retryAfterSeconds },
    ]);
  }

  /** Whose bucket a request counts in, or undefined when it is not limited. */
  private clientOf(identification: Identification, request: Request, options: RateLimitOptions): { scope: 'address' | 'account'; key: string } | undefined {
    if (identification.kind !== 'known') return { scope: 'address', key: clientAddressKey(request.ip ?? request.socket.remoteAddress) };
    const caller = identification.caller;
    switch (caller.kind) {
      case 'operator':
        return undefined;
      case 'supplier':
        return options.queryKind ? { scope: 'account', key: `supplier:${caller.supplier.id}` } : undefined;
      case 'subject':
        return { scope: 'account', key: `subject:${caller.subjectCode}` };
      case 'government':
      case 'authorized_third_party':
      case 'credit_agency':
        return { scope: 'account', key: `account:${caller.account.id}` };
    }
  }
}

/** A batch query costs one per subject it names (enumeration through batches, F5). */
function weightOf(request: Request, options: RateLimitOptions): number {
  if (options.queryKind !== 'batch') return 1;
  const codes = (request.body as { codes?: unknown } | undefined)?.codes;
  return Array.isArray(codes) ? Math.max(1, codes.length) : 1;
}

function isPdf(request: Request): boolean {
  const format = (request.query as Record<string, unknown>).format;
  return format === undefined || format === '' || format === 'pdf';
}
