import { containerEnv } from "./inspect";
import { IPolicyRule, PolicyFinding, SynthesizedElement } from "./rule";

/**
 * Credential variables whose software also reads the value from a file named by `<NAME>_FILE`,
 * with who reads it: the conventions of widely used images.
 */
export const FILE_READ_CREDENTIALS: Readonly<Record<string, string>> = {
  POSTGRES_PASSWORD: "the PostgreSQL image's entrypoint",
  MINIO_ROOT_PASSWORD: "MinIO",
  MINIO_SECRET_KEY: "MinIO",
  DATA_SOURCE_PASS: "Prometheus's PostgreSQL exporter",
};

const ENV_CONFIG_PROVIDER = "org.apache.kafka.common.config.provider.EnvVarConfigProvider";

/**
 * A credential goes to a container as a file wherever its software reads one, not as an
 * environment variable, which every child process inherits and `docker inspect` shows: the
 * variables of {@link FILE_READ_CREDENTIALS} (set `<NAME>_FILE` to a file under `/run/secrets`
 * instead), and a Kafka Connect worker with the `EnvVarConfigProvider` (connector passwords
 * resolve from files with the `DirectoryConfigProvider`).
 *
 * Checks the environment of every `docker_container` and every container and init container of
 * Kubernetes workloads and Jobs, whether the value is literal or a Secret reference.
 */
export class CredentialFilesRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "credential-files";
  public readonly id = CredentialFilesRule.ID;
  public readonly description = "Credentials reach containers as files wherever their software reads a file.";

  public check(element: SynthesizedElement): PolicyFinding[] {
    if (element.kind !== "resource") return [];
    const address = `${element.type}.${element.name}`;
    return containerEnv(element.type, element.config).flatMap(({ at, name, value }): PolicyFinding[] => {
      if (name in FILE_READ_CREDENTIALS) {
        return [
          {
            level: "error",
            message: `${address} ${at} passes ${name} as a variable, though ${FILE_READ_CREDENTIALS[name]} reads it from a file.`,
            fix: `Mount it as a file (secretFiles on a platform workload) and set ${name}_FILE to its path under /run/secrets instead.`,
          },
        ];
      }
      if (value === ENV_CONFIG_PROVIDER) {
        return [
          {
            level: "error",
            message: `${address} ${at} gives Kafka Connect the EnvVarConfigProvider: connector passwords would come from the worker's variables.`,
            fix: "Use org.apache.kafka.common.config.provider.DirectoryConfigProvider with the password as a file under /run/secrets, and reference it as ${directory:/run/secrets:<file>}.",
          },
        ];
      }
      return [];
    });
  }
}
