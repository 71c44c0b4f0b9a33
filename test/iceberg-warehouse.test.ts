import { IcebergWarehouse } from "../constructs";
import { PLATFORMS, synthOn } from "./helpers";

describe.each(PLATFORMS)("IcebergWarehouse on %s", (kind) => {
  const synth = () => synthOn(kind, (scope, platform) => new IcebergWarehouse(scope, "Warehouse", { platform }));

  test("MinIO keeps its data on a persistent volume; the catalog keeps metadata in a JDBC store on another", () => {
    const s = synth();
    if (kind === "docker") {
      expect(s.find("docker_volume", (v) => v.name === "lakehouse-minio-data")).toBeDefined();
      expect(s.find("docker_volume", (v) => v.name === "lakehouse-iceberg-rest-metadata")).toBeDefined();
    } else {
      expect(s.k8s("kubernetes_stateful_set_v1", "minio").spec.volume_claim_template[0].metadata.name).toBe("data");
      expect(s.k8s("kubernetes_stateful_set_v1", "iceberg-rest").spec.volume_claim_template[0].metadata.name).toBe("metadata");
    }
  });

  test("a job creates the bucket idempotently before the catalog starts", () => {
    const s = synth();
    if (kind === "docker") {
      const job = s.container("warehouse-bucket");
      expect(job.entrypoint.join(" ")).toContain('mc mb --ignore-existing "lake/$BUCKET"');
      expect(s.container("iceberg-rest").depends_on).toEqual([expect.stringMatching(/BucketJob/)]);
    } else {
      expect(s.k8s("kubernetes_stateful_set_v1", "iceberg-rest").depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/kubernetes_job_v1\..*BucketJob/)]));
    }
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
      AWS_ACCESS_KEY_ID: "lakehouse",
    });
    expect(env.AWS_SECRET_ACCESS_KEY).toMatch(/random_password/);
  });

  test("exposes typed outputs for the next layers", () => {
    let w: IcebergWarehouse | undefined;
    synthOn("docker", (scope, platform) => { w = new IcebergWarehouse(scope, "Warehouse", { platform, bucket: "lake", warehousePath: "tables" }); });
    expect(w!.catalog.url("http")).toBe("http://iceberg-rest:8181");
    expect(w!.s3.url("http")).toBe("http://minio:9000");
    expect(w!.warehouse).toBe("s3://lake/tables");
  });
});
