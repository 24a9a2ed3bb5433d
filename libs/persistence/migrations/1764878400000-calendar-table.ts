import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operator-maintained working-day table (libs/domain/calendar): the years an operator has
 * declared complete, and their holidays and 调休 working days. It adds to, and overrides, the
 * calendar of the `chinese-days` package, for years the package does not know yet.
 */
export class CalendarTable1764878400000 implements MigrationInterface {
  name = 'CalendarTable1764878400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE calendar_years (
        year        integer PRIMARY KEY CHECK (year BETWEEN 1949 AND 9999),
        source_note text NOT NULL,
        entered_at  timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE calendar_days (
        day   date PRIMARY KEY,
        year  integer NOT NULL REFERENCES calendar_years(year) ON DELETE CASCADE,
        kind  text NOT NULL CHECK (kind IN ('holiday', 'workday')),
        note  text,
        CHECK (extract(year FROM day)::integer = year)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE calendar_days');
    await q.query('DROP TABLE calendar_years');
  }
}
