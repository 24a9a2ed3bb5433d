import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The subjects' rights workflows (issue 5; libs/domain/rights):
 * - `objections` (第二十四条 to 第二十六条): one row per objection with its state, the working-day
 *   deadline of each step and the outcome; at most one open objection per record (partial unique
 *   index). `objection_events` is its append-only history (who did what, when, with which note).
 * - `repair_applications` (第二十三条): pending → approved | rejected; one pending per record.
 * - `non_disclosure_requests` (第二十七条): accepted (with its 5-working-day due date) → done |
 *   refused; one accepted per record.
 * Dates of the law (accepted_on, *_due, …) are China calendar dates; instants come from the
 * hub's injected clock, never from now(), so a test that moves the clock sees consistent rows.
 */
export class SubjectRights1765008000000 implements MigrationInterface {
  name = 'SubjectRights1765008000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE objections (
        id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        record_id          uuid NOT NULL REFERENCES credit_records(id),
        supplier_id        uuid NOT NULL REFERENCES suppliers(id),
        applicant_code     text NOT NULL,
        filed_by           text NOT NULL CHECK (filed_by IN ('subject', 'operator')),
        reason             text NOT NULL,
        contact            text NOT NULL,
        state              text NOT NULL CHECK (state IN ('comparing', 'forwarded_to_provider', 'provider_answered', 'closed')),
        accepted_on        date NOT NULL,
        comparison_due     date NOT NULL,
        comparison_note    text,
        forwarded_on       date,
        provider_due       date,
        provider_answer    text CHECK (provider_answer IN ('correct', 'delete', 'supplement', 'explain')),
        provider_note      text,
        provider_fields    jsonb,
        answered_on        date,
        completion_due     date,
        provider_missed_at timestamptz,
        record_withheld    boolean NOT NULL DEFAULT false,
        outcome            text CHECK (outcome IN ('correct', 'delete', 'supplement', 'reject')),
        outcome_reason     text,
        closed_on          date,
        created_at         timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL,
        CHECK ((state = 'closed') = (outcome IS NOT NULL)),
        CHECK (state NOT IN ('forwarded_to_provider', 'provider_answered') OR provider_due IS NOT NULL),
        CHECK (state <> 'provider_answered' OR (provider_answer IS NOT NULL AND completion_due IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX objections_one_open ON objections (record_id) WHERE state <> 'closed'`);
    await q.query(`CREATE INDEX objections_open_by_state ON objections (state, accepted_on) WHERE state <> 'closed'`);
    await q.query(`CREATE INDEX objections_open_by_supplier ON objections (supplier_id, state) WHERE state <> 'closed'`);
    await q.query('CREATE INDEX objections_applicant ON objections (applicant_code, created_at)');

    await q.query(`
      CREATE TABLE objection_events (
        id            bigserial PRIMARY KEY,
        objection_id  uuid NOT NULL REFERENCES objections(id),
        action        text NOT NULL,
        from_state    text,
        to_state      text NOT NULL,
        actor         text NOT NULL,
        note          text,
        detail        jsonb NOT NULL DEFAULT '{}'::jsonb,
        at            timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX objection_events_objection ON objection_events (objection_id, id)');
    await q.query(`CREATE TRIGGER objection_events_append_only BEFORE UPDATE OR DELETE ON objection_events
                   FOR EACH ROW EXECUTE FUNCTION refuse_change()`);

    await q.query(`
      CREATE TABLE repair_applications (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        record_id        uuid NOT NULL REFERENCES credit_records(id),
        supplier_id      uuid NOT NULL REFERENCES suppliers(id),
        applicant_code   text NOT NULL,
        filed_by         text NOT NULL CHECK (filed_by IN ('subject', 'operator')),
        reason           text NOT NULL,
        evidence         text NOT NULL,
        state            text NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
        decided_by       text CHECK (decided_by IN ('provider', 'center')),
        decision_reason  text,
        decided_at       timestamptz,
        created_at       timestamptz NOT NULL,
        CHECK ((state = 'pending') = (decided_at IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX repair_applications_one_pending ON repair_applications (record_id) WHERE state = 'pending'`);
    await q.query('CREATE INDEX repair_applications_state ON repair_applications (state, created_at)');

    await q.query(`
      CREATE TABLE non_disclosure_requests (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        record_id       uuid NOT NULL REFERENCES credit_records(id),
        supplier_id     uuid NOT NULL REFERENCES suppliers(id),
        applicant_code  text NOT NULL,
        filed_by        text NOT NULL CHECK (filed_by IN ('subject', 'operator')),
        reason          text NOT NULL,
        state           text NOT NULL CHECK (state IN ('accepted', 'done', 'refused')),
        accepted_on     date NOT NULL,
        due_on          date NOT NULL,
        refusal_reason  text,
        finished_at     timestamptz,
        created_at      timestamptz NOT NULL,
        CHECK ((state = 'accepted') = (finished_at IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX non_disclosure_requests_one_accepted ON non_disclosure_requests (record_id) WHERE state = 'accepted'`);
    await q.query(`CREATE INDEX non_disclosure_requests_accepted ON non_disclosure_requests (due_on, created_at) WHERE state = 'accepted'`);
    await q.query('CREATE INDEX non_disclosure_requests_state ON non_disclosure_requests (state, created_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE non_disclosure_requests');
    await q.query('DROP TABLE repair_applications');
    await q.query('DROP TABLE objection_events');
    await q.query('DROP TABLE objections');
  }
}
