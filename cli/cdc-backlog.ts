import { randomUUID } from "crypto";
import { accountsTopic, waitFor, waitForIdle, writeAtRate } from "./bench";
import { loadDuring } from "./resources";
import { connectorApi } from "./connect";
import { connectPostgres, kafkaClient, Target } from "./target";

export interface CdcBacklogOptions {
  /** Rows written while the connector is paused. */
  readonly rows: number;
  /** PostgreSQL connections sharing the writes. */
  readonly writers: number;
  readonly progress: (line: string) => void;
}

export interface CdcBacklogReport {
  readonly startedAt: string;
  readonly rows: number;
  /** Seconds from resuming the connector until Kafka held every row. */
  readonly seconds: number;
  /** What Debezium and Kafka Connect deliver to Kafka when nothing else limits them. */
  readonly eventsPerSecond: number;
  /** Up to five `<workload> <cpu>%` while the backlog drained, busiest first. */
  readonly topCpu: string[];
}

/**
 * The CDC hop alone: pauses the connector, writes `rows` rows (batches of 500, as the bench), then
 * resumes it and times until the accounts topic has grown by that many offsets (each Kafka
 * transaction's commit marker takes one too: about one per 8,192 rows, so the figure is at most
 * 0.02% high). Flink keeps reading meanwhile, as in production. The connector is resumed and the
 * rows are deleted whatever happens.
 */
export async function cdcBacklog(t: Target, o: CdcBacklogOptions): Promise<CdcBacklogReport> {
  const say = o.progress;
  const topic = accountsTopic(t);
  const connector = connectorApi(t);
  const pg = await connectPostgres(t);
  const admin = kafkaClient(t).admin();
  await admin.connect();
  const endOffset = async () => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  const userId = randomUUID();
  await pg.query("INSERT INTO users (id, email, name) VALUES ($1, $2, 'lakehouse cdc backlog')", [userId, `backlog-${userId}@lakehouse.bench`]);
  try {
    say("waiting for an idle pipeline");
    await waitForIdle(t, pg, userId);
    say(`pausing connector ${t.connector}; writing ${o.rows} rows from ${o.writers} connection(s)`);
    await connector.pause();
    await waitFor(async () => (await connector.states()).every((s) => s === "PAUSED"), 60_000, `connector ${t.connector} to pause`);
    const base = await endOffset();
    await writeAtRate(t, userId, { rate: Infinity, durationSeconds: Infinity, writers: o.writers, rows: o.rows });
    say("resuming the connector: timing until Kafka holds every row");
    const [seconds, { cpu }] = await loadDuring(t.platform, t.flinkUrl, t.jobName, async () => {
      const start = Date.now();
      await connector.resume();
      await waitFor(async () => (await endOffset()) - base >= o.rows, 600_000, `Kafka to hold the ${o.rows} rows`, 200);
      return (Date.now() - start) / 1000;
    });
    return { startedAt: new Date().toISOString(), rows: o.rows, seconds, eventsPerSecond: Math.round(o.rows / seconds), topCpu: cpu.top };
  } finally {
    await connector.resume().catch((e) => say(`could not resume the connector: ${e.message}`));
    await pg.query("DELETE FROM accounts WHERE user_id = $1", [userId]).catch(() => undefined);
    await pg.query("DELETE FROM users WHERE id = $1", [userId]).catch(() => undefined);
    await Promise.all([pg.end(), admin.disconnect()]);
  }
}

/** The report as terminal lines. */
export function formatCdcBacklog(r: CdcBacklogReport): string {
  return [`  ${r.rows} rows of a paused connector reached Kafka in ${r.seconds} s: ${r.eventsPerSecond} events/s`, `  CPU while draining: ${r.topCpu.join(", ")}`].join("\n");
}
