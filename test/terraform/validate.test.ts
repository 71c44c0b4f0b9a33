import { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { App, TerraformStack } from "cdktf";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadToolchain, StackValidationError, Toolchain, validateAll, validateStack } from "../../scripts/lib/terraform";

/** A minimal docker stack; `breakIt` may damage the container before synth. */
function dockerStack(app: App, name: string, breakIt?: (c: Container) => void): void {
  const stack = new TerraformStack(app, name);
  new DockerProvider(stack, "docker", { host: "unix:///var/run/docker.sock" });
  const image = new Image(stack, "image", { name: "busybox:1.36", keepLocally: true });
  const c = new Container(stack, "web", {
    name: `${name}-web`,
    image: image.imageId,
    command: ["sleep", "3600"],
    ports: [{ internal: 8080, external: 18080, ip: "127.0.0.1" }],
    env: ["A=1"],
  });
  breakIt?.(c);
}

describe("Terraform validity (tofu validate with the pinned provider builds)", () => {
  let tc: Toolchain;
  let outdir: string;

  beforeAll(() => {
    tc = loadToolchain({ build: "always" });
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-validate-"));
    const app = new App({ outdir });
    dockerStack(app, "good");
    dockerStack(app, "unknown-attr", (c) => c.addOverride("bogus_attribute", "x"));
    dockerStack(app, "wrong-type", (c) => c.addOverride("ports.0.internal", "not-a-number"));
    app.synth();
  });

  afterAll(() => {
    if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
  });

  test("a correct docker stack passes", () => {
    const r = validateStack(path.join(outdir, "stacks", "good"), tc);
    expect(r.stack).toBe("good");
    expect(r.output).toMatch(/Success! The configuration is valid/);
  });

  test("an unknown attribute fails, naming the stack and the attribute", () => {
    let err: unknown;
    try {
      validateStack(path.join(outdir, "stacks", "unknown-attr"), tc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StackValidationError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^stack "unknown-attr": validate failed/);
    expect(msg).toContain("bogus_attribute");
    expect(msg).toMatch(/No argument or block type is named "bogus_attribute"/);
  });

  test("a wrongly typed attribute fails, naming the stack and the attribute", () => {
    expect(() => validateStack(path.join(outdir, "stacks", "wrong-type"), tc)).toThrow(/stack "wrong-type": validate failed[\s\S]*Inappropriate value for attribute "internal": a number is required/);
  });

  test("validateAll reports every failing stack, not only the first", () => {
    const logs: string[] = [];
    expect(() => validateAll(outdir, tc, [], (s) => logs.push(s))).toThrow(/2 of 3 stack\(s\) failed/);
    expect(logs.join("\n")).toMatch(/good: ok/);
  });
});
