/**
 * TypeORM answers `UPDATE … RETURNING` on PostgreSQL as `[rows, affectedCount]`, and
 * `INSERT … RETURNING` as the rows alone: these read either shape.
 */
export function returnedRows<T>(result: unknown[]): T[] {
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

export function affectedRows(result: unknown[]): number {
  return returnedRows(result).length;
}
