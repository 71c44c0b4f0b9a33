import { blocks, isKubernetes, isStatefulImage, kubernetesKind, podContainers, podSpecs, reference } from "./inspect";
import { IPolicyRule, IStackView, PolicyFinding, SynthesizedElement, TerraformBlock } from "./rule";

/**
 * Stateful services keep their data on persistent volumes, so replacing a container or
 * rescheduling a pod (an image bump, a changed port) does not delete the data.
 *
 * What counts as stateful comes from the synthesized resources themselves, no extra marker:
 * a service declares state through its volumes (the platforms render a `VolumeSpec` as a named
 * `docker_volume` or a StatefulSet volume claim template), and software that always keeps data
 * on disk is recognized by its image ({@link STATEFUL_IMAGE_NAMES}).
 *
 * - Docker: every mount in a container's `volumes` is a named volume or a bind mount, never an
 *   anonymous volume (deleted with the container, since the provider removes volumes with it);
 *   every `docker_volume` is mounted by a container of the stack (a volume nobody mounts means
 *   the service writes to its container layer); a service container (not an attached job) whose
 *   image is stateful software mounts a persistent volume.
 * - Kubernetes: a StatefulSet has volume claim templates and mounts each of them; a Deployment,
 *   DaemonSet, ReplicaSet or Pod running stateful software mounts a PersistentVolumeClaim.
 */
export class StatefulPersistenceRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "stateful-persistence";
  public readonly id = StatefulPersistenceRule.ID;
  public readonly description = "Stateful services keep their data on persistent volumes.";

  public check(element: SynthesizedElement, stack: IStackView): PolicyFinding[] {
    if (element.kind !== "resource") return [];
    const address = `${element.type}.${element.name}`;
    if (element.type === "docker_container") return dockerContainer(address, element.config, stack);
    if (element.type === "docker_volume") return dockerVolume(address, element, stack);
    if (isKubernetes(element.type)) return kubernetes(address, element.type, element.config);
    return [];
  }
}

function dockerContainer(address: string, config: TerraformBlock, stack: IStackView): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  const mounts = blocks(config.volumes);
  mounts.forEach((v, i) => {
    if (v.volume_name || v.host_path || v.from_container) return;
    findings.push({
      level: "error",
      message: `${address} volumes[${i}] at '${v.container_path}' is an anonymous volume: it is deleted with the container, so a replacement loses its data.`,
      fix: "Mount a named docker_volume (volume_name) instead (platform workloads: ServiceSpec.volumes).",
    });
  });
  const persistent = mounts.some((v) => v.volume_name || v.host_path) || blocks(config.mounts).some((m) => m.type === "volume" || m.type === "bind");
  const isJob = config.attach === true;
  const image = dockerImageName(config.image, stack);
  if (!isJob && !persistent && image && isStatefulImage(image)) {
    findings.push({
      level: "error",
      message: `${address} runs '${image}', which keeps data on disk, without a persistent volume: its data is lost when the container is replaced.`,
      fix: "Mount a named docker_volume at the data directory (platform workloads: ServiceSpec.volumes).",
    });
  }
  return findings;
}

/** The image reference a container runs: its literal `image`, or the name of the docker_image it refers to. */
function dockerImageName(image: unknown, stack: IStackView): string | undefined {
  const ref = reference(image);
  if (ref?.type === "docker_image") {
    const name = stack.resource("docker_image", ref.name)?.config.name;
    return typeof name === "string" ? name : undefined;
  }
  return typeof image === "string" && !image.includes("${") ? image : undefined;
}

function dockerVolume(address: string, volume: SynthesizedElement, stack: IStackView): PolicyFinding[] {
  const names = new Set<unknown>([`\${docker_volume.${volume.name}.name}`, `\${docker_volume.${volume.name}.id}`]);
  if (typeof volume.config.name === "string") names.add(volume.config.name);
  const mounted = stack.resources("docker_container").some((c) => blocks(c.config.volumes).some((v) => names.has(v.volume_name)) || blocks(c.config.mounts).some((m) => names.has(m.source)));
  if (mounted) return [];
  return [
    {
      level: "error",
      message: `${address} ('${volume.config.name ?? volume.name}') is mounted by no container of the stack: the service it was made for writes its data to the container layer.`,
      fix: "Mount the volume in the service's container (volumes { volume_name = ..., container_path = ... }), or remove it.",
    },
  ];
}

function kubernetes(address: string, type: string, config: TerraformBlock): PolicyFinding[] {
  const kind = kubernetesKind(type);
  const findings: PolicyFinding[] = [];
  if (kind === "stateful_set") {
    for (const spec of blocks(config.spec)) {
      const claims = blocks(spec.volume_claim_template)
        .map((t) => blocks(t.metadata)[0]?.name)
        .filter((n) => typeof n === "string");
      if (claims.length === 0) {
        findings.push({
          level: "error",
          message: `${address} has no volume_claim_template: its pods write to ephemeral storage and lose it on every reschedule.`,
          fix: "Add a volume_claim_template and mount it (platform workloads: ServiceSpec.volumes), or run it as a Deployment if it is stateless.",
        });
        continue;
      }
      const mounted = new Set(podContainers(config).flatMap((c) => blocks(c.container.volume_mount).map((m) => m.name)));
      for (const claim of claims) {
        if (mounted.has(claim)) continue;
        findings.push({
          level: "error",
          message: `${address} volume claim template '${claim}' is mounted by no container: the data goes to ephemeral storage.`,
          fix: `Add a volume_mount named '${claim}' at the data directory.`,
        });
      }
    }
    return findings;
  }
  if (["deployment", "daemon_set", "replica_set", "replication_controller", "pod"].includes(kind)) {
    for (const pod of podSpecs(config)) {
      const hasClaim = blocks(pod.spec.volume).some((v) => blocks(v.persistent_volume_claim).length > 0);
      if (hasClaim) continue;
      for (const c of podContainers({ spec: pod.spec })) {
        const image = c.container.image;
        if (typeof image !== "string" || !isStatefulImage(image)) continue;
        findings.push({
          level: "error",
          message: `${address} runs '${image}', which keeps data on disk, in a ${kind} without a PersistentVolumeClaim: its data is lost when the pod is replaced.`,
          fix: "Run it as a StatefulSet with a volume claim template (platform workloads: ServiceSpec.volumes).",
        });
      }
    }
  }
  return findings;
}
