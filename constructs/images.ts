/**
 * Pinned image references of every component, as published upstream. A registry mirror rewrites
 * them all at once for air-gapped users: `imageRegistry: "mirror.example.com"` turns
 * `docker.io/library/postgres:17.12` into `mirror.example.com/postgres:17.12` and
 * `quay.io/debezium/connect:3.6.1.Final` into `mirror.example.com/debezium/connect:3.6.1.Final`
 * (registry host and Docker Hub's `library/` dropped, repository path kept).
 * `npm run images` builds contract-compatible images under the local mirror `lakehouse.local`.
 */
export const DEFAULT_IMAGES = {
  postgres: "docker.io/library/postgres:17.12",
  kafka: "docker.io/apache/kafka:4.3.1",
  connect: "quay.io/debezium/connect:3.6.1.Final",
  // MinIO publishes source only since late 2025: images/minio builds these from the Go module proxy.
  minio: "docker.io/minio/minio:DEVELOPMENT.2026-02-12T20-18-48Z",
  mc: "docker.io/minio/mc:DEVELOPMENT.2025-03-13T08-02-18Z",
  icebergRest: "docker.io/apache/iceberg-rest-fixture:1.10.1",
  // No upstream Flink image carries the Kafka and Iceberg connectors; images/flink builds this one.
  flink: "docker.io/lakehouse-cdc/flink:1.20.1-iceberg-1.10.1",
  trino: "docker.io/trinodb/trino:476",
  metabase: "docker.io/metabase/metabase:v0.56.6",
  // Runs the project's job scripts (jobs/*.js): connector registration, SQL submission, dashboards.
  node: "docker.io/library/node:20.19.2-trixie-slim",
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
