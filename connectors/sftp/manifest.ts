import type { ConnectorManifest } from '../connector.contract';
import { SftpConnector } from './sftp.connector';
import { SFTP_SECRET_FIELDS, sftpConfigSchema, type SftpConfig } from './sftp.config';

export type { SftpConfig } from './sftp.config';

/** SFTP drop folders: complete files in, one batch per file, rejection reports back as files. */
export const sftpManifest: ConnectorManifest<SftpConfig> = {
  kind: 'sftp',
  version: '1.0.0',
  title: 'SFTP 文件投放',
  capabilities: { incremental: true, feedback: 'sftp-file' },
  configSchema: sftpConfigSchema,
  secretFields: SFTP_SECRET_FIELDS,
  egressTargets: (config) => [{ path: 'host', target: { host: config.host, port: config.port } }],
  create: (config, context) => new SftpConnector(config, context),
};
