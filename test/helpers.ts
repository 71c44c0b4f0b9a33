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
    return this.rawUpload(name, path).replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
  }
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
