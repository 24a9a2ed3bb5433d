import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectorRepository } from '../../persistence/connector.repository';
import { BatchReportService } from '../reports/batch-report.service';
import { ConnectorRuntime } from './connector-runtime';

const GIVE_UP_AFTER = 20;

/**
 * R14: a batch's rejections go back the way the data came (feedback file, callback, feedback
 * table). Delivery is retried with backoff until it succeeds; its state shows in the batch report.
 */
export class FeedbackDispatcher {
  private readonly log = new Logger('FeedbackDispatcher');

  constructor(
    private readonly instances: ConnectorRepository,
    private readonly runtime: ConnectorRuntime,
    private readonly reports: BatchReportService,
  ) {}

  async dispatchDue(limit = 20): Promise<number> {
    let delivered = 0;
    for (const pending of await this.instances.dueFeedback(limit)) {
      const report = await this.reports.report(pending.batchId, { kind: 'operator' }, { offset: 0, limit: 1_000_000 });
      if (report.status !== 'done') {
        await this.instances.feedbackLater(pending.batchId, 5);
        continue;
      }
      const instance = await this.instances.find(pending.instanceId);
      if (!instance) continue;
      const workDir = mkdtempSync(join(tmpdir(), 'credit-hub-feedback-'));
      const connector = this.runtime.build(instance, workDir);
      try {
        await connector.deliverFeedback({
          batchId: report.batchId,
          label: pending.label,
          address: pending.address,
          received: report.received,
          loaded: report.loaded,
          rejected: report.rejected,
          rejections: report.rejections,
        });
        await this.instances.feedbackDelivered(pending.batchId);
        delivered++;
      } catch (e) {
        const attempts = pending.attempts + 1;
        await this.instances.feedbackFailed(pending.batchId, (e as Error).message, Math.min(10 * 2 ** attempts, 3_600), attempts >= GIVE_UP_AFTER);
        this.log.warn(`feedback for batch ${pending.batchId} not delivered (attempt ${attempts}): ${(e as Error).message}`);
      } finally {
        await connector.close().catch(() => undefined);
        rmSync(workDir, { recursive: true, force: true });
      }
    }
    return delivered;
  }
}
