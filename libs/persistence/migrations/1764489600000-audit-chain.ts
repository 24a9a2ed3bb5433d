import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tamper evidence for the query log and the collection log (R19, R31; anchors 3.8 and F8).
 *
 * Each table holds LANES independent hash chains. Each row carries `chain_lane`, `chain_seq`
 * (1, 2, 3, … within its lane), `prev_hash` (the row_hash of the lane's previous row, NULL
 * for its first) and
 *
 *     row_hash = sha256(coalesce(prev_hash, '') || utf8(canonical row))
 *     canonical row = jsonb_strip_nulls(to_jsonb(row) - 'prev_hash' - 'row_hash')::text, TimeZone UTC
 *
 * A BEFORE INSERT trigger fills these columns, so every insert path (current and future,
 * COPY included) is chained without application changes. A lane's writers are serialised
 * with a transaction-level advisory lock held until commit: a row may only chain onto a
 * committed one, or a rollback would leave a hole.
 *
 * Why lanes: that lock is held through the commit's WAL flush, so one chain per table caps
 * every query of the hub at one commit at a time. pgbench, 16 clients, one query-log row per
 * transaction, PostgreSQL 15 on the 2-core test host: 2,800-3,600/s without the chain,
 * 310-380/s with a single chain, 2,100-2,200/s with 16 lanes. A writer takes the first free
 * lane, starting from one picked by its backend pid, and waits only when all are busy. Every
 * row is in exactly one chain, so any edit or deletion still breaks a chain; only rows cut
 * from the end of a lane go unnoticed, which is why the verifier reports each lane's head for
 * keeping elsewhere.
 *
 * Writers must use READ COMMITTED (the default): under REPEATABLE READ the trigger could miss
 * a row committed after the snapshot, and the insert then fails on the (lane, seq) key (it
 * fails closed; the chain never forks).
 *
 * Why chain_seq rather than id: the bigserial default is drawn before the trigger waits for
 * the lock, so id order is not chain order.
 *
 * Why the whole row as jsonb rather than a column list: a column added later is covered
 * without touching the trigger. Rules for later migrations on these tables: add columns as
 * NULLable without a default (nulls are stripped, so older rows keep their hashes), never
 * rename or drop a column and never add a generated column (they change or miss the
 * canonical text of old rows), or else re-chain in the same migration.
 * TimeZone is pinned because to_jsonb renders timestamptz in the session's zone.
 *
 * libs/persistence/audit/audit-chain.repository.ts recomputes the same formula with its own
 * inline SQL (not these functions: a superuser who rewrites them must still be caught).
 */
export const LANES = 16;

export const CHAINED_TABLES = [
  // Advisory lock (lockKey, lane), the two-int4 key space; 727001 is the migrator's (bigint).
  { table: 'query_log', lockKey: 727101 },
  { table: 'collection_log', lockKey: 727102 },
] as const;

const WRITER_ROLE = 'credithub_audit_writer';

/**
 * The chain trigger's function as this migration creates it (a later migration's down restores
 * it). Static SQL per table (a cached plan inside the lock), and a pinned search_path so a
 * caller's path cannot swap the table or the hash function. The lane is remembered for the
 * transaction: its later rows join the lane it already holds (no second lock to wait for, so no
 * deadlock between two writers each holding one).
 */
export function chainLinkFunctionSql(table: string, lockKey: number, verb: 'CREATE' | 'CREATE OR REPLACE'): string {
  return `
        ${verb} FUNCTION ${table}_chain_link() RETURNS trigger
        LANGUAGE plpgsql
        SET search_path FROM CURRENT
        SET "TimeZone" TO 'UTC'
        AS $$
        DECLARE
          lane integer := nullif(current_setting('credithub.${table}_lane', true), '')::integer;
          home integer;
          last_seq bigint;
          last_hash bytea;
        BEGIN
          IF lane IS NULL THEN
            home := pg_backend_pid() % ${LANES};
            FOR i IN 0..${LANES - 1} LOOP
              IF pg_try_advisory_xact_lock(${lockKey}, (home + i) % ${LANES}) THEN
                lane := (home + i) % ${LANES};
                EXIT;
              END IF;
            END LOOP;
            lane := coalesce(lane, home);
            PERFORM set_config('credithub.${table}_lane', lane::text, true);
          END IF;
          -- Held already, unless every lane was busy (or the setting came from elsewhere).
          PERFORM pg_advisory_xact_lock(${lockKey}, lane);
          SELECT t.chain_seq, t.row_hash INTO last_seq, last_hash
          FROM ${table} t WHERE t.chain_lane = lane ORDER BY t.chain_seq DESC LIMIT 1;
          NEW.chain_lane := lane;
          NEW.chain_seq := coalesce(last_seq, 0) + 1;
          NEW.prev_hash := last_hash;
          NEW.row_hash := audit_chain_hash(last_hash, to_jsonb(NEW));
          RETURN NEW;
        END $$`;
}

export class AuditChain1764489600000 implements MigrationInterface {
  name = 'AuditChain1764489600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_chain_hash(prev bytea, row_json jsonb) RETURNS bytea
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT sha256(coalesce(prev, ''::bytea)
                      || convert_to(jsonb_strip_nulls(row_json - 'prev_hash' - 'row_hash')::text, 'UTF8'))
      $$`);

    for (const { table, lockKey } of CHAINED_TABLES) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN chain_lane smallint, ADD COLUMN chain_seq bigint,
                       ADD COLUMN prev_hash bytea, ADD COLUMN row_hash bytea`);

      // Rows written before this migration are chained in lane 0, in id order (the only order they had).
      await q.query(`ALTER TABLE ${table} DISABLE TRIGGER ${table}_append_only`);
      await q.query(`
        DO $$
        DECLARE
          r ${table}%ROWTYPE;
          seq bigint := 0;
          prev bytea;
          zone text := current_setting('TimeZone');
        BEGIN
          PERFORM set_config('TimeZone', 'UTC', true);
          FOR r IN SELECT * FROM ${table} ORDER BY id LOOP
            seq := seq + 1;
            r.chain_lane := 0;
            r.chain_seq := seq;
            r.prev_hash := prev;
            r.row_hash := audit_chain_hash(prev, to_jsonb(r));
            UPDATE ${table} SET chain_lane = 0, chain_seq = r.chain_seq, prev_hash = r.prev_hash, row_hash = r.row_hash WHERE id = r.id;
            prev := r.row_hash;
          END LOOP;
          PERFORM set_config('TimeZone', zone, true);
        END $$`);
      await q.query(`ALTER TABLE ${table} ENABLE TRIGGER ${table}_append_only`);

      await q.query(`
        ALTER TABLE ${table}
          ALTER COLUMN chain_lane SET NOT NULL,
          ALTER COLUMN chain_seq SET NOT NULL,
          ALTER COLUMN row_hash SET NOT NULL,
          ADD CONSTRAINT ${table}_chain_key UNIQUE (chain_lane, chain_seq),
          ADD CONSTRAINT ${table}_chain_genesis CHECK ((chain_seq = 1) = (prev_hash IS NULL))`);

      await q.query(chainLinkFunctionSql(table, lockKey, 'CREATE'));
      // BEFORE triggers fire in name order: "zz_" runs last, so it hashes the row as stored.
      await q.query(`
        CREATE TRIGGER zz_audit_chain BEFORE INSERT ON ${table}
        FOR EACH ROW EXECUTE FUNCTION ${table}_chain_link()`);
      // Row triggers do not fire on TRUNCATE.
      await q.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`);
      await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM PUBLIC`);
    }

    // The least-privilege role for production: a login role that writes the logs is made a
    // member of it and does not own the tables (owners and superusers can drop triggers).
    // Roles are cluster-wide and the migrating user may lack CREATEROLE (managed databases,
    // some embedded builds), so a failure here is a notice, not a failed migration.
    await q.query(`
      DO $$
      BEGIN
        BEGIN
          CREATE ROLE ${WRITER_ROLE} NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
          NULL; -- created by another database of the cluster, possibly at the same moment
        END;
        GRANT SELECT, INSERT ON query_log, collection_log TO ${WRITER_ROLE};
        GRANT USAGE ON SEQUENCE query_log_id_seq, collection_log_id_seq TO ${WRITER_ROLE};
      EXCEPTION WHEN insufficient_privilege OR feature_not_supported THEN
        RAISE NOTICE 'role ${WRITER_ROLE} not set up (%): grant INSERT and SELECT on the log tables by hand', SQLERRM;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The role is left in place: it is cluster-wide and may serve other databases.
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${WRITER_ROLE}') THEN
          REVOKE ALL ON query_log, collection_log FROM ${WRITER_ROLE};
          REVOKE ALL ON SEQUENCE query_log_id_seq, collection_log_id_seq FROM ${WRITER_ROLE};
        END IF;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'grants to ${WRITER_ROLE} not revoked: %', SQLERRM;
      END $$`);
    for (const { table } of CHAINED_TABLES) {
      await q.query(`DROP TRIGGER ${table}_no_truncate ON ${table}`);
      await q.query(`DROP TRIGGER zz_audit_chain ON ${table}`);
      await q.query(`DROP FUNCTION ${table}_chain_link()`);
      await q.query(`ALTER TABLE ${table} DROP COLUMN row_hash, DROP COLUMN prev_hash, DROP COLUMN chain_seq, DROP COLUMN chain_lane`);
    }
    await q.query('DROP FUNCTION audit_chain_hash(bytea, jsonb)');
  }
}
