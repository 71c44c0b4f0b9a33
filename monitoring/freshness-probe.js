// @ts-check
"use strict";
/**
 * The freshness probe: the pipeline's SLO, measured all the time. Every PROBE_INTERVAL_MS it
 * writes a heartbeat row to PostgreSQL (one row per probe, its `seq` the write's time in ms),
 * and times its way: the Debezium event on the probe's Kafka topic, and the row in Trino's
 * current-state table. Serves Prometheus metrics on METRICS_PORT:
 *
 *   lakehouse_freshness_seconds{hop}          histogram: commit in PostgreSQL -> seen at the hop
 *   lakehouse_freshness_pending_seconds{hop}  age of the oldest heartbeat the hop has not shown yet
 *                                             (grows while the pipeline stands still, when the
 *                                             histogram has nothing to record)
 *   lakehouse_freshness_heartbeats_total      heartbeats committed
 *   lakehouse_freshness_errors_total{stage}   failed writes, reads and polls
 *
 * hop is `kafka` or `trino`. Both ends are timed on this process's clock, from when the
 * heartbeat's autocommitted write is sent (its commit follows within its round trip, milliseconds
 * unless PostgreSQL stalls, which then counts too). Trino is polled every TRINO_POLL_MS while a
 * heartbeat is pending, so its figure is late by up to that. The state table holds only the
 * newest heartbeat: the ones it shows together became visible together.
 *
 * Runs in the freshness-probe image (the libraries on NODE_PATH), mounted by the Monitoring
 * construct. Environment: PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD (read by pg),
 * PROBE_TABLE, PROBE_NAME, PROBE_INTERVAL_MS, KAFKA_BOOTSTRAP, PROBE_TOPIC, TRINO_URL,
 * TRINO_USER, TRINO_TABLE, TRINO_POLL_MS, METRICS_PORT; with Trino's authentication also
 * TRINO_PASSWORD and TRINO_CA_FILE (the CA certificate to trust).
 */
const fs = require("fs");
const http = require("http");
const { Client } = require("pg");
const { CompressionCodecs, CompressionTypes, Kafka, logLevel } = require("kafkajs");
const { compressFrame, decompressFrame } = require("lz4-napi");
const prom = require("prom-client");
const { BasicAuth, Trino } = require("trino-client");

/** @param {string} name */
function env(name) {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`environment variable ${name} is not set`);
  return value;
}
/** @param {...unknown} parts */
const log = (...parts) => console.log(new Date().toISOString(), ...parts);
/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** @param {unknown} err */
const message = (err) => (err instanceof Error ? err.message : String(err)).split("\n")[0];

const config = {
  table: env("PROBE_TABLE"),
  name: env("PROBE_NAME"),
  intervalMs: Number(env("PROBE_INTERVAL_MS")),
  bootstrap: env("KAFKA_BOOTSTRAP"),
  topic: env("PROBE_TOPIC"),
  trinoUrl: env("TRINO_URL"),
  trinoUser: env("TRINO_USER"),
  trinoPassword: process.env.TRINO_PASSWORD,
  trinoCaFile: process.env.TRINO_CA_FILE,
  trinoTable: env("TRINO_TABLE"),
  trinoPollMs: Number(env("TRINO_POLL_MS")),
  port: Number(env("METRICS_PORT")),
};
// kafkajs decodes only gzip by itself; the connector writes the change topics lz4-compressed.
CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: (/** @type {{ buffer: Buffer }} */ encoder) => compressFrame(encoder.buffer),
  decompress: (/** @type {Buffer} */ buffer) => decompressFrame(buffer),
});

/** Heartbeats a hop may hold back (a day at 5 s); older ones are given up, the gauge keeps their age. */
const MAX_PENDING = 20_000;
const HOPS = /** @type {const} */ (["kafka", "trino"]);

/** @typedef {(typeof HOPS)[number]} Hop */

/** Heartbeats committed and not yet seen at a hop, by seq (= commit time, ms). */
const pending = /** @type {Record<Hop, Set<number>>} */ ({ kafka: new Set(), trino: new Set() });

prom.collectDefaultMetrics();
const freshness = new prom.Histogram({
  name: "lakehouse_freshness_seconds",
  help: "Seconds from a heartbeat's commit in PostgreSQL to its arrival at the hop (kafka: the Debezium event; trino: the current-state row)",
  labelNames: ["hop"],
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
});
new prom.Gauge({
  name: "lakehouse_freshness_pending_seconds",
  help: "Age of the oldest heartbeat the hop has not shown yet (0: none pending)",
  labelNames: ["hop"],
  collect() {
    const now = Date.now();
    for (const hop of HOPS) {
      const oldest = pending[hop].values().next().value;
      this.set({ hop }, oldest === undefined ? 0 : (now - oldest) / 1000);
    }
  },
});
const heartbeats = new prom.Counter({ name: "lakehouse_freshness_heartbeats_total", help: "Heartbeats committed to PostgreSQL" });
const errors = new prom.Counter({ name: "lakehouse_freshness_errors_total", help: "Failed heartbeat writes, Kafka reads and Trino polls", labelNames: ["stage"] });
for (const stage of ["postgres", "kafka", "trino"]) errors.inc({ stage }, 0);

/**
 * Heartbeats up to `seq` arrived at `hop` now. With `exact`, only `seq` itself is timed (Kafka
 * delivers each event; earlier ones not delivered were written before the consumer joined);
 * otherwise every pending one up to it is (the state table shows them all at once).
 * @param {Hop} hop @param {number} seq @param {boolean} exact
 */
function arrived(hop, seq, exact) {
  const now = Date.now();
  for (const s of pending[hop]) {
    if (s > seq) break; // a Set iterates in insertion order: ascending
    if (!exact || s === seq) freshness.observe({ hop }, (now - s) / 1000);
    pending[hop].delete(s);
  }
}

let lastSeq = 0;

/** @param {number} seq */
function committed(seq) {
  heartbeats.inc();
  for (const hop of HOPS) {
    pending[hop].add(seq);
    const oldest = pending[hop].values().next().value;
    if (pending[hop].size > MAX_PENDING && oldest !== undefined) pending[hop].delete(oldest);
  }
}

/** Writes a heartbeat every interval, reconnecting after a failure. */
async function writeHeartbeats() {
  /** @type {Client | undefined} */
  let pg;
  for (;;) {
    const started = Date.now();
    try {
      if (!pg) {
        pg = new Client({ application_name: "lakehouse-freshness-probe", connectionTimeoutMillis: 10_000 });
        pg.on("error", () => undefined); // a dropped connection fails the next query, which reconnects
        await pg.connect();
      }
      // seq: the time the write starts, so it grows across restarts without reading anything back.
      const seq = Math.max(started, lastSeq + 1);
      await pg.query(`INSERT INTO ${config.table} (probe, seq, written_at) VALUES ($1, $2, now()) ON CONFLICT (probe) DO UPDATE SET seq = EXCLUDED.seq, written_at = EXCLUDED.written_at`, [
        config.name,
        seq,
      ]);
      lastSeq = seq;
      committed(seq);
    } catch (err) {
      errors.inc({ stage: "postgres" });
      log(`heartbeat not written: ${message(err)}`);
      await pg?.end().catch(() => undefined);
      pg = undefined;
    }
    await sleep(Math.max(0, config.intervalMs - (Date.now() - started)));
  }
}

/** Consumes the probe's topic from its end, once Debezium has created it. */
async function watchKafka() {
  const kafka = new Kafka({ clientId: "lakehouse-freshness-probe", brokers: config.bootstrap.split(","), logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  // Subscribing to a missing topic would create it with the broker's defaults, not Debezium's.
  while (!(await admin.listTopics().catch(() => /** @type {string[]} */ ([]))).includes(config.topic)) await sleep(config.intervalMs);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `lakehouse-freshness-probe-${config.name}`, allowAutoTopicCreation: false });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    errors.inc({ stage: "kafka" });
    log(`Kafka consumer crashed: ${message(payload.error)}${payload.restart ? " (restarting)" : ""}`);
    if (!payload.restart) process.exit(1); // the platform restarts the probe
  });
  await consumer.connect();
  await consumer.subscribe({ topic: config.topic, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message: m }) => {
      const seq = heartbeatSeq(m.value);
      if (seq !== undefined) arrived("kafka", seq, true);
    },
  });
  log(`watching ${config.topic}`);
}

/**
 * The seq of a Debezium event of the probe's row (its `after` image), if it is one.
 * @param {Buffer | null} value
 */
function heartbeatSeq(value) {
  if (!value) return undefined;
  try {
    const event = JSON.parse(value.toString("utf8"));
    const after = (event.payload ?? event).after;
    return after && after.probe === config.name ? Number(after.seq) : undefined;
  } catch {
    return undefined;
  }
}

/** Polls Trino's current-state row while a heartbeat is pending there. */
async function watchTrino() {
  const trino = Trino.create({
    server: config.trinoUrl,
    auth: new BasicAuth(config.trinoUser, config.trinoPassword),
    ...(config.trinoCaFile ? { ssl: { ca: fs.readFileSync(config.trinoCaFile) } } : {}),
  });
  const sql = `SELECT seq FROM ${config.trinoTable} WHERE probe = '${config.name.replace(/'/g, "''")}'`;
  for (;;) {
    const started = Date.now();
    if (pending.trino.size > 0) {
      try {
        let seq;
        for await (const result of await trino.query(sql)) {
          if (result.error) throw new Error(result.error.message);
          for (const row of result.data ?? []) seq = Number(row[0]);
        }
        if (seq !== undefined) arrived("trino", seq, false);
      } catch (err) {
        errors.inc({ stage: "trino" });
        log(`Trino poll failed: ${message(err)}`);
      }
    }
    await sleep(Math.max(0, config.trinoPollMs - (Date.now() - started)));
  }
}

function serveMetrics() {
  http
    .createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(req.url === "/" ? 200 : 404).end("lakehouse freshness probe: /metrics\n");
        return;
      }
      prom.register
        .metrics()
        .then((/** @type {string} */ text) => res.writeHead(200, { "content-type": prom.register.contentType }).end(text))
        .catch((/** @type {unknown} */ err) => res.writeHead(500).end(message(err)));
    })
    .listen(config.port);
}

serveMetrics();
log(`probe '${config.name}': a heartbeat every ${config.intervalMs} ms to ${config.table}, watched on ${config.topic} and ${config.trinoTable}`);
for (const [task, run] of /** @type {const} */ ([
  ["heartbeat", writeHeartbeats],
  ["kafka", watchKafka],
  ["trino", watchTrino],
])) {
  run().catch((err) => {
    log(`${task} stopped: ${message(err)}`);
    process.exit(1); // the platform restarts the probe
  });
}
