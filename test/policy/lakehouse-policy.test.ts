import { Container } from "@cdktf/provider-docker/lib/container";
import { Testing, TerraformOutput } from "cdktf";
import { environments, settingsFromEnv } from "../../stacks/environments";
import { LakehouseStack } from "../../stacks/lakehouse-stack";

/** Policy annotations left on a stack after synthesis. */
function annotations(stack: LakehouseStack): string[] {
  return stack.node.findAll().flatMap((n) => n.node.metadata.filter((m) => m.type.startsWith("@cdktf/")).map((m) => `${m.type} ${n.node.path}: ${m.data}`));
}

describe("LakehousePolicy on the environment stacks", () => {
  // k8s-ha's Flink JobManagers and TaskManagers call the Kubernetes API (HA services): the one exception.
  test.each(environments(settingsFromEnv({})).map((e) => [e.name, e] as const))("%s passes every rule, suppressing only the token of pods that call the API", (name, env) => {
    const stack = new LakehouseStack(Testing.app(), env);
    Testing.synth(stack, true);
    const suppressed = (workload: string) =>
      expect.stringMatching(new RegExp(`^@cdktf/info k8s-ha/Lakehouse/StreamJob/${workload}: \\[LakehousePolicy/kubernetes-service-account-token\\] suppressed`));
    expect(annotations(stack)).toEqual(name === "k8s-ha" ? [suppressed("JobManager"), suppressed("TaskManager")] : []);
    const suppressions = stack.node.findAll().flatMap((n) => n.node.metadata.filter((m) => m.type === "lakehouse:policy-suppression").map((m) => [n.node.path, m.data.ruleId]));
    expect(suppressions).toEqual(
      name === "k8s-ha"
        ? [
            ["k8s-ha/Lakehouse/StreamJob/JobManager", "kubernetes-service-account-token"],
            ["k8s-ha/Lakehouse/StreamJob/TaskManager", "kubernetes-service-account-token"],
          ]
        : [],
    );
  });

  test("the stacks apply it by default: a regression fails synthesis", () => {
    const stack = new LakehouseStack(Testing.app(), environments(settingsFromEnv({}))[0]);
    const pg = stack.node.findAll().find((n) => n.node.path === "dev/Lakehouse/SourceDb/Resource") as Container;
    pg.addOverride("ports.0.ip", "0.0.0.0");
    new TerraformOutput(stack, "debug_cdc_password", { value: stack.lakehouse.source.cdcPassword.value });
    expect(() => Testing.synth(stack, true)).toThrow(
      /\[dev\/Lakehouse\/SourceDb\/Resource\] \[LakehousePolicy\/loopback-host-ports\][\s\S]*\[dev\/debug_cdc_password\] \[LakehousePolicy\/sensitive-credential-outputs\]/,
    );
  });
});
