/**
 * Tells an outage of the database (retry later, spend no delivery attempt) from a fault
 * of the data or the code (counts towards the delivery limit, ends in the dead-letter queue).
 */
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53', '57', '58'];
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '25006', // read_only_sql_transaction (failover in progress)
]);
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

export function isTransientDatabaseError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const e = current as Error & { code?: unknown; driverError?: unknown; cause?: unknown };
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code) {
      if (TRANSIENT_SQLSTATES.has(code) || NETWORK_CODES.has(code)) return true;
      if (code.length === 5 && UNAVAILABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
    }
    // pg reports a dropped socket only in prose; this is the one place we read a message.
    if (NETWORK_MESSAGES.some((m) => e.message.includes(m))) return true;
    current = e.driverError ?? e.cause;
  }
  return false;
}
