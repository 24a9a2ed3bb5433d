import type { Catalog } from '../../../catalog/catalog';
import { chinaCalendarDate } from '../../domain/identity/citizen-id';
import { centerOverdueStage, providerDeadlineMissed } from '../../domain/rights';
import type { ObjectionRepository } from '../../persistence/objection.repository';
import type { Clock } from '../../runtime/tokens';
import { itemNameOf } from '../rights/rights-records';
import * as notices from '../rights/rights-notices';
import type { HubJob, JobResult } from './hub-job';

/**
 * The deadlines of 第二十五条 and 第二十六条, read against today (China date of the injected clock):
 * - a provider that let its 6 working days pass: the record is withheld from every query
 *   (第二十六条第二款), the applicant and the provider are told, each objection once;
 * - the center's own 2-day steps (comparison, completion) past due: one operator notice each.
 * Idempotent: a handled objection is marked, and every notice has a dedupe key.
 */
export class ObjectionDeadlinesJob implements HubJob {
  readonly name = 'objection-deadlines';
  readonly schedule = '0 10 * * * *';
  readonly description = '异议处理期限检查：信息提供单位逾期未核查的中止提供查询（第二十六条第二款），市信用中心逾期事项提醒（第二十五条）';

  constructor(
    private readonly objections: ObjectionRepository,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
    private readonly batchSize = 500,
  ) {}

  async run(): Promise<JobResult> {
    const now = this.clock();
    const today = chinaCalendarDate(now);
    let providerDeadlinesMissed = 0;
    let recordsWithheld = 0;
    const seen = new Set<string>();
    for (;;) {
      const ids = (await this.objections.idsPastProviderDeadline(today, this.batchSize)).filter((id) => !seen.has(id));
      if (ids.length === 0) break;
      for (const id of ids) {
        seen.add(id);
        let withheld = false;
        const done = await this.objections.transition(id, (objection, record) => {
          const step = providerDeadlineMissed(objection, record, today);
          if (step === null) return null;
          withheld = step.recordWithheld;
          return {
            patch: { providerMissedAt: now, recordWithheld: step.recordWithheld },
            event: { action: 'provider_deadline_missed', actor: `job:${this.name}`, detail: { providerDue: objection.providerDue, recordWithheld: step.recordWithheld } },
            record: step.record,
            notices: notices.providerDeadlineMissed(
              objection,
              itemNameOf(this.catalog, objection.itemCode),
              objection.providerDue as string,
              step.recordWithheld,
              now,
            ),
            at: now,
          };
        });
        if (done) {
          providerDeadlinesMissed += 1;
          if (withheld) recordsWithheld += 1;
        }
      }
    }

    let centerOverdueNotices = 0;
    for (let after: string | null = null; ; ) {
      const rows = await this.objections.centerOverdue(today, after, this.batchSize);
      if (rows.length === 0) break;
      const reminders = rows.flatMap((o) => {
        const stage = centerOverdueStage(o, today);
        if (stage === null) return [];
        return [notices.centerOverdue(o, stage, (stage === 'comparison' ? o.comparisonDue : o.completionDue) as string, now)];
      });
      centerOverdueNotices += await this.objections.notify(reminders);
      after = rows[rows.length - 1].id;
    }
    return { providerDeadlinesMissed, recordsWithheld, centerOverdueNotices };
  }
}
