/**
 * Pinned image references of every component, as published upstream. A registry mirror rewrites
 * them all at once for air-gapped users: `imageRegistry: "mirror.example.com"` turns
 * `docker.io/library/postgres:17.6` into `mirror.example.com/postgres:17.6` and
 * `quay.io/debezium/connect:3.6.1.Final` into `mirror.example.com/debezium/connect:3.6.1.Final`
 * (registry host and Docker Hub's `library/` dropped, repository path kept).
 * `npm run images` builds contract-compatible images under the local mirror `lakehouse.local`.
 */
export const DEFAULT_IMAGES = {
  postgres: "docker.io/library/postgres:17.6",
  kafka: "docker.io/apache/kafka:4.1.1",
  connect: "quay.io/debezium/connect:3.6.1.Final",
  minio: "docker.io/minio/minio:RELEASE.2025-10-15T17-29-55Z",
  mc: "docker.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
  icebergRest: "docker.io/apache/iceberg-rest-fixture:1.10.0",
  // No upstream Flink image carries the Kafka and Iceberg connectors; images/flink builds this one.
  flink: "docker.io/lakehouse-cdc/flink:1.20.3-iceberg-1.10.0",
  trino: "docker.io/trinodb/trino:476",
  metabase: "docker.io/metabase/metabase:v0.56.6",
  // Runs the project's job scripts (jobs/*.js): connector registration, SQL submission, dashboards.
  node: "docker.io/library/node:20.19.5-bookworm-slim",
} as const;

export type ImageName = keyof typeof DEFAULT_IMAGES;

/** The local mirror that `npm run images` tags its builds under. */
export const LOCAL_IMAGE_REGISTRY = "lakehouse.local";

/** The default reference of `name`, rewritten onto `registry` when one is given. */
export function defaultImage(name: ImageName, registry?: string): string {
  const ref = DEFAULT_IMAGES[name];
  return registry === undefined ? ref : mirrorImage(ref, registry);
}

/** Rewrites an upstream reference onto a mirror registry (see {@link DEFAULT_IMAGES}). */
export function mirrorImage(ref: string, registry: string): string {
  const parts = ref.split("/");
  const hasHost = parts.length > 1 && /[.:]/.test(parts[0]);
  let path = hasHost ? parts.slice(1) : parts;
  if (path[0] === "library") path = path.slice(1);
  return `${registry.replace(/\/+$/, "")}/${path.join("/")}`;
}
