import { Password } from "@cdktf/provider-random/lib/password";
import { CredentialFilesRule, PolicySuppressions } from "../../constructs";
import { check, deployment, dockerService, policyStack } from "./helpers";

describe("credential-files", () => {
  test("fails: a variable whose software reads a file, generated or from a Secret, and Kafka Connect's EnvVarConfigProvider", () => {
    const stack = policyStack();
    const pw = new Password(stack, "Pw", { length: 16 });
    dockerService(stack, "Db", "example/postgres:17", { env: [`POSTGRES_PASSWORD=${pw.result}`, "POSTGRES_USER=app"] });
    dockerService(stack, "Connect", "example/connect:1", { env: ["CONNECT_CONFIG_PROVIDERS_ENV_CLASS=org.apache.kafka.common.config.provider.EnvVarConfigProvider"] });
    deployment(stack, "Minio", { env: [{ name: "MINIO_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: "s3", key: "value" } } }] });
    deployment(stack, "Exporter", { env: [{ name: "DATA_SOURCE_PASS", valueFrom: { secretKeyRef: { name: "pg", key: "value" } } }] });
    const f = check(stack, new CredentialFilesRule());
    expect(f.errors).toEqual([
      expect.stringMatching(
        /^policy\/Db: \[Test\/credential-files\] docker_container\.Db env\[0\] passes POSTGRES_PASSWORD as a variable, though the PostgreSQL image's entrypoint reads it from a file\. Mount it as a file .* set POSTGRES_PASSWORD_FILE/,
      ),
      expect.stringMatching(/^policy\/Connect: .*env\[0\] gives Kafka Connect the EnvVarConfigProvider.*DirectoryConfigProvider/),
      expect.stringMatching(/^policy\/Minio: .*container\[0\]\.env\[0\] passes MINIO_ROOT_PASSWORD as a variable, though MinIO reads it from a file/),
      expect.stringMatching(/^policy\/Exporter: .*passes DATA_SOURCE_PASS as a variable, though Prometheus's PostgreSQL exporter reads it from a file/),
    ]);
    expect(f.thrown).toMatch(/credential-files/);
  });

  test("passes: the *_FILE variants, the DirectoryConfigProvider, and credentials of software that reads no file", () => {
    const stack = policyStack();
    const pw = new Password(stack, "Pw", { length: 16 });
    dockerService(stack, "Db", "example/postgres:17", { env: ["POSTGRES_PASSWORD_FILE=/run/secrets/postgres-password"] });
    dockerService(stack, "Connect", "example/connect:1", { env: ["CONNECT_CONFIG_PROVIDERS_DIRECTORY_CLASS=org.apache.kafka.common.config.provider.DirectoryConfigProvider"] });
    dockerService(stack, "Trino", "example/trino:1", { env: [`S3_SECRET_KEY=${pw.result}`] });
    deployment(stack, "Minio", { env: [{ name: "MINIO_ROOT_PASSWORD_FILE", value: "/run/secrets/minio-root-password" }] });
    expect(check(stack, new CredentialFilesRule())).toEqual({ errors: [], warnings: [], infos: [], thrown: undefined });
  });

  test("a suppression with a reason lets an image that reads no file keep its variable", () => {
    const stack = policyStack();
    const db = dockerService(stack, "Db", "example/postgres-fork:17", { env: ["POSTGRES_PASSWORD=${var.pw}"] });
    PolicySuppressions.add(db, CredentialFilesRule.ID, "this fork's entrypoint has no *_FILE support");
    expect(check(stack, new CredentialFilesRule()).errors).toEqual([]);
  });
});
