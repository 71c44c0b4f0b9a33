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

/**
 * Seconds as Go's time.Duration prints them ("45s", "1m30s", "2m0s", "1h0m0s"): the Docker
 * provider reads durations back in that form, so "120s" would show as a change on every plan.
 */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
