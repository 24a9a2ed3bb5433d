import { z } from 'zod';
import { urlTarget } from '../../libs/security/egress-policy';
import { Connector, ConnectorManifest, Cursor, Feedback, ReadBatch } from '../connector.contract';

/** A connector that reads nothing: the shape to copy for a new kind (see README.md). */
const configSchema = z.strictObject({
  endpoint: z.string().url(),
  password: z.string().min(1).meta({ writeOnly: true }),
});
type TemplateConfig = z.infer<typeof configSchema>;

class TemplateConnector implements Connector {
  constructor(private readonly config: TemplateConfig) {}

  async check(): Promise<void> {
    void this.config.endpoint;
  }

  // eslint-disable-next-line require-yield
  async *read(_cursor: Cursor | null): AsyncIterable<ReadBatch> {
    return;
  }

  async deliverFeedback(_feedback: Feedback): Promise<void> {}

  async close(): Promise<void> {}
}

export const templateManifest = {
  kind: 'rest-pull',
  version: '0.0.0',
  title: '模板（不可注册）',
  capabilities: { incremental: false, feedback: 'batch-report' },
  configSchema,
  secretFields: ['password'],
  // Every address the config makes the hub connect to; connect through context.egress (resolve, check, connect to the checked address).
  egressTargets: (config: TemplateConfig) => [{ path: 'endpoint', target: urlTarget(config.endpoint) }],
  create: (config: TemplateConfig) => new TemplateConnector(config),
} satisfies ConnectorManifest<TemplateConfig>;
