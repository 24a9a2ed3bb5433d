import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { HubConfig } from '../../../libs/config/hub-config';
import { ApiError } from '../../../libs/http/api-error';
import { bearerToken, hashApiKey, sameSecret } from '../../../libs/http/api-key';
import { QueryAccount, QueryAccountKind, QueryAccountRepository } from '../../../libs/persistence/query-account.repository';
import { Supplier, SupplierRepository } from '../../../libs/persistence/supplier.repository';
import { isQueryAccountToken } from '../../../libs/pipeline/admin/query-account-admin.service';
import { isIdentityToken, verifyIdentityToken } from '../../../libs/security/identity-token';
import { CLOCK, Clock, HUB_CONFIG } from '../../../libs/runtime/tokens';

export type Caller =
  | { kind: 'supplier'; supplier: Supplier }
  | { kind: 'operator' }
  /** 第十七条: identified by a verified-identity token; the code comes from the token alone. */
  | { kind: 'subject'; subjectCode: string }
  /** An account the operator issued (第十七条, 第十八条, 第二十条第二款); disabled accounts never resolve. */
  | { kind: QueryAccountKind; account: QueryAccount };
export type AuthenticatedRequest = Request & { caller?: Caller };

/**
 * What the credential of a request proves: nothing sent, a caller, or a credential that proves
 * nothing (with what it claimed to be, for the query log, and why it was refused).
 */
export type Identification =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'known'; readonly caller: Caller }
  | { readonly kind: 'invalid'; readonly claimed: 'subject' | 'query_account' | 'unknown'; readonly reason: string };

const known = (caller: Caller): Identification => ({ kind: 'known', caller });
const unauthenticated = () => new ApiError(401, 'UNAUTHENTICATED', '未认证或凭据无效');

/**
 * Who is calling, from the bearer token alone: a supplier key, the operator token, a subject's
 * identity token or a query account's token (`cqa_`).
 */
@Injectable()
export class CallerResolver {
  constructor(
    private readonly suppliers: SupplierRepository,
    private readonly accounts: QueryAccountRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  // One lookup per request, however many guards and factories ask (rate limit, then auth).
  private readonly identified = new WeakMap<Request, Promise<Identification>>();

  async resolve(request: Request): Promise<Caller | undefined> {
    const identification = await this.identify(request);
    return identification.kind === 'known' ? identification.caller : undefined;
  }

  identify(request: Request): Promise<Identification> {
    let identification = this.identified.get(request);
    if (!identification) {
      identification = this.lookUp(request);
      this.identified.set(request, identification);
    }
    return identification;
  }

  private async lookUp(request: Request): Promise<Identification> {
    if (request.headers.authorization === undefined) return { kind: 'anonymous' };
    const token = bearerToken(request.headers.authorization);
    if (!token) return { kind: 'invalid', claimed: 'unknown', reason: 'MALFORMED_AUTHORIZATION' };
    if (this.config.adminToken && sameSecret(token, this.config.adminToken)) return known({ kind: 'operator' });
    if (isIdentityToken(token)) {
      if (!this.config.identityProvider) return { kind: 'invalid', claimed: 'subject', reason: 'IDENTITY_PROVIDER_NOT_CONFIGURED' };
      const verified = verifyIdentityToken(token, this.config.identityProvider, this.clock());
      return verified.ok
        ? known({ kind: 'subject', subjectCode: verified.identity.subjectCode })
        : { kind: 'invalid', claimed: 'subject', reason: `IDENTITY_TOKEN_${verified.reason}` };
    }
    if (isQueryAccountToken(token)) {
      const account = await this.accounts.findByTokenHash(hashApiKey(token));
      if (!account) return { kind: 'invalid', claimed: 'query_account', reason: 'UNKNOWN_TOKEN' };
      return account.disabledAt === null ? known({ kind: account.kind, account }) : { kind: 'invalid', claimed: 'query_account', reason: 'ACCOUNT_DISABLED' };
    }
    const supplier = await this.suppliers.findByApiKeyHash(hashApiKey(token));
    return supplier ? known({ kind: 'supplier', supplier }) : { kind: 'invalid', claimed: 'unknown', reason: 'UNKNOWN_TOKEN' };
  }
}

@Injectable()
export class SupplierGuard implements CanActivate {
  constructor(private readonly callers: CallerResolver) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const caller = await this.callers.resolve(request);
    if (caller?.kind !== 'supplier') throw unauthenticated();
    request.caller = caller;
    return true;
  }
}

@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(private readonly callers: CallerResolver) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const caller = await this.callers.resolve(request);
    if (caller?.kind !== 'operator') throw unauthenticated();
    request.caller = caller;
    return true;
  }
}

@Injectable()
export class SupplierOrOperatorGuard implements CanActivate {
  constructor(private readonly callers: CallerResolver) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const caller = await this.callers.resolve(request);
    if (caller?.kind !== 'supplier' && caller?.kind !== 'operator') throw unauthenticated();
    request.caller = caller;
    return true;
  }
}

/** A subject signed in with its identity token, or an operator acting for one (e.g. at the service desk). */
@Injectable()
export class SubjectOrOperatorGuard implements CanActivate {
  constructor(private readonly callers: CallerResolver) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const caller = await this.callers.resolve(request);
    if (caller?.kind !== 'subject' && caller?.kind !== 'operator') throw unauthenticated();
    request.caller = caller;
    return true;
  }
}
