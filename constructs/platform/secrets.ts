import { Password } from "@cdktf/provider-random/lib/password";
import { Fn, IResolveContext, Lazy, Op, TerraformResource, Token } from "cdktf";
import { Construct } from "constructs";
import { ValidationError } from "../validation";
import { SecretSpec } from "./workload";

/**
 * The value of a platform secret. A random_password is generated once and kept in Terraform
 * state (re-applies do not rotate it); alphanumeric only, so it is safe in URLs, JDBC strings
 * and shell arguments. A supplied plain value replaces it; a supplied token (a sensitive
 * TerraformVariable that may be null) is preferred when set, else the generated one is used.
 * With `generate: false` the supplied value is used as it is.
 */
export function secretValue(scope: Construct, id: string, spec: SecretSpec): string {
  if (spec.generate === false) {
    if (spec.value === undefined) throw new Error(`secret '${spec.name}': generate is false, so a value must be supplied`);
    return spec.value;
  }
  if (spec.value !== undefined && !Token.isUnresolved(spec.value)) return spec.value;
  // min_numeric only when asked: adding it to existing secrets would replace (rotate) them.
  const generated = new Password(scope, id, { length: 32, special: false, ...(spec.minDigits ? { minNumeric: spec.minDigits } : {}) }).result;
  return spec.value === undefined ? generated : Fn.coalesce([spec.value, generated]);
}

/** Where a required credential comes from, for its error message. */
export interface SuppliedSecret {
  /** The construct that needs it, e.g. `SourceDb.fromExisting`. */
  readonly construct: string;
  /** Its prop, e.g. `adminPassword`. */
  readonly prop: string;
  /** The supplied value: a plain string, or a token such as a sensitive TerraformVariable's. */
  readonly value: string | undefined;
  /** What the credential must be, e.g. `the password of adminUser on the existing server`. */
  readonly meaning: string;
}

/**
 * A credential the stack cannot generate (see `SecretSpec.generate`) must be supplied and
 * non-empty. A plain value is checked at synth. A token (a Terraform variable) is known only at
 * plan: a `terraform_data` precondition fails the plan, before anything is applied, with a
 * message naming the variable, instead of letting the empty value reach a login at apply.
 */
export function requireSuppliedSecret(scope: Construct, id: string, secret: SuppliedSecret): void {
  const { construct, prop, value, meaning } = secret;
  if (value === undefined || (!Token.isUnresolved(value) && value === "")) {
    throw new ValidationError(construct, prop, "must be supplied: it is never generated", value ?? null, `Set ${prop} to ${meaning}, e.g. a sensitive TerraformVariable's value.`);
  }
  if (!Token.isUnresolved(value)) return;
  const check = new TerraformResource(scope, id, { terraformResourceType: "terraform_data" });
  check.lifecycle = {
    precondition: [
      {
        // try(): length(null) is an error, and && does not short-circuit. `>= 1`, not `> 0`: cdktf
        // renders a 0 operand of Op as `undefined`.
        condition: Op.gte(Fn.try([Fn.lengthOf(value), 0]), 1),
        errorMessage: Lazy.stringValue({ produce: (context: IResolveContext) => nullSecretMessage(secret, context.resolve(value)) }),
      },
    ],
  };
}

/** The plan's error for a null or empty token, naming the expression (and TF_VAR_ of a variable). */
function nullSecretMessage({ construct, prop, meaning }: SuppliedSecret, resolved: unknown): string {
  const expression = typeof resolved === "string" ? /^\$\{([^${}%]+)\}$/.exec(resolved)?.[1] : undefined;
  const variable = expression === undefined ? undefined : /^var\.([A-Za-z0-9_-]+)$/.exec(expression)?.[1];
  const source = expression === undefined ? "" : ` (${expression})`;
  const how = variable === undefined ? `Give ${prop} ${meaning}` : `Set the variable ${variable} (e.g. TF_VAR_${variable}) to ${meaning}`;
  return `${construct}: ${prop}${source} is null or empty, and it is never generated. ${how}.`;
}
