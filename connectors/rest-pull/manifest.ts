import { urlTarget } from '../../libs/security/egress-policy';
import { ConnectorManifest } from '../connector.contract';
import { RestPullConfig, restPullConfigSchema } from './rest-pull.config';
import { RestPullConnector } from './rest-pull.connector';

export type { RestPullConfig } from './rest-pull.config';

/** REST pull: pages of a supplier endpoint from an incremental `since`; rejections POSTed to a callback. */
export const restPullManifest: ConnectorManifest<RestPullConfig> = {
  kind: 'rest-pull',
  version: '1.0.0',
  title: 'REST 拉取（分页、增量 since）',
  capabilities: { incremental: true, feedback: 'rest-callback' },
  configSchema: restPullConfigSchema,
  secretFields: ['token', 'password', 'callbackToken'],
  egressTargets: (config) => [
    { path: 'baseUrl', target: urlTarget(config.baseUrl) },
    ...(config.callback ? [{ path: 'callback.url', target: urlTarget(config.callback.url) }] : []),
  ],
  create: (config, context) => new RestPullConnector(config, context),
};
