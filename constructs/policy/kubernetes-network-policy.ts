import { asBlock, blocks, isKubernetes, namespaceOf, podSpecs } from "./inspect";
import { IPolicyRule, IStackView, PolicyFinding, SynthesizedElement, TerraformBlock } from "./rule";

const POLICY_TYPES = ["kubernetes_network_policy_v1", "kubernetes_network_policy"];
const DNS_PORT = "53";

/**
 * Kubernetes pods talk only over the flows the stack declares:
 * - every pod runs in a namespace with a default-deny NetworkPolicy: one that selects every pod
 *   (`pod_selector {}`), has both policy types `Ingress` and `Egress`, admits nothing and lets
 *   out nothing but DNS (port 53);
 * - no NetworkPolicy opens a rule to every peer on every port (an ingress rule without `from`
 *   and `ports`, an egress rule without `to` and `ports`), which would undo the default deny.
 *
 * Platform workloads get both from `KubernetesPlatform` (its `networkPolicies`, on by default),
 * with one allow rule per declared flow (`ContainerSpec.connectsTo`). The policies bind only
 * where the cluster enforces them.
 */
export class KubernetesNetworkPolicyRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "kubernetes-network-policy";
  public readonly id = KubernetesNetworkPolicyRule.ID;
  public readonly description = "Kubernetes pods run in a namespace that denies all traffic by default, and no NetworkPolicy allows every peer on every port.";

  public check(element: SynthesizedElement, stack: IStackView): PolicyFinding[] {
    if (element.kind !== "resource" || !isKubernetes(element.type)) return [];
    const address = `${element.type}.${element.name}`;
    if (POLICY_TYPES.includes(element.type)) return openRules(address, asBlock(blocks(element.config.spec)[0]));
    if (podSpecs(element.config).length === 0) return [];
    const namespace = namespaceOf(element.config);
    const denied = POLICY_TYPES.flatMap((t) => stack.resources(t)).some((p) => namespaceOf(p.config) === namespace && isDefaultDeny(asBlock(blocks(p.config.spec)[0])));
    if (denied) return [];
    return [
      {
        level: "error",
        message: `${address} runs pods in namespace '${namespace}', which has no default-deny NetworkPolicy (every pod selected, Ingress and Egress, nothing allowed but DNS).`,
        fix: "Deploy through KubernetesPlatform (networkPolicies, on by default), or add such a policy and one allow policy per flow; suppress only with the reason the cluster isolates the namespace otherwise.",
      },
    ];
  }
}

function isDefaultDeny(spec: TerraformBlock): boolean {
  const selector = asBlock(blocks(spec.pod_selector)[0]);
  const selectsAll = blocks(selector.match_labels).every((l) => Object.keys(asBlock(l)).length === 0) && blocks(selector.match_expressions).length === 0;
  const types = blocks<string>(spec.policy_types);
  const dnsOnly = blocks(spec.egress).every((rule) => {
    const ports = blocks(asBlock(rule).ports);
    return ports.length > 0 && ports.every((p) => String(asBlock(p).port) === DNS_PORT);
  });
  return selectsAll && types.includes("Ingress") && types.includes("Egress") && blocks(spec.ingress).length === 0 && dnsOnly;
}

function openRules(address: string, spec: TerraformBlock): PolicyFinding[] {
  const open = (rules: unknown, peers: string) => blocks(rules).some((r) => blocks(asBlock(r)[peers]).length === 0 && blocks(asBlock(r).ports).length === 0);
  return [
    ...(open(spec.ingress, "from") ? ["an ingress rule admits every source on every port"] : []),
    ...(open(spec.egress, "to") ? ["an egress rule lets out to every destination on every port"] : []),
  ].map((what) => ({
    level: "error" as const,
    message: `${address}: ${what}, which undoes the namespace's default deny.`,
    fix: "Name the peers (pod_selector, namespace_selector or ip_block) or the ports the flow needs.",
  }));
}
