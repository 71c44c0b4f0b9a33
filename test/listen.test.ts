import { EachMessagePayload } from "kafkajs";
import { groupJoined, listenFromNow, OffsetsAdmin, SeekingConsumer } from "../cli/listen";

/**
 * A topic with two partitions and a consumer that behaves like a new kafkajs group: it joins
 * (is assigned) some time after run(), and on its first fetch resolves "latest" to the end of
 * each partition at that moment, unless a seek is pending, which wins.
 */
class FakeTopic {
  public readonly log: string[] = [];
  public readonly partitions = new Map<number, string[]>([
    [0, ["old-0"]],
    [1, ["old-1a", "old-1b"]],
  ]);

  produce(partition: number, value: string): void {
    this.partitions.get(partition)!.push(value);
  }

  admin(): OffsetsAdmin {
    const admin = {
      connect: async () => void this.log.push("admin.connect"),
      disconnect: async () => void this.log.push("admin.disconnect"),
      fetchTopicOffsets: async (topic: string) => {
        this.log.push(`fetchTopicOffsets ${topic}`);
        return [...this.partitions].map(([partition, messages]) => ({ partition, offset: String(messages.length), high: String(messages.length), low: "0" }));
      },
    };
    return admin as unknown as OffsetsAdmin;
  }

  consumer(): SeekingConsumer & { joinAndFetch(): Promise<void> } {
    const seeks = new Map<number, number>();
    let handler: ((p: EachMessagePayload) => Promise<void>) | undefined;
    let ran = false;
    return {
      connect: async () => void this.log.push("consumer.connect"),
      subscribe: async () => void this.log.push("consumer.subscribe"),
      run: async (config) => {
        this.log.push("consumer.run");
        handler = config?.eachMessage;
        ran = true;
      },
      seek: ({ partition, offset }) => {
        if (!ran) throw new Error("Consumer group was not initialized, consumer#run must be called first");
        this.log.push(`seek ${partition}@${offset}`);
        seeks.set(partition, Number(offset));
      },
      // The group join and first fetch, whenever they happen: "latest" is the end now, unless seeked.
      joinAndFetch: async () => {
        for (const [partition, messages] of this.partitions) {
          const from = seeks.get(partition) ?? messages.length;
          for (const value of messages.slice(from)) await handler!({ topic: "t", partition, message: { value: Buffer.from(value) } } as unknown as EachMessagePayload);
        }
      },
    } as SeekingConsumer & { joinAndFetch(): Promise<void> };
  }
}

describe("listenFromNow", () => {
  test("reads the end offsets before the consumer starts, and seeks every partition to them after run()", async () => {
    const topic = new FakeTopic();
    const ends = await listenFromNow(topic.admin(), topic.consumer(), "t", { eachMessage: async () => undefined });
    expect(ends).toEqual([
      { partition: 0, offset: "1" },
      { partition: 1, offset: "2" },
    ]);
    expect(topic.log).toEqual(["admin.connect", "fetchTopicOffsets t", "admin.disconnect", "consumer.connect", "consumer.subscribe", "consumer.run", "seek 0@1", "seek 1@2"]);
  });

  test("a message written after it resolves is delivered although the group joins later; earlier ones are not", async () => {
    const topic = new FakeTopic();
    const seen: string[] = [];
    const consumer = topic.consumer();
    await listenFromNow(topic.admin(), consumer, "t", { eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    // The canary is written before the consumer's first fetch: the race verify used to lose.
    topic.produce(1, "canary");
    await consumer.joinAndFetch();
    expect(seen).toEqual(["canary"]);
  });

  test("without the seek, the same order loses the message (why the offsets are pinned)", async () => {
    const topic = new FakeTopic();
    const seen: string[] = [];
    const consumer = topic.consumer();
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    topic.produce(1, "canary");
    await consumer.joinAndFetch();
    expect(seen).toEqual([]);
  });

  test("an unreachable broker fails before anything is consumed, and the admin is disconnected", async () => {
    const topic = new FakeTopic();
    const admin = topic.admin();
    admin.fetchTopicOffsets = async () => {
      throw new Error("Connection timeout");
    };
    await expect(listenFromNow(admin, topic.consumer(), "t", {})).rejects.toThrow("Connection timeout");
    expect(topic.log).toEqual(["admin.connect", "admin.disconnect"]);
  });
});

test("groupJoined flips on kafkajs' GROUP_JOIN event only", () => {
  const listeners = new Map<string, () => void>();
  const consumer = { events: { GROUP_JOIN: "consumer.group_join" }, on: (event: string, listener: () => void) => void listeners.set(event, listener) };
  const joined = groupJoined(consumer as never);
  expect(joined()).toBe(false);
  listeners.get("consumer.group_join")!();
  expect(joined()).toBe(true);
});
