import { Logger } from '@nestjs/common';
import { BusMessageRepository, StoredMessage } from '../persistence/bus-message.repository';
import { DeadLetterHandler, DeliveryHandler, HandlerOutcome, MessageBus, QueueDepth } from './message-bus';
import { DEAD_LETTER_QUEUE, QueueName, QueuePayloads } from './messages';

export interface EmbeddedBusOptions {
  readonly deliveryLimit: number;
  readonly prefetch: number;
  readonly pollIntervalMs?: number;
}

/**
 * The in-process bus of the embedded default, with RabbitMQ's contract: a publish resolves once
 * the messages are committed to the embedded database (so they survive kill -9), a delivery is
 * deleted on ack, counted on retry and parked as dead past the delivery limit. After a crash,
 * every message that was not acknowledged is delivered again. A dead-lettered message moves to the
 * `hub.dead-letter` queue of the same table, as RabbitMQ's dead-letter exchange would route it, so
 * the same dead-letter sink records it on both buses (ADR 0012).
 */
export class EmbeddedBus implements MessageBus {
  private readonly log = new Logger('EmbeddedBus');
  private readonly inFlight = new Set<string>();
  private readonly wakers = new Set<() => void>();
  private stopped = false;
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly messages: BusMessageRepository,
    private readonly options: EmbeddedBusOptions,
  ) {}

  async start(): Promise<void> {}

  isConnected(): boolean {
    return !this.stopped;
  }

  async publish<Q extends QueueName>(queue: Q, bodies: readonly QueuePayloads[Q][]): Promise<void> {
    await this.messages.enqueue(queue, bodies);
    for (const wake of this.wakers) wake();
  }

  async consume<Q extends QueueName>(queue: Q, handler: DeliveryHandler<Q>): Promise<void> {
    this.loops.push(this.pump(queue, (message) => this.deliver(queue, message, handler)));
  }

  async consumeDeadLetters(handler: DeadLetterHandler): Promise<void> {
    this.loops.push(
      this.pump(DEAD_LETTER_QUEUE, async (message) => {
        // A dead letter is not counted again: `retry` leaves it ready for the next poll.
        const outcome = await handler({
          key: `embedded:${message.id}`,
          body: message.body,
          queue: message.deadLetteredFrom ?? 'unknown',
          reason: message.lastError ?? 'unknown',
          deliveries: message.deliveries,
          deadLetteredAt: message.deadLetteredAt ?? new Date(),
        }).catch((e: Error) => {
          this.log.warn(`dead-letter handler failed on message ${message.id}: ${e.message}`);
          return 'retry' as const;
        });
        if (outcome === 'ack') await this.messages.ack(message.id).catch((e: Error) => this.log.warn(`could not settle dead letter ${message.id}: ${e.message}`));
      }),
    );
  }

  async depth(queue: QueueName): Promise<QueueDepth> {
    const d = await this.messages.depth(queue, DEAD_LETTER_QUEUE);
    return { ready: d.ready, deadLettered: d.dead };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.wakers) wake();
    await Promise.allSettled(this.loops);
  }

  private async pump(queue: string, deliver: (message: StoredMessage) => Promise<void>): Promise<void> {
    const running = new Set<Promise<void>>();
    while (!this.stopped) {
      const free = this.options.prefetch - running.size;
      let batch: StoredMessage[] = [];
      if (free > 0) {
        try {
          batch = await this.messages.nextReady(queue, [...this.inFlight], free);
        } catch (e) {
          this.log.warn(`cannot read the queue ${queue}: ${(e as Error).message}`);
        }
      }
      for (const message of batch) {
        this.inFlight.add(message.id);
        const work = deliver(message).finally(() => {
          this.inFlight.delete(message.id);
          running.delete(work);
          this.wakeAll();
        });
        running.add(work);
      }
      if (batch.length === 0 || running.size >= this.options.prefetch) await this.nap();
    }
    await Promise.allSettled(running);
  }

  private async deliver<Q extends QueueName>(queue: Q, message: StoredMessage, handler: DeliveryHandler<Q>): Promise<void> {
    let outcome: HandlerOutcome;
    let error = 'handler asked for a retry';
    try {
      outcome = await handler({
        body: message.body as QueuePayloads[Q],
        previousFailures: message.deliveries,
        redelivered: message.deliveries > 0,
      });
    } catch (e) {
      error = (e as Error).message;
      outcome = 'retry' as const;
    }
    try {
      if (outcome === 'ack') await this.messages.ack(message.id);
      else if (outcome === 'dead-letter') {
        await this.messages.deadLetter(message.id, DEAD_LETTER_QUEUE, 'rejected');
        this.log.error(`message ${message.id} of ${queue} dead-lettered: its handler gave up on it`);
      } else if ((await this.messages.fail(message.id, this.options.deliveryLimit, error, DEAD_LETTER_QUEUE)) === 'dead') {
        this.log.error(`message ${message.id} of ${queue} dead-lettered after ${this.options.deliveryLimit} failed deliveries`);
      }
    } catch (e) {
      // Unsettled: it stays ready and is delivered again, which the idempotent handler absorbs.
      this.log.warn(`could not settle message ${message.id}: ${(e as Error).message}`);
    }
  }

  private nap(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.options.pollIntervalMs ?? 1_000);
      this.wakers.add(wake);
    });
  }

  private wakeAll(): void {
    for (const wake of this.wakers) wake();
  }
}
