import type { z } from 'zod';
import type { EgressGuard, EgressTarget } from '../libs/security/egress-policy';

/**
 * The one contract every connector kind implements (in the spirit of Airbyte and Kafka
 * Connect): check its configuration, read batches from a cursor the runtime stores, and
 * deliver feedback. A connector never touches the repository or the bus: the runtime
 * publishes each batch, and only after the broker confirmed it does it store the cursor
 * the batch carried (DESIGN.md: a connector acknowledges only after the publish is confirmed).
 */
export type ConnectorKind = 'sftp' | 'soap-pull' | 'rest-pull' | 'db-poll';

/** A cursor is the connector's own JSON: a file ledger position, a page token, (updated_at, key). */
export type Cursor = Record<string, unknown>;

export interface ConnectorManifest<Config> {
  readonly kind: ConnectorKind;
  readonly version: string;
  readonly title: string;
  readonly capabilities: {
    readonly incremental: boolean;
    /** The channel its rejections go back on: a feedback file, a callback, a feedback table… */
    readonly feedback: 'sftp-file' | 'soap-report' | 'rest-callback' | 'feedback-table' | 'batch-report';
  };
  /** Single source of truth for the config; the JSON Schema served by the API derives from it. */
  readonly configSchema: z.ZodType<Config>;
  /** Config paths holding secrets: encrypted at rest, never returned or logged (`writeOnly` in the schema). */
  readonly secretFields: readonly string[];
  /**
   * Every place this config makes the hub connect to, by config path: checked against the egress
   * policy at registration and at start-up (declared instances); the connector checks again at
   * every connection through `context.egress`.
   */
  egressTargets(config: Config): EgressTargetAt[];
  create(config: Config, context: ConnectorContext): Connector;
}

export interface EgressTargetAt {
  readonly path: string;
  readonly target: EgressTarget;
}

export interface ConnectorContext {
  /** Where the connector may write temporary files; names inside it are generated, never remote names. */
  readonly workDir: string;
  readonly now: () => Date;
  readonly log: (level: 'log' | 'warn' | 'error', message: string) => void;
  /** The egress policy: resolve and check every target, connect only to checked addresses (issue 11, finding 10). */
  readonly egress: EgressGuard;
}

/** One unit of work: published as one batch, acknowledged by storing `cursorAfter`. */
export interface ReadBatch {
  /** Stable for the same source data (file content hash, page cursor): the idempotency key of the batch. */
  readonly key: string;
  /** What a person calls it: a file name, "page 3", a time window. */
  readonly label: string;
  /** Records in the supplier's own field names; streamed so a 1 GB file keeps memory flat. */
  readonly records: AsyncIterable<Record<string, unknown>>;
  /** The cursor to store once this batch is durable. */
  readonly cursorAfter: Cursor;
  /** What the feedback for this batch needs to find its way back (remote path, encoding, request id…). */
  readonly feedbackAddress: Record<string, unknown>;
  /** Called after the batch was accepted (e.g. move the file to processed/). */
  acknowledge?(batchId: string): Promise<void>;
  /** Called when the batch could not be read (e.g. move the file to error/ with a reason file). */
  quarantine?(reason: string): Promise<void>;
}

export interface FeedbackRejection {
  readonly index: number;
  readonly sourceKey: string | null;
  readonly field: string;
  readonly code: string;
  readonly value: string | null;
  readonly message: string;
  readonly hint: string;
}

export interface Feedback {
  readonly batchId: string;
  readonly label: string;
  readonly address: Record<string, unknown>;
  readonly received: number;
  readonly loaded: number;
  readonly rejected: number;
  readonly rejections: readonly FeedbackRejection[];
}

export interface Connector {
  /** Connects and checks credentials and paths; throws ConnectorError('config', …) when wrong. */
  check(): Promise<void>;
  /** Batches after `cursor` (null: from the beginning), in order. */
  read(cursor: Cursor | null): AsyncIterable<ReadBatch>;
  /** Sends a batch's rejections back on this kind's own channel; must be idempotent (may be retried). */
  deliverFeedback(feedback: Feedback): Promise<void>;
  close(): Promise<void>;
}

/**
 * - retryable: network, 5xx, 429, lock timeout: try again later with backoff.
 * - config: bad credentials, missing path, changed host key: stop and mark the instance unhealthy.
 * - data: this batch cannot be read (quarantine it, carry on).
 */
export type ConnectorErrorClass = 'retryable' | 'config' | 'data';

export class ConnectorError extends Error {
  constructor(
    readonly errorClass: ConnectorErrorClass,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
