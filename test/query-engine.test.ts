import { IcebergWarehouse, QueryEngine, QueryEngineProps } from "../constructs";
import { PLATFORMS, synthOn } from "./helpers";

const build =
  (props: Partial<QueryEngineProps> = {}) =>
  (scope: any, platform: any) => {
    const warehouse = new IcebergWarehouse(scope, "Warehouse", { platform });
    return new QueryEngine(scope, "Trino", { platform, warehouse, ...props });
  };

describe.each(PLATFORMS)("QueryEngine on %s", (kind) => {
  test("a coordinator, plus workers when asked, each with the catalog mounted and Trino's own S3 user, its secret referenced", () => {
    const s = synthOn(kind, build({ workers: 2 }));
    const workers = kind === "docker" ? ["trino-worker-0", "trino-worker-1"] : ["trino-worker"];
    if (kind === "docker") expect(() => s.container("trino-worker-2")).toThrow(/found 0/);
    else expect(s.k8sWorkload("trino-worker").spec.replicas).toBe("2");
    for (const node of ["trino", ...workers]) {
      const files = s.files(node);
      expect(files["/etc/trino/catalog/iceberg.properties"]).toContain("s3.aws-secret-key=${ENV:S3_SECRET_KEY}\n");
      expect(files["/etc/trino/config.properties"]).toContain(node === "trino" ? "coordinator=true\n" : "coordinator=false\n");
      expect(s.credential(node, "S3_SECRET_KEY")).toMatch(/random_password\.Warehouse_TrinoSecretKey_/);
      expect(s.env(node).S3_ACCESS_KEY).toBe("lakehouse-trino");
      expect(s.persistentPaths(node)).toEqual([]);
    }
  });
});

describe("QueryEngine configuration", () => {
  test("catalog `iceberg` on the REST catalog with the native S3 file system; keys from the environment", () => {
    const s = synthOn("docker", build());
    expect(s.upload("trino", "/etc/trino/catalog/iceberg.properties")).toBe(
      [
        "connector.name=iceberg",
        "iceberg.catalog.type=rest",
        "iceberg.rest-catalog.uri=http://iceberg-rest:8181",
        "iceberg.rest-catalog.warehouse=s3://lakehouse/warehouse",
        "iceberg.file-format=PARQUET",
        "fs.native-s3.enabled=true",
        "s3.endpoint=http://minio:9000",
        "s3.region=us-east-1",
        "s3.path-style-access=true",
        "s3.aws-access-key=${ENV:S3_ACCESS_KEY}",
        "s3.aws-secret-key=${ENV:S3_SECRET_KEY}",
        "",
      ].join("\n"),
    );
    expect(s.containerEnv("trino").S3_SECRET_KEY).toMatch(/random_password/);
  });

  test("without workers the coordinator schedules work on itself", () => {
    const s = synthOn("docker", build());
    expect(s.upload("trino", "/etc/trino/config.properties")).toContain("coordinator=true\nnode-scheduler.include-coordinator=true\n");
    expect(s.container("trino").healthcheck.test).toEqual(["CMD", "/usr/lib/trino/bin/health-check"]);
  });

  test("workers stop gracefully: Trino's shutdown asked for by the one user their rules allow it, within the pod's grace; the coordinator keeps the default access control", () => {
    const s = synthOn("kubernetes", build({ workers: 2 }));
    const pod = s.k8sWorkload("trino-worker").spec.template.spec;
    const [shell, flag, script] = pod.container[0].lifecycle.pre_stop[0].exec.command;
    expect([shell, flag]).toEqual(["sh", "-c"]);
    expect(script).toMatch(/^curl -fsS -X PUT .*-H 'X-Trino-User: graceful-shutdown' -d '"SHUTTING_DOWN"' http:\/\/localhost:8080\/v1\/info\/state && sleep 60$/);
    expect(pod.termination_grace_period_seconds).toBe(60);
    const files = s.files("trino-worker");
    expect(files["/etc/trino/config.properties"]).toContain("shutdown.grace-period=10s\n");
    expect(files["/etc/trino/access-control.properties"]).toBe("access-control.name=file\nsecurity.config-file=/etc/trino/rules.json\n");
    expect(JSON.parse(files["/etc/trino/rules.json"])).toEqual({ system_information: [{ user: "graceful-shutdown", allow: ["read", "write"] }, { allow: ["read"] }] });
    expect(s.files("trino")["/etc/trino/access-control.properties"]).toBeUndefined();
    expect(s.k8sWorkload("trino").spec.template.spec.container[0].lifecycle).toBeUndefined();
  });

  test("the catalog name is a prop", () => {
    const s = synthOn("docker", build({ catalogName: "lake" }));
    expect(s.upload("trino", "/etc/trino/catalog/lake.properties")).toContain("connector.name=iceberg");
  });
});
