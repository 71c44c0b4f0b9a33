import { IConstruct } from "constructs";

/** Construct metadata type under which suppressions are recorded. */
export const SUPPRESSION_METADATA_TYPE = "lakehouse:policy-suppression";

/** One recorded suppression. */
export interface PolicySuppression {
  /** Id of the suppressed rule, e.g. `image-pinned`. */
  readonly ruleId: string;
  /** Why the finding is acceptable here; required, and shown with every suppressed finding. */
  readonly reason: string;
}

/**
 * Reasoned exceptions to policy rules. A suppression on a construct covers its whole subtree,
 * so it can sit on a resource, a layer construct or a stack. The reason is mandatory: a
 * suppression without one is reported as an error and suppresses nothing. Suppressed findings
 * are still recorded, as info annotations carrying the reason.
 *
 * ```ts
 * PolicySuppressions.add(db, "image-pinned", "Throwaway test database; the tag follows upstream on purpose.");
 * ```
 */
export class PolicySuppressions {
  /** Suppress `ruleId` on `scope` and everything below it, for `reason`. */
  public static add(scope: IConstruct, ruleId: string, reason: string): void {
    scope.node.addMetadata(SUPPRESSION_METADATA_TYPE, { ruleId, reason } satisfies PolicySuppression);
  }

  /** Suppressions recorded on `scope` itself (not its ancestors). */
  public static of(scope: IConstruct): PolicySuppression[] {
    return scope.node.metadata.filter((m) => m.type === SUPPRESSION_METADATA_TYPE).map((m) => m.data as PolicySuppression);
  }

  /**
   * The suppression of `ruleId` that applies to `node` (on it or the nearest ancestor that has
   * one), ignoring suppressions without a reason.
   */
  public static find(node: IConstruct, ruleId: string): PolicySuppression | undefined {
    for (const scope of [...node.node.scopes].reverse()) {
      const hit = PolicySuppressions.of(scope).find((s) => s.ruleId === ruleId && PolicySuppressions.hasReason(s));
      if (hit) return hit;
    }
    return undefined;
  }

  /** Whether a suppression states a reason (not empty or blank). */
  public static hasReason(suppression: PolicySuppression): boolean {
    return typeof suppression.reason === "string" && suppression.reason.trim().length > 0;
  }

  private constructor() {}
}
