import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import { Password } from "@cdktf/provider-random/lib/password";
import { Testing } from "cdktf";
import { isCredentialName, isLiteralValue, NoLiteralCredentialsRule, PolicySuppressions } from "../../constructs";
import { environments, settingsFromEnv } from "../../stacks/environments";
import { LakehouseStack } from "../../stacks/lakehouse-stack";
import { check, deployment, dockerService, policyStack } from "./helpers";

describe("no-literal-credentials", () => {
  test("names: credential words anywhere, KEY last unless it is an identifier or public; pointers to a credential are not one", () => {
    const credentials = [
      "MB_DB_PASS",
      "PGPASSWORD",
      "POSTGRES_PASSWORD",
      "DB_PWD",
      "SUPERSET_SECRET_KEY",
      "GITHUB_TOKEN",
      "apiToken",
      "AWS_SECRET_ACCESS_KEY",
      "API_KEY",
      "ENCRYPTION_KEY",
      "s3.aws-secret-key",
      "database.password",
      "GOOGLE_APPLICATION_CREDENTIALS_JSON",
      "SSH_PASSPHRASE",
      "privateKey",
    ];
    const notCredentials = [
      "AWS_ACCESS_KEY_ID",
      "S3_ACCESS_KEY",
      "s3.aws-access-key",
      "KEY_ID",
      "PUBLIC_KEY",
      "KEY_CONVERTER",
      "CONNECT_KEY_CONVERTER_SCHEMAS_ENABLE",
      "POSTGRES_PASSWORD_FILE",
      "TOKEN_URL",
      "PASSWORD_LENGTH",
      "POSTGRES_USER",
      "PRIMARY_KEY",
      "PATH",
      "HOME",
    ];
    expect(credentials.filter((n) => !isCredentialName(n))).toEqual([]);
    expect(notCredentials.filter(isCredentialName)).toEqual([]);
  });

  test("values: text and numbers are literals; Terraform expressions, run-time placeholders and empty values are not", () => {
    expect(["hunter2", "'quoted'", 1234].filter((v) => !isLiteralValue(v))).toEqual([]);
    expect(
      ["${random_password.p.result}", "$${env:CDC_PASSWORD}", "{{ env_var('DBT_PASSWORD') }}", "{env: DAGSTER_PG_PASSWORD}", "$(PASS)", "$PASS", "", undefined, null, true].filter(isLiteralValue),
    ).toEqual([]);
  });

  test("fails: literal credentials in Docker env and uploaded files, Kubernetes env (also of a Job), ConfigMap data and mounted files", () => {
    const stack = policyStack();
    dockerService(stack, "Metabase", "example/metabase:1", {
      env: ["MB_DB_USER=metabase", "MB_DB_PASS=metabase", "AWS_ACCESS_KEY_ID=lakehouse"],
      upload: [
        { file: "/etc/app/app.properties", content: "s3.aws-access-key=lakehouse\ns3.aws-secret-key=minio123\n" },
        { file: "/job/connector.json", content: JSON.stringify({ config: { "database.user": "cdc", "database.password": "cdc" } }) },
        { file: "/etc/app/profiles.yml", content: "outputs:\n  dev:\n    password: hunter2\n" },
      ],
    });
    deployment(stack, "Api", {
      env: [
        { name: "API_TOKEN", value: "abc" },
        { name: "API_USER", value: "svc" },
      ],
    });
    new JobV1(stack, "Migrate", {
      metadata: { name: "migrate" },
      spec: { template: { metadata: {}, spec: { container: [{ name: "m", image: "example/m:1", env: [{ name: "PGPASSWORD", value: "postgres" }] }] } } },
    });
    new ConfigMapV1(stack, "Settings", { metadata: { name: "settings" }, data: { DB_PASSWORD: "postgres", "app.env": "SECRET_KEY=changeme\nDEBUG=false\n" } });
    const f = check(stack, new NoLiteralCredentialsRule());

    expect(f.errors).toEqual([
      expect.stringMatching(
        /^policy\/Metabase: \[Test\/no-literal-credentials\] docker_container\.Metabase env\[1\] sets the credential MB_DB_PASS to a literal value\. Take it from a random_password/,
      ),
      expect.stringMatching(/^policy\/Metabase: .*upload\[0\] \/etc\/app\/app\.properties line 2 sets the credential s3\.aws-secret-key/),
      expect.stringMatching(/^policy\/Metabase: .*upload\[1\] \/job\/connector\.json config\.database\.password sets the credential database\.password/),
      expect.stringMatching(/^policy\/Metabase: .*upload\[2\] \/etc\/app\/profiles\.yml line 3 sets the credential password/),
      expect.stringMatching(/^policy\/Api: .*container\[0\]\.env\[0\] sets the credential API_TOKEN/),
      expect.stringMatching(/^policy\/Migrate: .*kubernetes_job_v1\.Migrate .*container\[0\]\.env\[0\] sets the credential PGPASSWORD/),
      expect.stringMatching(/^policy\/Settings: .*data\.DB_PASSWORD sets the credential DB_PASSWORD/),
      expect.stringMatching(/^policy\/Settings: .*data\.app\.env line 1 sets the credential SECRET_KEY/),
    ]);
    expect(f.thrown).toMatch(/no-literal-credentials/);
  });

  test("passes: generated passwords, secret references, run-time placeholders; a reasoned suppression turns a finding into info", () => {
    const stack = policyStack();
    const pw = new Password(stack, "Pw", { length: 32 });
    dockerService(stack, "Db", "example/postgres:17", {
      env: [`POSTGRES_PASSWORD=${pw.result}`, "POSTGRES_PASSWORD_FILE=/run/secrets/pg"],
      upload: [{ file: "/job/connector.json", content: JSON.stringify({ "database.password": "${env:CDC_PASSWORD}" }) }],
    });
    deployment(stack, "Api", { env: [{ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "api", key: "token" } } }] });
    const demo = dockerService(stack, "Demo", "example/demo:1", { env: ["DEMO_PASSWORD=demo"] });
    PolicySuppressions.add(demo, NoLiteralCredentialsRule.ID, "The public demo image only accepts its documented default password.");
    const f = check(stack, new NoLiteralCredentialsRule());
    expect(f.errors).toEqual([]);
    expect(f.infos).toEqual([expect.stringMatching(/^policy\/Demo: .*suppressed \(The public demo image only accepts its documented default password\.\): .*DEMO_PASSWORD/)]);
  });

  // Every combination the environments produce: Metabase (MB_DB_PASS) and Superset on both platforms.
  test.each(["metabase", "superset"].flatMap((dashboards) => environments(settingsFromEnv({ LAKEHOUSE_DASHBOARDS: dashboards })).map((e) => [`${e.name} with ${dashboards}`, e] as const)))(
    "the %s stack holds no literal credential",
    (_name, env) => {
      const stack = new LakehouseStack(Testing.app(), env);
      Testing.synth(stack, true);
      const findings = stack.node.findAll().flatMap((n) => n.node.metadata.filter((m) => String(m.data).includes("no-literal-credentials")));
      expect(findings).toEqual([]);
    },
  );
});
