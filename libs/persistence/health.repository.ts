import { HubDatabase } from './hub-database';

export class HealthRepository {
  constructor(private readonly db: HubDatabase) {}

  async databaseReady(): Promise<{ reachable: boolean; migrated: boolean }> {
    try {
      await this.db.dataSource.query('SELECT 1');
      return { reachable: true, migrated: !(await this.db.pendingMigrations()) };
    } catch {
      return { reachable: false, migrated: false };
    }
  }
}
