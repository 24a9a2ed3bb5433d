import { z } from 'zod';

/** Write-only: encrypted at rest by the runtime, never returned by the API or logged. */
const secret = z.string().min(1).meta({ writeOnly: true });

/**
 * A table, view or column name as the supplier spells it. Any characters are allowed here (names
 * may be Chinese); what makes a name safe is check(), which accepts only names that
 * information_schema lists, and the quoting of every identifier in the SQL.
 */
const identifier = z
  .string()
  .min(1)
  .max(128)
  .refine((s) => !s.includes('\0'), { message: '标识符不能含 NUL' });

export const dbPollConfigSchema = z
  .strictObject({
    driver: z.enum(['postgres', 'mariadb']),
    host: z.string().min(1).max(255),
    /** Default: 5432 for postgres, 3306 for mariadb. */
    port: z.int().min(1).max(65535).optional(),
    database: z.string().min(1).max(128),
    /** PostgreSQL schema of the table (default public); MariaDB has none besides the database. */
    schema: identifier.optional(),
    /** A role that can only SELECT the configured table or view (OWASP: least privilege). */
    username: z.string().min(1).max(128),
    password: secret.optional(),
    table: identifier,
    keyColumn: identifier,
    /** A timestamp, datetime or date column the supplier sets on every insert and update. */
    updatedAtColumn: identifier,
    /** The columns read; default: all of them (then a column that disappears stops the connector). */
    columns: z.array(identifier).min(1).max(500).optional(),
    batchSize: z.int().min(1).max(10_000).default(500),
    /**
     * Each run reads again from (stored updated_at − this window), so a row whose transaction
     * committed after a later row's is still collected (kafka-connect-jdbc #172). Set it above
     * the longest transaction the supplier runs; 0 turns the overlap off.
     */
    lookBackSeconds: z.int().min(0).max(7 * 24 * 3600).default(300),
    statementTimeoutMs: z.int().min(100).max(3_600_000).default(60_000),
    connectTimeoutMs: z.int().min(100).max(600_000).default(10_000),
    /**
     * Where rejections are written back, on its own connection and credentials (the reading role
     * stays read-only). The table needs batch_id, record_index, row_key, field, code and message
     * columns (value and hint are filled when present) and a unique key on
     * (batch_id, record_index, field, code), which makes a repeated delivery a no-op.
     */
    feedback: z
      .strictObject({
        table: identifier,
        schema: identifier.optional(),
        username: z.string().min(1).max(128),
        /** Defaults: the reading connection's. */
        host: z.string().min(1).max(255).optional(),
        port: z.int().min(1).max(65535).optional(),
        database: z.string().min(1).max(128).optional(),
      })
      .optional(),
    feedbackPassword: secret.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.driver === 'mariadb' && c.schema !== undefined && c.schema !== c.database) {
      ctx.addIssue({ code: 'custom', path: ['schema'], message: 'MariaDB 的 schema 即 database，请省略' });
    }
    if (c.columns && new Set(c.columns).size !== c.columns.length) ctx.addIssue({ code: 'custom', path: ['columns'], message: '列名重复' });
    if (c.feedbackPassword && !c.feedback) ctx.addIssue({ code: 'custom', path: ['feedbackPassword'], message: 'feedbackPassword without feedback' });
  });

export type DbPollConfig = z.infer<typeof dbPollConfigSchema>;
export type DbDriver = DbPollConfig['driver'];

export const defaultPort = (driver: DbDriver): number => (driver === 'postgres' ? 5432 : 3306);
