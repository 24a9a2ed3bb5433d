import { utils as ssh2Utils } from 'ssh2';

/**
 * Why a private key cannot be used (not a key, or encrypted and the passphrase is missing or
 * wrong), or undefined when ssh2 can load it. Checked when the config is validated, so a bad
 * key is refused at registration rather than at the first scheduled run.
 */
export function privateKeyProblem(privateKey: string, passphrase: string | undefined): string | undefined {
  const parsed = ssh2Utils.parseKey(privateKey, passphrase);
  return parsed instanceof Error ? parsed.message : undefined;
}
