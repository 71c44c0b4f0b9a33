import { CredentialFilesRule } from "./credential-files";
import { ImagePinnedRule } from "./image-pinned";
import { KubernetesDisruptionBudgetRule } from "./kubernetes-disruption-budget";
import { KubernetesNetworkPolicyRule } from "./kubernetes-network-policy";
import { KubernetesPodSecurityRule, KubernetesReadOnlyRootRule, KubernetesServiceAccountTokenRule } from "./kubernetes-pod-security";
import { KubernetesResourcesRule } from "./kubernetes-resources";
import { LoopbackHostPortsRule } from "./loopback-host-ports";
import { NoLiteralCredentialsRule } from "./no-literal-credentials";
import { PolicyPack } from "./pack";
import { IPolicyRule } from "./rule";
import { SensitiveCredentialOutputsRule } from "./sensitive-credential-outputs";
import { StatefulPersistenceRule } from "./stateful-persistence";
import { TrinoAuthenticationRule } from "./trino-authentication";

/** Options of {@link LakehousePolicy}. */
export interface LakehousePolicyProps {
  /**
   * Rules to run in addition to the built-in ones, e.g. a team's own naming rule.
   * @default []
   */
  readonly additionalRules?: IPolicyRule[];
}

/**
 * The platform team's rules for lakehouse stacks, as one Aspect:
 *
 * | id | rule |
 * |---|---|
 * | `image-pinned` | {@link ImagePinnedRule} |
 * | `loopback-host-ports` | {@link LoopbackHostPortsRule} |
 * | `sensitive-credential-outputs` | {@link SensitiveCredentialOutputsRule} |
 * | `no-literal-credentials` | {@link NoLiteralCredentialsRule} |
 * | `credential-files` | {@link CredentialFilesRule} |
 * | `kubernetes-resources` | {@link KubernetesResourcesRule} |
 * | `kubernetes-pod-security` | {@link KubernetesPodSecurityRule} |
 * | `kubernetes-read-only-root` | {@link KubernetesReadOnlyRootRule} |
 * | `kubernetes-service-account-token` | {@link KubernetesServiceAccountTokenRule} |
 * | `kubernetes-network-policy` | {@link KubernetesNetworkPolicyRule} |
 * | `kubernetes-disruption-budget` | {@link KubernetesDisruptionBudgetRule} |
 * | `stateful-persistence` | {@link StatefulPersistenceRule} |
 * | `trino-authentication` | {@link TrinoAuthenticationRule} |
 *
 * ```ts
 * Aspects.of(stack).add(new LakehousePolicy());
 * PolicySuppressions.add(someConstruct, "image-pinned", "why this is fine here");
 * ```
 */
export class LakehousePolicy extends PolicyPack {
  /** Fresh instances of the built-in rules. */
  public static rules(): IPolicyRule[] {
    return [
      new ImagePinnedRule(),
      new LoopbackHostPortsRule(),
      new SensitiveCredentialOutputsRule(),
      new NoLiteralCredentialsRule(),
      new CredentialFilesRule(),
      new KubernetesResourcesRule(),
      new KubernetesPodSecurityRule(),
      new KubernetesReadOnlyRootRule(),
      new KubernetesServiceAccountTokenRule(),
      new KubernetesNetworkPolicyRule(),
      new KubernetesDisruptionBudgetRule(),
      new StatefulPersistenceRule(),
      new TrinoAuthenticationRule(),
    ];
  }

  constructor(props: LakehousePolicyProps = {}) {
    super("LakehousePolicy", [...LakehousePolicy.rules(), ...(props.additionalRules ?? [])]);
  }
}
