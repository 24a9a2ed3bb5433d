import type { Catalog } from '../../../catalog/catalog';
import { checkUscc } from '../../domain/identity';
import { SupplierRepository } from '../../persistence/supplier.repository';
import { hashApiKey, newApiKey } from '../../http/api-key';

export interface SupplierRegistration {
  readonly code: string;
  readonly name: string;
  readonly uscc?: string;
  readonly items: string[];
}

export class AdminError extends Error {
  constructor(
    readonly code: 'INVALID_REQUEST',
    message: string,
    readonly details: { path: string; message: string; code?: string }[],
  ) {
    super(message);
  }
}

/** Registers an information provider (信息提供单位) and issues its API key, shown once. */
export class SupplierAdminService {
  constructor(
    private readonly suppliers: SupplierRepository,
    private readonly catalog: Catalog,
  ) {}

  async register(input: SupplierRegistration): Promise<{ code: string; apiKey: string }> {
    const problems: { path: string; message: string }[] = [];
    input.items.forEach((code, i) => {
      if (!this.catalog.find(code)) problems.push({ path: `items[${i}]`, message: `目录中没有信息项 ${code}` });
    });
    if (input.uscc !== undefined && !checkUscc(input.uscc).ok) {
      problems.push({ path: 'uscc', message: '统一社会信用代码无效' });
    }
    if (problems.length > 0) throw new AdminError('INVALID_REQUEST', '请求内容无效', problems);
    const apiKey = newApiKey();
    const uscc = input.uscc === undefined ? undefined : (checkUscc(input.uscc) as { code: string }).code;
    await this.suppliers.create({ ...input, uscc, apiKeyHash: hashApiKey(apiKey) });
    return { code: input.code, apiKey };
  }
}
