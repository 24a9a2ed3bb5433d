import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
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

/** Longest Unix socket path Linux and macOS accept (sun_path is 108 / 104 bytes with its NUL). */
const MAX_SOCKET_PATH = 103;

/**
 * The embedded default's data folder holds the operator token, the secret key, the demo key and
 * the database: only the hub's user may read it (issue 11, finding 11). From here on this
 * process creates files 0600 and folders 0700 (umask 077), and what an older version left
 * world-readable is tightened now: folders 0700, files 0600 (symbolic links are not followed).
 */
export function secureDataDir(dataDir: string): string {
  const dir = resolve(dataDir);
  process.umask(0o077);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  tightenModes(dir);
  return dir;
}

function tightenModes(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
    for (const name of readdirSync(path)) tightenModes(join(path, name));
  } else if (stat.isFile() && (stat.mode & 0o777 & ~0o600) !== 0) {
    chmodSync(path, stat.mode & 0o600);
  }
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = secureDataDir(dataDir);
  const releaseLock = lockDataDir(dir);
  const port = 5432;
  const socketDir = embeddedSocketDir(dir, port);
  const socketPath = join(socketDir, `.s.PGSQL.${port}`);
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
      if (!socketDir.startsWith(dir)) rmSync(socketDir, { recursive: true, force: true });
      tightenModes(dir); // what PGlite wrote while running, with its own modes
      releaseLock();
    },
  };
}

/**
 * The socket lives in the data folder (`<data>/run`, 0700), so no other user can reach the
 * database through it or guess where it is. When that path would be longer than a Unix socket
 * path may be, a fresh folder with a random name is made under the temp folder instead (0700).
 */
function embeddedSocketDir(dir: string, port: number): string {
  const inside = join(dir, 'run');
  if (join(inside, `.s.PGSQL.${port}`).length <= MAX_SOCKET_PATH) {
    mkdirSync(inside, { recursive: true, mode: 0o700 });
    chmodSync(inside, 0o700);
    return inside;
  }
  return mkdtempSync(join(tmpdir(), 'credit-hub-'));
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
