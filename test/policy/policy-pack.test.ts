import { Container } from "@cdktf/provider-docker/lib/container";
import { App, Aspects, Testing, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ImagePinnedRule, LakehousePolicy, PolicyPack, PolicySuppressions, SensitiveCredentialOutputsRule } from "../../constructs";
import { check, policyStack } from "./helpers";

describe("PolicyPack and PolicySuppressions", () => {
  test("a suppression with a reason turns the finding into an info annotation carrying the reason, for the whole subtree", () => {
    const stack = policyStack();
    const team = new Construct(stack, "Team");
    new Container(team, "Tool", { name: "tool", image: "busybox" });
    new Container(stack, "Other", { name: "other", image: "alpine" });
    PolicySuppressions.add(team, "image-pinned", "Smoke-test tooling; it follows upstream on purpose.");
    const f = check(stack, new ImagePinnedRule());

    expect(f.infos).toEqual([
      expect.stringMatching(
        /^policy\/Team\/Tool: \[Test\/image-pinned\] suppressed \(Smoke-test tooling; it follows upstream on purpose\.\): docker_container\.Team_Tool_[0-9A-F]+ image 'busybox' has no tag/,
      ),
    ]);
    expect(f.errors).toEqual([expect.stringMatching(/^policy\/Other: .*'alpine' has no tag/)]);
  });

  test("a suppression without a reason is itself an error and suppresses nothing", () => {
    const stack = policyStack();
    const tool = new Container(stack, "Tool", { name: "tool", image: "busybox" });
    PolicySuppressions.add(tool, "image-pinned", "  ");
    const f = check(stack, new ImagePinnedRule());
    expect(f.errors).toEqual([
      expect.stringMatching(/^policy\/Tool: \[Test\/suppression-reason\] the suppression of rule 'image-pinned' has no reason, so it suppresses nothing\. Say why/),
      expect.stringMatching(/^policy\/Tool: \[Test\/image-pinned\] .*has no tag/),
    ]);
    expect(f.infos).toEqual([]);
  });

  test("a suppression only covers its own rule", () => {
    const stack = policyStack();
    const out = new TerraformOutput(stack, "admin_password", { value: "x" });
    PolicySuppressions.add(out, "image-pinned", "Not an image.");
    expect(check(stack, new ImagePinnedRule(), new SensitiveCredentialOutputsRule()).errors).toEqual([expect.stringMatching(/output 'admin_password' is not sensitive/)]);
  });

  test("findings are reported once even when the stack is synthesized again", () => {
    const stack = policyStack();
    new Container(stack, "Tool", { name: "tool", image: "busybox" });
    Aspects.of(stack).add(new PolicyPack("Again", [new ImagePinnedRule()]));
    expect(() => Testing.synth(stack, true)).toThrow(/image-pinned/);
    expect(() => Testing.synth(stack, true)).toThrow(/image-pinned/);
    const errors = stack.node.findAll().flatMap((n) => n.node.metadata.filter((m) => m.type === "@cdktf/error"));
    expect(errors).toHaveLength(1);
  });

  test("cdktf synth (App.synth) fails on an error finding, naming the path, rule and fix", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-synth-"));
    try {
      const app = new App({ outdir });
      const stack = new TerraformStack(app, "s");
      new TerraformOutput(stack, "api_token", { value: "x" });
      Aspects.of(stack).add(new LakehousePolicy());
      expect(() => app.synth()).toThrow(/\[s\/api_token\] \[LakehousePolicy\/sensitive-credential-outputs\] output 'api_token' is not sensitive.*sensitive: true/);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("rule ids are unique within a pack", () => {
    expect(() => new PolicyPack("Dup", [new ImagePinnedRule(), new ImagePinnedRule()])).toThrow("Dup: rule id 'image-pinned' is used by two rules; give each rule its own id");
  });

  test("LakehousePolicy runs the thirteen built-in rules plus any additional ones", () => {
    const custom = { id: "team-naming", description: "d", check: () => [] };
    expect(new LakehousePolicy({ additionalRules: [custom] }).rules.map((r) => r.id)).toEqual([
      "image-pinned",
      "loopback-host-ports",
      "sensitive-credential-outputs",
      "no-literal-credentials",
      "credential-files",
      "kubernetes-resources",
      "kubernetes-pod-security",
      "kubernetes-read-only-root",
      "kubernetes-service-account-token",
      "kubernetes-network-policy",
      "kubernetes-disruption-budget",
      "stateful-persistence",
      "trino-authentication",
      "team-naming",
    ]);
  });
});
