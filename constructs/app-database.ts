import { Construct } from "constructs";
import { POSTGRES_RUN_DIR, POSTGRES_USER_ID } from "./images";
import { Endpoint, HealthCheck, IPlatform, Secret, secretFilePath } from "./platform/workload";

/** An application's own PostgreSQL, as {@link appDatabase} returns it. */
export interface AppDatabase {
  /** Where the application connects. */
  readonly endpoint: Endpoint;
  /** Login role, also the database name. */
  readonly user: string;
  /** Password of that role (generated). */
  readonly password: Secret;
}

/**
 * The PostgreSQL that an application keeps its own state in (Metabase's and Superset's
 * dashboards, Dagster's runs): service `<user>-db` with database and role `<user>`, a generated
 * password, data on a persistent volume. Not part of the public API.
 */
export function appDatabase(scope: Construct, platform: IPlatform, options: { user: string; image: string; serviceId: string; passwordId: string }): AppDatabase {
  const { user } = options;
  const password = platform.secret(scope, options.passwordId, { name: `${user}-db-password` });
  const db = platform.service(scope, options.serviceId, {
    name: `${user}-db`,
    image: options.image,
    env: { POSTGRES_USER: user, POSTGRES_DB: user, PGDATA: "/var/lib/postgresql/data/pgdata", POSTGRES_PASSWORD_FILE: secretFilePath("postgres-password") },
    secretFiles: { "postgres-password": password },
    ports: [{ name: "sql", port: 5432 }],
    volumes: [{ name: "data", path: "/var/lib/postgresql/data", sizeGiB: 2 }],
    healthCheck: HealthCheck.command(["pg_isready", "-h", "127.0.0.1", "-U", user, "-d", user], { intervalSeconds: 3 }),
    resources: { cpuMillis: 100, memoryMiB: 256 },
    runAsUser: POSTGRES_USER_ID,
    writablePaths: [POSTGRES_RUN_DIR],
  });
  return { endpoint: db.endpoint("sql"), user, password };
}
