import { IcebergWarehouse } from "../constructs";
import { PLATFORMS, synthOn } from "./helpers";

describe.each(PLATFORMS)("IcebergWarehouse on %s", (kind) => {
  const synth = () => synthOn(kind, (scope, platform) => new IcebergWarehouse(scope, "Warehouse", { platform }));

  test("MinIO keeps its data on persistent storage; the catalog keeps metadata in a JDBC store on another", () => {
    const s = synth();
    expect(s.persistentPaths("minio")).toEqual(["/data"]);
    expect(s.persistentPaths("iceberg-rest")).toEqual(["/var/lib/iceberg"]);
    expect(s.env("iceberg-rest").CATALOG_URI).toMatch(/^jdbc:sqlite:file:\/var\/lib\/iceberg\//);
  });

  test("MinIO's root password is the bucket job's alone; the catalog signs with a user of its own, each secret generated and referenced", () => {
    const s = synth();
    const root = s.credential("minio", "MINIO_ROOT_PASSWORD");
    expect(root).toMatch(/random_password\.Warehouse_SecretAccessKey_/);
    expect(s.credential("warehouse-bucket", "S3_SECRET_KEY")).toBe(root);
    const catalog = s.credential("iceberg-rest", "AWS_SECRET_ACCESS_KEY");
    expect(catalog).toMatch(/random_password\.Warehouse_CatalogSecretKey_/);
    expect(s.credential("warehouse-bucket", "SECRET_CATALOG")).toBe(catalog);
    // The access key id is an identifier, not a secret: a plain value on both platforms.
    expect(s.env("iceberg-rest").AWS_ACCESS_KEY_ID).toBe("lakehouse-catalog");
    expect(s.env("warehouse-bucket")).toMatchObject({ USER_FLINK: "lakehouse-flink", USER_CATALOG: "lakehouse-catalog", USER_TRINO: "lakehouse-trino" });
    for (const c of ["FLINK", "TRINO"]) expect(s.credential("warehouse-bucket", `SECRET_${c}`)).toMatch(new RegExp(`random_password\\.Warehouse_${c[0]}${c.slice(1).toLowerCase()}SecretKey_`));
  });

  test("the bucket job gives each consumer a MinIO user and a policy: Flink the bucket, the catalog and Trino the warehouse path only", () => {
    const s = synth();
    const job = (kind === "docker" ? s.container("warehouse-bucket").entrypoint : s.k8sWorkload("warehouse-bucket").spec.template.spec.container[0].command).join(" ");
    for (const c of ["flink", "catalog", "trino"]) {
      expect(job).toContain(`mc admin policy create lake lakehouse-${c} /job/policy-${c}.json`);
      expect(job).toContain(`mc admin user add lake "$USER_${c.toUpperCase()}" "$SECRET_${c.toUpperCase()}"`);
      expect(job).toContain(`mc admin policy attach lake lakehouse-${c} --user "$USER_${c.toUpperCase()}"`);
    }
    const policy = (c: string) => JSON.parse(s.files("warehouse-bucket")[`/job/policy-${c}.json`]);
    const objects = (c: string) => policy(c).Statement.find((st: any) => st.Action.includes("s3:PutObject")).Resource;
    expect(objects("flink")).toEqual(["arn:aws:s3:::lakehouse/*"]);
    expect(objects("trino")).toEqual(["arn:aws:s3:::lakehouse/warehouse/*"]);
    expect(objects("catalog")).toEqual(["arn:aws:s3:::lakehouse/warehouse/*"]);
    const listing = (c: string) => policy(c).Statement.find((st: any) => st.Action.includes("s3:ListBucket"));
    expect(listing("trino").Condition).toEqual({ StringLike: { "s3:prefix": ["warehouse", "warehouse/*"] } });
    expect(listing("flink").Condition).toBeUndefined();
    // Nothing administrative, nothing beyond the bucket.
    for (const c of ["flink", "catalog", "trino"]) {
      for (const st of policy(c).Statement) {
        expect(st.Action.every((a: string) => a.startsWith("s3:"))).toBe(true);
        expect(st.Resource.every((r: string) => r.startsWith("arn:aws:s3:::lakehouse"))).toBe(true);
      }
    }
  });

  test("a job creates the bucket idempotently before the catalog starts", () => {
    const s = synth();
    const job = kind === "docker" ? s.container("warehouse-bucket").entrypoint : s.k8sWorkload("warehouse-bucket").spec.template.spec.container[0].command;
    expect(job.join(" ")).toContain('mc mb --ignore-existing "lake/$BUCKET"');
    const deps = kind === "docker" ? s.container("iceberg-rest").depends_on : s.k8sWorkload("iceberg-rest").depends_on;
    expect(deps).toEqual(expect.arrayContaining([expect.stringMatching(kind === "docker" ? /^docker_container\..*BucketJob/ : /^kubernetes_job_v1\..*BucketJob/)]));
  });
});

describe("IcebergWarehouse catalog", () => {
  test("uses S3FileIO against MinIO with a persistent SQLite JDBC store, credentials from a secret", () => {
    const env = synthOn("docker", (scope, platform) => new IcebergWarehouse(scope, "Warehouse", { platform })).containerEnv("iceberg-rest");
    expect(env).toMatchObject({
      CATALOG_WAREHOUSE: "s3://lakehouse/warehouse",
      CATALOG_URI: "jdbc:sqlite:file:/var/lib/iceberg/catalog.db?journal_mode=WAL&busy_timeout=30000",
      CATALOG_CLIENTS: "1",
      CATALOG_IO__IMPL: "org.apache.iceberg.aws.s3.S3FileIO",
      CATALOG_S3_ENDPOINT: "http://minio:9000",
      CATALOG_S3_PATH__STYLE__ACCESS: "true",
      AWS_ACCESS_KEY_ID: "lakehouse-catalog",
    });
    expect(env.AWS_SECRET_ACCESS_KEY).toMatch(/random_password/);
  });

  test("exposes typed outputs for the next layers", () => {
    let w: IcebergWarehouse | undefined;
    synthOn("docker", (scope, platform) => {
      w = new IcebergWarehouse(scope, "Warehouse", { platform, bucket: "lake", warehousePath: "tables" });
    });
    expect(w!.catalog.url("http")).toBe("http://iceberg-rest:8181");
    expect(w!.s3.url("http")).toBe("http://minio:9000");
    expect(w!.warehouse).toBe("s3://lake/tables");
  });
});
