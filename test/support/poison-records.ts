import { penaltyRecord } from '../fixtures/credit-data';

/**
 * The poison record of issue 11 finding 3, made on the database side. No record that passes the
 * hub's checks fails in PostgreSQL by itself any more (text, size and date checks at the edge), so
 * the test database gets a trigger that refuses a penalty whose decision number starts with
 * `POISON` with a check_violation: a real PostgreSQL error on loopback, and no switch in the hub.
 * `SLOWPOISON` waits half a second first, so a test can kill the worker mid-isolation; each firing
 * on a poison counts in the `poison_hits` sequence (sequences ignore rollbacks).
 */
const POISON_FUNCTION_SQL = `
  CREATE SEQUENCE poison_hits;
  CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.fields->>'decision_no' LIKE 'POISON%' OR NEW.fields->>'decision_no' LIKE 'SLOWPOISON%' THEN
      PERFORM nextval('poison_hits');
      IF NEW.fields->>'decision_no' LIKE 'SLOWPOISON%' THEN PERFORM pg_sleep(0.5); END IF;
      RAISE EXCEPTION 'test poison' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END $$;`;

/** On a migrated database: the trigger on credit_records. */
export const POISON_TRIGGER_SQL = `${POISON_FUNCTION_SQL}
  CREATE TRIGGER test_poison BEFORE INSERT OR UPDATE ON credit_records FOR EACH ROW EXECUTE FUNCTION test_poison();`;

/**
 * On a database the hub has not migrated yet (a fresh embedded data folder): an event trigger puts
 * the trigger on credit_records as soon as the hub's first migration creates it, which spares the
 * test a start and a stop of the hub.
 */
export const POISON_BEFORE_MIGRATIONS_SQL = `${POISON_FUNCTION_SQL}
  CREATE FUNCTION attach_test_poison() RETURNS event_trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' AND object_identity = 'public.credit_records') THEN
      CREATE TRIGGER test_poison BEFORE INSERT OR UPDATE ON credit_records FOR EACH ROW EXECUTE FUNCTION test_poison();
    END IF;
  END $$;
  CREATE EVENT TRIGGER attach_test_poison ON ddl_command_end EXECUTE FUNCTION attach_test_poison();`;

/** `count` valid penalties numbered from `first`, the ones at `poisonAt` positions marked `marker`. */
export function recordsWithPoison(first: number, count: number, poisonAt: readonly number[], marker: 'POISON' | 'SLOWPOISON' = 'POISON'): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) =>
    penaltyRecord(first + i, poisonAt.includes(i) ? { decision_no: `${marker}-${first + i}` } : {}),
  );
}

export const LOAD_FAILED_REASON = 'SQLSTATE 23514 check_violation';
