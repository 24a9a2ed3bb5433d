/**
 * A throwaway PostgreSQL cluster owned by one test file, for fault tests that stop, crash
 * or restart the database. Never point fault tests at the shared server on 5432: other
 * test files (and other sessions' CI runs) use it at the same time.
 *
 * The cluster lives in a fresh /tmp/hub-pg-XXXXXX folder: `data/` (PGDATA), `sock/` (unix
 * socket) and `server.log`. It listens on 127.0.0.1 only, with trust auth and fsync on, so
 * a SIGKILLed postmaster recovers committed rows from the WAL like a real crash.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

import {
  childPids,
  describeResult,
  findFreePort,
  isProcessAlive,
  registerExitCleanup,
  runCommand,
  sleep,
  tailFile,
  waitForExit,
} from './process-utils';

export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth, no password) */
  readonly url: string;
  readonly port: number;
  /** PGDATA of the cluster. */
  readonly dataDir: string;
  /** server.log of the postmaster, appended across restarts. */
  readonly logFile: string;
  /** True while a live postmaster owns the data folder. */
  isRunning(): boolean;
  /** Fast shutdown (`pg_ctl stop -m fast`); the data folder is kept. No-op when stopped. */
  stop(): Promise<void>;
  /** Starts again on the same port and data and waits until it accepts connections. No-op when running. */
  start(): Promise<void>;
  /** SIGKILLs the postmaster (a crash), then waits until its children are gone too. */
  kill(): Promise<void>;
  /** Stops the server (or kills it if it will not stop) and deletes the folder. Idempotent. */
  destroy(): Promise<void>;
}

export interface ThrowawayPostgresOptions {
  /** Fixed port; by default a free one is picked (and re-picked if it is taken at first start). */
  port?: number;
  /** Folder holding initdb/pg_ctl. Debian's, not /usr/local/bin (only symlinks to the same). */
  binDir?: string;
}

const DEFAULT_BIN_DIR = '/usr/lib/postgresql/15/bin';
const READY_TIMEOUT_MS = 30_000;
const START_ATTEMPTS_ON_PICKED_PORT = 3;

export async function startThrowawayPostgres(opts: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
  const binDir = opts.binDir ?? DEFAULT_BIN_DIR;
  const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hub-pg-'));
  const cluster = new PgCluster(root, binDir);
  try {
    await cluster.init();
    for (let attempt = 1; ; attempt++) {
      cluster.port = opts.port ?? (await findFreePort());
      try {
        await cluster.start();
        return cluster;
      } catch (err) {
        const portTaken = /could not bind|Address already in use/i.test(tailFile(cluster.logFile, 20));
        if (opts.port !== undefined || !portTaken || attempt >= START_ATTEMPTS_ON_PICKED_PORT) throw err;
        await cluster.kill();
      }
    }
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
}

class PgCluster implements ThrowawayPostgres {
  port = 0;
  readonly dataDir: string;
  readonly logFile: string;
  private readonly socketDir: string;
  private destroying: Promise<void> | undefined;
  private readonly unregisterExitCleanup: () => void;

  constructor(
    private readonly root: string,
    private readonly binDir: string,
  ) {
    this.dataDir = path.join(root, 'data');
    this.socketDir = path.join(root, 'sock');
    this.logFile = path.join(root, 'server.log');
    this.unregisterExitCleanup = registerExitCleanup(() => this.cleanupSync());
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async init(): Promise<void> {
    fs.mkdirSync(this.socketDir, { mode: 0o700 });
    // initdb and postgres refuse to run as root; the folder must belong to the OS user that runs them.
    if (runningAsRoot()) await this.mustRun('chown', ['-R', 'postgres:postgres', this.root]);
    await this.mustRun(
      path.join(this.binDir, 'initdb'),
      ['-D', this.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions'],
      { asPostgres: true },
    );
  }

  isRunning(): boolean {
    const pid = this.postmasterPid();
    return pid !== undefined && isProcessAlive(pid);
  }

  async start(): Promise<void> {
    this.assertNotDestroyed();
    if (this.isRunning()) return;
    // After kill() postmaster.pid still names the dead postmaster until the new one rewrites it.
    const stalePid = this.postmasterPid();
    const serverOpts = [
      "-c listen_addresses='127.0.0.1'",
      `-c port=${this.port}`,
      `-c unix_socket_directories='${this.socketDir}'`,
      '-c fsync=on',
      '-c synchronous_commit=on',
      '-c full_page_writes=on',
    ].join(' ');
    // -W: pg_ctl returns at once; readiness is proven below by a real client running a query,
    // which also covers the crash-recovery phase after kill().
    await this.mustRun(
      path.join(this.binDir, 'pg_ctl'),
      ['-D', this.dataDir, '-l', this.logFile, '-o', serverOpts, '-W', 'start'],
      { asPostgres: true },
    );
    await this.waitUntilReady(stalePid);
  }

  async stop(): Promise<void> {
    this.assertNotDestroyed();
    if (!this.isRunning()) return;
    await this.mustRun(path.join(this.binDir, 'pg_ctl'), ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'], {
      asPostgres: true,
    });
  }

  async kill(): Promise<void> {
    const pid = this.postmasterPid();
    if (pid === undefined || !isProcessAlive(pid)) return;
    const children = childPids(pid);
    process.kill(pid, 'SIGKILL');
    await waitForExit([pid], 5_000);
    // Backends notice the postmaster's death and exit on their own; a new postmaster
    // refuses to start while any of them still holds the old shared memory segment.
    let survivors = await waitForExit(children, 10_000);
    for (const child of survivors) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    survivors = await waitForExit(survivors, 5_000);
    if (survivors.length > 0) throw new Error(`postgres children ${survivors.join(', ')} survived SIGKILL`);
    // The dead postmaster is an orphan, so init reaps it, and not at once: this machine's init
    // left it a zombie for about a second. Until then kill(pid, 0) still succeeds, and a new
    // postmaster refuses to start because postmaster.pid and the socket lock name that pid.
    if (!(await waitUntilReaped(pid, 10_000))) {
      // Init does not reap at all. Every child is gone, so no one uses the old shared
      // memory and removing the lock files is safe.
      fs.rmSync(path.join(this.dataDir, 'postmaster.pid'), { force: true });
      fs.rmSync(path.join(this.socketDir, `.s.PGSQL.${this.port}.lock`), { force: true });
    }
  }

  destroy(): Promise<void> {
    this.destroying ??= this.doDestroy();
    return this.destroying;
  }

  private async doDestroy(): Promise<void> {
    try {
      if (this.isRunning()) {
        try {
          await this.mustRun(
            path.join(this.binDir, 'pg_ctl'),
            ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'],
            { asPostgres: true },
          );
        } catch {
          await this.kill();
        }
      }
      // A postmaster that died by SIGKILL leaves its small System V segment behind; the next
      // start would reclaim it, but after destroy there is none, so reclaim it here.
      await this.removeOrphanedSharedMemory();
    } finally {
      await fs.promises.rm(this.root, { recursive: true, force: true });
      this.unregisterExitCleanup();
    }
  }

  private async removeOrphanedSharedMemory(): Promise<void> {
    if (this.isRunning()) return;
    let lines: string[];
    try {
      lines = fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n');
    } catch {
      return; // clean shutdowns remove the file and the segment
    }
    // Line 7 of postmaster.pid: "<key> <shmid>" of the segment this cluster created.
    const [key, shmid] = (lines[6] ?? '').trim().split(/\s+/).map(Number);
    if (key === undefined || shmid === undefined || !Number.isInteger(shmid)) return;
    let table: string;
    try {
      table = fs.readFileSync('/proc/sysvipc/shm', 'utf8');
    } catch {
      return;
    }
    // Only if the kernel still lists that exact key and id with nobody attached.
    const orphaned = table.split('\n').some((row) => {
      const cols = row.trim().split(/\s+/);
      return Number(cols[0]) === key && Number(cols[1]) === shmid && cols[6] === '0';
    });
    if (orphaned) await runCommand('ipcrm', ['-m', String(shmid)], { timeoutMs: 10_000 });
  }

  private cleanupSync(): void {
    if (this.isRunning()) {
      const pgCtl = path.join(this.binDir, 'pg_ctl');
      const [cmd, args] = this.command(pgCtl, ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', '10', 'stop'], true);
      spawnSync(cmd, args, { cwd: this.root, stdio: 'ignore', timeout: 15_000 });
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  private async waitUntilReady(stalePid: number | undefined): Promise<void> {
    const started = Date.now();
    const deadline = started + READY_TIMEOUT_MS;
    let lastError = 'no attempt made';
    while (Date.now() < deadline) {
      const written = this.postmasterPid();
      const pid = written === stalePid ? undefined : written;
      // postmaster.pid appears a few ms after pg_ctl returns; once it has, a dead pid means the
      // server gave up (bad option, port taken): fail now rather than after 30 s.
      if (pid !== undefined && !isProcessAlive(pid)) {
        lastError = `postmaster ${pid} exited`;
        break;
      }
      if (pid === undefined && Date.now() - started > 5_000) {
        lastError = 'postmaster.pid never appeared';
        break;
      }
      const client = new Client({
        host: '127.0.0.1',
        port: this.port,
        user: 'postgres',
        database: 'postgres',
        connectionTimeoutMillis: 2_000,
      });
      // A refused connection can also surface as an 'error' event after connect() rejects.
      client.on('error', () => undefined);
      try {
        await client.connect();
        // Proves it is our server and not another one that took the port in the meantime.
        const { rows } = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
        await client.end();
        const dir = rows[0]?.dir;
        if (dir !== undefined && fs.realpathSync(dir) === fs.realpathSync(this.dataDir)) return;
        lastError = `127.0.0.1:${this.port} is served by another cluster (${dir ?? 'unknown data directory'})`;
        break;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        await client.end().catch(() => undefined);
      }
      await sleep(100);
    }
    throw new Error(
      `throwaway PostgreSQL in ${this.dataDir} did not accept connections on 127.0.0.1:${this.port} ` +
        `within ${READY_TIMEOUT_MS / 1000} s (last error: ${lastError}); tail of ${this.logFile}:\n${tailFile(this.logFile)}`,
    );
  }

  private postmasterPid(): number | undefined {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8');
    } catch {
      return undefined;
    }
    const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  private command(bin: string, args: readonly string[], asPostgres: boolean): [string, string[]] {
    if (asPostgres && runningAsRoot()) return ['/usr/sbin/runuser', ['-u', 'postgres', '--', bin, ...args]];
    return [bin, [...args]];
  }

  private async mustRun(bin: string, args: readonly string[], opts: { asPostgres?: boolean } = {}): Promise<void> {
    const [cmd, fullArgs] = this.command(bin, args, opts.asPostgres ?? false);
    // cwd inside our folder: the postgres user cannot enter root's working directory.
    const result = await runCommand(cmd, fullArgs, { cwd: this.root, timeoutMs: 60_000 });
    if (result.code !== 0) {
      throw new Error(`${describeResult(cmd, fullArgs, result)}\n--- tail of ${this.logFile} ---\n${tailFile(this.logFile)}`);
    }
  }

  private assertNotDestroyed(): void {
    if (this.destroying) throw new Error(`throwaway PostgreSQL ${this.dataDir} was destroyed`);
  }
}

async function waitUntilReaped(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (fs.existsSync(`/proc/${pid}`)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}
