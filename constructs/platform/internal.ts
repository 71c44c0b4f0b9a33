import { ITerraformDependable, Token } from "cdktf";
import { ContainerSpec } from "./workload";

/** Helpers shared by the platform renderers; not part of the public API. */

/** The resources a workload must wait for, or undefined when there are none. */
export function dependables(spec: ContainerSpec): ITerraformDependable[] | undefined {
  const deps = (spec.dependsOn ?? []).flatMap((d) => d.dependables);
  return deps.length > 0 ? deps : undefined;
}

/** `warehouse-bucket` -> `WarehouseBucket`, for construct ids derived from names. */
export function pascal(name: string): string {
  return name.replace(/(^|[-_])([a-z0-9])/g, (_m, _s, c: string) => c.toUpperCase());
}

/**
 * A literal string for a Terraform argument: `${` and `%{` are escaped so that file contents
 * such as Trino's `${ENV:...}` or a script's `${var}` reach the workload unchanged. Values that
 * hold tokens (generated secrets) are left for Terraform to resolve.
 */
export function literal(value: string): string {
  // Not Fn.rawString: it also escapes newlines, which Terraform's JSON syntax would keep as "\\n".
  return Token.isUnresolved(value) ? value : value.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}
