import { IPolicyRule, IStackView, PolicyFinding, SynthesizedElement } from "./rule";

/** Output names that announce a credential. */
const CREDENTIAL_NAME = /password|passwd|secret|token|credential|private_?key|api_?key/i;

/** Values that Terraform treats as secret. */
const SECRET_SOURCES: { pattern: RegExp; what: string }[] = [
  { pattern: /\brandom_password\.[A-Za-z0-9_-]+/, what: "a random_password" },
  { pattern: /\bkubernetes_secret(_v1)?\.[A-Za-z0-9_-]+/, what: "a Kubernetes Secret" },
  { pattern: /\bsensitive\(/, what: "a value marked sensitive()" },
];

/**
 * Every output that carries a credential is `sensitive`, so `cdktf deploy`, `tofu plan` and CI
 * logs print `<sensitive>` instead of the value. An output carries a credential when its name
 * says so (password, secret, token, credential, private key, API key) or its value refers to a
 * random_password, a Kubernetes Secret, a sensitive variable or a `sensitive()` value.
 */
export class SensitiveCredentialOutputsRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "sensitive-credential-outputs";
  public readonly id = SensitiveCredentialOutputsRule.ID;
  public readonly description = "Outputs that carry credentials are marked sensitive.";

  public check(element: SynthesizedElement, stack: IStackView): PolicyFinding[] {
    if (element.kind !== "output" || element.config.sensitive === true) return [];
    const reasons: string[] = [];
    if (CREDENTIAL_NAME.test(element.name)) reasons.push("its name names a credential");
    const value = JSON.stringify(element.config.value ?? null);
    for (const s of SECRET_SOURCES) {
      const m = s.pattern.exec(value);
      if (m) reasons.push(`its value comes from ${s.what} (${m[0]})`);
    }
    for (const m of value.matchAll(/\bvar\.([A-Za-z0-9_-]+)/g)) {
      if (stack.variable(m[1])?.config.sensitive === true) reasons.push(`its value comes from the sensitive variable ${m[1]}`);
    }
    if (reasons.length === 0) return [];
    return [
      {
        level: "error",
        message: `output '${element.name}' is not sensitive, but ${reasons.join(" and ")}.`,
        fix: "Create it with sensitive: true (new TerraformOutput(scope, id, { value, sensitive: true })).",
      },
    ];
  }
}
