import type { SupplierComplianceService } from '../compliance/supplier-compliance.service';
import type { HubJob, JobResult } from './hub-job';

/**
 * 第三十二条: every morning, a 催报 notice to each supplier for each period of an item it provides
 * whose delivery is overdue (once per supplier, item and period).
 */
export class SupplierComplianceJob implements HubJob {
  readonly name = 'supplier-compliance';
  readonly schedule = '0 0 9 * * *';
  readonly description = '按目录归集频率检查各信息提供单位的报送，逾期未报送的发出催报通知（第三十二条）';

  constructor(private readonly compliance: SupplierComplianceService) {}

  async run(): Promise<JobResult> {
    return this.compliance.remindOverdue();
  }
}
