import type { Catalog } from '../../../catalog/catalog';
import { carryOutNonDisclosure } from '../../domain/rights';
import type { NonDisclosureRepository } from '../../persistence/non-disclosure.repository';
import type { Clock } from '../../runtime/tokens';
import { itemNameOf } from '../rights/rights-records';
import * as notices from '../rights/rights-notices';
import type { HubJob, JobResult } from './hub-job';

/**
 * 第二十七条: carries out accepted non-disclosure requests — the record stops being served and is
 * archived (status `non_disclosed`), the subject and the provider are told. Run hourly, so a
 * request is done the day it is accepted, well within its 5 working days. Idempotent: a request is
 * carried out once (its state moves to `done` in the same transaction).
 */
export class NonDisclosureJob implements HubJob {
  readonly name = 'non-disclosure';
  readonly schedule = '0 20 * * * *';
  readonly description = '守信信息不予公开：中止提供查询并归档管理，告知信息提供单位（第二十七条）';

  constructor(
    private readonly requests: NonDisclosureRepository,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
    private readonly batchSize = 500,
  ) {}

  async run(): Promise<JobResult> {
    const now = this.clock();
    let carriedOut = 0;
    let withheld = 0;
    for (let after: { id: string; createdAt: Date } | null = null; ; ) {
      const batch = await this.requests.acceptedIds(after, this.batchSize);
      if (batch.length === 0) break;
      for (const { id } of batch) {
        let changed = false;
        const done = await this.requests.finish(id, (request, record) => {
          const effect = carryOutNonDisclosure(request.state, record);
          if (effect === null) return null;
          changed = effect.status !== undefined;
          const ref = { id, recordId: record.id, subjectCode: request.applicantCode, supplierCode: record.supplierCode };
          return {
            state: 'done',
            record: effect.status ? { status: effect.status } : undefined,
            actor: `job:${this.name}`,
            notices: notices.nonDisclosureDone(ref, itemNameOf(this.catalog, record.itemCode), now),
            at: now,
          };
        });
        if (done) {
          carriedOut += 1;
          if (changed) withheld += 1;
        }
      }
      after = batch[batch.length - 1];
    }
    return { carriedOut, recordsWithdrawn: withheld };
  }
}
