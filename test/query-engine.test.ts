import { IcebergWarehouse, QueryEngine, QueryEngineAuthentication, QueryEngineProps, TrinoConnection } from "../constructs";
import { PLATFORMS, synthOn } from "./helpers";

const AUTH: QueryEngineAuthentication = { certificateFile: "/tls/trino.pem", privateKeyFile: "/tls/trino-key.pem", caFile: "/tls/ca.pem" };

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

describe.each(PLATFORMS)("QueryEngine with authentication on %s", (kind) => {
  let connections: Record<string, TrinoConnection> = {};
  const s = synthOn(kind, (scope, platform) => {
    const engine = build({ workers: 2, authentication: AUTH })(scope, platform);
    connections = { dbt: engine.connection("dbt"), again: engine.connection("dbt"), probe: engine.connection("probe") };
  });
  const worker = kind === "docker" ? "trino-worker-0" : "trino-worker";

  test("clients reach the coordinator on HTTPS with a password; HTTP stays for the nodes, which sign their requests with a shared secret", () => {
    const config = s.files("trino")["/etc/trino/config.properties"];
    expect(config).toContain(
      [
        "http-server.https.enabled=true",
        "http-server.https.port=8443",
        "http-server.https.keystore.path=/run/secrets/trino-keystore.pem",
        "http-server.authentication.type=PASSWORD",
        "password-authenticator.config-files=/etc/trino/authenticator.properties",
        "",
      ].join("\n"),
    );
    expect(config).toContain("http-server.http.port=8080\ndiscovery.uri=http://trino:8080\n");
    expect(s.files("trino")["/etc/trino/authenticator.properties"]).toBe("password-authenticator.name=file\nfile.password-file=/run/secrets/trino-passwords\n");
    for (const node of ["trino", worker]) {
      expect(s.files(node)["/etc/trino/config.properties"]).toContain("internal-communication.shared-secret=${ENV:TRINO_SHARED_SECRET}\n");
      expect(s.credential(node, "TRINO_SHARED_SECRET")).toMatch(/^\$\{random_password\.Trino_SharedSecret_[A-Z0-9]+\.result\}$/);
    }
    // Workers serve only the coordinator: no HTTPS, no authenticator of their own.
    expect(s.files(worker)["/etc/trino/config.properties"]).not.toContain("http-server.https");
    expect(s.files(worker)["/etc/trino/authenticator.properties"]).toBeUndefined();
  });

  test("the keystore is the key, then the certificate, as Terraform reads the files at plan; never in the synthesized configuration", () => {
    expect(s.secretFile("trino", "trino-keystore.pem")).toBe('${sensitive("${try(file("/tls/trino-key.pem"), "")}\\n${try(file("/tls/trino.pem"), "")}")}');
  });

  test("each client user that asked for a connection gets a generated password; the password file holds their bcrypt hashes, as Trino reads them ($2y$)", () => {
    const file = s.secretFile("trino", "trino-passwords");
    const lines = file.split("\n").filter((l) => l !== "");
    expect(lines.map((l) => l.split(":")[0])).toEqual(["prometheus", "dbt", "probe"]);
    for (const line of lines) expect(line).toMatch(/^[a-z]+:\$\{replace\(random_password\.Trino_Login[A-Za-z]+_[A-Z0-9]+\.bcrypt_hash, "\$2a\$", "\$2y\$"\)\}$/);
    expect(connections.dbt).toMatchObject({ url: "https://trino:8443", user: "dbt", endpoint: { host: "trino", port: 8443 } });
    expect(connections.dbt.password?.name).toBe("trino-login-dbt");
    expect(connections.again.password).toBe(connections.dbt.password);
    expect(connections.probe.password?.value).not.toBe(connections.dbt.password?.value);
    // Its content is the CA file as Terraform reads it at plan (see the Transformations tests).
    expect(connections.dbt.caFile?.path).toBe("/etc/lakehouse/trino-ca.pem");
  });

  test("the plan fails before anything is applied when a file is missing, naming the prop, the path and the fix", () => {
    const json = JSON.stringify(s.json.resource.terraform_data);
    expect(json).toMatch(/fileexists\(local\.Trino_TlsFilePaths_[A-Z0-9]+\.privateKeyFile\)/);
    expect(Object.values<any>(s.json.locals)[0]).toEqual({ certificateFile: "/tls/trino.pem", privateKeyFile: "/tls/trino-key.pem", caFile: "/tls/ca.pem" });
    expect(json).toContain("QueryEngine: authentication.privateKeyFile /tls/trino-key.pem does not exist. Run `npm run tls`");
  });
});

describe("QueryEngine connections and authentication props", () => {
  test("without authentication a connection is plain HTTP, the user as given, no password or CA", () => {
    let connection: TrinoConnection | undefined;
    synthOn("docker", (scope, platform) => {
      connection = build()(scope, platform).connection("superset");
    });
    expect(connection).toEqual({ endpoint: expect.objectContaining({ host: "trino", port: 8080 }), url: "http://trino:8080", user: "superset" });
  });

  test("a relative file path or a user name Trino's password file cannot hold fails synth, naming the prop", () => {
    expect(() => synthOn("kubernetes", build({ authentication: { ...AUTH, caFile: "tls/ca.pem" } }))).toThrow(
      "QueryEngine: authentication.caFile must be an absolute path (Terraform reads it at plan, from the stack's directory) (got \"tls/ca.pem\"). Give the file's absolute path, e.g. from path.resolve().",
    );
    expect(() => synthOn("kubernetes", (scope, platform) => build({ authentication: AUTH })(scope, platform).connection("dbt:admin"))).toThrow(
      /QueryEngine: connection user must be 1 to 63 lower-case letters, digits, _ or -, starting with a letter \(got "dbt:admin"\)/,
    );
  });
});
