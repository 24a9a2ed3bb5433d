/**
 * Time-driven work of the subjects'-rights domain (expiry, deadlines, reminders). The scheduler
 * runs each on its cron schedule (Asia/Shanghai); an operator may run one now
 * (`POST /api/v1/admin/jobs/{name}/run`). Every job reads the injected clock, is idempotent and
 * resumable: running it twice, or on two schedulers at once, changes nothing more than once.
 */
export interface HubJob {
  /** Stable kebab-case name, used in the API and the logs. */
  readonly name: string;
  /** Six-field cron expression in Asia/Shanghai. */
  readonly schedule: string;
  /** Chinese description for operators. */
  readonly description: string;
  run(): Promise<JobResult>;
}

/** Counts of what a run did, e.g. `{ archived: 12 }`. */
export type JobResult = Readonly<Record<string, number>>;

export const HUB_JOBS = Symbol('HUB_JOBS');
