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
    // A file MinIO reads, in no variable.
    expect(s.env("minio").MINIO_ROOT_PASSWORD_FILE).toBe("/run/secrets/minio-root-password");
    expect(s.env("minio").MINIO_ROOT_PASSWORD).toBeUndefined();
    const root = s.secretFile("minio", "minio-root-password");
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

describe.each(PLATFORMS)("IcebergWarehouse catalog on PostgreSQL, on %s", (kind) => {
  const synth = () => synthOn(kind, (scope, platform) => new IcebergWarehouse(scope, "Warehouse", { platform, catalogStore: "postgres", catalogReplicas: 2 }));

  test("catalog servers keep no volume and share a PostgreSQL of their own, its password generated and referenced", () => {
    const s = synth();
    // Docker names replicas -0, -1; Kubernetes has one Deployment.
    const catalog = kind === "docker" ? "iceberg-rest-0" : "iceberg-rest";
    expect(s.persistentPaths(catalog)).toEqual([]);
    expect(s.persistentPaths("iceberg-db")).toEqual(["/var/lib/postgresql/data"]);
    const env = s.env(catalog);
    expect(env).toMatchObject({ CATALOG_URI: "jdbc:postgresql://iceberg-db:5432/iceberg", CATALOG_JDBC_USER: "iceberg" });
    expect(env.CATALOG_CLIENTS).toBeUndefined();
    const password = s.credential(catalog, "CATALOG_JDBC_PASSWORD");
    expect(password).toMatch(/random_password\.Warehouse_CatalogDbPassword_/);
    expect(s.secretFile("iceberg-db", "postgres-password")).toBe(password);
  });

  test("two catalog servers behind one endpoint", () => {
    const s = synth();
    if (kind === "docker") {
      expect(["iceberg-rest-0", "iceberg-rest-1"].map((n) => s.container(n).networks_advanced[0].aliases)).toEqual([
        ["iceberg-rest", "iceberg-rest-0"],
        ["iceberg-rest", "iceberg-rest-1"],
      ]);
    } else {
      expect(s.k8s("kubernetes_deployment_v1", "iceberg-rest").spec.replicas).toBe("2");
      expect(s.k8s("kubernetes_pod_disruption_budget_v1", "iceberg-rest")).toBeDefined();
    }
  });
});

describe.each(PLATFORMS)("IcebergWarehouse with a distributed MinIO, on %s", (kind) => {
  const synth = () => synthOn(kind, (scope, platform) => new IcebergWarehouse(scope, "Warehouse", { platform, minioServers: 3 }));

  test("three servers, each with a volume of its own, each naming every server's drive; ready once the cluster can write", () => {
    const s = synth();
    const hosts = kind === "docker" ? ["minio-0", "minio-1", "minio-2"] : ["minio-0.minio-replicas", "minio-1.minio-replicas", "minio-2.minio-replicas"];
    // Each server first waits until its own name resolves to its own address (a replaced pod's may still name its predecessor's).
    const command = [
      "/bin/sh",
      "-c",
      [
        `for h in ${hosts.join(" ")}; do case "$h" in "$(hostname)" | "$(hostname)".*) self="$h" ;; esac; done`,
        'while [ -n "$self" ] && ! getent hosts "$self" | grep -qw "$(hostname -i)"; do sleep 1; done',
        `exec minio server ${hosts.map((h) => `http://${h}:9000/data`).join(" ")} --console-address :9001 --certs-dir /tmp/minio-certs`,
      ].join("\n"),
    ];
    if (kind === "docker") {
      for (const name of ["minio-0", "minio-1", "minio-2"]) {
        expect(s.container(name).entrypoint).toEqual(command);
        expect(s.container(name).healthcheck.test).toEqual(expect.arrayContaining([expect.stringMatching(/\/minio\/health\/cluster/)]));
      }
      expect(s.container("minio-1").volumes.map((v: any) => v.volume_name)).toEqual([expect.stringMatching(/MinioVolumeData1/)]);
    } else {
      const sts = s.k8s("kubernetes_stateful_set_v1", "minio");
      expect(sts.spec).toMatchObject({ replicas: "3", service_name: "minio-replicas", pod_management_policy: "Parallel" });
      expect(sts.spec.template.spec.container[0].command).toEqual(command);
      expect(sts.spec.template.spec.container[0].readiness_probe.http_get.path).toBe("/minio/health/cluster");
      expect(s.k8s("kubernetes_pod_disruption_budget_v1", "minio")).toBeDefined();
    }
  });
});

describe("IcebergWarehouse catalog props", () => {
  const build = (props: object) => () => synthOn("docker", (scope, platform) => new IcebergWarehouse(scope, "Warehouse", { platform, ...props }));
  test("several catalog servers on SQLite are refused, naming the props and the fix", () => {
    expect(build({ catalogReplicas: 2 })).toThrow(/IcebergWarehouse: catalogReplicas must be 1 with catalogStore 'sqlite'.*\(got 2\)\. Set catalogStore: 'postgres'/);
  });
  test("two MinIO servers, or more than 16, are refused, naming the prop and the fix", () => {
    expect(build({ minioServers: 2 })).toThrow(
      "IcebergWarehouse: minioServers must not be 2: two drives hold each object as one data and one parity shard, and a write needs both servers (got 2). Set minioServers to 3 or more (any one may be lost), or 1.",
    );
    expect(build({ minioServers: 17 })).toThrow(/IcebergWarehouse: minioServers must be an integer from 1 to 16 \(got 17\)/);
  });
  test("an unknown store and a replica count out of range are refused", () => {
    expect(build({ catalogStore: "mysql" })).toThrow(/IcebergWarehouse: catalogStore must be 'sqlite' or 'postgres' \(got "mysql"\)/);
    expect(build({ catalogStore: "postgres", catalogReplicas: 0 })).toThrow(/IcebergWarehouse: catalogReplicas must be an integer from 1 to 10 \(got 0\)/);
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
