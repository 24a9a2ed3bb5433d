import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpuSecondsOfPid } from './environment';
import { BenchError, Deadline, interruption, sleep } from './util';

export type HubRole = 'all' | 'api' | 'worker';

const ENTRY: Record<HubRole, string> = {
  all: 'apps/hub/src/main.js',
  api: 'apps/api/src/main.js',
  worker: 'apps/worker/src/main.js',
};

/** Variables that tune the hub; when set for the benchmark they are passed on and recorded. */
export const HUB_TUNING_VARIABLES = [
  'INGEST_MAX_BYTES',
  'INGEST_CHUNK_SIZE',
  'WORKER_PREFETCH',
  'WORKER_CONCURRENCY',
  'BUS_DELIVERY_LIMIT',
  'BUS_CONFIRM_TIMEOUT_MS',
  'DB_POOL_SIZE',
  'DB_STATEMENT_TIMEOUT_MS',
  'LOG_LEVEL',
] as const;

/**
 * One hub process: its output goes to a log file and the last lines are kept in memory, so a
 * failure can be reported with what the hub said, not just "it did not start".
 */
export class HubProcess {
  private readonly lines: string[] = [];
  private readonly waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  private readonly log: WriteStream;
  private readonly child: ChildProcess;
  private exit?: { code: number | null; signal: NodeJS.Signals | null };
  private stopping = false;
  /** Warning and error lines logged before the benchmark began stopping the process. */
  readonly warnings: string[] = [];
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    role: HubRole,
    distDir: string,
    env: NodeJS.ProcessEnv,
    readonly logPath: string,
    nodeArgs: readonly string[] = [],
  ) {
    this.log = createWriteStream(logPath);
    // --prof writes isolate-*.log into the working directory: the run's log folder.
    this.child = spawn(process.execPath, [...nodeArgs, join(distDir, ENTRY[role])], {
      env,
      cwd: nodeArgs.includes('--prof') ? dirname(logPath) : undefined,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
      this.child.once('error', (e) => {
        this.lines.push(`[bench] could not spawn: ${e.message}`);
        this.exit = { code: null, signal: null };
        resolve();
      });
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => {
        this.log.write(text);
        const parts = (partial + text).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) this.onLine(line);
      });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  describeExit(): string {
    if (!this.exit) return 'running';
    return this.exit.signal ? `killed by ${this.exit.signal}` : `exited with code ${String(this.exit.code)}`;
  }

  tail(n = 30): string {
    return this.lines.slice(-n).map((l) => `    ${this.name}| ${l}`).join('\n');
  }

  /** Resolves with the first output line matching `pattern`; fails if the process exits first. */
  async waitForLine(pattern: RegExp, deadline: Deadline): Promise<RegExpMatchArray> {
    const seen = this.lines.map((l) => l.match(pattern)).find((m): m is RegExpMatchArray => m !== null);
    if (seen) return seen;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        new Promise<RegExpMatchArray>((resolve) => this.waiters.push({ pattern, resolve })),
        this.exited.then(() => {
          throw new BenchError(`hub process ${this.name} ${this.describeExit()} before logging ${pattern}:\n${this.tail()}`);
        }),
        new Promise<never>((_, reject) => {
          interruption.signal.addEventListener('abort', () => reject(new BenchError(`interrupted by ${String(interruption.signal.reason)}`)), { once: true });
          timer = setTimeout(
            () => reject(new BenchError(`${deadline.describe()}: hub process ${this.name} never logged ${pattern}:\n${this.tail()}`)),
            deadline.remainingMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM (the hub's shutdown hooks close the bus and the pool), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.running) {
      this.child.kill('SIGTERM');
      const killed = await Promise.race([this.exited.then(() => false), sleep(15_000).then(() => true)]);
      if (killed && this.running) {
        this.child.kill('SIGKILL');
        await Promise.race([this.exited, sleep(5_000)]);
      }
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  /** CPU seconds (user + system) the process has used so far (Linux only). */
  cpuSeconds(): number | undefined {
    return this.pid && this.running ? cpuSecondsOfPid(this.pid) : undefined;
  }

  private onLine(line: string): void {
    this.lines.push(line);
    if (!this.stopping && /\b(WARN|ERROR|FATAL)\b|unhandled rejection/.test(line)) this.warnings.push(line);
    if (this.lines.length > 500) this.lines.splice(0, this.lines.length - 500);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const m = line.match(this.waiters[i].pattern);
      if (m) {
        this.waiters[i].resolve(m);
        this.waiters.splice(i, 1);
      }
    }
  }
}
