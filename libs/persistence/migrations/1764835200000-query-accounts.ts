import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Query callers other than the public, subjects and operators (第十七条, 第十八条, 第二十条第二款):
 * - `query_accounts`: accounts the operator issues to government users, authorised third parties
 *   and credit service agencies. The bearer token is stored as its SHA-256 digest only (like
 *   supplier keys: 256 random bits need no slow hash). A disabled account is kept (the query log
 *   names it) and no longer authenticates.
 * - `authorizations`: a subject's authorisation of a grantee (第十七条: 授权证明, 约定的查询用途,
 *   scope of catalog items, validity period with inclusive China dates). Never deleted; revoking
 *   sets `revoked_at`, and nothing else of a row may change (a trigger refuses other updates).
 * - `query_log.reason`: why a query was refused (the access policy's reason code), NULLable without
 *   default as the audit chain's rules require (1764489600000-audit-chain.ts).
 */
export class QueryAccounts1764835200000 implements MigrationInterface {
  name = 'QueryAccounts1764835200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE query_accounts (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind          text NOT NULL CHECK (kind IN ('government', 'authorized_third_party', 'credit_agency')),
        name          text NOT NULL,
        organization  text NOT NULL,
        roles         text[] NOT NULL DEFAULT '{}',
        token_hash    text NOT NULL UNIQUE,
        created_at    timestamptz NOT NULL,
        disabled_at   timestamptz
      )`);
    await q.query('CREATE INDEX query_accounts_created ON query_accounts (created_at, id)');

    await q.query(`
      CREATE TABLE authorizations (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject_code     text NOT NULL,
        grantee_id       uuid NOT NULL REFERENCES query_accounts(id),
        purpose          text NOT NULL CHECK (btrim(purpose) <> ''),
        scope            text[] NOT NULL CHECK (cardinality(scope) > 0),
        valid_from       date NOT NULL,
        valid_to         date NOT NULL,
        proof_reference  text NOT NULL CHECK (btrim(proof_reference) <> ''),
        recorded_at      timestamptz NOT NULL,
        revoked_at       timestamptz,
        CHECK (valid_from <= valid_to)
      )`);
    // The query edge loads a grantee's unrevoked authorisations of the subjects asked about.
    await q.query('CREATE INDEX authorizations_grantee_subject ON authorizations (grantee_id, subject_code) WHERE revoked_at IS NULL');
    await q.query('CREATE INDEX authorizations_subject ON authorizations (subject_code, recorded_at)');
    await q.query(`
      CREATE FUNCTION authorizations_revoke_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'authorizations are never deleted; revoke instead' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
           OR (to_jsonb(NEW) - 'revoked_at') IS DISTINCT FROM (to_jsonb(OLD) - 'revoked_at') THEN
          RAISE EXCEPTION 'an authorization may only be revoked, once' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER authorizations_revoke_only BEFORE UPDATE OR DELETE ON authorizations
                   FOR EACH ROW EXECUTE FUNCTION authorizations_revoke_only()`);

    await q.query('ALTER TABLE query_log ADD COLUMN reason text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE query_log DROP COLUMN reason');
    await q.query('DROP TABLE authorizations');
    await q.query('DROP FUNCTION authorizations_revoke_only()');
    await q.query('DROP TABLE query_accounts');
  }
}
