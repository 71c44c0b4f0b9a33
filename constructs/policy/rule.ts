import { DefaultTokenResolver, StringConcat, TerraformElement, TerraformOutput, TerraformResource, TerraformStack, TerraformVariable, Tokenization } from "cdktf";

/** How bad a finding is: an error fails synthesis, a warning is printed. */
export type PolicyLevel = "error" | "warning";

/** One problem a rule found in one synthesized element. */
export interface PolicyFinding {
  /** `error` fails synthesis; `warning` is reported and synthesis goes on. */
  readonly level: PolicyLevel;
  /** What is wrong, naming the offending attribute and value. */
  readonly message: string;
  /** What to change so the rule passes. */
  readonly fix: string;
}

/**
 * A block of synthesized Terraform JSON: attribute name to value. Values are `unknown` because
 * the JSON has no schema here; rules narrow what they read (`typeof`, `Array.isArray`).
 */
export interface TerraformBlock {
  readonly [attribute: string]: unknown;
}

/**
 * One Terraform element (resource, output or variable) as it is written to the synthesized
 * JSON: snake_case attributes, tokens resolved to Terraform expressions such as
 * `${docker_image.X.image_id}`.
 */
export interface SynthesizedElement {
  /** The top-level block the element is written under. */
  readonly kind: "resource" | "output" | "variable";
  /** Resource type (e.g. `docker_container`); `output` or `variable` for those kinds. */
  readonly type: string;
  /** Logical id: the name in the Terraform address (`docker_container.<name>`, `output.<name>`). */
  readonly name: string;
  /** Construct path, e.g. `dev/Lakehouse/SourceDb/Resource`. */
  readonly path: string;
  /** The element's JSON body, without cdktf's `//` metadata. */
  readonly config: TerraformBlock;
}

/** Read access to the other elements of the stack, for rules that follow references. */
export interface IStackView {
  /** Every resource of a type. */
  resources(type: string): SynthesizedElement[];
  /** The resource `type.name`, if the stack has it. */
  resource(type: string, name: string): SynthesizedElement | undefined;
  /** The variable with this logical id, if the stack has it. */
  variable(name: string): SynthesizedElement | undefined;
}

/**
 * A policy rule: a pure check of one synthesized element. Rules never change the tree; a
 * {@link PolicyPack} runs them as an Aspect, applies suppressions and reports findings through
 * Annotations.
 */
export interface IPolicyRule {
  /** Stable id, used in messages and in {@link PolicySuppressions.add}. */
  readonly id: string;
  /** One sentence: what the rule enforces and why. */
  readonly description: string;
  /** Findings for `element`; an empty list when it complies or the rule does not apply to it. */
  check(element: SynthesizedElement, stack: IStackView): PolicyFinding[];
}

const RESOLVER = new DefaultTokenResolver(new StringConcat());

/** The element as it will be synthesized, or undefined for elements no rule looks at (providers, backends, locals, data sources). */
export function synthesizedElement(element: TerraformElement): SynthesizedElement | undefined {
  let kind: SynthesizedElement["kind"];
  if (TerraformResource.isTerraformResource(element)) kind = "resource";
  else if (TerraformOutput.isTerraformOutput(element)) kind = "output";
  else if (element instanceof TerraformVariable) kind = "variable";
  else return undefined;
  const stack = TerraformStack.of(element);
  const json = Tokenization.resolve(element.toTerraform(), { scope: stack, preparing: false, resolver: RESOLVER });
  const block = json?.[kind];
  if (!block) return undefined; // a resource moved away (`moveTo`) is not written
  if (kind === "resource") {
    const [type] = Object.keys(block);
    const [name] = Object.keys(block[type]);
    return { kind, type, name, path: element.node.path, config: withoutMetadata(block[type][name]) };
  }
  const [name] = Object.keys(block);
  return { kind, type: kind, name, path: element.node.path, config: withoutMetadata(block[name]) };
}

function withoutMetadata(config: TerraformBlock | undefined): TerraformBlock {
  const { ["//"]: _metadata, ...rest } = config ?? {};
  return rest;
}

/** A view of every element of a stack, resolved on demand. */
export class StackView implements IStackView {
  private cache?: SynthesizedElement[];

  constructor(private readonly stack: TerraformStack) {}

  public resources(type: string): SynthesizedElement[] {
    return this.all().filter((e) => e.kind === "resource" && e.type === type);
  }

  public resource(type: string, name: string): SynthesizedElement | undefined {
    return this.resources(type).find((e) => e.name === name);
  }

  public variable(name: string): SynthesizedElement | undefined {
    return this.all().find((e) => e.kind === "variable" && e.name === name);
  }

  private all(): SynthesizedElement[] {
    if (!this.cache) {
      this.cache = this.stack.node
        .findAll()
        .filter(TerraformElement.isTerraformElement)
        .filter((e) => TerraformStack.of(e) === this.stack)
        .map(synthesizedElement)
        .filter((e): e is SynthesizedElement => e !== undefined);
    }
    return this.cache;
  }
}
