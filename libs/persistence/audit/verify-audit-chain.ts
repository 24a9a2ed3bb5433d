import { AUDITED_TABLES, AuditChainConnection, AuditChainRepository, AuditedTable, ChainVerification } from './audit-chain.repository';

/**
 * Checks the hash chains of the query log and the collection log (R19, R31):
 *
 *     node dist/libs/persistence/audit/verify-audit-chain.js postgres://user@host/db
 *
 * Exit status: 0 both chains intact, 1 a chain is broken (the first broken row is named),
 * 2 usage or connection error. Keep the printed lane heads outside the database: if a kept
 * head's row (lane, seq) is later missing or has another hash, rows were cut from the end.
 */
export const EXIT_INTACT = 0;
export const EXIT_BROKEN = 1;
export const EXIT_ERROR = 2;

export interface VerifyOutput {
  log(line: string): void;
  error(line: string): void;
}

/** One line per table, then one per lane head (the lines to keep outside the database). */
export function describeVerification(table: AuditedTable, result: ChainVerification): string[] {
  if (!result.ok) {
    return [`${table}: BROKEN at id ${result.firstBrokenId} (${result.reason}), after ${result.rows} intact rows`];
  }
  return [
    `${table}: intact, ${result.rows} rows in ${result.heads.length} lanes`,
    ...result.heads.map((h) => `  ${table} lane ${h.lane} head: id ${h.id} seq ${h.seq} sha256 ${h.hash}`),
  ];
}

export async function verifyAuditChains(databaseUrl: string, out: VerifyOutput = console): Promise<number> {
  let connection: AuditChainConnection;
  try {
    connection = await AuditChainRepository.connect(databaseUrl);
  } catch (e) {
    out.error(`cannot connect: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_ERROR;
  }
  try {
    const { repository } = connection;
    let status = EXIT_INTACT;
    for (const table of AUDITED_TABLES) {
      const result = await repository.verifyChain(table);
      for (const line of describeVerification(table, result)) out.log(line);
      if (!result.ok) status = EXIT_BROKEN;
    }
    return status;
  } catch (e) {
    out.error(`verification failed: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_ERROR;
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  const [url, ...rest] = process.argv.slice(2);
  if (!url || rest.length > 0) {
    console.error('usage: node dist/libs/persistence/audit/verify-audit-chain.js <DATABASE_URL>');
    process.exitCode = EXIT_ERROR;
  } else {
    verifyAuditChains(url).then(
      (code) => {
        process.exitCode = code;
      },
      (e: unknown) => {
        console.error(e);
        process.exitCode = EXIT_ERROR;
      },
    );
  }
}
