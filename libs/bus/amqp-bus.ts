import { Logger } from '@nestjs/common';
import * as amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import { BusUnavailableError, DeliveryHandler, MessageBus, QueueDepth } from './message-bus';
import { DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE, QUEUES, QueueName, QueuePayloads } from './messages';

export interface AmqpBusOptions {
  readonly url: string;
  readonly deliveryLimit: number;
  readonly confirmTimeoutMs: number;
  readonly prefetch: number;
}

interface Publisher {
  readonly connection: amqp.ChannelModel;
  readonly channel: amqp.ConfirmChannel;
  /** Rejects when the channel closes: every pending confirm is then unknown. */
  readonly closed: Promise<never>;
}

interface Consumer {
  readonly queue: QueueName;
  readonly handler: DeliveryHandler<QueueName>;
}

/**
 * RabbitMQ through amqplib directly (ADR 0003): quorum queues with an explicit delivery limit
 * and an at-least-once dead-letter exchange, publisher confirms raced against a timeout and the
 * channel closing, manual acks, an explicit prefetch, and reconnection with re-subscription.
 * Publishing and consuming use separate connections so a blocked publisher never stalls acks.
 */
export class AmqpBus implements MessageBus {
  private readonly log = new Logger('AmqpBus');
  private publisher?: Publisher;
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
    return this.publisher !== undefined;
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
    this.consumers.push({ queue, handler: handler as unknown as DeliveryHandler<QueueName> });
    await this.connectConsumer();
  }

  async depth(queue: QueueName): Promise<QueueDepth> {
    const { channel } = await this.connectedPublisher();
    const [main, dead] = await Promise.all([channel.checkQueue(queue), channel.checkQueue(DEAD_LETTER_QUEUE)]);
    return { ready: main.messageCount, deadLettered: dead.messageCount };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([this.publisher?.connection.close(), this.consumerConnection?.close()]);
    this.publisher = undefined;
    this.consumerConnection = undefined;
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
      const connection = await amqp.connect(withHeartbeat(this.options.url));
      const channel = await connection.createConfirmChannel();
      await this.declareTopology(channel);
      channel.on('return', (msg: amqp.Message) => {
        if (msg.properties.messageId) this.returned.add(String(msg.properties.messageId));
      });
      channel.on('error', (e: Error) => this.log.warn(`publisher channel error: ${e.message}`));
      connection.on('error', (e: Error) => this.log.warn(`publisher connection error: ${e.message}`));
      connection.on('close', () => {
        this.publisher = undefined;
        if (!this.stopping) void this.connectPublisher();
      });
      const closed = channelClosed(channel);
      closed.catch(() => undefined);
      this.publisher = { connection, channel, closed };
    }).finally(() => (this.publisherConnecting = undefined));
    return this.publisherConnecting;
  }

  private connectConsumer(): Promise<void> {
    if (this.consumerChannel) return this.subscribeAll(this.consumerChannel, this.consumers.slice(-1));
    this.consumerConnecting ??= this.retryForever('consumer', async () => {
      const connection = await amqp.connect(withHeartbeat(this.options.url));
      const channel = await connection.createChannel();
      await this.declareTopology(channel);
      // Per-consumer prefetch; a global one is refused on quorum queues.
      await channel.prefetch(this.options.prefetch, false);
      channel.on('error', (e: Error) => this.log.warn(`consumer channel error: ${e.message}`));
      connection.on('error', (e: Error) => this.log.warn(`consumer connection error: ${e.message}`));
      const drop = () => {
        if (this.consumerChannel === channel) this.consumerChannel = undefined;
        if (!this.stopping) void this.connectConsumer();
      };
      channel.on('close', drop);
      connection.on('close', drop);
      this.consumerConnection = connection;
      this.consumerChannel = channel;
      await this.subscribeAll(channel, this.consumers);
    }).finally(() => (this.consumerConnecting = undefined));
    return this.consumerConnecting;
  }

  private async subscribeAll(channel: amqp.Channel, consumers: readonly Consumer[]): Promise<void> {
    for (const consumer of consumers) {
      await channel.consume(consumer.queue, (msg) => {
        if (msg) void this.deliver(channel, consumer, msg);
      }, { noAck: false });
      this.log.log(`consuming ${consumer.queue} (prefetch ${this.options.prefetch})`);
    }
  }

  private async deliver(channel: amqp.Channel, consumer: Consumer, msg: amqp.ConsumeMessage): Promise<void> {
    let outcome;
    try {
      const body = JSON.parse(msg.content.toString('utf8')) as QueuePayloads[QueueName];
      const failures = Number(msg.properties.headers?.['x-delivery-count'] ?? 0);
      outcome = await consumer.handler({ body, previousFailures: failures, redelivered: msg.fields.redelivered });
    } catch (e) {
      this.log.error(`handler for ${consumer.queue} threw: ${(e as Error).message}`);
      outcome = 'retry' as const;
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
