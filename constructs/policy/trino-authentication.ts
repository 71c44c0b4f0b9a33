import { asBlock } from "./inspect";
import { IPolicyRule, PolicyFinding, SynthesizedElement } from "./rule";

const CONFIG_MAP_TYPES = ["kubernetes_config_map_v1", "kubernetes_config_map"];

/**
 * A Trino coordinator on Kubernetes authenticates its clients: a ConfigMap entry that is a
 * Trino `config.properties` with `coordinator=true` also sets `http-server.authentication.type`.
 * Without it Trino takes the user name a client sends, so any pod that reaches it may read the
 * warehouse as anyone, or write it (`QueryEngineProps.authentication` turns it on: password
 * logins over HTTPS). The Docker stack is exempt: its network is the machine's own.
 */
export class TrinoAuthenticationRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "trino-authentication";
  public readonly id = TrinoAuthenticationRule.ID;
  public readonly description = "A Trino coordinator on Kubernetes authenticates its clients (http-server.authentication.type).";

  public check(element: SynthesizedElement): PolicyFinding[] {
    if (element.kind !== "resource" || !CONFIG_MAP_TYPES.includes(element.type)) return [];
    return Object.entries(asBlock(element.config.data))
      .filter(([key, value]) => /config\.properties$/.test(key) && typeof value === "string" && isOpenCoordinator(value))
      .map(([key]) => ({
        level: "error" as const,
        message: `${element.type}.${element.name} data.${key} configures a Trino coordinator without authentication: any pod that reaches it may query, or drop, the warehouse's tables as any user.`,
        fix: "Set QueryEngineProps.authentication (password logins over HTTPS), or suppress with the reason nothing but trusted clients can reach the coordinator.",
      }));
  }
}

function isOpenCoordinator(properties: string): boolean {
  const lines = properties.split("\n").map((l) => l.trim());
  return lines.includes("coordinator=true") && !lines.some((l) => l.startsWith("http-server.authentication.type="));
}
