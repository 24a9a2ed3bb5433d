import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import SftpClient from 'ssh2-sftp-client';
import { egressRefusal } from '../../libs/security/egress-policy';
import { ConnectorError, type ConnectorContext } from '../connector.contract';
import type { RemoteFile } from './completion';
import { hostKeyVerifier } from './host-key';
import { privateKeyProblem } from './private-key';
import type { SftpConfig } from './sftp.config';

/**
 * One SSH connection and its SFTP channel, for one connector instance (ssh2-sftp-client #281:
 * one client per connection; no parallel transfers on it, #323). Every failure leaves here as a
 * classed ConnectorError, decided on error levels and codes, never on messages:
 * - the host-key check is ours (hostVerifier), so a mismatch is known for certain;
 * - ssh2 tags authentication failures `level: 'client-authentication'`;
 * - SFTP status 2 (no such file) and 3 (permission denied) are told apart from the rest.
 *
 * ssh2 emits errors between promises (ECONNRESET while idle, a keepalive timeout, a protocol
 * error on the SFTP channel: ssh2-sftp-client #545, #566, #168). Listeners on both the SSH
 * client and the SFTP channel catch them, so they never become an uncaught exception; they
 * mark the session lost and the next (or current) operation fails as retryable.
 */

/** What ssh2 and ssh2-sftp-client put on their errors besides the message. */
interface SshErrorFields {
  readonly level?: unknown;
  readonly code?: unknown;
}

/** Errors of the local side of a transfer (the work directory), not of the server. */
const LOCAL_ERRNOS = new Set(['EEXIST', 'ENOSPC', 'EISDIR', 'EROFS', 'EMFILE', 'EDQUOT']);
/** ssh2-sftp-client's codes for a connection that went away under an operation. */
const CONNECTION_CODES = new Set(['ERR_NOT_CONNECTED', 'ERR_GENERIC_CLIENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

export interface RemoteEntry extends RemoteFile {
  /** The first letter of `ls -l`: `-` regular file, `d` directory, `l` symbolic link… */
  readonly type: string;
}

export interface RemoteStat {
  readonly size: number;
  readonly mtimeMs: number;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
}

export interface Transferred {
  readonly bytes: number;
  /** Hex SHA-256 of the bytes, computed as they streamed. */
  readonly sha256: string;
}

export class SftpSession {
  private readonly client: SftpClient;
  private connecting: Promise<void> | undefined;
  private connected = false;
  private ending = false;
  /** Set once the connection cannot be trusted any more; every later operation fails with it. */
  private lost: ConnectorError | undefined;
  private lastSshError: SshErrorFields | undefined;
  private offeredHostKey: string | undefined;

  constructor(
    private readonly config: SftpConfig,
    private readonly log: ConnectorContext['log'],
    private readonly egress: ConnectorContext['egress'],
  ) {
    // The library's default global callbacks console.log every event; ours route them to the
    // connector's log and mark the session lost instead.
    this.client = new SftpClient('credit-hub-sftp', {
      error: () => undefined,
      end: () => this.markLost('end'),
      close: () => this.markLost('close'),
    });
    this.client.on('error', (err: unknown) => this.onSshError(err));
  }

  /** Connects once; later calls share the outcome (a failed connect stays failed for this instance). */
  connect(): Promise<void> {
    this.connecting ??= this.open();
    return this.connecting;
  }

  async list(dir: string): Promise<RemoteEntry[]> {
    const entries = await this.run(`列出 ${dir}`, () => this.client.list(dir));
    return entries.map((e) => ({ name: e.name, type: e.type, size: e.size, mtimeMs: e.modifyTime }));
  }

  async stat(path: string): Promise<RemoteStat> {
    const s = await this.run(`查询 ${path}`, () => this.client.stat(path));
    return { size: s.size, mtimeMs: s.modifyTime, isFile: s.isFile, isDirectory: s.isDirectory };
  }

  /** undefined when the path does not exist. */
  async statIfExists(path: string): Promise<RemoteStat | undefined> {
    try {
      return await this.stat(path);
    } catch (e) {
      if (e instanceof ConnectorError && e.code === 'REMOTE_NOT_FOUND') return undefined;
      throw e;
    }
  }

  /** Plain SFTP rename: refuses to overwrite an existing target (what we want for archives). */
  async rename(from: string, to: string): Promise<void> {
    await this.run('移动文件', () => this.client.rename(from, to));
  }

  /** Rename that replaces the target atomically (posix-rename@openssh.com), for re-delivered reports. */
  async replace(from: string, to: string): Promise<void> {
    try {
      await this.run('替换文件', () => this.client.posixRename(from, to));
    } catch (e) {
      // Servers without the OpenSSH extension: remove, then rename (not atomic, still idempotent).
      if (!(e instanceof ConnectorError) || e.code !== 'REMOTE_FAILURE') throw e;
      await this.run('删除旧文件', () => this.client.delete(to, true));
      await this.rename(from, to);
    }
  }

  async delete(path: string): Promise<void> {
    await this.run('删除文件', () => this.client.delete(path, true));
  }

  /**
   * `get` (not fastGet, which corrupts files on some servers: ssh2 #1166, #485) into a new
   * local file, hashing and counting the bytes on the way. Throws past `maxBytes`, or when no
   * byte arrived for `transferIdleSeconds`. The caller compares `bytes` with the remote size:
   * get() has finished early before (ssh2-sftp-client #387).
   */
  async download(remotePath: string, localPath: string, maxBytes: number): Promise<Transferred> {
    await this.ready();
    const hash = createHash('sha256');
    let bytes = 0;
    let tooLarge: ConnectorError | undefined;
    const idle = this.idleWatch('下载', () => meter.destroy(this.lost));
    const meter = new Transform({
      transform: (chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) => {
        idle.touch();
        bytes += chunk.length;
        if (bytes > maxBytes) {
          // The file grew past the limit after it was listed: leave it for the next run.
          tooLarge = new ConnectorError('retryable', 'FILE_GREW', `下载中文件超过上限 ${maxBytes} 字节，可能仍在写入`);
          done(tooLarge);
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // 'wx': the generated name must not exist (nor be a planted symlink).
    const written = pipelineAsync(meter, fs.createWriteStream(localPath, { flags: 'wx', mode: 0o600 }));
    written.catch(() => undefined);
    try {
      await this.client.get(remotePath, meter);
      await written;
    } catch (e) {
      meter.destroy();
      await written.catch(() => undefined);
      throw tooLarge ?? this.failure('下载', e);
    } finally {
      idle.stop();
    }
    return { bytes, sha256: hash.digest('hex') };
  }

  /** `put` of a stream (never a Buffer: ssh2-sftp-client #531 truncated those); returns the bytes sent. */
  async upload(source: Iterable<Buffer> | AsyncIterable<Buffer>, remotePath: string): Promise<number> {
    await this.ready();
    let bytes = 0;
    const idle = this.idleWatch('上传', () => counted.destroy(this.lost));
    const counted = pipeline(
      Readable.from(source),
      new Transform({
        transform: (chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) => {
          idle.touch();
          bytes += chunk.length;
          done(null, chunk);
        },
      }),
      () => undefined,
    );
    try {
      await this.client.put(counted, remotePath);
    } catch (e) {
      throw this.failure('上传', e);
    } finally {
      idle.stop();
      counted.destroy();
    }
    return bytes;
  }

  /** Ends the connection; bounded, because end() during a stuck transfer may never settle (#592). */
  async end(): Promise<void> {
    this.ending = true;
    if (!this.connected) return;
    this.connected = false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.client.end().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 5_000);
      }),
    ]);
    clearTimeout(timer);
  }

  private async open(): Promise<void> {
    const { config } = this;
    if (config.privateKey !== undefined) {
      const problem = privateKeyProblem(config.privateKey, config.passphrase);
      if (problem !== undefined) throw new ConnectorError('config', 'BAD_PRIVATE_KEY', `私钥无法使用（格式错误或口令不对）：${problem}`);
    }
    let address: string;
    try {
      // Resolved and checked by the egress policy; the connection goes to the checked address (the host key, not the name, proves the server).
      [address] = await this.egress.resolveTarget({ host: config.host, port: config.port });
    } catch (e) {
      const refused = egressRefusal(e);
      if (refused) throw new ConnectorError('config', 'EGRESS_REFUSED', `SFTP 服务器 ${config.host}:${config.port}：${refused.message}`);
      throw new ConnectorError('retryable', 'NETWORK', `无法解析 SFTP 服务器 ${config.host}（${(e as { code?: string }).code ?? 'unknown'}），稍后重试`);
    }
    try {
      const sftp = await this.client.connect({
        host: address,
        port: config.port,
        username: config.username,
        password: config.password,
        privateKey: config.privateKey,
        passphrase: config.passphrase,
        hostVerifier: hostKeyVerifier(config.hostKeySha256, (offered) => (this.offeredHostKey = offered)),
        readyTimeout: config.timeouts.connectSeconds * 1000,
        tryKeyboard: false,
        // A silent peer is noticed within a minute instead of at the next operation's timeout.
        keepaliveInterval: 15_000,
        keepaliveCountMax: 4,
      });
      sftp.on('error', (err: unknown) => this.onSshError(err));
      this.connected = true;
    } catch (e) {
      throw this.connectFailure(e);
    }
  }

  private connectFailure(e: unknown): ConnectorError {
    const { config } = this;
    if (this.offeredHostKey !== undefined) {
      return new ConnectorError(
        'config',
        'HOST_KEY_MISMATCH',
        `SFTP 服务器 ${config.host}:${config.port} 的主机密钥指纹为 ${this.offeredHostKey}，与配置的 ${config.hostKeySha256} 不符，已拒绝连接（可能是服务器更换了密钥或遭到中间人攻击，请与供应方核实后更新配置）`,
      );
    }
    const level = this.lastSshError?.level ?? (e as SshErrorFields).level;
    if (level === 'client-authentication') {
      return new ConnectorError('config', 'AUTH_FAILED', `SFTP 认证失败：服务器不接受用户 ${config.username} 的口令或私钥`);
    }
    const code = this.lastSshError?.code ?? (e as SshErrorFields).code;
    const detail = [level, code].filter((x) => typeof x === 'string').join('/') || 'unknown';
    return new ConnectorError('retryable', 'NETWORK', `无法连接 SFTP 服务器 ${config.host}:${config.port}（${detail}），稍后重试`);
  }

  /** Connected and not lost, or throws the reason. */
  private async ready(): Promise<void> {
    await this.connect();
    if (this.lost) throw this.lost;
    if (this.ending) throw new ConnectorError('retryable', 'CONNECTION_LOST', 'SFTP 连接已关闭');
  }

  /** One metadata operation, bounded by `operationSeconds`, its failure classed. */
  private async run<T>(what: string, op: () => Promise<T>): Promise<T> {
    await this.ready();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.lose('TIMEOUT', `SFTP 操作超时（${what}，${this.config.timeouts.operationSeconds} 秒）`);
        reject(this.lost);
      }, this.config.timeouts.operationSeconds * 1000);
    });
    try {
      return await Promise.race([op(), timeout]);
    } catch (e) {
      throw this.failure(what, e);
    } finally {
      clearTimeout(timer);
    }
  }

  private failure(what: string, e: unknown): ConnectorError {
    if (e instanceof ConnectorError) return e;
    if (this.lost) return this.lost;
    const { code } = (e ?? {}) as SshErrorFields;
    if (code === 2 || code === 'ENOENT') return new ConnectorError('retryable', 'REMOTE_NOT_FOUND', `SFTP ${what}：路径不存在`);
    if (code === 3 || code === 'EACCES') return new ConnectorError('config', 'PERMISSION_DENIED', `SFTP ${what}：权限不足`);
    if (typeof code === 'string' && LOCAL_ERRNOS.has(code)) {
      return new ConnectorError('retryable', 'LOCAL_IO', `SFTP ${what}：本地文件错误 ${code}`);
    }
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) {
      this.lose('CONNECTION_LOST', `SFTP 连接中断（${what}，${code}）`);
      return this.lost ?? new ConnectorError('retryable', 'CONNECTION_LOST', `SFTP 连接中断（${what}）`);
    }
    return new ConnectorError('retryable', 'REMOTE_FAILURE', `SFTP ${what}失败（状态 ${String(code ?? 'unknown')}）`);
  }

  /** Marks the connection unusable and closes it in the background (a stuck one never settles). */
  private lose(code: 'TIMEOUT' | 'CONNECTION_LOST', message: string): void {
    if (this.lost) return;
    this.lost = new ConnectorError('retryable', code, message);
    if (this.connected && !this.ending) {
      this.log('warn', message);
      this.connected = false;
      this.client.end().catch(() => undefined);
    }
  }

  private onSshError(err: unknown): void {
    this.lastSshError = (err ?? {}) as SshErrorFields;
    // Before the connection is up the connect() promise reports it; after, it is out of band.
    if (this.connected && !this.ending) {
      const { level, code } = this.lastSshError;
      this.lose('CONNECTION_LOST', `SFTP 连接出错（${[level, code].filter((x) => typeof x === 'string').join('/') || 'unknown'}），当前操作将重试`);
    }
  }

  private markLost(event: 'end' | 'close'): void {
    if (this.connected && !this.ending) this.lose('CONNECTION_LOST', `SFTP 服务器关闭了连接（${event}）`);
  }

  /** Calls `onIdle` (after marking the session lost) when `touch()` was not called for `transferIdleSeconds`. */
  private idleWatch(what: string, onIdle: () => void): { touch(): void; stop(): void } {
    const ms = this.config.timeouts.transferIdleSeconds * 1000;
    let last = Date.now();
    const timer = setInterval(
      () => {
        if (Date.now() - last < ms) return;
        clearInterval(timer);
        this.lose('TIMEOUT', `SFTP ${what}在 ${this.config.timeouts.transferIdleSeconds} 秒内没有数据，已中止`);
        onIdle();
      },
      Math.min(ms, 1_000),
    );
    return {
      touch: () => (last = Date.now()),
      stop: () => clearInterval(timer),
    };
  }
}
