/**
 * A throwaway OpenSSH server on loopback for the SFTP connector's tests: Debian's real
 * `sshd`, not a JavaScript stub, so the quirks the connector guards against (rename that
 * refuses to overwrite, second-resolution mtimes, host-key and auth failures) are the real ones.
 *
 * Everything lives in /tmp/hub-sftp-XXXXXX: its own sshd_config, host key, client key,
 * authorized_keys and the user's folders. sshd runs in the foreground (`-D -e`) as our child,
 * on a port picked for it, and accepts only the dedicated OS user `chsftp`, only for SFTP
 * (`ForceCommand internal-sftp`), by password or by public key.
 *
 * Why each knob is set:
 * - StrictModes no: AuthorizedKeysFile points into /tmp, which is world-writable (sticky);
 *   sshd's ownership walk would refuse every key otherwise.
 * - UsePAM no: the password is checked against /etc/shadow, no PAM stack needed in a container.
 * - /run/sshd: sshd refuses to start without its privilege-separation directory.
 * - The user is created once per machine (useradd exits 9 when another test file won the race),
 *   and its password is a constant so two servers running at once do not reset each other's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  childPids,
  describeResult,
  findFreePort,
  isPortOpen,
  registerExitCleanup,
  runCommand,
  sleep,
  tailFile,
  waitForExit,
} from './process-utils';

export interface TestSftpServer {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** The client key (OpenSSH format, unencrypted) whose public half is in authorized_keys. */
  readonly privateKeyPem: string;
  /** The same kind of key, encrypted with `passphrase`, also authorized. */
  readonly encryptedPrivateKeyPem: string;
  readonly passphrase: string;
  /** `SHA256:<base64>` of the server's host key, as `ssh-keygen -l` prints it. */
  readonly hostKeySha256: string;
  /** Local path of the user's folder holding drop/, processed/, error/ and feedback/ (also its remote path). */
  readonly root: string;
  /** The sshd log (stderr), for failure messages. */
  readonly logFile: string;
  /**
   * SIGKILLs the per-connection sshd processes (the listener stays): every open client sees its
   * connection drop, in the middle of an operation or between two (anchors D1, D5).
   */
  killSessions(): Promise<void>;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
export const SFTP_TEST_USER = 'chsftp';
const SFTP_TEST_PASSWORD = 'chsftp-Test-2024';
const READY_TIMEOUT_MS = 15_000;
const START_ATTEMPTS = 3;

export async function startSftpServer(): Promise<TestSftpServer> {
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is missing: install Debian's openssh-server`);
  await ensureUser();
  const base = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hub-sftp-'));
  // mkdtemp makes it 0700: the user must be able to walk into its folders below.
  fs.chmodSync(base, 0o755);
  const server = new SshdServer(base);
  try {
    await server.prepare();
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort();
      try {
        await server.start(port);
        return server;
      } catch (err) {
        const portTaken = /address already in use/i.test(tailFile(server.logFile, 20));
        if (!portTaken || attempt >= START_ATTEMPTS) throw err;
      }
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function ensureUser(): Promise<void> {
  const exists = await runCommand('id', ['-u', SFTP_TEST_USER]);
  if (exists.code !== 0) {
    const args = ['-m', '-s', '/usr/sbin/nologin', SFTP_TEST_USER];
    const made = await runCommand('useradd', args);
    // 9: the name is taken (a parallel test file created it first).
    if (made.code !== 0 && made.code !== 9) throw new Error(describeResult('useradd', args, made));
  }
  const chpasswd = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('chpasswd', [], { stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', resolve);
    child.stdin.end(`${SFTP_TEST_USER}:${SFTP_TEST_PASSWORD}\n`);
  });
  if (chpasswd !== 0) throw new Error(`chpasswd for ${SFTP_TEST_USER} exited with ${String(chpasswd)}`);
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
}

class SshdServer implements TestSftpServer {
  readonly host = '127.0.0.1';
  readonly username = SFTP_TEST_USER;
  readonly password = SFTP_TEST_PASSWORD;
  readonly passphrase = 'key-passphrase-42';
  port = 0;
  privateKeyPem = '';
  encryptedPrivateKeyPem = '';
  hostKeySha256 = '';
  readonly root: string;
  readonly logFile: string;
  private readonly etc: string;
  private readonly configFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private stopped = false;
  private readonly unregisterExitCleanup: () => void;

  constructor(private readonly base: string) {
    this.etc = path.join(base, 'etc');
    this.root = path.join(base, 'home');
    this.configFile = path.join(this.etc, 'sshd_config');
    this.logFile = path.join(base, 'sshd.log');
    this.unregisterExitCleanup = registerExitCleanup(() => this.cleanupSync());
  }

  async prepare(): Promise<void> {
    fs.mkdirSync(this.etc, { mode: 0o755 });
    const hostKey = path.join(this.etc, 'ssh_host_ed25519_key');
    const clientKey = path.join(this.etc, 'client_ed25519');
    const encryptedKey = path.join(this.etc, 'client_ed25519_encrypted');
    await keygen(['-q', '-t', 'ed25519', '-N', '', '-C', 'hub-sftp-host', '-f', hostKey]);
    await keygen(['-q', '-t', 'ed25519', '-N', '', '-C', 'hub-sftp-client', '-f', clientKey]);
    await keygen(['-q', '-t', 'ed25519', '-N', this.passphrase, '-C', 'hub-sftp-client-enc', '-f', encryptedKey]);
    this.hostKeySha256 = fingerprint(fs.readFileSync(`${hostKey}.pub`, 'utf8'));
    this.privateKeyPem = fs.readFileSync(clientKey, 'utf8');
    this.encryptedPrivateKeyPem = fs.readFileSync(encryptedKey, 'utf8');
    fs.writeFileSync(
      path.join(this.etc, 'authorized_keys'),
      fs.readFileSync(`${clientKey}.pub`, 'utf8') + fs.readFileSync(`${encryptedKey}.pub`, 'utf8'),
      { mode: 0o644 },
    );

    const { uid, gid } = await userIds(SFTP_TEST_USER);
    for (const dir of [this.root, ...['drop', 'processed', 'error', 'feedback'].map((d) => path.join(this.root, d))]) {
      fs.mkdirSync(dir, { mode: 0o755 });
      fs.chownSync(dir, uid, gid);
    }
  }

  async start(port: number): Promise<void> {
    this.port = port;
    fs.writeFileSync(
      this.configFile,
      [
        `ListenAddress ${this.host}:${port}`,
        `HostKey ${path.join(this.etc, 'ssh_host_ed25519_key')}`,
        'PidFile none',
        'UsePAM no',
        'StrictModes no',
        `AllowUsers ${SFTP_TEST_USER}`,
        'PermitRootLogin no',
        'PasswordAuthentication yes',
        'PermitEmptyPasswords no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        `AuthorizedKeysFile ${path.join(this.etc, 'authorized_keys')}`,
        'AllowTcpForwarding no',
        'X11Forwarding no',
        'PrintMotd no',
        'MaxAuthTries 6',
        'LogLevel VERBOSE',
        'Subsystem sftp internal-sftp',
        'ForceCommand internal-sftp',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    const log = fs.openSync(this.logFile, 'a');
    try {
      this.child = spawn(SSHD, ['-D', '-e', '-f', this.configFile], { stdio: ['ignore', log, log] });
    } finally {
      fs.closeSync(log);
    }
    const child = this.child;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`sshd exited during start-up:\n${tailFile(this.logFile)}`);
      }
      if (await isPortOpen(port, 500)) return;
      await sleep(50);
    }
    child.kill('SIGKILL');
    await this.exited;
    throw new Error(`sshd did not accept connections on ${port} within ${READY_TIMEOUT_MS} ms:\n${tailFile(this.logFile)}`);
  }

  async killSessions(): Promise<void> {
    const listener = this.child?.pid;
    if (listener === undefined) return;
    // The whole tree: after authentication the connection belongs to the unprivileged child
    // (`sshd: chsftp@notty`), which keeps it alive when only its [priv] parent dies.
    const sessions: number[] = [];
    for (let level = childPids(listener); level.length > 0; level = level.flatMap((pid) => childPids(pid))) {
      sessions.push(...level);
    }
    for (const pid of sessions) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone: its client disconnected meanwhile
      }
    }
    await waitForExit(sessions, 5_000);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      // The listener only: sessions are forked children that end when their client disconnects.
      child.kill('SIGTERM');
      await this.exited;
    }
    await fs.promises.rm(this.base, { recursive: true, force: true });
    this.unregisterExitCleanup();
  }

  private cleanupSync(): void {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(this.base, { recursive: true, force: true });
  }
}

async function keygen(args: readonly string[]): Promise<void> {
  const result = await runCommand(SSH_KEYGEN, args, { timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(describeResult(SSH_KEYGEN, args, result));
}

/** `SHA256:<unpadded base64>` of a public key line (`type base64 comment`), as `ssh-keygen -l` prints it. */
function fingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

async function userIds(user: string): Promise<{ uid: number; gid: number }> {
  const uid = await runCommand('id', ['-u', user]);
  const gid = await runCommand('id', ['-g', user]);
  if (uid.code !== 0 || gid.code !== 0) throw new Error(`cannot read the ids of ${user}`);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
