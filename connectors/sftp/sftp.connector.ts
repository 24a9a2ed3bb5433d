import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { decodeBody } from '../../libs/pipeline/ingest/decode-body';
import type { BodyFormat } from '../../libs/pipeline/ingest/media-type';
import { asFields, readRecords } from '../../libs/pipeline/ingest/read-records';
import {
  ConnectorError,
  type Connector,
  type ConnectorContext,
  type Cursor,
  type Feedback,
  type ReadBatch,
} from '../connector.contract';
import { completeFiles, type RemoteFile } from './completion';
import { encodeText, feedbackCsvChunks, type FileCharset } from './feedback-csv';
import {
  archivedName,
  escapeRemoteName,
  feedbackFileName,
  fileNameMatcher,
  formatOfName,
  isUsableRemoteName,
  remoteJoin,
} from './remote-names';
import { SftpSession, type RemoteStat } from './sftp-session';
import type { SftpConfig } from './sftp.config';

/** What a batch's feedback needs to find its way back: stored by the runtime, so validated on return. */
const feedbackAddressSchema = z.strictObject({
  /** The escaped remote name (never the raw one: see remote-names.ts). */
  remoteName: z.string().refine(isUsableRemoteName),
  encoding: z.enum(['utf-8', 'gbk']),
  format: z.enum(['json', 'ndjson', 'csv']),
});
export type SftpFeedbackAddress = z.infer<typeof feedbackAddressSchema>;

/** One picked file between read() and acknowledge()/quarantine(). */
interface PickedFile {
  /** escapeRemoteName(name): the only form that reaches logs, labels, cursors and names we create. */
  readonly safeName: string;
  readonly remotePath: string;
  readonly markerPath: string | undefined;
  /** The remote file as downloaded: if it differs at acknowledge time, the supplier replaced it. */
  readonly seen: RemoteFile;
  readonly sha256: string | undefined;
  readonly localPath: string | undefined;
  /** `<UTC stamp>_<name>`, fixed at the first acknowledge/quarantine attempt so a retry reuses it. */
  archiveName?: string;
  settled: boolean;
}

/**
 * Reads complete files from a supplier's SFTP drop folder, one batch per file, and writes each
 * file's rejection report back to its feedback folder. See README.md for the folder protocol.
 */
export class SftpConnector implements Connector {
  private readonly session: SftpSession;
  private readonly isDataFile: (name: string) => boolean;
  /** Local temporary files not yet released: deleted at acknowledge/quarantine, and always in close(). */
  private readonly localFiles = new Set<string>();

  constructor(
    private readonly config: SftpConfig,
    private readonly context: ConnectorContext,
  ) {
    this.session = new SftpSession(config, context.log, context.egress);
    const matches = fileNameMatcher(config.patterns);
    this.isDataFile = (name) => isUsableRemoteName(name) && matches(name) && formatOfName(name) !== undefined;
  }

  async check(): Promise<void> {
    await this.session.connect();
    const { dropDir, processedDir, errorDir, feedbackDir } = this.config;
    for (const [key, dir] of Object.entries({ dropDir, processedDir, errorDir, feedbackDir })) {
      const stat = await this.session.statIfExists(dir);
      if (stat === undefined) throw new ConnectorError('config', 'MISSING_DIR', `SFTP 目录 ${key}=${dir} 不存在`);
      if (!stat.isDirectory) throw new ConnectorError('config', 'NOT_A_DIRECTORY', `SFTP 路径 ${key}=${dir} 不是目录`);
    }
  }

  /**
   * The complete files of the drop folder, oldest first, one batch each. The cursor is not used
   * to skip anything: picked files leave the drop folder when acknowledged, and the content
   * hash (the batch key) is the ledger that stops a file dropped again from loading twice.
   */
  async *read(_cursor: Cursor | null): AsyncIterable<ReadBatch> {
    await fs.promises.mkdir(this.context.workDir, { recursive: true });
    await this.session.connect();
    for (const file of await this.completeFiles()) {
      if (file.size > this.config.maxFileBytes) {
        await this.quarantineUnread(file, `文件大小 ${file.size} 字节，超过上限 ${this.config.maxFileBytes} 字节，未读取`);
        continue;
      }
      const batch = await this.fetch(file);
      if (batch !== undefined) yield batch;
    }
  }

  async deliverFeedback(feedback: Feedback): Promise<void> {
    const parsed = feedbackAddressSchema.safeParse(feedback.address);
    if (!parsed.success) {
      throw new ConnectorError('data', 'BAD_FEEDBACK_ADDRESS', `批次 ${feedback.batchId} 的反馈地址无效，无法写回 SFTP`);
    }
    const { remoteName, encoding } = parsed.data;
    const finalPath = remoteJoin(this.config.feedbackDir, feedbackFileName(remoteName));
    const bytes = await this.uploadInPlace(feedbackCsvChunks(feedback.rejections, encoding), finalPath);
    this.context.log('log', `已写回 ${remoteName} 的退回报告（${feedback.rejections.length} 条，${bytes} 字节）`);
  }

  async close(): Promise<void> {
    try {
      await this.session.end();
    } finally {
      await Promise.all([...this.localFiles].map((f) => this.release(f)));
    }
  }

  /** Lists the drop folder (twice, `windowSeconds` apart, in stable mode) and keeps the complete data files. */
  private async completeFiles(): Promise<readonly RemoteFile[]> {
    const first = await this.regularFiles();
    if (!first.some((f) => this.isDataFile(f.name))) return [];
    const { completion } = this.config;
    let second: RemoteFile[] | undefined;
    if (completion.mode === 'stable') {
      await sleep(completion.windowSeconds * 1000);
      second = await this.regularFiles();
    }
    const { ready, waiting } = completeFiles(completion, this.isDataFile, first, second);
    for (const { file, why } of waiting) {
      this.context.log('log', `暂不读取 ${escapeRemoteName(file.name)}：${WAIT_REASONS[why]}`);
    }
    return ready;
  }

  private async regularFiles(): Promise<RemoteFile[]> {
    const entries = await this.session.list(this.config.dropDir);
    // Regular files only: a symbolic link could point anywhere the SFTP account can read.
    return entries.filter((e) => e.type === '-' && isUsableRemoteName(e.name));
  }

  /** Downloads one complete file under a generated local name and wraps it as a batch; undefined if it changed meanwhile. */
  private async fetch(file: RemoteFile): Promise<ReadBatch | undefined> {
    const { config } = this;
    const format = formatOfName(file.name);
    if (format === undefined) return undefined;
    const safeName = escapeRemoteName(file.name);
    const remotePath = remoteJoin(config.dropDir, file.name);
    const before = await this.session.statIfExists(remotePath);
    if (before === undefined || !unchanged(before, file)) {
      this.context.log('log', `暂不读取 ${safeName}：列目录后文件已变化或被移走`);
      return undefined;
    }
    // Never the remote name: a generated name inside workDir, whatever the supplier called the file.
    const localPath = path.join(this.context.workDir, `sftp-${randomUUID()}.download`);
    this.localFiles.add(localPath);
    let sha256: string;
    try {
      const got = await this.session.download(remotePath, localPath, config.maxFileBytes);
      const after = await this.session.statIfExists(remotePath);
      if (after === undefined || !unchanged(after, file)) {
        this.context.log('warn', `暂不读取 ${safeName}：下载期间文件被修改或移走，下次再读`);
        await this.release(localPath);
        return undefined;
      }
      if (got.bytes !== file.size) {
        throw new ConnectorError('retryable', 'SHORT_READ', `下载 ${safeName} 得到 ${got.bytes} 字节，服务器上为 ${file.size} 字节：传输不完整，稍后重试`);
      }
      sha256 = got.sha256;
    } catch (e) {
      await this.release(localPath);
      if (e instanceof ConnectorError && e.code === 'FILE_GREW') {
        this.context.log('warn', `暂不读取 ${safeName}：下载期间文件继续增长，下次再读`);
        return undefined;
      }
      throw e;
    }
    const picked: PickedFile = {
      safeName,
      remotePath,
      markerPath: this.markerPath(file.name),
      seen: file,
      sha256,
      localPath,
      settled: false,
    };
    const address: SftpFeedbackAddress = { remoteName: safeName, encoding: config.encoding, format };
    return {
      key: `sha256:${sha256}`,
      label: safeName,
      records: localRecords(localPath, config.encoding, format, config.maxFileBytes),
      cursorAfter: { lastFile: safeName, lastHash: `sha256:${sha256}` },
      feedbackAddress: address,
      acknowledge: (batchId) => this.acknowledge(picked, batchId),
      quarantine: (reason) => this.quarantine(picked, reason),
    };
  }

  /** Moves the file (and its marker) to processedDir/<UTC stamp>_<name>. Idempotent. */
  private async acknowledge(picked: PickedFile, batchId: string): Promise<void> {
    if (picked.settled) return;
    if (await this.replacedSinceRead(picked)) return this.settle(picked);
    const target = remoteJoin(this.config.processedDir, this.archiveName(picked));
    await this.archive(picked, target);
    this.context.log('log', `${picked.safeName} 已入库（批次 ${batchId}），移至 ${target}`);
    await this.settle(picked);
  }

  /** Moves the file (and its marker) to errorDir/<UTC stamp>_<name> beside a `.reason.txt` in the file's charset. Idempotent. */
  private async quarantine(picked: PickedFile, reason: string): Promise<void> {
    if (picked.settled) return;
    if (await this.replacedSinceRead(picked)) return this.settle(picked);
    const name = this.archiveName(picked);
    const target = remoteJoin(this.config.errorDir, name);
    const text = [
      `文件：${picked.safeName}`,
      `处理时间（UTC）：${this.context.now().toISOString()}`,
      ...(picked.sha256 === undefined ? [] : [`内容摘要：sha256:${picked.sha256}`]),
      `原因：${reason.replace(/[\r\n]+/g, ' ')}`,
      '处理建议：请修正后以新的文件名重新上传到投放目录。',
      '',
    ].join('\r\n');
    // The reason first: a file never sits in error/ without its explanation.
    await this.uploadInPlace([encodeText(text, this.config.encoding, true)], `${target}.reason.txt`);
    await this.archive(picked, target);
    this.context.log('warn', `${picked.safeName} 无法读取，已移至 ${target}：${reason.replace(/[\r\n]+/g, ' ')}`);
    await this.settle(picked);
  }

  /** A file refused before download (too large): quarantined straight away, no batch. */
  private async quarantineUnread(file: RemoteFile, reason: string): Promise<void> {
    const picked: PickedFile = {
      safeName: escapeRemoteName(file.name),
      remotePath: remoteJoin(this.config.dropDir, file.name),
      markerPath: this.markerPath(file.name),
      seen: file,
      sha256: undefined,
      localPath: undefined,
      settled: false,
    };
    await this.quarantine(picked, reason);
  }

  private archiveName(picked: PickedFile): string {
    picked.archiveName ??= archivedName(this.context.now(), picked.safeName);
    return picked.archiveName;
  }

  /** A file the supplier replaced since we read it stays where it is: the new content is read next time. */
  private async replacedSinceRead(picked: PickedFile): Promise<boolean> {
    const current = await this.session.statIfExists(picked.remotePath);
    if (current === undefined || unchanged(current, picked.seen)) return false;
    this.context.log('warn', `${picked.safeName} 在读取后被替换，留在投放目录待下次读取`);
    return true;
  }

  /**
   * Marker first, then the file: a marker left behind would bless the next upload of the same
   * name while it is still being written; a file left behind without its marker merely waits.
   * Each step tolerates having been done by an earlier attempt.
   */
  private async archive(picked: PickedFile, target: string): Promise<void> {
    if (picked.markerPath !== undefined) await this.move(picked.markerPath, `${target}${markerSuffix(this.config)}`);
    const moved = await this.move(picked.remotePath, target);
    if (!moved && (await this.session.statIfExists(target)) === undefined) {
      this.context.log('warn', `${picked.safeName} 已不在投放目录（被他人移走或删除）`);
    }
  }

  /** Rename; false when the source is already gone (a retried step, or someone else moved it). */
  private async move(from: string, to: string): Promise<boolean> {
    try {
      await this.session.rename(from, to);
      return true;
    } catch (e) {
      // Also "not found" when the target folder is missing: then the source is still there.
      if (e instanceof ConnectorError && e.code === 'REMOTE_NOT_FOUND' && (await this.session.statIfExists(from)) === undefined) return false;
      throw e;
    }
  }

  /**
   * Uploads under `<final>.part`, checks its size, renames it over `final` (replacing an earlier
   * delivery: retries are idempotent) and checks the size again: the supplier never sees a
   * partial file under the final name (anchors D4), and a short write is an error (#531).
   */
  private async uploadInPlace(chunks: Iterable<Buffer>, finalPath: string): Promise<number> {
    const partPath = `${finalPath}.part`;
    const bytes = await this.session.upload(chunks, partPath);
    const part = await this.session.stat(partPath);
    if (part.size !== bytes) {
      await this.session.delete(partPath);
      throw new ConnectorError('retryable', 'SHORT_WRITE', `上传 ${escapeRemoteName(finalPath)} 不完整（${part.size}/${bytes} 字节），稍后重试`);
    }
    await this.session.replace(partPath, finalPath);
    const placed = await this.session.stat(finalPath);
    if (placed.size !== bytes) {
      throw new ConnectorError('retryable', 'SHORT_WRITE', `${escapeRemoteName(finalPath)} 大小为 ${placed.size} 字节，应为 ${bytes} 字节，稍后重试`);
    }
    return bytes;
  }

  private async settle(picked: PickedFile): Promise<void> {
    picked.settled = true;
    if (picked.localPath !== undefined) await this.release(picked.localPath);
  }

  private async release(localPath: string): Promise<void> {
    await fs.promises.rm(localPath, { force: true });
    this.localFiles.delete(localPath);
  }

  private markerPath(name: string): string | undefined {
    const suffix = markerSuffix(this.config);
    return suffix === undefined ? undefined : remoteJoin(this.config.dropDir, name + suffix);
  }
}

const WAIT_REASONS = {
  'no-marker': '尚无完成标记',
  'marker-older-than-file': '完成标记早于文件，文件可能仍在改写',
  changing: '大小或修改时间仍在变化',
  empty: '文件为空，可能刚开始写入',
  gone: '文件已被移走',
} as const;

function markerSuffix(config: SftpConfig): string | undefined {
  return config.completion.mode === 'done-marker' ? config.completion.suffix : undefined;
}

function unchanged(stat: RemoteStat | RemoteFile, seen: RemoteFile): boolean {
  return stat.size === seen.size && stat.mtimeMs === seen.mtimeMs;
}

/**
 * The records of the downloaded local copy, parsed as they stream (flat memory for any size) by
 * the same decoder and parsers as the REST push. A parse error (MALFORMED_BODY,
 * ENCODING_MISMATCH) is thrown to the runtime while it iterates: its signal to quarantine.
 * Each iteration opens the file afresh, so a retried publish can read it again.
 */
function localRecords(localPath: string, charset: FileCharset, format: BodyFormat, maxBytes: number): AsyncIterable<Record<string, unknown>> {
  return {
    async *[Symbol.asyncIterator]() {
      const source = fs.createReadStream(localPath, { highWaterMark: 256 * 1024 });
      // As on the REST edge: in NDJSON and CSV a bad byte costs its row; a record too large is refused in its place.
      const text = decodeBody(source, charset, maxBytes, { invalidBytes: format === 'json' ? 'body' : 'line' });
      try {
        for await (const record of readRecords(text, format)) yield asFields(record);
      } finally {
        // A consumer that stops early must not leave the file open.
        text.destroy();
        source.destroy();
      }
    },
  };
}
