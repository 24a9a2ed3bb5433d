import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The embedded default: PostgreSQL compiled to WASM (PGlite), keeping its files under the
 * data folder and served over a Unix socket, so the same pg/TypeORM code runs in both modes.
 * PGlite is one backend: the pool in front of it must hold a single connection.
 */
export interface EmbeddedPostgres {
  readonly socketDir: string;
  readonly port: number;
  stop(): Promise<void>;
}

export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED';
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const releaseLock = lockDataDir(dir);
  // Unix socket paths are limited to ~107 bytes, so the socket lives in a short temp folder.
  const socketDir = join(tmpdir(), `credit-hub-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
  const port = 5432;
  const socketPath = join(socketDir, `.s.PGSQL.${port}`);
  mkdirSync(socketDir, { recursive: true });
  rmSync(socketPath, { force: true }); // left behind by a killed process; the lock proved nobody owns it

  const db = await PGlite.create(join(dir, 'pg'));
  // The pool holds one connection; a second slot lets the pool's replacement connect while the
  // socket of the connection it replaced is still closing (with one slot that reconnect was
  // refused and the caller got EPIPE). The queue serialises both onto the one backend anyway.
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 2 });
  await server.start();
  return {
    socketDir,
    port,
    async stop() {
      await server.stop();
      await db.close();
      releaseLock();
    },
  };
}

/** Two processes on one PGlite folder would corrupt it: refuse while a live process holds the lock. */
function lockDataDir(dir: string): () => void {
  const lockFile = join(dir, 'hub.lock');
  try {
    const holder = Number(readFileSync(lockFile, 'utf8'));
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new DataDirLockedError(`data folder ${dir} is in use by process ${holder}`);
    }
  } catch (e) {
    if (e instanceof DataDirLockedError) throw e;
  }
  writeFileSync(lockFile, String(process.pid));
  return () => {
    try {
      unlinkSync(lockFile);
    } catch {
      /* already gone */
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
