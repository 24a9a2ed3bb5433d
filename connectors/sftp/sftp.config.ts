import { posix } from 'node:path';
import { z } from 'zod';
import { privateKeyProblem } from './private-key';

/** Write-only: encrypted at rest by the runtime, never returned by the API or logged. */
const secret = z.string().min(1).meta({ writeOnly: true });

/** An absolute, already-normalised remote folder: no `..`, no `//`, no trailing slash, no NUL. */
const remoteDir = z
  .string()
  .min(1)
  .refine((p) => p.startsWith('/') && !p.includes('\0') && posix.normalize(p) === p && (p === '/' || !p.endsWith('/')), {
    message: '必须是规范的绝对路径（以 / 开头，不含 .. 或 //，不以 / 结尾）',
  });

/** `*` and `?` only, over one file name: `*.csv`, `credit_*.ndjson`. */
const filePattern = z.string().regex(/^[^/\0]{1,255}$/, '文件名模式只能用 * 和 ? 通配，且不含 /');

export const completionSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    /** The supplier uploads `name.ok` after `name`: the file is complete when its marker exists. */
    mode: z.literal('done-marker'),
    suffix: z
      .string()
      .regex(/^\.[A-Za-z0-9_-]{1,16}$/, '完成标记后缀形如 .ok')
      .default('.ok'),
  }),
  z.strictObject({
    /**
     * The file is complete when its size and mtime did not change over the window. Weaker than a
     * marker (a writer stalled longer than the window looks finished): prefer done-marker.
     */
    mode: z.literal('stable'),
    windowSeconds: z.int().min(1).max(600),
  }),
]);
export type CompletionRule = z.infer<typeof completionSchema>;

export const sftpConfigSchema = z
  .strictObject({
    host: z.string().min(1).max(255),
    port: z.int().min(1).max(65535).default(22),
    username: z.string().min(1).max(255),
    password: secret.optional(),
    /** OpenSSH or PEM private key text. */
    privateKey: secret
      .refine((k) => k.includes('-----BEGIN '), { message: '私钥须为 PEM 或 OpenSSH 格式文本' })
      .optional(),
    passphrase: secret.optional(),
    /**
     * The server's host key fingerprint as `ssh-keygen -lf` prints it (`SHA256:` + 43 base64
     * characters). Required: an unknown or changed host key is refused, never accepted on first use.
     */
    hostKeySha256: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, '主机密钥指纹格式应为 SHA256:<43 位 base64>'),
    dropDir: remoteDir.default('/drop'),
    processedDir: remoteDir.default('/processed'),
    errorDir: remoteDir.default('/error'),
    feedbackDir: remoteDir.default('/feedback'),
    /** Which files in dropDir are data files; the format comes from the extension (.csv, .ndjson/.jsonl, .json). */
    patterns: z.array(filePattern).min(1).default(['*.csv', '*.ndjson', '*.json']),
    /** The supplier's files' charset; its feedback files are written in the same one. */
    encoding: z.enum(['utf-8', 'gbk']).default('utf-8'),
    completion: completionSchema.default({ mode: 'done-marker', suffix: '.ok' }),
    /** Larger files are quarantined without being downloaded. */
    maxFileBytes: z
      .int()
      .positive()
      .default(2 * 1024 ** 3),
    timeouts: z
      .strictObject({
        /** SSH handshake and authentication. */
        connectSeconds: z.int().min(1).max(300).default(20),
        /** One metadata operation (list, stat, rename) or a small upload. */
        operationSeconds: z.int().min(1).max(3600).default(60),
        /** A download or upload with no byte moving for this long is abandoned. */
        transferIdleSeconds: z.int().min(1).max(3600).default(60),
      })
      .prefault({}),
  })
  .refine((c) => c.password !== undefined || c.privateKey !== undefined, {
    message: '需要 password 或 privateKey 之一',
    path: ['password'],
  })
  .refine((c) => c.passphrase === undefined || c.privateKey !== undefined, {
    message: 'passphrase 只能与 privateKey 一起使用',
    path: ['passphrase'],
  })
  .refine((c) => c.privateKey === undefined || privateKeyProblem(c.privateKey, c.passphrase) === undefined, {
    // The message never echoes the key or the passphrase.
    message: '私钥无法解析，或私钥已加密而 passphrase 缺失或不正确',
    path: ['privateKey'],
  });

export type SftpConfig = z.infer<typeof sftpConfigSchema>;
export type SftpConfigInput = z.input<typeof sftpConfigSchema>;

/** Config paths holding secrets (ConnectorManifest.secretFields). */
export const SFTP_SECRET_FIELDS = ['password', 'privateKey', 'passphrase'] as const;
