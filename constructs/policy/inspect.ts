/**
 * Helpers shared by the policy rules: reading synthesized Terraform JSON. Not part of the public API.
 */

import type { TerraformBlock } from "./rule";

/**
 * A nested block as a list: cdktf writes single blocks as objects and repeated ones as arrays.
 * `T` is what the caller expects the items to be (blocks by default, or e.g. `string` for a list
 * attribute); synthesized JSON is not checked against it.
 */
export function blocks<T = TerraformBlock>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value as T];
}

/** A value as a block to read attributes from: itself if it is an object, else an empty block. */
export function asBlock(value: unknown): TerraformBlock {
  return typeof value === "object" && value !== null ? (value as TerraformBlock) : {};
}

/** The namespace of a Kubernetes object: its `metadata.namespace`, or `default` when it sets none. */
export function namespaceOf(config: TerraformBlock): string {
  const ns = asBlock(blocks(config.metadata)[0]).namespace;
  return typeof ns === "string" ? ns : "default";
}

/** A string that Terraform computes at plan or apply time (holds an interpolation). */
export function isExpression(value: unknown): boolean {
  return typeof value === "string" && value.includes("${");
}

/**
 * `${docker_image.NAME.ATTR}` -> { type, name, attribute }; undefined for anything else (literals,
 * functions, several references in one string).
 */
export function reference(value: unknown): { type: string; name: string; attribute: string } | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/.exec(value);
  return m ? { type: m[1], name: m[2], attribute: m[3] } : undefined;
}

/** A pod spec found inside a Kubernetes resource, with where it sits (for messages). */
export interface PodSpecAt {
  readonly at: string;
  readonly spec: TerraformBlock;
}

/** A container of a pod spec, with where it sits (for messages). */
export interface ContainerAt {
  readonly at: string;
  readonly container: TerraformBlock;
  readonly pod: PodSpecAt;
}

/**
 * Every pod spec in a Kubernetes resource, whatever the kind: Pod (`spec`), Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Job (`spec.template.spec`), CronJob
 * (`spec.job_template.spec.template.spec`). A pod spec is any object with a `container` block.
 */
export function podSpecs(config: TerraformBlock): PodSpecAt[] {
  const found: PodSpecAt[] = [];
  const walk = (value: unknown, at: string): void => {
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${at}[${i}]`));
      return;
    }
    if ("container" in value && typeof value.container === "object") {
      found.push({ at, spec: value as TerraformBlock });
      return;
    }
    for (const [key, child] of Object.entries(value)) walk(child, at ? `${at}.${key}` : key);
  };
  walk(config, "");
  return found;
}

/** Containers and init containers of every pod spec in a Kubernetes resource. */
export function podContainers(config: TerraformBlock): ContainerAt[] {
  return podSpecs(config).flatMap((pod) =>
    (["init_container", "container"] as const).flatMap((key) => blocks(pod.spec[key]).map((container, i) => ({ at: `${pod.at}.${key}[${i}]`, container, pod }))),
  );
}

/** One environment variable of a container, with where it sits (for messages). */
export interface EnvVariableAt {
  readonly at: string;
  readonly name: string;
  /** The value; undefined for a Kubernetes variable taken from a Secret or elsewhere (`value_from`). */
  readonly value: unknown;
}

/** The environment of a `docker_container`, or of every container and init container of a Kubernetes workload; none for other resources. */
export function containerEnv(type: string, config: TerraformBlock): EnvVariableAt[] {
  if (type === "docker_container") {
    return blocks<string>(config.env).map((e, i) => ({ at: `env[${i}]`, name: e.slice(0, e.indexOf("=")), value: e.slice(e.indexOf("=") + 1) }));
  }
  if (!isKubernetes(type)) return [];
  return podContainers(config).flatMap((c) => blocks(c.container.env).map((e, i) => ({ at: `${c.at}.env[${i}]`, name: String(e.name), value: e.value })));
}

/** Whether a resource type is a Kubernetes object of the hashicorp/kubernetes provider. */
export function isKubernetes(type: string): boolean {
  return type.startsWith("kubernetes_");
}

/** `kubernetes_stateful_set_v1` and `kubernetes_stateful_set` -> `stateful_set`. */
export function kubernetesKind(type: string): string {
  return type.replace(/^kubernetes_/, "").replace(/_v\d+$/, "");
}

/** The parts of an image reference that pinning cares about. */
export interface ImageReference {
  /** Repository without registry host and tag, e.g. `library/postgres` or `apache/kafka`. */
  readonly repository: string;
  /** Tag, if the reference has one. */
  readonly tag?: string;
  /** Digest (`sha256:...`), if the reference has one. */
  readonly digest?: string;
}

/**
 * Splits `registry:5000/org/name:tag@sha256:...`. A colon before the last slash belongs to the
 * registry host, not the tag.
 */
export function parseImage(ref: string): ImageReference {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split("/");
  // The first component is a registry host when it has a dot or a port, or is localhost.
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0])) parts.shift();
  return { repository: parts.join("/"), tag, digest };
}

/**
 * Software that keeps its data on local disk and loses it with the container or pod when it has
 * no persistent volume. Matched against the last component of the image repository.
 */
export const STATEFUL_IMAGE_NAMES: readonly string[] = [
  "postgres",
  "postgis",
  "timescaledb",
  "mysql",
  "mariadb",
  "mongo",
  "mongodb",
  "redis",
  "valkey",
  "kafka",
  "zookeeper",
  "minio",
  "elasticsearch",
  "opensearch",
  "etcd",
  "cassandra",
  "clickhouse-server",
  "rabbitmq",
  "neo4j",
  "influxdb",
  "cockroach",
];

/** Whether the image runs software from {@link STATEFUL_IMAGE_NAMES} (`apache/kafka`, `bitnami/postgresql`, `cp-kafka`). */
export function isStatefulImage(ref: string): boolean {
  const last = parseImage(ref).repository.split("/").pop() ?? "";
  return STATEFUL_IMAGE_NAMES.some((n) => last === n || last === `${n}ql` || last.endsWith(`-${n}`));
}
