import { HubDatabase } from './hub-database';

export type LegacyIdentifierKind = 'organization_code' | 'business_registration_no' | 'passport' | 'residence_permit';

export interface IdentifierLink {
  readonly kind: LegacyIdentifierKind;
  readonly identifier: string;
  readonly subjectCode: string;
}

export interface LinkedIdentifier {
  readonly kind: LegacyIdentifierKind;
  readonly identifier: string;
  /** `operator`, or where a record taught it. */
  readonly source: string;
  readonly linkedAt: string;
}

/** The subject registry: legacy identifiers and the social credit code they belong to (R6). */
export class SubjectRegistryRepository {
  constructor(private readonly db: HubDatabase) {}

  async resolve(identifiers: readonly { kind: LegacyIdentifierKind; identifier: string }[]): Promise<IdentifierLink[]> {
    if (identifiers.length === 0) return [];
    return this.db.dataSource.query(
      `SELECT s.kind, s.identifier, s.subject_code AS "subjectCode"
       FROM subject_identifiers s JOIN jsonb_to_recordset($1::jsonb) AS t(kind text, identifier text)
         ON t.kind = s.kind AND t.identifier = s.identifier`,
      [JSON.stringify(identifiers)],
    );
  }

  /** A link already known is kept as first learned: an identifier never silently moves to another subject. */
  async learn(links: readonly IdentifierLink[], source: string): Promise<void> {
    if (links.length === 0) return;
    const sorted = [...links].sort((a, b) => (a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0));
    await this.db.dataSource.query(
      `INSERT INTO subject_identifiers (kind, identifier, subject_code, source)
       SELECT kind, identifier, "subjectCode", $2 FROM jsonb_to_recordset($1::jsonb) AS t(kind text, identifier text, "subjectCode" text)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(sorted), source],
    );
  }

  async linksOf(subjectCode: string): Promise<LinkedIdentifier[]> {
    const rows: { kind: LegacyIdentifierKind; identifier: string; source: string; linkedAt: Date }[] = await this.db.dataSource.query(
      `SELECT kind, identifier, source, created_at AS "linkedAt" FROM subject_identifiers WHERE subject_code = $1 ORDER BY kind, identifier`,
      [subjectCode],
    );
    return rows.map((r) => ({ ...r, linkedAt: new Date(r.linkedAt).toISOString() }));
  }
}
