import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { Construct } from "constructs";
import { KubernetesDisruptionBudgetRule } from "../../constructs";
import { check, policyStack } from "./helpers";

/** A Deployment of `replicas` pods labelled app=<app> in `namespace`. */
const web = (scope: Construct, id: string, replicas: number, app: string, namespace = "lakehouse") =>
  new DeploymentV1(scope, id, {
    metadata: { name: id.toLowerCase(), namespace },
    spec: {
      replicas: String(replicas),
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app, tier: "web" } }, spec: { container: [{ name: "main", image: "example/web:1" }] } },
    },
  });
const budget = (scope: Construct, id: string, matchLabels: Record<string, string>, namespace = "lakehouse") =>
  new PodDisruptionBudgetV1(scope, id, { metadata: { name: id.toLowerCase(), namespace }, spec: { maxUnavailable: "1", selector: { matchLabels } } });

describe("kubernetes-disruption-budget", () => {
  test("fails: replicas without a budget, with one for other pods, or with one in another namespace", () => {
    const stack = policyStack();
    web(stack, "Bare", 2, "bare");
    web(stack, "Other", 3, "other");
    budget(stack, "OtherBudget", { app: "someone-else" });
    web(stack, "Elsewhere", 2, "elsewhere");
    budget(stack, "ElsewhereBudget", { app: "elsewhere" }, "other-namespace");
    const f = check(stack, new KubernetesDisruptionBudgetRule());

    expect(f.errors).toEqual([
      expect.stringMatching(/^policy\/Bare: .*kubernetes_deployment_v1\.Bare runs 2 replicas in namespace 'lakehouse' and no PodDisruptionBudget selects its pods/),
      expect.stringMatching(/^policy\/Other: .*runs 3 replicas/),
      expect.stringMatching(/^policy\/Elsewhere: .*runs 2 replicas/),
    ]);
    expect(f.thrown).toMatch(/kubernetes-disruption-budget/);
  });

  test("passes: a budget selecting the pods (by a subset of their labels), and one replica needs none", () => {
    const stack = policyStack();
    web(stack, "Api", 2, "api");
    budget(stack, "ApiBudget", { app: "api" });
    web(stack, "Single", 1, "single");
    expect(check(stack, new KubernetesDisruptionBudgetRule())).toEqual({ errors: [], warnings: [], infos: [], thrown: undefined });
  });
});
