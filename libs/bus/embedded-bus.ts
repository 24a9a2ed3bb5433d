import { Logger } from '@nestjs/common';
import { BusMessageRepository, StoredMessage } from '../persistence/bus-message.repository';
import { DeliveryHandler, MessageBus, QueueDepth } from './message-bus';
import { QueueName, QueuePayloads } from './messages';

export interface EmbeddedBusOptions {
  readonly deliveryLimit: number;
  readonly prefetch: number;
  readonly pollIntervalMs?: number;
}

/**
 * The in-process bus of the embedded default, with RabbitMQ's contract: a publish resolves once
 * the messages are committed to the embedded database (so they survive kill -9), a delivery is
 * deleted on ack, counted on retry and parked as dead past the delivery limit. After a crash,
 * every message that was not acknowledged is delivered again.
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
    this.loops.push(this.pump(queue, handler));
  }

  async depth(queue: QueueName): Promise<QueueDepth> {
    const d = await this.messages.depth(queue);
    return { ready: d.ready, deadLettered: d.dead };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.wakers) wake();
    await Promise.allSettled(this.loops);
  }

  private async pump<Q extends QueueName>(queue: Q, handler: DeliveryHandler<Q>): Promise<void> {
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
        const work = this.deliver(message, handler).finally(() => {
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

  private async deliver<Q extends QueueName>(message: StoredMessage, handler: DeliveryHandler<Q>): Promise<void> {
    let outcome;
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
      else if (outcome === 'dead-letter') await this.messages.deadLetter(message.id, error);
      else if ((await this.messages.fail(message.id, this.options.deliveryLimit, error)) === 'dead') {
        this.log.error(`message ${message.id} dead-lettered after ${this.options.deliveryLimit} failed deliveries`);
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
