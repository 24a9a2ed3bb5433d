import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { HubConfig } from '../../../libs/config/hub-config';
import { ApiError } from '../../../libs/http/api-error';
import { bearerToken, hashApiKey, sameSecret } from '../../../libs/http/api-key';
import { Supplier, SupplierRepository } from '../../../libs/persistence/supplier.repository';
import { HUB_CONFIG } from '../../../libs/runtime/tokens';

export type Caller = { kind: 'supplier'; supplier: Supplier } | { kind: 'operator' };
export type AuthenticatedRequest = Request & { caller?: Caller };

const unauthenticated = () => new ApiError(401, 'UNAUTHENTICATED', '未认证或凭据无效');

/** Who is calling, from the bearer token alone: a supplier key or the operator token. */
@Injectable()
export class CallerResolver {
  constructor(
    private readonly suppliers: SupplierRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  async resolve(request: Request): Promise<Caller | undefined> {
    const token = bearerToken(request.headers.authorization);
    if (!token) return undefined;
    if (this.config.adminToken && sameSecret(token, this.config.adminToken)) return { kind: 'operator' };
    const supplier = await this.suppliers.findByApiKeyHash(hashApiKey(token));
    return supplier ? { kind: 'supplier', supplier } : undefined;
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
    if (!caller) throw unauthenticated();
    request.caller = caller;
    return true;
  }
}
