import * as amqp from 'amqplib';
import { AmqpBus } from '../../libs/bus/amqp-bus';
import { BusUnavailableError, HandlerOutcome } from '../../libs/bus/message-bus';
import { DEAD_LETTER_QUEUE, QUEUES, RecordChunkMessage } from '../../libs/bus/messages';
import { noRecords, reliabilityCase } from '../support/reliability';
import { createTestVhost } from '../support/test-services';

jest.setTimeout(60_000);

const chunk = (chunkNo: number): RecordChunkMessage => ({
  batchId: '00000000-0000-4000-8000-000000000000',
  chunkNo,
  mappingVersion: null,
  supplierId: 's',
  supplierCode: 'sup',
  itemCode: 'administrative_penalty',
  channel: 'test',
  receivedAt: new Date().toISOString(),
  records: [{ index: 0, sourceKey: 'k', payload: { a: 1 } }],
});

/** The RabbitMQ contract of ADR 0003, on a real broker (a vhost of its own). */
describe('AmqpBus on RabbitMQ', () => {
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let bus: AmqpBus;

  beforeEach(async () => {
    vhost = await createTestVhost();
    bus = new AmqpBus({ url: vhost.url, deliveryLimit: 3, confirmTimeoutMs: 5_000, prefetch: 4 });
    await bus.start();
  });

  afterEach(async () => {
    await bus.stop();
    await vhost.drop();
  });

  it('declares a durable quorum queue with an explicit delivery limit and an at-least-once dead-letter exchange', async () => {
    const connection = await amqp.connect(vhost.url);
    try {
      const channel = await connection.createChannel();
      // Re-declaring with the same arguments succeeds; any other argument would close the channel.
      await expect(
        channel.assertQueue(QUEUES.records, {
          durable: true,
          arguments: {
            'x-queue-type': 'quorum',
            'x-delivery-limit': 3,
            'x-dead-letter-exchange': 'hub.dead-letter',
            'x-dead-letter-strategy': 'at-least-once',
            'x-overflow': 'reject-publish',
          },
        }),
      ).resolves.toMatchObject({ queue: QUEUES.records });
    } finally {
      await connection.close();
    }
  });

  it('delivers a confirmed chunk to the consumer, which acks it', async () => {
    const seen: number[] = [];
    await bus.consume(QUEUES.records, async (d) => {
      seen.push(d.body.chunkNo);
      return 'ack';
    });
    await bus.publish(QUEUES.records, [chunk(1), chunk(2)]);
    await waitFor(() => seen.length === 2);
    expect(seen.sort()).toEqual([1, 2]);
    await waitFor(async () => (await bus.depth(QUEUES.records)).ready === 0);
  });

  it('dead-letters a chunk that fails more often than the delivery limit, counting each failure', async () => {
    const failuresSeen: number[] = [];
    await bus.consume(QUEUES.records, async (d): Promise<HandlerOutcome> => {
      failuresSeen.push(d.previousFailures);
      return 'retry';
    });
    await bus.publish(QUEUES.records, [chunk(9)]);
    await waitFor(async () => (await bus.depth(QUEUES.records)).deadLettered === 1);
    expect(failuresSeen).toEqual([0, 1, 2, 3]);
    const connection = await amqp.connect(vhost.url);
    try {
      const channel = await connection.createChannel();
      const dead = await channel.get(DEAD_LETTER_QUEUE, { noAck: true });
      expect(dead && (JSON.parse(dead.content.toString()) as RecordChunkMessage).chunkNo).toBe(9);
    } finally {
      await connection.close();
    }
  });

  reliabilityCase(
    {
      id: 'A6',
      group: 'A broker',
      title: 'an unroutable publish is a failure, not a success (the broker confirms it too)',
      channel: 'AmqpBus on RabbitMQ',
      input: 'hub.records is deleted; a chunk is published with mandatory set',
      expected: 'the basic.return is taken as a failure: the publish rejects with BusUnavailableError (the API answers 503), nothing counted as accepted',
    },
    async () => {
    const connection = await amqp.connect(vhost.url);
    try {
      await (await connection.createChannel()).deleteQueue(QUEUES.records);
    } finally {
      await connection.close();
    }
    await expect(bus.publish(QUEUES.records, [chunk(1)])).rejects.toBeInstanceOf(BusUnavailableError);
    return noRecords('publish rejected with BusUnavailableError (queue missing)');
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
