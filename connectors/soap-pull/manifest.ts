import { urlTarget } from '../../libs/security/egress-policy';
import { ConnectorManifest } from '../connector.contract';
import { SoapPullConfig, soapPullConfigSchema } from './soap-pull.config';
import { SoapPullConnector } from './soap-pull.connector';

export type { SoapPullConfig } from './soap-pull.config';

/**
 * SOAP pull: calls a supplier operation page by page from an incremental parameter, with the
 * supplier's WSDL stored in the config (never fetched at run time). Rejections go back through
 * the hub's own GetBatchReport, or to a supplier operation named in `feedbackOperation`.
 */
export const soapPullManifest: ConnectorManifest<SoapPullConfig> = {
  kind: 'soap-pull',
  version: '1.0.0',
  title: 'SOAP 拉取（增量参数、分页，WSDL 随配置保存）',
  capabilities: { incremental: true, feedback: 'soap-report' },
  configSchema: soapPullConfigSchema,
  secretFields: ['username', 'password'],
  // The stored WSDL's own address is ignored (never fetched, never called): the endpoint is the only target.
  egressTargets: (config) => [{ path: 'endpoint', target: urlTarget(config.endpoint) }],
  create: (config, context) => new SoapPullConnector(config, context),
};
