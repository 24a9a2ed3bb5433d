/**
 * A throwaway RabbitMQ node beside the shared one (rabbit@localhost on 5672), for fault
 * tests that stop, crash or restart the broker. It has its own node name, AMQP port,
 * distribution port, Erlang cookie and folders under /tmp/hub-rmq-XXXXXX, and no plugins.
 *
 * Why each isolation knob is set:
 * - RABBITMQ_CONF_ENV_FILE: /etc/rabbitmq/rabbitmq-env.conf pins NODENAME=rabbit@localhost.
 * - RABBITMQ_CONFIG_FILE: /etc/rabbitmq/rabbitmq.conf pins the listener to 127.0.0.1:5672.
 * - HOME: Erlang reads the cookie from $HOME/.erlang.cookie. Root has none, and Erlang would
 *   otherwise create /root/.erlang.cookie; our own random cookie also means our rabbitmqctl
 *   calls cannot reach (let alone stop) the shared node even with a wrong -n.
 * - The node runs as the calling user (root here) through /usr/lib/rabbitmq/bin, not the
 *   /usr/sbin wrappers, which `su rabbitmq` and reset HOME.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect } from 'amqplib';

import {
  childPids,
  describeResult,
  findFreePort,
  isProcessAlive,
  processEnviron,
  registerExitCleanup,
  runCommand,
  sleep,
  tailFile,
  waitForExit,
  within,
} from './process-utils';

export interface ThrowawayRabbit {
  /** amqp://guest:guest@127.0.0.1:PORT (guest is allowed from loopback, the default) */
  readonly url: string;
  readonly port: number;
  /** Erlang distribution port of the node (RABBITMQ_DIST_PORT). */
  readonly distPort: number;
  /** e.g. hubtest-1a2b3c4d@localhost */
  readonly nodeName: string;
  /** The node's main log file (boot failures also land in stdout.log beside it). */
  readonly logFile: string;
  /** True while the node's beam.smp process is alive. */
  isRunning(): boolean;
  /** Runs `rabbitmqctl -n <this node> ...args` and returns stdout; rejects on a non-zero exit. */
  ctl(args: readonly string[], timeoutMs?: number): Promise<string>;
  /**
   * Forces the node's DETS-backed metadata to disk now: the Ra server registry (auto-saved
   * every 0.5 s) and Ra term/vote metadata (every 5 s). RabbitMQ 3.10 (Ra 2.2) does not
   * recover a quorum queue whose registration was not saved yet: killed within ~0.5 s of its
   * declaration, it comes back leaderless ("leader not known") with its confirmed messages
   * gone. Call this between declaring a queue and kill() in the same test, to model the
   * production case of a queue declared long before the crash.
   */
  flushMetadata(): Promise<void>;
  /** `rabbitmqctl stop`: a clean shutdown; durable queues and their messages are kept. No-op when stopped. */
  stop(): Promise<void>;
  /** Starts the node again (same name, ports and data) and waits until AMQP works. No-op when running. */
  start(): Promise<void>;
  /** SIGKILLs this node's beam.smp only (a crash). Never touches another node. */
  kill(): Promise<void>;
  /** Kills the node if running and deletes its folder. Idempotent. */
  destroy(): Promise<void>;
}

const SCRIPTS_DIR = '/usr/lib/rabbitmq/bin';
const READY_TIMEOUT_MS = 60_000;
const START_ATTEMPTS_ON_PICKED_PORTS = 3;

export async function startThrowawayRabbit(): Promise<ThrowawayRabbit> {
  const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hub-rmq-'));
  const node = new RabbitNode(root, `hubtest-${randomBytes(4).toString('hex')}@localhost`);
  try {
    node.prepare();
    for (let attempt = 1; ; attempt++) {
      node.port = await findFreePort();
      node.distPort = await findFreePort();
      while (node.distPort === node.port) node.distPort = await findFreePort();
      node.writeConfig();
      try {
        await node.start();
        return node;
      } catch (err) {
        const portTaken = /eaddrinuse|address already in use/i.test(tailFile(node.logFile, 60) + tailFile(node.stdoutFile, 60));
        if (!portTaken || attempt >= START_ATTEMPTS_ON_PICKED_PORTS) throw err;
        await node.kill();
      }
    }
  } catch (err) {
    await node.destroy();
    throw err;
  }
}

class RabbitNode implements ThrowawayRabbit {
  port = 0;
  distPort = 0;
  readonly logFile: string;
  readonly stdoutFile: string;
  private readonly homeDir: string;
  private readonly mnesiaBase: string;
  private readonly logBase: string;
  private readonly configFile: string;
  private readonly pidFile: string;
  private wrapper: { child: ChildProcess; exited: Promise<void> } | undefined;
  private beamPid: number | undefined;
  private destroying: Promise<void> | undefined;
  private readonly unregisterExitCleanup: () => void;

  constructor(
    private readonly root: string,
    readonly nodeName: string,
  ) {
    this.homeDir = path.join(root, 'home');
    this.mnesiaBase = path.join(root, 'mnesia');
    this.logBase = path.join(root, 'log');
    this.configFile = path.join(root, 'rabbitmq.conf');
    this.pidFile = path.join(root, 'node.pid');
    this.logFile = path.join(this.logBase, `${nodeName}.log`);
    this.stdoutFile = path.join(root, 'stdout.log');
    this.unregisterExitCleanup = registerExitCleanup(() => this.cleanupSync());
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  prepare(): void {
    for (const dir of [this.homeDir, this.mnesiaBase, this.logBase]) fs.mkdirSync(dir, { mode: 0o700 });
    // Erlang refuses a cookie file that others can read.
    fs.writeFileSync(path.join(this.homeDir, '.erlang.cookie'), randomBytes(15).toString('hex').toUpperCase(), {
      mode: 0o400,
    });
    fs.writeFileSync(path.join(this.root, 'enabled_plugins'), '[].\n');
    fs.writeFileSync(path.join(this.root, 'rabbitmq-env.conf'), '');
  }

  writeConfig(): void {
    fs.writeFileSync(
      this.configFile,
      [
        `listeners.tcp.1 = 127.0.0.1:${this.port}`,
        // The default, spelled out: guest may log in from loopback only.
        'loopback_users.guest = true',
        '',
      ].join('\n'),
    );
  }

  isRunning(): boolean {
    return this.findBeamPid() !== undefined;
  }

  async ctl(args: readonly string[], timeoutMs = 60_000): Promise<string> {
    const fullArgs = ['-n', this.nodeName, ...args];
    const cmd = path.join(SCRIPTS_DIR, 'rabbitmqctl');
    const result = await runCommand(cmd, fullArgs, { env: this.env(), cwd: this.root, timeoutMs });
    if (result.code !== 0) throw new Error(describeResult(cmd, fullArgs, result));
    return result.stdout;
  }

  async flushMetadata(): Promise<void> {
    await this.ctl(['eval', '[dets:sync(T) || T <- dets:all()].']);
  }

  async start(): Promise<void> {
    if (this.destroying) throw new Error(`throwaway RabbitMQ ${this.nodeName} was destroyed`);
    if (this.isRunning()) return;
    const out = fs.openSync(this.stdoutFile, 'a');
    let child: ChildProcess;
    try {
      // Foreground mode under our own process group: the script's pid is ours to watch, and
      // a Ctrl-C aimed at jest does not reach the broker (the exit hook kills it instead).
      child = spawn(path.join(SCRIPTS_DIR, 'rabbitmq-server'), [], {
        cwd: this.root,
        env: this.env(),
        detached: true,
        stdio: ['ignore', out, out],
      });
    } finally {
      fs.closeSync(out);
    }
    child.unref();
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    this.wrapper = { child, exited };
    await this.waitUntilReady(child);
    this.beamPid = await this.identifyBeamPid();
  }

  async stop(): Promise<void> {
    const pid = this.findBeamPid();
    if (pid === undefined) return;
    await this.ctl(['stop']);
    const alive = await waitForExit([pid], 30_000);
    if (alive.length > 0) throw new Error(`${this.nodeName} (pid ${pid}) still runs 30 s after rabbitmqctl stop`);
    await this.waitForWrapperExit();
  }

  async kill(): Promise<void> {
    const pid = this.findBeamPid();
    if (pid === undefined) return;
    const children = childPids(pid);
    process.kill(pid, 'SIGKILL');
    const alive = await waitForExit([pid, ...children], 10_000);
    if (alive.length > 0) throw new Error(`processes ${alive.join(', ')} of ${this.nodeName} survived SIGKILL`);
    await this.waitForWrapperExit();
  }

  destroy(): Promise<void> {
    this.destroying ??= this.doDestroy();
    return this.destroying;
  }

  private async doDestroy(): Promise<void> {
    try {
      // The data is about to be deleted, so a crash is as good as a clean stop, and faster.
      await this.kill();
    } finally {
      await fs.promises.rm(this.root, { recursive: true, force: true });
      this.unregisterExitCleanup();
    }
  }

  private cleanupSync(): void {
    const pid = this.findBeamPid();
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastError = 'no attempt made';
    let exitedEarly = false;
    let amqpUp = false;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        exitedEarly = true;
        lastError = `rabbitmq-server exited (${child.exitCode ?? child.signalCode ?? 'unknown'})`;
        break;
      }
      try {
        // Cheap AMQP probes first (the listener opens at the very end of boot); each
        // rabbitmqctl call boots an Erlang VM (~0.7 s), so it runs once AMQP answers.
        if (!amqpUp) {
          const conn = await connect(this.url, { timeout: 2_000 });
          await conn.close();
          amqpUp = true;
        }
        const remaining = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
        await this.ctl(['await_startup', '--timeout', String(remaining)], remaining * 1000 + 10_000);
        return;
      } catch (err) {
        lastError = err instanceof Error ? err.message.split('\n').slice(0, 3).join(' / ') : String(err);
      }
      await sleep(200);
    }
    throw new Error(
      `throwaway RabbitMQ ${this.nodeName} did not accept AMQP on 127.0.0.1:${this.port} ` +
        `${exitedEarly ? '(the server exited)' : `within ${READY_TIMEOUT_MS / 1000} s`}; last error: ${lastError}\n` +
        `--- tail of ${this.stdoutFile} ---\n${tailFile(this.stdoutFile, 20)}\n` +
        `--- tail of ${this.logFile} ---\n${tailFile(this.logFile, 30)}`,
    );
  }

  private async identifyBeamPid(): Promise<number> {
    // RABBITMQ_PID_FILE is written early in boot; fall back to asking the node itself.
    const fromFile = readPidFile(this.pidFile);
    if (fromFile !== undefined && this.isOurBeam(fromFile)) return fromFile;
    // Prints "12345" (an Erlang string, quotes included).
    const out = await this.ctl(['eval', 'os:getpid().']);
    const pid = Number.parseInt(out.replace(/[^0-9]/g, ''), 10);
    if (!Number.isInteger(pid) || !this.isOurBeam(pid)) {
      throw new Error(`could not identify the beam.smp of ${this.nodeName} (eval printed ${JSON.stringify(out)})`);
    }
    return pid;
  }

  /** The live beam.smp of this node, identified by its environment, or undefined. */
  private findBeamPid(): number | undefined {
    const candidates = [this.beamPid, readPidFile(this.pidFile)];
    for (const pid of candidates) {
      if (pid !== undefined && this.isOurBeam(pid)) return pid;
    }
    return undefined;
  }

  /**
   * The guard that keeps kill() away from the shared node (or a recycled pid): the process
   * must be alive and carry this node's name and data folder in its environment.
   */
  private isOurBeam(pid: number): boolean {
    if (!isProcessAlive(pid)) return false;
    const env = processEnviron(pid);
    return env?.get('RABBITMQ_NODENAME') === this.nodeName && env.get('RABBITMQ_MNESIA_BASE') === this.mnesiaBase;
  }

  private async waitForWrapperExit(): Promise<void> {
    const wrapper = this.wrapper;
    if (!wrapper) return;
    await within(wrapper.exited, 10_000);
    this.wrapper = undefined;
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      // Inherited broker settings (or NOTIFY_SOCKET, which switches the script to systemd mode)
      // would leak the shared node's configuration into ours.
      if (/^(RABBITMQ_|ERL_)/.test(key) || key === 'NOTIFY_SOCKET') continue;
      env[key] = value;
    }
    return {
      ...env,
      HOME: this.homeDir,
      RABBITMQ_NODENAME: this.nodeName,
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_CONF_ENV_FILE: path.join(this.root, 'rabbitmq-env.conf'),
      RABBITMQ_CONFIG_FILE: this.configFile,
      RABBITMQ_ADVANCED_CONFIG_FILE: path.join(this.root, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(this.root, 'enabled_plugins'),
      RABBITMQ_MNESIA_BASE: this.mnesiaBase,
      RABBITMQ_LOG_BASE: this.logBase,
      RABBITMQ_PID_FILE: this.pidFile,
      ERL_EPMD_ADDRESS: '127.0.0.1',
      // Distribution listens on loopback only, like the shared node.
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    };
  }
}

function readPidFile(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
