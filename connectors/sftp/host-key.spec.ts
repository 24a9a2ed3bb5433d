import { createHash } from 'node:crypto';
import { hostKeyFingerprint, hostKeyVerifier } from './host-key';

describe('host key check (anchors D5: no auto-accept)', () => {
  const key = Buffer.from('ssh-ed25519 key blob');
  const fingerprint = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

  it('prints the fingerprint as ssh-keygen -l does (unpadded base64)', () => {
    expect(hostKeyFingerprint(key)).toBe(fingerprint);
    expect(hostKeyFingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('accepts the configured key', () => {
    const offered: string[] = [];
    expect(hostKeyVerifier(fingerprint, (o) => offered.push(o))(key)).toBe(true);
    expect(offered).toEqual([]);
  });

  it('refuses any other key and reports what was offered', () => {
    const offered: string[] = [];
    const other = Buffer.from('another key');
    expect(hostKeyVerifier(fingerprint, (o) => offered.push(o))(other)).toBe(false);
    expect(offered).toEqual([hostKeyFingerprint(other)]);
  });
});
