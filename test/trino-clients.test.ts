import { DashboardEngine, Lakehouse, LOCAL_IMAGE_REGISTRY, QueryEngineAuthentication } from "../constructs";
import { synthOn } from "./helpers";

const AUTH: QueryEngineAuthentication = { certificateFile: "/tls/trino.pem", privateKeyFile: "/tls/trino-key.pem", caFile: "/tls/ca.pem" };
const CA_FILE = "/etc/lakehouse/trino-ca.pem";
/** The CA file as Terraform reads it at plan. */
const CA_CONTENT = '${try(file("/tls/ca.pem"), "")}';
/** A generated password's expression, of the login of `user` (LoginDbt for dbt). */
const login = (id: string) => new RegExp(`^\\$\\{random_password\\.Lakehouse_QueryEngine_Login${id}_[A-Z0-9]+\\.result\\}$`);

const authenticated = (engine: DashboardEngine) =>
  synthOn("kubernetes", (scope, platform) => {
    new Lakehouse(scope, "Lakehouse", { platform, imageRegistry: LOCAL_IMAGE_REGISTRY, queryEngine: { authentication: AUTH }, dashboards: { engine } });
  });

describe("every client of a Trino that authenticates logs in over HTTPS as its own user, trusting the CA", () => {
  const s = authenticated("superset");

  test("dbt and Dagster: the profile's password target, dbt's password from its Secret, the CA file mounted", () => {
    for (const workload of ["dbt-build", "dagster-code"]) {
      expect(s.env(workload)).toMatchObject({ DBT_TARGET: "trino_password", DBT_TRINO_HOST: "trino", DBT_TRINO_PORT: "8443", DBT_TRINO_USER: "dbt", DBT_TRINO_CERT: CA_FILE });
      expect(s.credential(workload, "DBT_TRINO_PASSWORD")).toMatch(login("Dbt"));
      expect(s.files(workload)[CA_FILE]).toBe(CA_CONTENT);
    }
    expect(s.files("dbt-build")["/opt/lakehouse/dbt/profiles.yml"]).toContain("trino_password:\n      type: trino\n      method: ldap\n      http_scheme: https\n");
  });

  test("the freshness probe: its own user and password, the CA file named", () => {
    expect(s.env("freshness-probe")).toMatchObject({ TRINO_URL: "https://trino:8443", TRINO_USER: "lakehouse-freshness-probe", TRINO_CA_FILE: CA_FILE });
    expect(s.credential("freshness-probe", "TRINO_PASSWORD")).toMatch(login("LakehouseFreshnessProbe"));
    expect(s.files("freshness-probe")[CA_FILE]).toBe(CA_CONTENT);
  });

  test("Prometheus scrapes Trino over HTTPS with its own password file", () => {
    const trino = JSON.parse(s.files("prometheus")["/etc/prometheus/prometheus.yml"]).scrape_configs.find((c: any) => c.job_name === "trino");
    expect(trino).toMatchObject({
      scheme: "https",
      tls_config: { ca_file: CA_FILE },
      basic_auth: { username: "prometheus", password_file: "/run/secrets/scrape-trino-password" },
      static_configs: [{ targets: ["trino:8443"] }],
    });
    expect(s.secretFile("prometheus", "scrape-trino-password")).toMatch(login("Prometheus"));
    expect(s.files("prometheus")[CA_FILE]).toBe(CA_CONTENT);
  });

  test("Superset: its server trusts the CA; the provisioning job gets the password and names the CA file for the connection", () => {
    expect(s.files("superset")[CA_FILE]).toBe(CA_CONTENT);
    const spec = JSON.parse(s.files("superset-provisioning")["/job/dashboard.json"]);
    expect(spec.database).toEqual({ name: "Lakehouse (Trino)", host: "trino", port: 8443, catalog: "iceberg", user: "superset", caFile: CA_FILE });
    expect(s.credential("superset-provisioning", "TRINO_PASSWORD")).toMatch(login("Superset"));
  });

  test("Metabase likewise", () => {
    const m = authenticated("metabase");
    expect(m.files("metabase")[CA_FILE]).toBe(CA_CONTENT);
    expect(JSON.parse(m.files("metabase-provisioning")["/job/dashboard.json"]).database).toMatchObject({ port: 8443, user: "metabase", caFile: CA_FILE });
    expect(m.credential("metabase-provisioning", "TRINO_PASSWORD")).toMatch(login("Metabase"));
  });

  test("only Trino's own pods reach its HTTP port; every client reaches the HTTPS one", () => {
    const { ingress } = s.k8s("kubernetes_network_policy_v1", "trino-ingress").spec;
    const rules = ingress.map((rule: any) => ({ port: rule.ports[0].port, from: rule.from[0].pod_selector.match_expressions[0].values }));
    expect(rules).toEqual([
      { port: "8080", from: ["trino"] },
      { port: "8443", from: ["dagster-code", "dbt-build", "freshness-probe", "prometheus", "superset", "trino"] },
    ]);
  });
});
