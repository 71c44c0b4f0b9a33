import { asBlock, blocks, isKubernetes, namespaceOf } from "./inspect";
import { IPolicyRule, IStackView, PolicyFinding, SynthesizedElement } from "./rule";

const WORKLOAD_TYPES = ["kubernetes_deployment_v1", "kubernetes_deployment", "kubernetes_stateful_set_v1", "kubernetes_stateful_set"];
const BUDGET_TYPES = ["kubernetes_pod_disruption_budget_v1", "kubernetes_pod_disruption_budget"];

/**
 * A Deployment or StatefulSet of more than one replica has a PodDisruptionBudget in its
 * namespace whose selector matches its pods: without one, a node drain may evict every replica
 * at once, and the replicas buy nothing. `KubernetesPlatform` gives each such service one
 * (`maxUnavailable: 1`).
 */
export class KubernetesDisruptionBudgetRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "kubernetes-disruption-budget";
  public readonly id = KubernetesDisruptionBudgetRule.ID;
  public readonly description = "Kubernetes workloads of more than one replica have a PodDisruptionBudget selecting their pods.";

  public check(element: SynthesizedElement, stack: IStackView): PolicyFinding[] {
    if (element.kind !== "resource" || !isKubernetes(element.type) || !WORKLOAD_TYPES.includes(element.type)) return [];
    const spec = asBlock(blocks(element.config.spec)[0]);
    const replicas = Number(spec.replicas ?? 1);
    if (!(replicas > 1)) return [];
    const namespace = namespaceOf(element.config);
    const podLabels = asBlock(asBlock(blocks(asBlock(blocks(spec.template)[0]).metadata)[0]).labels);
    const budgeted = BUDGET_TYPES.flatMap((t) => stack.resources(t)).some((b) => {
      if (namespaceOf(b.config) !== namespace) return false;
      const selector = asBlock(blocks(asBlock(blocks(b.config.spec)[0]).selector)[0]);
      const matchLabels = asBlock(blocks(selector.match_labels)[0] ?? selector.match_labels);
      const entries = Object.entries(matchLabels);
      return entries.length > 0 && blocks(selector.match_expressions).length === 0 && entries.every(([k, v]) => podLabels[k] === v);
    });
    if (budgeted) return [];
    return [
      {
        level: "error",
        message: `${element.type}.${element.name} runs ${replicas} replicas in namespace '${namespace}' and no PodDisruptionBudget selects its pods: a drain may evict them all at once.`,
        fix: "Deploy through KubernetesPlatform (a service with replicas gets one), or add a PodDisruptionBudget (e.g. max_unavailable = 1) whose match_labels select the pods.",
      },
    ];
  }
}
