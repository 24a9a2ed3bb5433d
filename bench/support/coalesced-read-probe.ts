import { HubDatabase } from '../../libs/persistence/hub-database';
import { preparedQuery } from '../../libs/persistence/prepared-query';
import {
  RecordPrefilter,
  StoredRecordRow,
  SUBJECT_WITH_RECORDS,
  SubjectJoinRow,
  SubjectQueryRepository,
  SubjectRow,
  toSubjectRead,
} from '../../libs/persistence/subject-query.repository';

type Read = { subject: SubjectRow | undefined; records: StoredRecordRow[] };
type Waiting = { code: string; resolve: (read: Read) => void; reject: (e: unknown) => void };

/**
 * A design probe for the `public-coalesced` scenario, never how the hub runs: the subject reads of
 * concurrent callers with the same prefilter go to PostgreSQL as ONE statement (`s.code = ANY($1)`),
 * one statement in flight, the way the query log's group commit batches its rows. It answers one
 * question for the benchmark's target: would batching reads across callers (which the bare point
 * query does not do) lift the subject query past half the bare query on this machine?
 */
export class CoalescedReadRepository extends SubjectQueryRepository {
  private waiting: Waiting[] = [];
  private waitingFilter: RecordPrefilter | undefined;
  private inFlight = 0;

  constructor(
    private readonly database: HubDatabase,
    private readonly maxInFlight = Number(process.env.BENCH_COALESCE_IN_FLIGHT ?? 1),
  ) {
    super(database);
  }

  override readSubject(code: string, prefilter: RecordPrefilter): Promise<Read> {
    if (this.waitingFilter && this.waitingFilter !== prefilter) return super.readSubject(code, prefilter);
    return new Promise<Read>((resolve, reject) => {
      this.waitingFilter = prefilter;
      this.waiting.push({ code, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight >= this.maxInFlight || this.waiting.length === 0) return;
    const batch = this.waiting;
    const prefilter = this.waitingFilter as RecordPrefilter;
    this.waiting = [];
    this.waitingFilter = undefined;
    this.inFlight += 1;
    void this.readMany(batch, prefilter).finally(() => {
      this.inFlight -= 1;
      this.flush();
    });
  }

  private async readMany(batch: Waiting[], prefilter: RecordPrefilter): Promise<void> {
    try {
      const rows = await preparedQuery<SubjectJoinRow>(
        this.database,
        'bench_probe_coalesced_read',
        `${SUBJECT_WITH_RECORDS} WHERE s.code = ANY($1)`,
        [[...new Set(batch.map((w) => w.code))], prefilter.itemCodes, prefilter.statuses, prefilter.servedOn],
      );
      const byCode = new Map<string, SubjectJoinRow[]>();
      for (const row of rows) byCode.set(row.s_code, [...(byCode.get(row.s_code) ?? []), row]);
      for (const w of batch) w.resolve(toSubjectRead(byCode.get(w.code) ?? []));
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
  }
}
