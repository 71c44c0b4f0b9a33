import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { IcebergWarehouse, KubernetesPlatform, PolicySuppressions, QueryEngine, TrinoAuthenticationRule } from "../../constructs";
import { check, policyStack } from "./helpers";

const config = (lines: string[]) => lines.join("\n") + "\n";

describe("trino-authentication", () => {
  test("fails: a Kubernetes ConfigMap with a Trino coordinator's config.properties that sets no authentication type", () => {
    const stack = policyStack();
    new ConfigMapV1(stack, "Open", { metadata: { name: "open" }, data: { "etc_trino_config.properties": config(["coordinator=true", "http-server.http.port=8080"]) } });
    const f = check(stack, new TrinoAuthenticationRule());
    expect(f.errors).toEqual([
      expect.stringMatching(
        /^policy\/Open: .*kubernetes_config_map_v1\.Open data\.etc_trino_config\.properties configures a Trino coordinator without authentication: any pod that reaches it may query, or drop, the warehouse's tables as any user\. Set QueryEngineProps\.authentication/,
      ),
    ]);
    expect(f.thrown).toMatch(/trino-authentication/);
  });

  test("passes: a coordinator with an authentication type, a worker, other files", () => {
    const stack = policyStack();
    new ConfigMapV1(stack, "Auth", { metadata: { name: "auth" }, data: { "etc_trino_config.properties": config(["coordinator=true", "http-server.authentication.type=PASSWORD"]) } });
    new ConfigMapV1(stack, "Worker", { metadata: { name: "worker" }, data: { "etc_trino_config.properties": config(["coordinator=false"]) } });
    new ConfigMapV1(stack, "Other", { metadata: { name: "other" }, data: { "app.properties": config(["coordinator=true"]) } });
    expect(check(stack, new TrinoAuthenticationRule()).errors).toEqual([]);
  });

  test("QueryEngine on Kubernetes without authentication fails; a suppression with its reason lets it pass", () => {
    const build = (suppress: boolean) => {
      const stack = policyStack();
      const platform = new KubernetesPlatform(stack, "Platform");
      const engine = new QueryEngine(stack, "Trino", { platform, warehouse: new IcebergWarehouse(stack, "Warehouse", { platform }) });
      if (suppress) PolicySuppressions.add(engine, TrinoAuthenticationRule.ID, "a test cluster only this team's pods reach");
      return check(stack, new TrinoAuthenticationRule());
    };
    expect(build(false).errors).toEqual([expect.stringMatching(/^policy\/Trino\/ResourceConfig: .*data\.etc_trino_config\.properties configures a Trino coordinator without authentication/)]);
    const suppressed = build(true);
    expect(suppressed.errors).toEqual([]);
    expect(suppressed.infos).toEqual([expect.stringMatching(/trino-authentication.*a test cluster only this team's pods reach/)]);
  });
});
