import { QueueName, QueuePayloads } from './messages';

/**
 * The contract both buses keep (RabbitMQ and the embedded one): a publish resolves only once
 * every message is durable; a consumer acknowledges after its work is committed; a failed
 * delivery is retried up to the delivery limit, then dead-lettered.
 */
export interface Delivery<Q extends QueueName> {
  readonly body: QueuePayloads[Q];
  /** Failed deliveries before this one, as the broker counts them. */
  readonly previousFailures: number;
  readonly redelivered: boolean;
}

/**
 * - `ack`: done, forget it.
 * - `retry`: this attempt failed; counts towards the delivery limit.
 * - `dead-letter`: it can never succeed; park it in the dead-letter queue now.
 */
export type HandlerOutcome = 'ack' | 'retry' | 'dead-letter';

export type DeliveryHandler<Q extends QueueName> = (delivery: Delivery<Q>) => Promise<HandlerOutcome>;

/** A message the bus gave up on, as the dead-letter queue hands it over (ADR 0012). */
export interface DeadLetterDelivery {
  /** Identifies this dead-lettering of the message, so a redelivery of it is recognised. */
  readonly key: string;
  /** The original payload, or undefined when it is not JSON. */
  readonly body: unknown;
  /** The queue it was dead-lettered from. */
  readonly queue: string;
  /** Why: `delivery_limit`, `rejected` (the handler gave up), or the last error the bus saw. */
  readonly reason: string;
  /** Failed deliveries counted before it was dead-lettered (0 when unknown). */
  readonly deliveries: number;
  readonly deadLetteredAt: Date;
}

/** `ack` once the dead letter is durably recorded; `retry` leaves it in the dead-letter queue. */
export type DeadLetterHandler = (delivery: DeadLetterDelivery) => Promise<'ack' | 'retry'>;

export interface QueueDepth {
  readonly ready: number;
  readonly deadLettered: number;
}

export interface MessageBus {
  start(): Promise<void>;
  /** Resolves when the broker has confirmed every message; rejects with BusUnavailableError otherwise. */
  publish<Q extends QueueName>(queue: Q, bodies: readonly QueuePayloads[Q][]): Promise<void>;
  consume<Q extends QueueName>(queue: Q, handler: DeliveryHandler<Q>): Promise<void>;
  /** Subscribes to the dead-letter queue (the worker's dead-letter sink). */
  consumeDeadLetters(handler: DeadLetterHandler): Promise<void>;
  /** True while the bus can publish now and, where it consumes, every consumer channel is open. */
  isConnected(): boolean;
  depth(queue: QueueName): Promise<QueueDepth>;
  stop(): Promise<void>;
}

export class BusUnavailableError extends Error {
  readonly code = 'BROKER_UNAVAILABLE';
}

export const MESSAGE_BUS = Symbol('MESSAGE_BUS');
