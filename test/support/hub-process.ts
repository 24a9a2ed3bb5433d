import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const MAINS = {
  hub: 'dist/apps/hub/src/main.js',
  api: 'dist/apps/api/src/main.js',
  worker: 'dist/apps/worker/src/main.js',
  scheduler: 'dist/apps/scheduler/src/main.js',
} as const;

export interface HubProcess {
  readonly pid: number;
  /** Base URL of the API, for processes that serve it. */
  readonly url: string;
  logs(): string;
  /** SIGKILL: the crash the hub must survive without losing what it acknowledged. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
}

export interface HubProcessOptions {
  readonly app?: keyof typeof MAINS;
  readonly env: Record<string, string | undefined>;
  readonly readyTimeoutMs?: number;
}

/**
 * Starts a built hub app as a real child process (the e2e tier tests the booted hub), and
 * waits until it is ready: the API answers /health/ready, a worker or scheduler says so in its log.
 */
export async function startHubProcess(options: HubProcessOptions): Promise<HubProcess> {
  const app = options.app ?? 'hub';
  // The test suppliers (REST, SOAP, SFTP, databases) listen on loopback: private egress targets are allowed unless a test says `off`.
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', TZ: 'UTC', PORT: '0', LOG_LEVEL: 'log', HUB_EGRESS_ALLOW_PRIVATE: 'on' };
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, [MAINS[app]], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (b: Buffer) => {
    output += b.toString('utf8');
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let url = '';
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode} while starting:\n${output.slice(-4000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${app} not ready within the timeout:\n${output.slice(-4000)}`);
    }
    const listening = /listening on (http:\/\/[^\s)]+)/.exec(stripAnsi(output));
    if (listening) {
      url = listening[1];
      if (await isReady(url)) break;
    } else if (app !== 'hub' && app !== 'api' && /roles: /.test(output)) {
      break;
    }
    await sleep(100);
  }
  return {
    pid: child.pid as number,
    url,
    logs: () => stripAnsi(output),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

async function isReady(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export type { ChildProcess };
