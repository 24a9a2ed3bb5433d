import { generateKeyPairSync } from 'node:crypto';
import { z } from 'zod';
import { sftpManifest } from './manifest';
import { sftpConfigSchema } from './sftp.config';

const HOST_KEY = `SHA256:${'A'.repeat(43)}`;
const base = { host: 'sftp.example.gov.cn', username: 'xmcredit', password: 'secret-口令', hostKeySha256: HOST_KEY };

function rsaKey(passphrase?: string): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 1024,
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    privateKeyEncoding:
      passphrase === undefined
        ? { type: 'pkcs1', format: 'pem' }
        : { type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase },
  }).privateKey;
}

describe('sftp config schema', () => {
  it('fills the documented defaults', () => {
    const config = sftpConfigSchema.parse(base);
    expect(config).toMatchObject({
      port: 22,
      dropDir: '/drop',
      processedDir: '/processed',
      errorDir: '/error',
      feedbackDir: '/feedback',
      patterns: ['*.csv', '*.ndjson', '*.json'],
      encoding: 'utf-8',
      completion: { mode: 'done-marker', suffix: '.ok' },
      timeouts: { connectSeconds: 20, operationSeconds: 60, transferIdleSeconds: 60 },
    });
  });

  it('requires the host key fingerprint: there is no trust on first use', () => {
    const { hostKeySha256: _omit, ...withoutKey } = base;
    expect(sftpConfigSchema.safeParse(withoutKey).success).toBe(false);
    expect(sftpConfigSchema.safeParse({ ...base, hostKeySha256: 'ab:cd:ef' }).success).toBe(false);
    expect(sftpConfigSchema.safeParse({ ...base, hostKeySha256: `MD5:${'A'.repeat(43)}` }).success).toBe(false);
  });

  it('requires a password or a private key', () => {
    const { password: _omit, ...noAuth } = base;
    expect(sftpConfigSchema.safeParse(noAuth).success).toBe(false);
  });

  it('accepts a private key, encrypted with its passphrase', () => {
    const { password: _omit, ...noPassword } = base;
    expect(sftpConfigSchema.safeParse({ ...noPassword, privateKey: rsaKey() }).success).toBe(true);
    expect(sftpConfigSchema.safeParse({ ...noPassword, privateKey: rsaKey('pw'), passphrase: 'pw' }).success).toBe(true);
  });

  it('refuses an unusable key or a wrong passphrase at registration, without echoing either', () => {
    const key = rsaKey('right');
    for (const candidate of [{ privateKey: key }, { privateKey: key, passphrase: 'wrong' }, { privateKey: '-----BEGIN junk' }]) {
      const result = sftpConfigSchema.safeParse({ ...base, ...candidate });
      expect(result.success).toBe(false);
      expect(JSON.stringify(result.error?.issues)).not.toContain('wrong');
      expect(JSON.stringify(result.error?.issues)).not.toContain('PRIVATE KEY');
    }
  });

  it('refuses a passphrase without a key', () => {
    expect(sftpConfigSchema.safeParse({ ...base, passphrase: 'x' }).success).toBe(false);
  });

  it.each(['drop', '/drop/', '/a/../etc', '/a//b', '/a/./b', '/a\0b'])('refuses the folder %j', (dir) => {
    expect(sftpConfigSchema.safeParse({ ...base, dropDir: dir }).success).toBe(false);
  });

  it('takes a stable-window completion rule', () => {
    const config = sftpConfigSchema.parse({ ...base, completion: { mode: 'stable', windowSeconds: 3 } });
    expect(config.completion).toEqual({ mode: 'stable', windowSeconds: 3 });
    expect(sftpConfigSchema.safeParse({ ...base, completion: { mode: 'stable' } }).success).toBe(false);
    expect(sftpConfigSchema.safeParse({ ...base, completion: { mode: 'done-marker', suffix: '/../x' } }).success).toBe(false);
  });

  it('refuses unknown keys (a typo is not silently ignored)', () => {
    expect(sftpConfigSchema.safeParse({ ...base, dropdir: '/in' }).success).toBe(false);
  });
});

describe('sftpManifest', () => {
  it('lists its secrets, and the JSON Schema marks exactly those write-only', () => {
    expect(sftpManifest.kind).toBe('sftp');
    expect(sftpManifest.capabilities.feedback).toBe('sftp-file');
    expect([...sftpManifest.secretFields].sort()).toEqual(['passphrase', 'password', 'privateKey']);
    const schema = z.toJSONSchema(sftpManifest.configSchema, { io: 'input' }) as {
      properties: Record<string, { writeOnly?: boolean }>;
      required?: string[];
    };
    const writeOnly = Object.entries(schema.properties)
      .filter(([, p]) => p.writeOnly === true)
      .map(([k]) => k)
      .sort();
    expect(writeOnly).toEqual(['passphrase', 'password', 'privateKey']);
    expect(schema.required).toEqual(expect.arrayContaining(['host', 'username', 'hostKeySha256']));
  });
});
