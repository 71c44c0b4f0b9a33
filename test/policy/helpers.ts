import { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { Aspects, Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { IPolicyRule, PolicyPack } from "../../constructs";

/** Annotations that a policy pass left on a stack, by level, as `path: message`. */
export interface Findings {
  readonly errors: string[];
  readonly warnings: string[];
  readonly infos: string[];
  /** The error Testing.synth(stack, true) threw, if any. */
  readonly thrown?: string;
}

/** A stack with the docker, kubernetes and random providers. */
export function policyStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "policy");
  new DockerProvider(stack, "docker");
  new KubernetesProvider(stack, "kubernetes");
  new RandomProvider(stack, "random");
  return stack;
}

/** Runs `rules` (as one pack) over the stack with Testing.synth(stack, true) and collects what they reported. */
export function check(stack: TerraformStack, ...rules: IPolicyRule[]): Findings {
  Aspects.of(stack).add(new PolicyPack("Test", rules));
  let thrown: string | undefined;
  try {
    Testing.synth(stack, true);
  } catch (e) {
    thrown = (e as Error).message;
  }
  const by = (type: string) => stack.node.findAll().flatMap((n) => n.node.metadata.filter((m) => m.type === type).map((m) => `${n.node.path}: ${m.data}`));
  return { errors: by("@cdktf/error"), warnings: by("@cdktf/warn"), infos: by("@cdktf/info"), thrown };
}

/** A docker_image plus a service container running it, with optional container settings. */
export function dockerService(scope: Construct, id: string, image: string, extra: Partial<ConstructorParameters<typeof Container>[2]> = {}): Container {
  const img = new Image(scope, `${id}Image`, { name: image, keepLocally: true });
  return new Container(scope, id, { name: id.toLowerCase(), image: img.imageId, ...extra });
}

/** A named docker volume. */
export function dockerVolume(scope: Construct, id: string): Volume {
  return new Volume(scope, id, { name: id.toLowerCase() });
}

/** A Deployment with one container; `container` overrides its settings. */
export function deployment(scope: Construct, id: string, container: Record<string, any>, pod: Record<string, any> = {}): DeploymentV1 {
  return new DeploymentV1(scope, id, {
    metadata: { name: id.toLowerCase() },
    spec: {
      selector: { matchLabels: { app: id } },
      template: {
        metadata: { labels: { app: id } },
        spec: {
          container: [
            {
              name: "main",
              image: "example/app:1.0",
              resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } },
              ...container,
            },
          ],
          ...pod,
        },
      },
    },
  });
}
