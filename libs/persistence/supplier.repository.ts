import { HubDatabase } from './hub-database';

export interface Supplier {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly uscc: string | null;
  readonly items: string[];
}

export class SupplierExistsError extends Error {
  readonly code = 'SUPPLIER_EXISTS';
}

interface SupplierRow {
  id: string;
  code: string;
  name: string;
  uscc: string | null;
  items: string[];
}

export class SupplierRepository {
  constructor(private readonly db: HubDatabase) {}

  async create(input: { code: string; name: string; uscc?: string; items: string[]; apiKeyHash: string }): Promise<Supplier> {
    try {
      const rows: SupplierRow[] = await this.db.dataSource.query(
        `INSERT INTO suppliers (code, name, uscc, items, api_key_hash) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, code, name, uscc, items`,
        [input.code, input.name, input.uscc ?? null, input.items, input.apiKeyHash],
      );
      return rows[0];
    } catch (e) {
      if ((e as { driverError?: { code?: string } }).driverError?.code === '23505') {
        throw new SupplierExistsError(`supplier ${input.code} exists`);
      }
      throw e;
    }
  }

  async findByApiKeyHash(hash: string): Promise<Supplier | undefined> {
    const rows: SupplierRow[] = await this.db.dataSource.query(
      'SELECT id, code, name, uscc, items FROM suppliers WHERE api_key_hash = $1',
      [hash],
    );
    return rows[0];
  }

  async findByCode(code: string): Promise<Supplier | undefined> {
    const rows: SupplierRow[] = await this.db.dataSource.query(
      'SELECT id, code, name, uscc, items FROM suppliers WHERE code = $1',
      [code],
    );
    return rows[0];
  }
}
