import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import { KubernetesPodSecurityRule, KubernetesReadOnlyRootRule, KubernetesServiceAccountTokenRule, PolicySuppressions } from "../../constructs";
import { check, deployment, policyStack } from "./helpers";

const RESTRICTED = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  runAsNonRoot: true,
  seccompProfile: { type: "RuntimeDefault" },
  readOnlyRootFilesystem: true,
};

describe("kubernetes-pod-security", () => {
  test("fails: containers that may run as root, escalate, keep capabilities or run unconfined", () => {
    const stack = policyStack();
    deployment(stack, "Defaults", {});
    deployment(stack, "Unconfined", { securityContext: { ...RESTRICTED, seccompProfile: { type: "Unconfined" }, capabilities: { drop: ["NET_RAW"] } } }, { automountServiceAccountToken: false });
    new JobV1(stack, "Job", {
      metadata: { name: "job" },
      spec: {
        template: {
          metadata: {},
          spec: {
            automountServiceAccountToken: false,
            // The pod's context covers non-root and seccomp; the container sets the rest.
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            initContainer: [{ name: "init", image: "example/init:1", securityContext: { allowPrivilegeEscalation: false } }],
            container: [{ name: "run", image: "example/job:1", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
          },
        },
      },
    });
    const f = check(stack, new KubernetesPodSecurityRule());

    expect(f.errors).toEqual([
      expect.stringMatching(
        /^policy\/Defaults: .*spec\.template\.spec\.container\[0\] \('main'\) lacks run_as_non_root = true, allow_privilege_escalation = false, capabilities \{ drop = \["ALL"\] \}, seccomp_profile \{ type = "RuntimeDefault" \}\./,
      ),
      expect.stringMatching(/^policy\/Unconfined: .*container\[0\] \('main'\) lacks capabilities \{ drop = \["ALL"\] \}, seccomp_profile/),
      expect.stringMatching(/^policy\/Job: .*kubernetes_job_v1\.Job spec\.template\.spec\.init_container\[0\] \('init'\) lacks capabilities \{ drop = \["ALL"\] \}\./),
    ]);
    expect(f.thrown).toMatch(/kubernetes-pod-security/);
  });

  test("passes: the restricted context on the container or partly on the pod", () => {
    const stack = policyStack();
    deployment(stack, "Container", { securityContext: RESTRICTED }, { automountServiceAccountToken: false });
    deployment(
      stack,
      "Pod",
      { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } },
      { automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, seccompProfile: { type: "Localhost", localhostProfile: "profiles/app.json" } } },
    );
    expect(check(stack, new KubernetesPodSecurityRule())).toEqual({ errors: [], warnings: [], infos: [], thrown: undefined });
  });
});

describe("kubernetes-service-account-token", () => {
  test("fails: a pod that mounts the token, by default or on purpose", () => {
    const stack = policyStack();
    deployment(stack, "Defaults", { securityContext: RESTRICTED });
    deployment(stack, "Mounted", { securityContext: RESTRICTED }, { automountServiceAccountToken: true });
    const f = check(stack, new KubernetesServiceAccountTokenRule());
    expect(f.errors).toEqual([
      expect.stringMatching(/^policy\/Defaults: .*kubernetes_deployment_v1\.Defaults spec\.template\.spec mounts the service account's token/),
      expect.stringMatching(/^policy\/Mounted: .*kubernetes_deployment_v1\.Mounted spec\.template\.spec mounts the service account's token/),
    ]);
    expect(f.thrown).toMatch(/kubernetes-service-account-token/);
  });

  test("passes: no token; a pod that calls the API passes with the reason suppressed, and the pod-security rule still checks it", () => {
    const stack = policyStack();
    deployment(stack, "Plain", { securityContext: RESTRICTED }, { automountServiceAccountToken: false });
    const leader = deployment(stack, "Leader", {}, { automountServiceAccountToken: true });
    PolicySuppressions.add(leader, KubernetesServiceAccountTokenRule.ID, "elects a leader through ConfigMaps");
    const f = check(stack, new KubernetesServiceAccountTokenRule());
    expect(f.errors).toEqual([]);
    expect(f.infos).toEqual([expect.stringMatching(/elects a leader through ConfigMaps/)]);
    expect(check(stack, new KubernetesPodSecurityRule()).errors).toEqual([expect.stringMatching(/^policy\/Leader: .*lacks run_as_non_root/)]);
  });
});

describe("kubernetes-read-only-root", () => {
  test("fails: a container whose root filesystem is writable, unset or false", () => {
    const stack = policyStack();
    deployment(stack, "Unset", {});
    deployment(stack, "Writable", { securityContext: { ...RESTRICTED, readOnlyRootFilesystem: false } }, { initContainer: [{ name: "init", image: "example/init:1", securityContext: RESTRICTED }] });
    const f = check(stack, new KubernetesReadOnlyRootRule());
    expect(f.errors).toEqual([
      expect.stringMatching(/^policy\/Unset: .*container\[0\] \('main'\) has a writable root filesystem\./),
      expect.stringMatching(/^policy\/Writable: .*spec\.template\.spec\.container\[0\] \('main'\) has a writable root filesystem\./),
    ]);
    expect(f.thrown).toMatch(/kubernetes-read-only-root/);
  });

  test("passes: read-only on every container", () => {
    const stack = policyStack();
    deployment(stack, "App", { securityContext: RESTRICTED }, { initContainer: [{ name: "init", image: "example/init:1", securityContext: RESTRICTED }] });
    expect(check(stack, new KubernetesReadOnlyRootRule())).toEqual({ errors: [], warnings: [], infos: [], thrown: undefined });
  });
});
