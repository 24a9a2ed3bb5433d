import { createHash } from 'node:crypto';

/** `SHA256:<unpadded base64>` of a host key blob: what `ssh-keygen -lf` and `ssh-keyscan | ssh-keygen -lf -` print. */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The check given to ssh2's `hostVerifier`: the offered key must be the configured one. There is
 * no trust-on-first-use: a key we were not told about is refused like a changed one (anchors D5).
 * `onMismatch` learns the offered fingerprint, for the error the operator will read.
 */
export function hostKeyVerifier(expected: string, onMismatch: (offered: string) => void): (keyBlob: Buffer) => boolean {
  return (keyBlob) => {
    const offered = hostKeyFingerprint(keyBlob);
    if (offered === expected) return true;
    onMismatch(offered);
    return false;
  };
}
