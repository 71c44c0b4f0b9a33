import { Password } from "@cdktf/provider-random/lib/password";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Fn, TerraformOutput, TerraformVariable } from "cdktf";
import { SensitiveCredentialOutputsRule } from "../../constructs";
import { check, policyStack } from "./helpers";

describe("sensitive-credential-outputs", () => {
  test("fails: outputs named like credentials or carrying a random_password, a Secret or a sensitive variable, not marked sensitive", () => {
    const stack = policyStack();
    const pw = new Password(stack, "Pw", { length: 32 });
    const token = new TerraformVariable(stack, "api_token_in", { type: "string", sensitive: true });
    const secret = new SecretV1(stack, "Secret", { metadata: { name: "s" }, data: { k: "v" } });
    new TerraformOutput(stack, "db_password", { value: "set-elsewhere" });
    new TerraformOutput(stack, "connection_url", { value: `postgresql://app:${pw.result}@db:5432/app` });
    new TerraformOutput(stack, "token_echo", { value: token.stringValue });
    new TerraformOutput(stack, "secret_data", { value: Fn.lookup(secret.data, "k", "") });
    const f = check(stack, new SensitiveCredentialOutputsRule());

    expect(f.errors).toEqual([
      "policy/db_password: [Test/sensitive-credential-outputs] output 'db_password' is not sensitive, but its name names a credential. Create it with sensitive: true (new TerraformOutput(scope, id, { value, sensitive: true })).",
      expect.stringMatching(/^policy\/connection_url: .*its value comes from a random_password \(random_password\.Pw\)/),
      expect.stringMatching(/^policy\/token_echo: .*its name names a credential and its value comes from the sensitive variable api_token_in/),
      expect.stringMatching(/^policy\/secret_data: .*its name names a credential and its value comes from a Kubernetes Secret \(kubernetes_secret_v1\.Secret\)/),
    ]);
    expect(f.thrown).toMatch(/sensitive-credential-outputs/);
  });

  test("passes: credential outputs marked sensitive; plain outputs, also from non-sensitive variables", () => {
    const stack = policyStack();
    const pw = new Password(stack, "Pw", { length: 32 });
    const host = new TerraformVariable(stack, "host", { type: "string" });
    new TerraformOutput(stack, "db_password", { value: pw.result, sensitive: true });
    new TerraformOutput(stack, "db_host", { value: host.stringValue });
    new TerraformOutput(stack, "s3_access_key_id", { value: "lakehouse" });
    expect(check(stack, new SensitiveCredentialOutputsRule())).toEqual({ errors: [], warnings: [], infos: [], thrown: undefined });
  });
});
