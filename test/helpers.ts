import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { DockerPlatform, IPlatform, KubernetesPlatform } from "../constructs";

export type PlatformKind = "docker" | "kubernetes";
export const PLATFORMS: PlatformKind[] = ["docker", "kubernetes"];

/** Synthesized Terraform JSON of one stack, with lookups by resource type. */
export class Synth {
  constructor(public readonly json: any) {}

  /** All resources of a type, keyed by logical id. */
  public resources(type: string): Record<string, any> {
    return this.json.resource?.[type] ?? {};
  }

  /** The single resource of `type` whose `match` returns true; fails listing what exists. */
  public find(type: string, match: (r: any) => boolean): any {
    const hits = Object.values(this.resources(type)).filter(match);
    if (hits.length !== 1) throw new Error(`expected one ${type} to match, found ${hits.length}`);
    return hits[0];
  }

  /** A docker_container by container name suffix (after the platform prefix). */
  public container(name: string): any {
    return this.find("docker_container", (c) => c.name === `lakehouse-${name}`);
  }

  /** A Kubernetes object by type and metadata name. */
  public k8s(type: string, name: string): any {
    return this.find(type, (r) => r.metadata?.name === name);
  }

  /** Env of a docker container as a map. */
  public containerEnv(name: string): Record<string, string> {
    return Object.fromEntries((this.container(name).env as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  }

  /** Uploaded file content of a docker container as synthesized (Terraform escapes included). */
  public rawUpload(name: string, path: string): string {
    const file = (this.container(name).upload ?? []).find((u: any) => u.file === path);
    if (!file) throw new Error(`container ${name} has no upload at ${path}`);
    return file.content;
  }

  /** Uploaded file content as the container sees it, after Terraform's unescaping. */
  public upload(name: string, path: string): string {
    return unescape(this.rawUpload(name, path));
  }

  /** A Kubernetes workload (Deployment, StatefulSet or Job) by metadata name. */
  public k8sWorkload(name: string): any {
    const hits = WORKLOAD_TYPES.flatMap((type) => Object.values(this.resources(type))).filter((r: any) => r.metadata?.name === name);
    if (hits.length !== 1) throw new Error(`expected one Kubernetes workload named ${name}, found ${hits.length}`);
    return hits[0];
  }

  /**
   * Env of a workload's (first) container on either platform: a value, or on Kubernetes a
   * reference to a Secret key. A Kubernetes variable with both a value and a reference fails.
   */
  public env(name: string): Record<string, EnvValue> {
    if (this.isDocker()) return this.containerEnv(name);
    const container = this.k8sWorkload(name).spec.template.spec.container[0];
    return Object.fromEntries(
      (container.env ?? []).map((e: any) => {
        const ref = e.value_from?.secret_key_ref;
        if (ref && e.value !== undefined) throw new Error(`${name} env ${e.name} has both a value and a secret reference`);
        return [e.name, ref ? { secretKeyRef: { name: ref.name, key: ref.key } } : e.value];
      }),
    );
  }

  /**
   * The Terraform expression a credential env variable of a workload resolves to: the value on
   * Docker; on Kubernetes the data of the Secret it references, failing when it is not a
   * reference (a value inlined into the pod spec).
   */
  public credential(name: string, variable: string): string {
    const value = this.env(name)[variable];
    if (value === undefined) throw new Error(`${name} has no env ${variable}`);
    if (this.isDocker()) return value as string;
    if (typeof value === "string") throw new Error(`${name} env ${variable} is inlined as a value, not a secretKeyRef`);
    const secret = this.k8s("kubernetes_secret_v1", value.secretKeyRef.name);
    return secret.data[value.secretKeyRef.key];
  }

  /**
   * The Terraform expression a workload's secret file (`/run/secrets/<file>`) holds: the uploaded
   * content on Docker; on Kubernetes the data of the Secret that its projected volume names,
   * failing unless that volume is mounted read-only at /run/secrets.
   */
  public secretFile(name: string, file: string): string {
    if (this.isDocker()) {
      const upload = (this.container(name).upload ?? []).find((u: any) => u.file === `/run/secrets/${file}`);
      if (!upload) throw new Error(`container ${name} has no secret file ${file}`);
      return upload.content;
    }
    const pod = this.k8sWorkload(name).spec.template.spec;
    const mount = (pod.container[0].volume_mount ?? []).find((m: any) => m.mount_path === "/run/secrets");
    if (!mount || mount.read_only !== true) throw new Error(`${name} does not mount /run/secrets read-only`);
    const volume = (pod.volume ?? []).find((v: any) => v.name === mount.name);
    const source = (volume?.projected?.[0]?.sources ?? []).flatMap((s: any) => s.secret ?? []).find((s: any) => s.items?.some((i: any) => i.path === file));
    if (!source) throw new Error(`${name} has no secret file ${file}`);
    const item = source.items.find((i: any) => i.path === file);
    return this.k8s("kubernetes_secret_v1", source.name).data[item.key];
  }

  /** Files of a workload as its container sees them (path -> content), uploaded (Docker) or mounted from its ConfigMap (Kubernetes). */
  public files(name: string): Record<string, string> {
    if (this.isDocker()) return Object.fromEntries((this.container(name).upload ?? []).map((u: any) => [u.file, unescape(u.content)]));
    const pod = this.k8sWorkload(name).spec.template.spec;
    const out: Record<string, string> = {};
    for (const mount of pod.container[0].volume_mount ?? []) {
      const volume = (pod.volume ?? []).find((v: any) => v.name === mount.name);
      const configMapId = /^\$\{kubernetes_config_map_v1\.([^.]+)\./.exec(volume?.config_map?.name ?? "")?.[1];
      if (!configMapId || !mount.sub_path) continue;
      if (mount.read_only !== true) throw new Error(`${name} mounts ${mount.mount_path} from a ConfigMap without read_only`);
      out[mount.mount_path] = unescape(this.resources("kubernetes_config_map_v1")[configMapId].data[mount.sub_path]);
    }
    return out;
  }

  /** Paths of a workload's (first) container backed by persistent storage: a docker_volume, or a claim template of its StatefulSet. */
  public persistentPaths(name: string): string[] {
    if (this.isDocker()) return (this.container(name).volumes ?? []).filter((v: any) => /^\$\{docker_volume\./.test(v.volume_name ?? "")).map((v: any) => v.container_path);
    const workload = this.k8sWorkload(name);
    const claims = new Set((workload.spec.volume_claim_template ?? []).map((t: any) => t.metadata.name));
    return (workload.spec.template.spec.container[0].volume_mount ?? []).filter((m: any) => claims.has(m.name)).map((m: any) => m.mount_path);
  }

  private isDocker(): boolean {
    return this.json.resource?.docker_container !== undefined;
  }
}

/** An env value: literal, or a reference to a Kubernetes Secret key. */
export type EnvValue = string | { secretKeyRef: { name: string; key: string } };

const WORKLOAD_TYPES = ["kubernetes_deployment_v1", "kubernetes_stateful_set_v1", "kubernetes_job_v1"];

/** Content as the container sees it, after Terraform's unescaping of `$${` and `%%{`. */
function unescape(content: string): string {
  return content.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
}

/** A test stack with the providers of `kind` and its platform, unsynthesized. */
export function stackOn(kind: PlatformKind): { stack: TerraformStack; platform: IPlatform } {
  const stack = new TerraformStack(Testing.app(), "test");
  new RandomProvider(stack, "random");
  if (kind === "docker") new DockerProvider(stack, "docker");
  else new KubernetesProvider(stack, "kubernetes");
  const platform = kind === "docker" ? new DockerPlatform(stack, "Platform") : new KubernetesPlatform(stack, "Platform");
  return { stack, platform };
}

/** Builds constructs on a platform inside a test stack and synthesizes it (running validations). */
export function synthOn(kind: PlatformKind, build: (scope: Construct, platform: IPlatform) => void): Synth {
  const { stack, platform } = stackOn(kind);
  build(stack, platform);
  return new Synth(JSON.parse(Testing.synth(stack, true)));
}
