import { deployedStack } from "../cli/outputs";
import { AccessEndpoint } from "../constructs/access";

// Prints where a stack's services answer on this machine, from its access contract. Passwords
// stay in Terraform state: the hint shows how to read them, nothing secret is printed.
const stack = process.argv[2] ?? "dev";
const { access: a } = deployedStack(stack, process.cwd());
const on = (e: AccessEndpoint, scheme = "http", path = "") => (e.published ? `${scheme}://${e.published}${path}` : `${e.internal} in the platform network (not published: use a port-forward)`);
const rows: [string, string][] = [
  ["PostgreSQL", a.source.endpoint.published ? `postgresql://${a.source.adminUser ?? a.source.cdcUser}@${a.source.endpoint.published}/${a.source.database}` : on(a.source.endpoint)],
];
if (a.cdc) {
  rows.push(["Kafka (bootstrap)", a.cdc.kafka.external]);
  rows.push(["Kafka Connect", on(a.cdc.connect, "http", `/connectors/${a.cdc.connectorName}/status`)]);
}
if (a.streamJob) rows.push(["Flink web UI", `${on(a.streamJob.jobManager)}  (job ${a.streamJob.jobName})`]);
if (a.warehouse?.console) rows.push(["MinIO console", `${on(a.warehouse.console)}  (user ${a.warehouse.accessKeyId})`]);
if (a.warehouse) rows.push(["Iceberg REST catalog", on(a.warehouse.catalog, "http", "/v1/config")]);
if (a.query) {
  const layers = [a.namespaces.raw, a.namespaces.state]
    .filter((n) => n !== undefined)
    .map((n) => `${n}.*`)
    .join(", ");
  rows.push(["Trino", `${on(a.query.trino)}  (catalog ${a.query.catalog}: ${layers})`]);
}
if (a.orchestrator) rows.push(["Dagster", `${on(a.orchestrator.dagster)}  (job ${a.orchestrator.buildJob}, dbt marts in ${a.query?.catalog}.${a.namespaces.marts})`]);
if (a.dashboards) {
  const d = a.dashboards;
  rows.push([d.engine === "superset" ? "Superset" : "Metabase", `${on(d.endpoint)}  (login ${d.adminLogin}, dashboard "${d.name}")`]);
}
if (a.monitoring) {
  rows.push(["Prometheus", `${on(a.monitoring.prometheus, "http", "/classic/alerts")}  (${a.monitoring.alerts.length} alert rules)`]);
  rows.push(["Alertmanager", on(a.monitoring.alertmanager)]);
}
for (const [name, where] of rows) console.log(`  ${name.padEnd(22)} ${where}`);
const secrets = Object.values(a.credentials).join(", ");
console.log(`\n  Passwords (${secrets}): npx cdktf output ${stack} --outputs-file out.json --outputs-file-include-sensitive-outputs`);
