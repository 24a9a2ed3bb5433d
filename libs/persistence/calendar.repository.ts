import type { CalendarDay, OperatorCalendarTable } from '../domain/calendar';
import { HubDatabase } from './hub-database';

export interface CalendarYearEntry {
  readonly year: number;
  readonly sourceNote: string;
  readonly days: readonly CalendarDay[];
  readonly enteredAt: Date;
}

/** The operator's working-day table: whole years, replaced as a unit. */
export class CalendarRepository {
  constructor(private readonly db: HubDatabase) {}

  async operatorTable(): Promise<OperatorCalendarTable> {
    const years: { year: number }[] = await this.db.dataSource.query('SELECT year FROM calendar_years ORDER BY year');
    const days: CalendarDay[] = await this.db.dataSource.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS date, kind, note FROM calendar_days ORDER BY day`,
    );
    return {
      years: years.map((y) => y.year),
      days: days.map((d) => (d.note === null ? { date: d.date, kind: d.kind } : d)),
    };
  }

  /** Replaces one year's entries in one transaction (a failed write leaves the old year whole). */
  async replaceYear(entry: CalendarYearEntry): Promise<void> {
    await this.db.dataSource.transaction(async (tx) => {
      await tx.query('DELETE FROM calendar_years WHERE year = $1', [entry.year]);
      await tx.query('INSERT INTO calendar_years (year, source_note, entered_at) VALUES ($1, $2, $3)', [
        entry.year,
        entry.sourceNote,
        entry.enteredAt,
      ]);
      await tx.query(
        `INSERT INTO calendar_days (day, year, kind, note)
         SELECT date::date, $2, kind, note FROM jsonb_to_recordset($1::jsonb) AS t(date text, kind text, note text)`,
        [JSON.stringify(entry.days), entry.year],
      );
    });
  }
}
