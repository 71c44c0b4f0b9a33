import { asBlock, blocks, isKubernetes, podContainers, podSpecs } from "./inspect";
import { IPolicyRule, PolicyFinding, SynthesizedElement, TerraformBlock } from "./rule";

/**
 * Every Kubernetes container and init container meets the restricted Pod Security Standard: it
 * runs as non-root (`run_as_non_root`, on the container or the pod), may not escalate privileges,
 * drops every capability (`drop = ["ALL"]`) and runs under the seccomp profile `RuntimeDefault`
 * (or a `Localhost` one), set on the container or the pod.
 *
 * A read-only root filesystem ({@link KubernetesReadOnlyRootRule}) and the service-account token
 * ({@link KubernetesServiceAccountTokenRule}) are rules of their own, so that a workload that
 * needs either is suppressed for that alone.
 */
export class KubernetesPodSecurityRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "kubernetes-pod-security";
  public readonly id = KubernetesPodSecurityRule.ID;
  public readonly description = "Kubernetes containers run as non-root, drop every capability and use seccomp RuntimeDefault.";

  public check(element: SynthesizedElement): PolicyFinding[] {
    if (element.kind !== "resource" || !isKubernetes(element.type)) return [];
    const address = `${element.type}.${element.name}`;
    const findings: PolicyFinding[] = [];
    for (const c of podContainers(element.config)) {
      const own = securityContext(c.container);
      const pod = securityContext(c.pod.spec);
      const missing = [
        (own.run_as_non_root ?? pod.run_as_non_root) === true ? undefined : "run_as_non_root = true",
        own.allow_privilege_escalation === false ? undefined : "allow_privilege_escalation = false",
        blocks<TerraformBlock>(own.capabilities).some((cap) => Array.isArray(cap.drop) && cap.drop.includes("ALL")) ? undefined : 'capabilities { drop = ["ALL"] }',
        (confined(own) ?? confined(pod)) ? undefined : 'seccomp_profile { type = "RuntimeDefault" }',
      ].filter((m): m is string => m !== undefined);
      if (missing.length === 0) continue;
      findings.push({
        level: "error",
        message: `${address} ${c.at} ('${c.container.name ?? "?"}') lacks ${missing.join(", ")}.`,
        fix: "Set them in the container's security_context (platform workloads get them; give ContainerSpec.runAsUser the image's numeric UID).",
      });
    }
    return findings;
  }
}

/**
 * No Kubernetes pod mounts a service-account token (`automount_service_account_token = false`):
 * a token in a pod that never calls the API only serves whoever breaks into it. A pod that does
 * call it (platform workloads with a `leaderElectionGroup`) is suppressed with the reason.
 */
export class KubernetesServiceAccountTokenRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "kubernetes-service-account-token";
  public readonly id = KubernetesServiceAccountTokenRule.ID;
  public readonly description = "Kubernetes pods mount no service-account token unless they call the Kubernetes API.";

  public check(element: SynthesizedElement): PolicyFinding[] {
    if (element.kind !== "resource" || !isKubernetes(element.type)) return [];
    return podSpecs(element.config)
      .filter((pod) => pod.spec.automount_service_account_token !== false)
      .map((pod) => ({
        level: "error",
        message: `${element.type}.${element.name} ${pod.at} mounts the service account's token (automount_service_account_token is not false).`,
        fix: "Set automount_service_account_token = false on the pod spec (platform workloads get it), or suppress with the reason the pod calls the Kubernetes API.",
      }));
  }
}

/**
 * Every Kubernetes container and init container has a read-only root filesystem: whoever gets
 * into a container cannot change its programs or configuration, and every place the software
 * writes is a declared volume (platform workloads: `ContainerSpec.writablePaths`, and `/tmp`).
 */
export class KubernetesReadOnlyRootRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "kubernetes-read-only-root";
  public readonly id = KubernetesReadOnlyRootRule.ID;
  public readonly description = "Kubernetes containers have a read-only root filesystem.";

  public check(element: SynthesizedElement): PolicyFinding[] {
    if (element.kind !== "resource" || !isKubernetes(element.type)) return [];
    return podContainers(element.config)
      .filter((c) => securityContext(c.container).read_only_root_filesystem !== true)
      .map((c) => ({
        level: "error",
        message: `${element.type}.${element.name} ${c.at} ('${c.container.name ?? "?"}') has a writable root filesystem.`,
        fix: "Set read_only_root_filesystem = true and mount an empty_dir where the software writes (platform workloads: ContainerSpec.writablePaths).",
      }));
  }
}

function securityContext(block: TerraformBlock): TerraformBlock {
  return asBlock(blocks(block.security_context)[0]);
}

/** Whether a security context names a seccomp profile that confines (not `Unconfined`); undefined when it names none. */
function confined(context: TerraformBlock): boolean | undefined {
  const type = asBlock(blocks(context.seccomp_profile)[0]).type;
  return type === undefined ? undefined : type === "RuntimeDefault" || type === "Localhost";
}
