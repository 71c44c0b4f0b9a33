// @ts-check
"use strict";
/**
 * Registers (or updates) a Kafka Connect connector and waits until it and all its tasks are
 * RUNNING. Idempotent: PUT /connectors/NAME/config creates or updates in place.
 *
 * Env: CONNECT_URL, CONNECTOR_NAME, CONNECTOR_CONFIG_FILE (JSON object), TIMEOUT_SECONDS.
 */
const fs = require("fs");
const { env, http, log, until, run, FatalError } = require("./lib");

/**
 * @param {{ connectUrl: string, name: string, config: Record<string, string>, timeoutMs?: number }} input
 * @returns {Promise<{ connector: string, tasks: string[] }>}
 */
async function registerConnector({ connectUrl, name, config, timeoutMs = 300_000 }) {
  const plugins = await until("the Kafka Connect REST API", () => http("GET", `${connectUrl}/connector-plugins`), { timeoutMs });
  const wanted = config["connector.class"];
  if (!plugins.some((/** @type {{class: string}} */ p) => p.class === wanted)) {
    throw new Error(`Kafka Connect has no plugin ${wanted}; installed: ${plugins.map((/** @type {{class: string}} */ p) => p.class).join(", ")}`);
  }
  const name_ = encodeURIComponent(name);
  await http("PUT", `${connectUrl}/connectors/${name_}/config`, config);
  log(`connector ${name} configured`);
  const status = await until(
    `connector ${name} and its tasks to be RUNNING`,
    async () => {
      const s = await http("GET", `${connectUrl}/connectors/${name_}/status`);
      const failed = [s.connector, ...s.tasks].find((t) => t.state === "FAILED");
      if (failed) throw new FatalError(`connector ${name} FAILED: ${failed.trace ?? "no trace"}`);
      const running = s.connector.state === "RUNNING" && s.tasks.length > 0 && s.tasks.every((/** @type {{state: string}} */ t) => t.state === "RUNNING");
      return running ? s : undefined;
    },
    { timeoutMs },
  );
  const result = { connector: status.connector.state, tasks: status.tasks.map((/** @type {{state: string}} */ t) => t.state) };
  log(`connector ${name} RUNNING with ${result.tasks.length} task(s)`);
  return result;
}

if (require.main === module) {
  run(async () => {
    await registerConnector({
      connectUrl: env("CONNECT_URL"),
      name: env("CONNECTOR_NAME"),
      config: JSON.parse(fs.readFileSync(env("CONNECTOR_CONFIG_FILE"), "utf8")),
      timeoutMs: Number(env("TIMEOUT_SECONDS")) * 1000,
    });
  });
}

module.exports = { registerConnector };
