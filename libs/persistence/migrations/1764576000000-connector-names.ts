import { MigrationInterface, QueryRunner } from 'typeorm';

/** Connector instances declared as files (config-as-code) are known by a stable name. */
export class ConnectorNames1764576000000 implements MigrationInterface {
  name = 'ConnectorNames1764576000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE connector_instances ADD COLUMN name text UNIQUE');
    await q.query('ALTER TABLE connector_instances ADD COLUMN definition_hash text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE connector_instances DROP COLUMN definition_hash');
    await q.query('ALTER TABLE connector_instances DROP COLUMN name');
  }
}
