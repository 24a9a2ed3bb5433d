import { Logger } from '@nestjs/common';
import * as amqp from 'amqplib';
import { createHash, randomUUID } from 'node:crypto';
import { BusUnavailableError, DeadLetterDelivery, DeadLetterHandler, DeliveryHandler, HandlerOutcome, MessageBus, QueueDepth } from './message-bus';
import { DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE, QUEUES, QueueName, QueuePayloads } from './messages';

export interface AmqpBusOptions {
  readonly url: string;
  readonly deliveryLimit: number;
  readonly confirmTimeoutMs: number;
  readonly prefetch: number;
}

interface Publisher {
  readonly channel: amqp.ConfirmChannel;
  /** Rejects when the channel closes: every pending confirm is then unknown. */
  readonly closed: Promise<never>;
}

interface Consumer {
  readonly queue: string;
  readonly handle: (msg: amqp.ConsumeMessage) => Promise<HandlerOutcome>;
}

/**
 * RabbitMQ through amqplib directly (ADR 0003): quorum queues with an explicit delivery limit
 * and an at-least-once dead-letter exchange, publisher confirms raced against a timeout and the
 * channel closing, manual acks, an explicit prefetch, and reconnection with re-subscription.
 * Publishing and consuming use separate connections so a blocked publisher never stalls acks.
 *
 * The broker closes a *channel* (not the connection) on a channel-level error: a message above
 * `max_message_size` (406), an unknown delivery tag, a consumer ack timeout, a missing queue (404).
 * Each channel is therefore re-created on its own `close`, on the live connection when there is
 * one, and the topology is declared again on it (ADR 0012); `isConnected()` is true only while the
 * current channels are open, so /health/ready tells the truth.
 */
export class AmqpBus implements MessageBus {
  private readonly log = new Logger('AmqpBus');
  private publisher?: Publisher;
  private publisherConnection?: amqp.ChannelModel;
  private consumerChannel?: amqp.Channel;
  private consumerConnection?: amqp.ChannelModel;
  private readonly consumers: Consumer[] = [];
  private readonly returned = new Set<string>();
  private stopping = false;
  private publisherConnecting?: Promise<void>;
  private consumerConnecting?: Promise<void>;

  constructor(private readonly options: AmqpBusOptions) {}

  async start(): Promise<void> {
    await this.connectPublisher();
  }

  isConnected(): boolean {
    return this.publisher !== undefined && (this.consumers.length === 0 || this.consumerChannel !== undefined);
  }

  async publish<Q extends QueueName>(queue: Q, bodies: readonly QueuePayloads[Q][]): Promise<void> {
    const { channel, closed } = await this.connectedPublisher();
    const confirms: Promise<void>[] = [];
    const sendAll = async () => {
      for (const body of bodies) {
        const messageId = randomUUID();
        let sent = true;
        confirms.push(
          new Promise<void>((resolve, reject) => {
            sent = channel.publish(
              '',
              queue,
              Buffer.from(JSON.stringify(body)),
              { persistent: true, mandatory: true, messageId, contentType: 'application/json' },
              (err) => {
                if (err) return reject(new BusUnavailableError(`broker refused the message: ${String(err)}`));
                // An unroutable message is confirmed too; its mandatory return arrives first.
                if (this.returned.delete(messageId)) return reject(new BusUnavailableError(`queue ${queue} is missing`));
                resolve();
              },
            );
          }),
        );
        if (!sent) await new Promise<void>((r) => channel.once('drain', () => r()));
      }
      await Promise.all(confirms);
    };
    await withTimeout(sendAll(), this.options.confirmTimeoutMs, closed);
  }

  async consume<Q extends QueueName>(queue: Q, handler: DeliveryHandler<Q>): Promise<void> {
    await this.addConsumer({
      queue,
      handle: async (msg) => {
        const body = JSON.parse(msg.content.toString('utf8')) as QueuePayloads[Q];
        const failures = Number(msg.properties.headers?.['x-delivery-count'] ?? 0);
        return handler({ body, previousFailures: failures, redelivered: msg.fields.redelivered });
      },
    });
  }

  async consumeDeadLetters(handler: DeadLetterHandler): Promise<void> {
    await this.addConsumer({ queue: DEAD_LETTER_QUEUE, handle: (msg) => handler(deadLetterOf(msg)) });
  }

  async depth(queue: QueueName): Promise<QueueDepth> {
    const { channel } = await this.connectedPublisher();
    // A missing queue answers 404 and closes this channel; it is re-created (and the queue
    // declared again) by the close handler.
    const [main, dead] = await Promise.all([channel.checkQueue(queue), channel.checkQueue(DEAD_LETTER_QUEUE)]);
    return { ready: main.messageCount, deadLettered: dead.messageCount };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([this.publisherConnection?.close(), this.consumerConnection?.close()]);
    this.publisher = undefined;
    this.publisherConnection = undefined;
    this.consumerChannel = undefined;
    this.consumerConnection = undefined;
  }

  private async addConsumer(consumer: Consumer): Promise<void> {
    this.consumers.push(consumer);
    if (this.consumerChannel) await this.subscribe(this.consumerChannel, consumer);
    else await this.connectConsumer();
  }

  private async connectedPublisher(): Promise<Publisher> {
    if (!this.publisher) {
      // A publish during a reconnect waits briefly, then tells the supplier to retry (503).
      await withTimeout(this.connectPublisher(), Math.min(this.options.confirmTimeoutMs, 5_000)).catch(() => undefined);
    }
    if (!this.publisher) throw new BusUnavailableError('not connected to RabbitMQ');
    return this.publisher;
  }

  private connectPublisher(): Promise<void> {
    this.publisherConnecting ??= this.retryForever('publisher', async () => {
      const connection = this.publisherConnection ?? (await this.openConnection('publisher'));
      const channel = await connection.createConfirmChannel();
      try {
        await this.declareTopology(channel);
      } catch (e) {
        await channel.close().catch(() => undefined);
        throw e;
      }
      channel.on('return', (msg: amqp.Message) => {
        if (msg.properties.messageId) this.returned.add(String(msg.properties.messageId));
        // The queue is gone (deleted on the broker): declare it again for the next publish.
        this.declareTopology(channel).catch((e: Error) => this.log.warn(`cannot declare the topology again: ${e.message}`));
      });
      channel.on('error', (e: Error) => this.log.warn(`publisher channel error: ${e.message}`));
      channel.on('close', () => {
        if (this.publisher?.channel !== channel) return;
        this.publisher = undefined;
        if (this.stopping) return;
        this.log.warn('publisher channel closed by the broker; opening a new one');
        void this.connectPublisher();
      });
      const closed = channelClosed(channel);
      closed.catch(() => undefined);
      this.publisher = { channel, closed };
    }).finally(() => (this.publisherConnecting = undefined));
    return this.publisherConnecting;
  }

  private connectConsumer(): Promise<void> {
    this.consumerConnecting ??= this.retryForever('consumer', async () => {
      const connection = this.consumerConnection ?? (await this.openConnection('consumer'));
      const channel = await connection.createChannel();
      channel.on('error', (e: Error) => this.log.warn(`consumer channel error: ${e.message}`));
      channel.on('close', () => {
        if (this.consumerChannel !== channel) return;
        this.consumerChannel = undefined;
        if (this.stopping) return;
        this.log.warn('consumer channel closed; opening a new one and subscribing again');
        void this.connectConsumer();
      });
      try {
        await this.declareTopology(channel);
        // Per-consumer prefetch; a global one is refused on quorum queues.
        await channel.prefetch(this.options.prefetch, false);
        for (const consumer of this.consumers) await this.subscribe(channel, consumer);
      } catch (e) {
        await channel.close().catch(() => undefined);
        throw e;
      }
      this.consumerChannel = channel;
    }).finally(() => (this.consumerConnecting = undefined));
    return this.consumerConnecting;
  }

  /** One connection per side; when it closes, its channel goes with it and both are opened again. */
  private async openConnection(side: 'publisher' | 'consumer'): Promise<amqp.ChannelModel> {
    const connection = await amqp.connect(withHeartbeat(this.options.url));
    connection.on('error', (e: Error) => this.log.warn(`${side} connection error: ${e.message}`));
    connection.on('close', () => {
      if (side === 'publisher') {
        if (this.publisherConnection === connection) this.publisherConnection = undefined;
        this.publisher = undefined;
        if (!this.stopping) void this.connectPublisher();
      } else {
        if (this.consumerConnection === connection) this.consumerConnection = undefined;
        this.consumerChannel = undefined;
        if (!this.stopping && this.consumers.length > 0) void this.connectConsumer();
      }
    });
    if (side === 'publisher') this.publisherConnection = connection;
    else this.consumerConnection = connection;
    return connection;
  }

  private async subscribe(channel: amqp.Channel, consumer: Consumer): Promise<void> {
    await channel.consume(
      consumer.queue,
      (msg) => {
        if (msg) void this.deliver(channel, consumer, msg);
        // The broker cancelled us (the queue was deleted): a new channel declares it and subscribes again.
        else if (this.consumerChannel === channel) {
          this.log.warn(`the broker cancelled the consumer of ${consumer.queue}; re-subscribing`);
          channel.close().catch(() => undefined);
        }
      },
      { noAck: false },
    );
    this.log.log(`consuming ${consumer.queue} (prefetch ${this.options.prefetch})`);
  }

  private async deliver(channel: amqp.Channel, consumer: Consumer, msg: amqp.ConsumeMessage): Promise<void> {
    let outcome: HandlerOutcome;
    try {
      outcome = await consumer.handle(msg);
    } catch (e) {
      this.log.error(`handler for ${consumer.queue} threw: ${(e as Error).message}`);
      outcome = 'retry';
    }
    // An ack on a channel that has since closed is lost (and amqplib would not tell us): the
    // broker redelivers the message and the idempotent handler absorbs it.
    if (this.consumerChannel !== channel) return;
    try {
      if (outcome === 'ack') channel.ack(msg);
      // reject (not nack) so that the quorum queue counts the failure towards the delivery limit.
      else channel.reject(msg, outcome === 'retry');
    } catch (e) {
      this.log.warn(`could not settle a delivery: ${(e as Error).message}`);
    }
  }

  private async declareTopology(channel: amqp.Channel): Promise<void> {
    await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true });
    await channel.assertQueue(DEAD_LETTER_QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '');
    for (const queue of Object.values(QUEUES)) {
      await channel.assertQueue(queue, {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-delivery-limit': this.options.deliveryLimit,
          'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE,
          'x-dead-letter-strategy': 'at-least-once',
          'x-overflow': 'reject-publish',
        },
      });
    }
  }

  private async retryForever(what: string, connect: () => Promise<void>): Promise<void> {
    let delay = 250;
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await connect();
        if (attempt > 1) this.log.log(`${what} reconnected to RabbitMQ after ${attempt} attempts`);
        return;
      } catch (e) {
        if (attempt === 1 || attempt % 20 === 0) {
          this.log.warn(`${what} cannot reach RabbitMQ (${(e as Error).message}); retrying`);
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }
}

interface XDeath {
  readonly queue?: string;
  readonly reason?: string;
  readonly count?: number;
  readonly time?: unknown;
}

/** What RabbitMQ tells about a dead-lettered message: its x-death history and delivery count. */
function deadLetterOf(msg: amqp.ConsumeMessage): DeadLetterDelivery {
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const death = (Array.isArray(headers['x-death']) ? (headers['x-death'] as XDeath[]) : [])[0];
  const text = msg.content.toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const time = death?.time;
  const seconds = typeof time === 'number' ? time : typeof time === 'object' && time !== null && 'value' in time ? Number((time as { value: unknown }).value) : NaN;
  const deadLetteredAt = Number.isFinite(seconds) ? new Date(seconds * 1000) : new Date();
  const reason = String(headers['x-first-death-reason'] ?? death?.reason ?? 'unknown');
  const queue = String(headers['x-first-death-queue'] ?? death?.queue ?? 'unknown');
  const messageId = msg.properties.messageId ? String(msg.properties.messageId) : undefined;
  return {
    key: `amqp:${messageId ?? createHash('sha256').update(text).digest('hex')}:${deadLetteredAt.getTime()}`,
    body,
    queue,
    reason,
    deliveries: Number(headers['x-delivery-count'] ?? 0),
    deadLetteredAt,
  };
}

function channelClosed(channel: amqp.Channel): Promise<never> {
  return new Promise((_, reject) => {
    channel.once('close', () => reject(new BusUnavailableError('the channel closed before the broker confirmed')));
  });
}

async function withTimeout<T>(work: Promise<T>, ms: number, ...racers: Promise<never>[]): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BusUnavailableError(`no broker confirm within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout, ...racers]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Heartbeats detect a dead TCP connection in seconds instead of the kernel's ~11 minutes. */
function withHeartbeat(url: string): string {
  if (/[?&]heartbeat=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}heartbeat=10`;
}
