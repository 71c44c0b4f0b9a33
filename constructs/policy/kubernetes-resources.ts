import { asBlock, blocks, isKubernetes, podContainers } from "./inspect";
import { IPolicyRule, PolicyFinding, SynthesizedElement } from "./rule";

/**
 * Every Kubernetes container and init container declares a CPU request, a memory request and a
 * memory limit, so the scheduler places pods on nodes that can hold them and a leaking process
 * is OOM-killed alone instead of starving its neighbours. A CPU limit is deliberately not
 * required: CPU is compressible, and a limit throttles JVM start-ups without protecting anyone.
 */
export class KubernetesResourcesRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "kubernetes-resources";
  public readonly id = KubernetesResourcesRule.ID;
  public readonly description = "Kubernetes containers set CPU and memory requests and a memory limit.";

  public check(element: SynthesizedElement): PolicyFinding[] {
    if (element.kind !== "resource" || !isKubernetes(element.type)) return [];
    const findings: PolicyFinding[] = [];
    for (const c of podContainers(element.config)) {
      const resources = blocks(c.container.resources)[0] ?? {};
      const requests = asBlock(resources.requests);
      const limits = asBlock(resources.limits);
      const missing = [requests.cpu ? undefined : "requests.cpu", requests.memory ? undefined : "requests.memory", limits.memory ? undefined : "limits.memory"].filter(
        (m): m is string => m !== undefined,
      );
      if (missing.length === 0) continue;
      findings.push({
        level: "error",
        message: `${element.type}.${element.name} ${c.at} ('${c.container.name ?? "?"}') sets no ${missing.join(", ")}.`,
        fix: "Give the container resources { requests = { cpu, memory }, limits = { memory } } (platform workloads: ContainerSpec.resources).",
      });
    }
    return findings;
  }
}
