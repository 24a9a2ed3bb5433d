import { HubDatabase } from './hub-database';
import { OutboxNotice, OutboxRepository } from './outbox.repository';

export interface StoredKeyAttentionListing {
  readonly recordId: string;
  readonly sector: string;
  readonly decisionDate: string;
  readonly decisionNo: string | null;
  readonly supplier: string;
  /** Covered by an earlier escalation of the subject. */
  readonly escalated: boolean;
}

export interface EscalationCandidate {
  readonly subjectCode: string;
  readonly subjectName: string | null;
  readonly listings: StoredKeyAttentionListing[];
}

export interface NewEscalation {
  readonly subjectCode: string;
  /** The sorted record ids of the counted listings, joined: one escalation per set. */
  readonly listingKey: string;
  readonly listingIds: readonly string[];
  readonly sectors: readonly string[];
  readonly suppliers: readonly string[];
  readonly windowFrom: string;
  readonly windowTo: string;
  readonly escalatedAt: Date;
}

export interface StoredEscalation extends NewEscalation {
  readonly id: string;
}

/** 第二十八条: the key-attention listings per subject, and the escalations (subject told, providers prompted). */
export class KeyAttentionRepository {
  private readonly outbox: OutboxRepository;

  constructor(private readonly db: HubDatabase) {
    this.outbox = new OutboxRepository(db);
  }

  /**
   * Subjects after `afterSubject` (keyset paging, at most `limit` subjects) whose active
   * key-attention listings dated in [windowFrom, today] name at least `minSectors` distinct
   * sectors (trimmed; the domain normalises further and decides) and include a listing no
   * escalation covered yet, with all those listings.
   */
  async candidates(input: {
    readonly windowFrom: string;
    readonly today: string;
    readonly minSectors: number;
    readonly afterSubject: string;
    readonly limit: number;
  }): Promise<EscalationCandidate[]> {
    const rows: (StoredKeyAttentionListing & { subjectCode: string; subjectName: string | null })[] = await this.db.dataSource.query(
      `WITH listings AS (
         SELECT r.id AS record_id, r.subject_code, r.fields->>'sector' AS sector, r.fields->>'decision_date' AS decision_date,
                r.fields->>'decision_no' AS decision_no, s.code AS supplier,
                EXISTS (SELECT 1 FROM key_attention_escalations e
                        WHERE e.subject_code = r.subject_code AND r.id = ANY(e.listing_ids)) AS escalated
         FROM credit_records r JOIN suppliers s ON s.id = r.supplier_id
         WHERE r.item_code = 'key_attention_list' AND r.status = 'active' AND r.subject_code > $5
           AND r.fields->>'decision_date' >= $1 AND r.fields->>'decision_date' <= $2
       ), candidates AS (
         SELECT subject_code FROM listings GROUP BY subject_code
         HAVING count(DISTINCT btrim(sector)) >= $3 AND NOT bool_and(escalated)
         ORDER BY subject_code LIMIT $4
       )
       SELECT l.record_id AS "recordId", l.subject_code AS "subjectCode", subj.name AS "subjectName", l.sector,
              l.decision_date AS "decisionDate", l.decision_no AS "decisionNo", l.supplier, l.escalated
       FROM listings l JOIN candidates c USING (subject_code) LEFT JOIN subjects subj ON subj.code = l.subject_code
       ORDER BY l.subject_code, l.decision_date, l.record_id`,
      [input.windowFrom, input.today, input.minSectors, input.limit, input.afterSubject],
    );
    const bySubject = new Map<string, EscalationCandidate>();
    for (const { subjectCode, subjectName, ...listing } of rows) {
      let candidate = bySubject.get(subjectCode);
      if (candidate === undefined) {
        candidate = { subjectCode, subjectName, listings: [] };
        bySubject.set(subjectCode, candidate);
      }
      candidate.listings.push(listing);
    }
    return [...bySubject.values()];
  }

  /**
   * Writes the escalation and its notices in one transaction. Returns false (and writes nothing)
   * when this set of listings of the subject was escalated already, by an earlier or a concurrent run.
   */
  async recordEscalation(escalation: NewEscalation, notices: readonly OutboxNotice[]): Promise<boolean> {
    return this.db.dataSource.transaction(async (tx) => {
      const inserted: unknown[] = await tx.query(
        `INSERT INTO key_attention_escalations
           (subject_code, listing_key, listing_ids, sectors, suppliers, window_from, window_to, escalated_at)
         VALUES ($1, $2, $3::uuid[], $4, $5, $6, $7, $8)
         ON CONFLICT (subject_code, listing_key) DO NOTHING
         RETURNING id`,
        [
          escalation.subjectCode,
          escalation.listingKey,
          escalation.listingIds,
          escalation.sectors,
          escalation.suppliers,
          escalation.windowFrom,
          escalation.windowTo,
          escalation.escalatedAt,
        ],
      );
      if (inserted.length === 0) return false;
      await this.outbox.enqueue(notices, tx);
      return true;
    });
  }

  async escalationsOf(subjectCode: string): Promise<StoredEscalation[]> {
    return this.db.dataSource.query(
      `SELECT id::text, subject_code AS "subjectCode", listing_key AS "listingKey", listing_ids::text[] AS "listingIds", sectors,
              suppliers, to_char(window_from, 'YYYY-MM-DD') AS "windowFrom", to_char(window_to, 'YYYY-MM-DD') AS "windowTo",
              escalated_at AS "escalatedAt"
       FROM key_attention_escalations WHERE subject_code = $1 ORDER BY id`,
      [subjectCode],
    );
  }
}
