import { Password } from "@cdktf/provider-random/lib/password";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { SecretSpec } from "./workload";

/**
 * The value of a platform secret. A random_password is generated once and kept in Terraform
 * state (re-applies do not rotate it); alphanumeric only, so it is safe in URLs, JDBC strings
 * and shell arguments. A supplied plain value replaces it; a supplied token (a sensitive
 * TerraformVariable that may be null) is preferred when set, else the generated one is used.
 */
export function secretValue(scope: Construct, id: string, spec: SecretSpec): string {
  if (spec.value !== undefined && !Token.isUnresolved(spec.value)) return spec.value;
  // min_numeric only when asked: adding it to existing secrets would replace (rotate) them.
  const generated = new Password(scope, id, { length: 32, special: false, ...(spec.minDigits ? { minNumeric: spec.minDigits } : {}) }).result;
  return spec.value === undefined ? generated : Fn.coalesce([spec.value, generated]);
}
