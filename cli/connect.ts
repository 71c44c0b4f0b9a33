import { getJson, Target } from "./target";

/** A source offset of the connector, as Kafka Connect's `GET /connectors/<name>/offsets` lists it. */
export type SourceOffset = Record<string, unknown>;

/** The Debezium connector of a stack, through Kafka Connect's REST API. */
export interface ConnectorApi {
  readonly name: string;
  /** The connector's configuration. */
  config(): Promise<Record<string, string>>;
  /** States of the connector and its tasks (a stopped connector has no tasks). */
  states(): Promise<string[]>;
  pause(): Promise<void>;
  /** Shuts the connector's tasks down; its offsets can then be changed (KIP-875). */
  stop(): Promise<void>;
  /** Starts a paused or stopped connector. */
  resume(): Promise<void>;
  /** The connector's source offsets (none before its first committed record). */
  offsets(): Promise<SourceOffset[]>;
  /** Forgets the offsets of a stopped connector: it starts as if new (Debezium: a new snapshot). */
  resetOffsets(): Promise<void>;
}

export function connectorApi(t: Target): ConnectorApi {
  const base = `${t.connectUrl}/connectors/${encodeURIComponent(t.connector)}`;
  return {
    name: t.connector,
    config: () => getJson<Record<string, string>>(`${base}/config`),
    states: async () => {
      const status = await getJson<{ connector: { state: string }; tasks: { state: string }[] }>(`${base}/status`);
      return [status.connector.state, ...status.tasks.map((task) => task.state)];
    },
    pause: () => send("PUT", `${base}/pause`),
    stop: () => send("PUT", `${base}/stop`),
    resume: () => send("PUT", `${base}/resume`),
    offsets: async () => (await getJson<{ offsets: { offset: SourceOffset }[] }>(`${base}/offsets`)).offsets.map((o) => o.offset),
    resetOffsets: () => send("DELETE", `${base}/offsets`),
  };
}

async function send(method: string, url: string): Promise<void> {
  const response = await fetch(url, { method, signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
}
