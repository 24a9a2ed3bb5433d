import { ConnectorKind, ConnectorManifest } from './connector.contract';
import { dbPollManifest } from './db-poll/manifest';
import { restPullManifest } from './rest-pull/manifest';
import { sftpManifest } from './sftp/manifest';
import { soapPullManifest } from './soap-pull/manifest';

/** Every connector kind the hub knows: a plain list, checked at boot (CONVENTIONS: explicit registries). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each manifest has its own config type
export const CONNECTOR_MANIFESTS: readonly ConnectorManifest<any>[] = [sftpManifest, soapPullManifest, restPullManifest, dbPollManifest];

export function connectorRegistry(manifests = CONNECTOR_MANIFESTS): ReadonlyMap<ConnectorKind, ConnectorManifest<unknown>> {
  const byKind = new Map<ConnectorKind, ConnectorManifest<unknown>>();
  for (const manifest of manifests) {
    if (byKind.has(manifest.kind)) throw new Error(`connector kind ${manifest.kind} is registered twice`);
    byKind.set(manifest.kind, manifest as ConnectorManifest<unknown>);
  }
  return byKind;
}
