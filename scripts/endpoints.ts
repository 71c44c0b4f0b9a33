import { stackOutputs } from "../cli/outputs";
import { DEV_PORTS } from "../stacks/environments";

// Prints where the dev stack's services answer on this machine. Passwords stay in Terraform
// state: the hint shows how to read them, nothing secret is printed.
const stack = process.argv[2] ?? "dev";
const o = stackOutputs(stack, process.cwd());
const rows: [string, string][] = [
  ["PostgreSQL", `postgresql://${o.postgres_admin_user}@127.0.0.1:${DEV_PORTS.postgres}/${o.postgres_database}`],
  ["Kafka (bootstrap)", o.kafka_bootstrap_external],
  ["Kafka Connect", `http://127.0.0.1:${DEV_PORTS.connect}/connectors/${o.connector_name}/status`],
  ["Flink web UI", `http://127.0.0.1:${DEV_PORTS.flink}  (job ${o.flink_job_name})`],
  ["MinIO console", `http://127.0.0.1:${DEV_PORTS.minioConsole}  (user ${o.s3_access_key_id})`],
  ["Iceberg REST catalog", `http://127.0.0.1:${DEV_PORTS.icebergRest}/v1/config`],
  ["Trino", `http://127.0.0.1:${DEV_PORTS.trino}  (catalog iceberg: raw_data.*, ${o.postgres_database}.*)`],
];
if (o.dagster_url) rows.push(["Dagster", `http://127.0.0.1:${DEV_PORTS.dagster}  (job ${o.dagster_build_job}, dbt marts in ${o.dbt_marts_schema})`]);
if (o.dashboards_url) {
  const engine = o.dashboards_engine as "metabase" | "superset";
  rows.push([engine === "superset" ? "Superset" : "Metabase", `http://127.0.0.1:${DEV_PORTS[engine]}  (login ${o.dashboards_admin_login}, dashboard "${o.dashboards_name}")`]);
}
for (const [name, where] of rows) console.log(`  ${name.padEnd(22)} ${where}`);
console.log(`\n  Passwords: npx cdktf output ${stack} --outputs-file out.json --outputs-file-include-sensitive-outputs`);
