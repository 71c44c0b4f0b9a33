/**
 * The synthesized environment stacks read as what a reviewer cares about: which workloads run,
 * what each depends on, its image, env, volumes and published ports, on either platform.
 */

/** A service (runs until stopped) or a job (runs once per apply). */
export type WorkloadKind = "service" | "job";

/** One env variable: a literal value, or a reference to a Kubernetes Secret key. */
export interface EnvVar {
  readonly value?: string;
  readonly secretRef?: { readonly name: string; readonly key: string };
}

/** One workload of a synthesized stack, in platform-neutral terms. */
export interface Workload {
  readonly name: string;
  readonly kind: WorkloadKind;
  /** Every image its containers run, as synthesized (a reference on Docker, the name on Kubernetes). */
  readonly images: string[];
  readonly env: Record<string, EnvVar>;
  /** Workloads it directly depends on, by name. */
  readonly dependsOn: string[];
  /** Paths backed by persistent storage (a docker_volume, or a StatefulSet's claim template). */
  readonly persistentPaths: string[];
  /** Host addresses its ports are published on (Docker only). */
  readonly hostBinds: string[];
  /** The Terraform JSON body, for anything else. */
  readonly config: any;
}

const entries = (json: any, type: string): [string, any][] => Object.entries(json.resource?.[type] ?? {});
const list = (v: any): any[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/** Workloads of a Docker stack, named without the `lakehouse-<env>-` prefix. */
export function dockerWorkloads(json: any, prefix: string): Map<string, Workload> {
  const byAddress = new Map<string, string>();
  for (const [id, c] of entries(json, "docker_container")) byAddress.set(`docker_container.${id}`, c.name.slice(prefix.length));
  const images = new Map(entries(json, "docker_image").map(([id, i]) => [id, i.name as string]));
  const volumes = new Set(entries(json, "docker_volume").map(([id]) => id));
  const out = new Map<string, Workload>();
  for (const [, c] of entries(json, "docker_container")) {
    const name = c.name.slice(prefix.length);
    const imageId = /^\$\{docker_image\.([^.]+)\./.exec(c.image)?.[1];
    out.set(name, {
      name,
      kind: c.restart === "no" && c.must_run === false ? "job" : "service",
      images: [imageId ? (images.get(imageId) ?? c.image) : c.image],
      env: Object.fromEntries(list(c.env).map((e: string) => [e.slice(0, e.indexOf("=")), { value: e.slice(e.indexOf("=") + 1) }])),
      dependsOn: list(c.depends_on)
        .map((d: string) => byAddress.get(d))
        .filter((d): d is string => d !== undefined),
      persistentPaths: list(c.volumes)
        .filter((v: any) => volumes.has(/^\$\{docker_volume\.([^.]+)\./.exec(v.volume_name ?? "")?.[1] ?? ""))
        .map((v: any) => v.container_path),
      hostBinds: list(c.ports).map((p: any) => p.ip),
      config: c,
    });
  }
  return out;
}

const K8S_WORKLOADS: [string, WorkloadKind][] = [
  ["kubernetes_deployment_v1", "service"],
  ["kubernetes_stateful_set_v1", "service"],
  ["kubernetes_job_v1", "job"],
];

/** Workloads of a Kubernetes stack (Deployments, StatefulSets and Jobs), by metadata name. */
export function kubernetesWorkloads(json: any): Map<string, Workload> {
  const byAddress = new Map<string, string>();
  for (const [type] of K8S_WORKLOADS) for (const [id, r] of entries(json, type)) byAddress.set(`${type}.${id}`, r.metadata.name);
  const out = new Map<string, Workload>();
  for (const [type, kind] of K8S_WORKLOADS) {
    for (const [, r] of entries(json, type)) {
      const pod = r.spec.template.spec;
      const containers = [...list(pod.init_container), ...list(pod.container)];
      const claims = new Set(list(r.spec.volume_claim_template).map((t: any) => t.metadata.name));
      out.set(r.metadata.name, {
        name: r.metadata.name,
        kind,
        images: containers.map((c) => c.image),
        env: Object.fromEntries(
          list(pod.container)
            .flatMap((c) => list(c.env))
            .map((e: any) => [e.name, envVar(e)]),
        ),
        dependsOn: list(r.depends_on)
          .map((d: string) => byAddress.get(d))
          .filter((d): d is string => d !== undefined),
        persistentPaths: list(pod.container)
          .flatMap((c) => list(c.volume_mount))
          .filter((m: any) => claims.has(m.name))
          .map((m: any) => m.mount_path),
        hostBinds: [],
        config: r,
      });
    }
  }
  return out;
}

function envVar(e: any): EnvVar {
  const ref = list(list(e.value_from)[0]?.secret_key_ref)[0];
  return ref ? { secretRef: { name: ref.name, key: ref.key } } : { value: e.value };
}

/** Whether `from` depends on `on`, directly or through other workloads. */
export function dependsOn(workloads: Map<string, Workload>, from: string, on: string): boolean {
  const seen = new Set<string>();
  const walk = (name: string): boolean => {
    if (seen.has(name)) return false;
    seen.add(name);
    const deps = workloads.get(name)?.dependsOn ?? [];
    return deps.includes(on) || deps.some(walk);
  };
  return walk(from);
}
