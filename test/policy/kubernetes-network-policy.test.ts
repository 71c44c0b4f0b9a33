import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { Construct } from "constructs";
import { KubernetesNetworkPolicyRule } from "../../constructs";
import { check, deployment, policyStack } from "./helpers";

/** A NetworkPolicy in `namespace` (default: none set, i.e. `default`) with `spec`. */
const policy = (scope: Construct, id: string, spec: Record<string, any>, namespace?: string) => new NetworkPolicyV1(scope, id, { metadata: { name: id.toLowerCase(), namespace }, spec: spec as any });
/** A Deployment in `namespace`. */
const webIn = (scope: Construct, id: string, namespace: string) =>
  new DeploymentV1(scope, id, {
    metadata: { name: id.toLowerCase(), namespace },
    spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { container: [{ name: "main", image: "example/web:1" }] } } },
  });
const DEFAULT_DENY = { podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{ ports: [{ port: "53", protocol: "UDP" }] }] };

describe("kubernetes-network-policy", () => {
  test("fails: pods in a namespace without a default deny (none, one that selects some pods, one that lets out more than DNS), and a policy open to everyone", () => {
    const stack = policyStack();
    deployment(stack, "Unguarded", {});
    policy(stack, "Partial", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress", "Egress"] }, "partial");
    policy(stack, "Leaky", { ...DEFAULT_DENY, egress: [{ ports: [{ port: "53" }] }, { ports: [{ port: "443" }] }] }, "leaky");
    webIn(stack, "InPartial", "partial");
    webIn(stack, "InLeaky", "leaky");
    policy(stack, "Open", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] });
    const f = check(stack, new KubernetesNetworkPolicyRule());

    expect(f.errors).toEqual([
      expect.stringMatching(/^policy\/Unguarded: .*kubernetes_deployment_v1\.Unguarded runs pods in namespace 'default', which has no default-deny NetworkPolicy/),
      expect.stringMatching(/^policy\/InPartial: .*runs pods in namespace 'partial', which has no default-deny NetworkPolicy/),
      expect.stringMatching(/^policy\/InLeaky: .*runs pods in namespace 'leaky', which has no default-deny NetworkPolicy/),
      expect.stringMatching(/^policy\/Open: .*kubernetes_network_policy_v1\.Open: an ingress rule admits every source on every port, which undoes the namespace's default deny/),
      expect.stringMatching(/^policy\/Open: .*an egress rule lets out to every destination on every port/),
    ]);
    expect(f.thrown).toMatch(/kubernetes-network-policy/);
  });

  test("passes: a default deny in the pods' namespace, and allow rules that name their peers or ports", () => {
    const stack = policyStack();
    policy(stack, "Deny", DEFAULT_DENY);
    policy(stack, "Allow", {
      podSelector: { matchLabels: { app: "web" } },
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }] }],
      egress: [{ ports: [{ port: "443" }] }],
    });
    deployment(stack, "Web", {});
    expect(check(stack, new KubernetesNetworkPolicyRule())).toEqual({ errors: [], warnings: [], infos: [], thrown: undefined });
  });
});
