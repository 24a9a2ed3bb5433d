import type { HubMetrics } from '../../observability/metrics';
import type { QueryLogEntry } from '../../persistence/subject-query.repository';
import { DEFAULT_QUERY_LOG_WRITER_OPTIONS, QueryLogWriter } from './query-log-writer';

/**
 * The query-log writer the hub runs: group commit (DEFAULT_QUERY_LOG_WRITER_OPTIONS) into
 * `append`, each commit timed and each committed look counted by caller kind, kind of look and
 * outcome; a failed commit counts the looks it refused.
 */
export function meteredQueryLogWriter(append: (entries: readonly QueryLogEntry[]) => Promise<void>, metrics: HubMetrics): QueryLogWriter {
  return new QueryLogWriter(append, DEFAULT_QUERY_LOG_WRITER_OPTIONS, {
    committed(entries, seconds) {
      metrics.queryLogCommitSeconds.observe(seconds);
      for (const e of entries) metrics.queryLooks.inc({ caller_kind: e.callerKind, query_kind: e.queryKind, outcome: e.outcome });
    },
    failed(entries) {
      metrics.queryLogFailures.inc(entries.length);
    },
  });
}
