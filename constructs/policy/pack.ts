import { Annotations, IAspect, TerraformElement, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { IPolicyRule, PolicyFinding, StackView, synthesizedElement } from "./rule";
import { PolicySuppressions } from "./suppressions";

/** Id under which a suppression without a reason is reported. */
export const SUPPRESSION_RULE_ID = "suppression-reason";

/**
 * Runs policy rules over every Terraform resource, output and variable below the scope it is
 * added to (`Aspects.of(stack).add(pack)`), and reports what they find:
 *
 * - errors through `Annotations.addError` and a node validation, so both `cdktf synth` and
 *   `Testing.synth(stack, true)` fail, naming the construct path, rule, problem and fix;
 * - warnings through `Annotations.addWarning`;
 * - suppressed findings (see {@link PolicySuppressions}) as info annotations with the reason.
 *
 * Safe to run several times over the same tree (each finding is reported once).
 */
export class PolicyPack implements IAspect {
  /** The rules, in reporting order. */
  public readonly rules: readonly IPolicyRule[];
  private views = new WeakMap<TerraformStack, { size: number; view: StackView }>();

  constructor(
    /** Name shown in every message, e.g. `LakehousePolicy`. */
    public readonly name: string,
    rules: IPolicyRule[],
  ) {
    const ids = new Set<string>();
    for (const rule of rules) {
      if (ids.has(rule.id)) throw new Error(`${name}: rule id '${rule.id}' is used by two rules; give each rule its own id`);
      ids.add(rule.id);
    }
    this.rules = [...rules];
  }

  public visit(node: IConstruct): void {
    if (node instanceof TerraformStack) this.views.delete(node);
    this.checkSuppressionReasons(node);
    if (!TerraformElement.isTerraformElement(node)) return;
    const element = synthesizedElement(node);
    if (!element) return;
    const view = this.stackView(TerraformStack.of(node));
    for (const rule of this.rules) {
      for (const finding of rule.check(element, view)) this.report(node, rule.id, finding);
    }
  }

  private checkSuppressionReasons(node: IConstruct): void {
    for (const s of PolicySuppressions.of(node)) {
      if (PolicySuppressions.hasReason(s)) continue;
      this.report(node, SUPPRESSION_RULE_ID, {
        level: "error",
        message: `the suppression of rule '${s.ruleId}' has no reason, so it suppresses nothing.`,
        fix: `Say why the finding is acceptable here: PolicySuppressions.add(scope, "${s.ruleId}", "<reason>").`,
      });
    }
  }

  private report(node: IConstruct, ruleId: string, finding: PolicyFinding): void {
    const suppression = ruleId === SUPPRESSION_RULE_ID ? undefined : PolicySuppressions.find(node, ruleId);
    const text = `[${this.name}/${ruleId}] ${finding.message} ${finding.fix}`;
    const key = `${suppression ? "info" : finding.level}:${text}`;
    let seen = REPORTED.get(node);
    if (!seen) REPORTED.set(node, (seen = new Set()));
    if (seen.has(key)) return;
    seen.add(key);

    if (suppression) {
      Annotations.of(node).addInfo(`[${this.name}/${ruleId}] suppressed (${suppression.reason}): ${finding.message}`);
    } else if (finding.level === "warning") {
      Annotations.of(node).addWarning(text);
    } else {
      Annotations.of(node).addError(text);
      // Annotations alone fail `cdktf synth` but not Testing.synth(stack, true), which only runs validations.
      node.node.addValidation({ validate: () => [text] });
    }
  }

  /** One resolved view per stack and pass; rebuilt when the tree grew since. */
  private stackView(stack: TerraformStack): StackView {
    const size = stack.node.findAll().length;
    const cached = this.views.get(stack);
    if (cached && cached.size === size) return cached.view;
    const view = new StackView(stack);
    this.views.set(stack, { size, view });
    return view;
  }
}

/** Findings already reported per construct, across packs and passes. */
const REPORTED = new WeakMap<IConstruct, Set<string>>();
