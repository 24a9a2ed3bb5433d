/**
 * How the worker reads a database error. Three kinds, because each asks for a different answer:
 * - `transient`: the database is away or busy (outage, restart, deadlock, serialization failure).
 *   Hold the message and try the whole chunk again later; spend no delivery attempt and never
 *   blame a record for it (rule 4 of the reliability anchors).
 * - `record`: PostgreSQL refused what a record holds (SQLSTATE classes 22 data exception,
 *   23 integrity constraint, 54 program limit such as an index row too large, P0 raised by a
 *   trigger). Repeating it fails the same way; the loader isolates the record and rejects it
 *   with LOAD_FAILED so its neighbours load.
 * - `fault`: anything else (our SQL, a missing table, a bug). No record is to blame, so none is
 *   rejected for it: the chunk counts towards the delivery limit and ends in the dead-letter queue,
 *   where an operator can replay it once the fault is fixed.
 */
export type DatabaseErrorKind = 'transient' | 'record' | 'fault';

const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53', '57', '58'];
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '25006', // read_only_sql_transaction (failover in progress)
]);
/** Classes where the statement failed because of the values it was given. */
const RECORD_SQLSTATE_CLASSES = ['22', '23', '54', 'P0'];
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENOENT']);
const NETWORK_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection terminated unexpectedly',
  'terminating connection',
  'the database system is starting up',
  'the database system is shutting down',
];

/** Condition names of the SQLSTATEs a record can trip, for LOAD_FAILED reasons (PostgreSQL appendix A). */
const CONDITION_NAMES: Record<string, string> = {
  '22001': 'string_data_right_truncation',
  '22003': 'numeric_value_out_of_range',
  '22007': 'invalid_datetime_format',
  '22008': 'datetime_field_overflow',
  '22021': 'character_not_in_repertoire',
  '22P02': 'invalid_text_representation',
  '22P05': 'untranslatable_character',
  '22023': 'invalid_parameter_value',
  '22032': 'invalid_json_text',
  '23502': 'not_null_violation',
  '23503': 'foreign_key_violation',
  '23505': 'unique_violation',
  '23514': 'check_violation',
  '23P01': 'exclusion_violation',
  '54000': 'program_limit_exceeded',
  '54001': 'statement_too_complex',
  '54011': 'too_many_columns',
  P0001: 'raise_exception',
};

interface DriverErrorShape {
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

export function classifyDatabaseError(error: unknown): DatabaseErrorKind {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const e = current as Error & DriverErrorShape;
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code) {
      if (TRANSIENT_SQLSTATES.has(code) || NETWORK_CODES.has(code)) return 'transient';
      if (code.length === 5 && UNAVAILABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return 'transient';
      if (code.length === 5 && RECORD_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return 'record';
    }
    // pg reports a dropped socket only in prose; this is the one place we read a message.
    if (NETWORK_MESSAGES.some((m) => e.message.includes(m))) return 'transient';
    current = e.driverError ?? e.cause;
  }
  return 'fault';
}

export function isTransientDatabaseError(error: unknown): boolean {
  return classifyDatabaseError(error) === 'transient';
}

/**
 * The reason a LOAD_FAILED rejection carries: SQLSTATE, its condition name and the schema object
 * named by the server (constraint, table, column). Never the server's message or detail, which
 * quote the offending value (a national ID, say).
 */
export function loadFailureReason(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const e = current as Error & DriverErrorShape;
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
      const parts = [`SQLSTATE ${e.code} ${CONDITION_NAMES[e.code] ?? 'database_error'}`];
      for (const key of ['constraint', 'table', 'column'] as const) {
        const value = e[key];
        if (typeof value === 'string' && /^[A-Za-z0-9_]{1,63}$/.test(value)) parts.push(`${key} ${value}`);
      }
      return parts.join('; ');
    }
    current = e.driverError ?? e.cause;
  }
  return `ERROR ${error instanceof Error ? safeName(error.name) : 'unknown'}`;
}

function safeName(name: string): string {
  return /^[A-Za-z][A-Za-z0-9_]{0,40}$/.test(name) ? name : 'Error';
}
