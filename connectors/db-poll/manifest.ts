import { ConnectorManifest } from '../connector.contract';
import { DbPollConfig, dbPollConfigSchema, defaultPort } from './db-poll.config';
import { DbPollConnector } from './db-poll.connector';

export type { DbPollConfig } from './db-poll.config';

/** Database polling: a supplier's PostgreSQL or MariaDB table or view, incremental on (updated_at, key). */
export const dbPollManifest: ConnectorManifest<DbPollConfig> = {
  kind: 'db-poll',
  version: '1.0.0',
  title: '数据库轮询（PostgreSQL / MariaDB，按更新时间增量）',
  capabilities: { incremental: true, feedback: 'feedback-table' },
  configSchema: dbPollConfigSchema,
  secretFields: ['password', 'feedbackPassword'],
  egressTargets: (config) => {
    const port = config.port ?? defaultPort(config.driver);
    const targets = [{ path: 'host', target: { host: config.host, port, database: config.database } }];
    const feedback = config.feedback;
    if (feedback) {
      const target = { host: feedback.host ?? config.host, port: feedback.port ?? port, database: feedback.database ?? config.database };
      targets.push({ path: feedback.host !== undefined ? 'feedback.host' : 'host', target });
    }
    return targets;
  },
  create: (config, context) => new DbPollConnector(config, context),
};
