import { Admin, Consumer, ConsumerRunConfig } from "kafkajs";

/** The part of kafkajs' admin client that {@link listenFromNow} uses. */
export type OffsetsAdmin = Pick<Admin, "connect" | "disconnect" | "fetchTopicOffsets">;
/** The part of a kafkajs consumer that {@link listenFromNow} uses. */
export type SeekingConsumer = Pick<Consumer, "connect" | "subscribe" | "run" | "seek">;

/** End offset of each partition of a topic: where the next message of that partition will be written. */
export interface PartitionEnd {
  readonly partition: number;
  readonly offset: string;
}

/** The end offset of every partition of `topic`, read now. */
export async function endOffsets(admin: OffsetsAdmin, topic: string): Promise<PartitionEnd[]> {
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map(({ partition, offset }) => ({ partition, offset }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Consumes `topic` from where it ends when this is called: every message produced after the
 * returned promise resolves is delivered, however late the consumer joins its group.
 *
 * Why: a new group asked for the "latest" offset resolves it at its first fetch, which can come
 * after a message the caller has already written, and that message is then never seen. Here
 * the end offsets are read first (before the caller writes anything) and the consumer seeks to
 * them; kafkajs keeps a seek until the partition is assigned, and a message written later has a
 * higher offset. A message may be delivered twice (a fetch before the seek lands): key them.
 */
export async function listenFromNow(admin: OffsetsAdmin, consumer: SeekingConsumer, topic: string, handlers: Pick<ConsumerRunConfig, "eachMessage" | "eachBatch">): Promise<PartitionEnd[]> {
  const ends = await endOffsets(admin, topic);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  // kafkajs accepts a seek only once run() has created the group.
  await consumer.run(handlers);
  for (const { partition, offset } of ends) consumer.seek({ topic, partition, offset });
  return ends;
}

/**
 * A flag that turns true when the consumer joins its group (kafkajs' GROUP_JOIN); register it
 * before run(). Pinned offsets make waiting for it unnecessary to see a message, but a latency
 * measured before the join would include the join itself.
 */
export function groupJoined(consumer: Pick<Consumer, "on" | "events">): () => boolean {
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  return () => joined;
}
