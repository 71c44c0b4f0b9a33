import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import { KubernetesResourcesRule } from "../../constructs";
import { check, deployment, policyStack } from "./helpers";

describe("kubernetes-resources", () => {
  test("fails: containers and init containers without requests or a memory limit", () => {
    const stack = policyStack();
    deployment(stack, "NoResources", { resources: undefined });
    deployment(
      stack,
      "NoLimit",
      { resources: { requests: { cpu: "100m", memory: "64Mi" } } },
      {
        initContainer: [{ name: "init", image: "example/init:1", resources: { limits: { memory: "64Mi" } } }],
      },
    );
    new JobV1(stack, "Job", {
      metadata: { name: "job" },
      spec: { template: { metadata: {}, spec: { container: [{ name: "run", image: "example/job:1" }] } } },
    });
    const f = check(stack, new KubernetesResourcesRule());

    expect(f.errors).toEqual([
      expect.stringMatching(/^policy\/NoResources: .*kubernetes_deployment_v1\.NoResources spec\.template\.spec\.container\[0\] \('main'\) sets no requests\.cpu, requests\.memory, limits\.memory\./),
      expect.stringMatching(/^policy\/NoLimit: .*init_container\[0\] \('init'\) sets no requests\.cpu, requests\.memory\./),
      expect.stringMatching(/^policy\/NoLimit: .*container\[0\] \('main'\) sets no limits\.memory\./),
      expect.stringMatching(/^policy\/Job: .*kubernetes_job_v1\.Job spec\.template\.spec\.container\[0\] \('run'\) sets no requests\.cpu, requests\.memory, limits\.memory/),
    ]);
    expect(f.thrown).toMatch(/kubernetes-resources/);
  });

  test("passes: CPU and memory requests and a memory limit (no CPU limit needed)", () => {
    const stack = policyStack();
    deployment(stack, "App", {});
    expect(check(stack, new KubernetesResourcesRule())).toEqual({ errors: [], warnings: [], infos: [], thrown: undefined });
  });
});
