import { blocks, isExpression, isKubernetes, kubernetesKind, podContainers, podSpecs } from "./inspect";
import { IPolicyRule, PolicyFinding, SynthesizedElement, TerraformBlock } from "./rule";

/**
 * No port is published on all interfaces of the host: services of a dev stack are for the
 * machine they run on, and on a shared or cloud host a port on 0.0.0.0 is open to the network.
 *
 * - `docker_container`: every `ports` entry (with or without `external`: Docker picks a random
 *   host port when it is unset) must bind a loopback address (`127.0.0.0/8` or `::1`); the
 *   provider's default `ip` is `0.0.0.0`. `network_mode = "host"` and `publish_all_ports` are
 *   errors.
 * - Kubernetes: a container `host_port` (unless `host_ip` is loopback) and `host_network` are
 *   errors; Services of type NodePort or LoadBalancer are warnings (reachable from outside the
 *   cluster by design, so make sure that is intended).
 *
 * A bind address that is neither loopback nor all interfaces is a warning: it opens the port
 * on that network only.
 */
export class LoopbackHostPortsRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "loopback-host-ports";
  public readonly id = LoopbackHostPortsRule.ID;
  public readonly description = "Host ports bind to 127.0.0.1 (loopback), never to all interfaces.";

  public check(element: SynthesizedElement): PolicyFinding[] {
    if (element.kind !== "resource") return [];
    const address = `${element.type}.${element.name}`;
    if (element.type === "docker_container") return dockerFindings(address, element.config);
    if (isKubernetes(element.type)) return kubernetesFindings(address, element.type, element.config);
    return [];
  }
}

function dockerFindings(address: string, config: TerraformBlock): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  if (config.network_mode === "host") {
    findings.push({
      level: "error",
      message: `${address} uses network_mode "host": every port it listens on is open on all host interfaces.`,
      fix: 'Use a bridge network and publish the ports you need with ip = "127.0.0.1".',
    });
  }
  if (config.publish_all_ports === true) {
    findings.push({
      level: "error",
      message: `${address} sets publish_all_ports: Docker publishes every exposed port on 0.0.0.0.`,
      fix: 'Remove publish_all_ports and publish the ports you need with ip = "127.0.0.1".',
    });
  }
  blocks(config.ports).forEach((p, i) => {
    const where = `${address} ports[${i}] (internal ${p.internal}, external ${p.external ?? "random"})`;
    const finding = bindFinding(where, p.ip, 'Set ip = "127.0.0.1" on the port.');
    if (finding) findings.push(finding);
  });
  return findings;
}

function kubernetesFindings(address: string, type: string, config: TerraformBlock): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const pod of podSpecs(config)) {
    if (pod.spec.host_network === true) {
      findings.push({
        level: "error",
        message: `${address} ${pod.at}.host_network is true: the pod's ports are open on every interface of the node.`,
        fix: "Remove host_network; reach the pod through a ClusterIP Service or kubectl port-forward.",
      });
    }
  }
  for (const c of podContainers(config)) {
    blocks(c.container.port).forEach((p, i) => {
      if (p.host_port === undefined || p.host_port === null) return;
      const where = `${address} ${c.at}.port[${i}] (host_port ${p.host_port})`;
      const finding = bindFinding(where, p.host_ip, 'Remove host_port and use a ClusterIP Service or kubectl port-forward, or set host_ip = "127.0.0.1".');
      if (finding) findings.push(finding);
    });
  }
  if (kubernetesKind(type) === "service") {
    for (const spec of blocks(config.spec)) {
      if (spec.type === "NodePort" || spec.type === "LoadBalancer") {
        findings.push({
          level: "warning",
          message: `${address} is a ${spec.type} Service: it is reachable from outside the cluster.`,
          fix: "Use type ClusterIP unless outside access is intended (then suppress with the reason).",
        });
      }
    }
  }
  return findings;
}

/** A finding for a bind address that is not loopback, or undefined when it is. */
function bindFinding(where: string, ip: unknown, fix: string): PolicyFinding | undefined {
  if (typeof ip === "string" && isExpression(ip)) {
    return { level: "warning", message: `${where} binds to ${ip}, computed at plan time, so it cannot be checked.`, fix: "Bind a literal loopback address." };
  }
  if (typeof ip === "string" && isLoopback(ip)) return undefined;
  if (ip === undefined || ip === null || ip === "" || ip === "0.0.0.0" || ip === "::" || ip === "[::]") {
    return { level: "error", message: `${where} binds to all interfaces (${ip ? ip : "no ip, which means 0.0.0.0"}).`, fix };
  }
  return { level: "warning", message: `${where} binds to ${String(ip)}, which is not loopback: the port is open on that network.`, fix };
}

function isLoopback(ip: string): boolean {
  return /^127(\.\d{1,3}){3}$/.test(ip) || ip === "::1" || ip === "[::1]";
}
