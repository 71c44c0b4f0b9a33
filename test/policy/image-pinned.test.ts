import { Container } from "@cdktf/provider-docker/lib/container";
import { TerraformVariable } from "cdktf";
import { ImagePinnedRule } from "../../constructs";
import { check, deployment, dockerService, policyStack } from "./helpers";

describe("image-pinned", () => {
  test("fails: an image without a tag, ':latest', in Docker and Kubernetes", () => {
    const stack = policyStack();
    dockerService(stack, "NoTag", "registry.example:5000/team/db");
    dockerService(stack, "Latest", "postgres:latest");
    new Container(stack, "Literal", { name: "literal", image: "busybox" });
    deployment(stack, "App", { image: "example/app" }, { initContainer: [{ name: "init", image: "example/init:latest" }] });
    const f = check(stack, new ImagePinnedRule());

    expect(f.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^policy\/NoTagImage: \[Test\/image-pinned\] docker_image\.NoTagImage name 'registry\.example:5000\/team\/db' has no tag, so it means ':latest'.*Pin a version tag or digest/,
        ),
        expect.stringMatching(/^policy\/LatestImage: .*'postgres:latest' uses the moving tag ':latest'/),
        expect.stringMatching(/^policy\/Literal: .*docker_container\.Literal image 'busybox' has no tag/),
        expect.stringMatching(/^policy\/App: .*kubernetes_deployment_v1\.App spec\.template\.spec\.container\[0\]\.image 'example\/app' has no tag/),
        expect.stringMatching(/^policy\/App: .*init_container\[0\]\.image 'example\/init:latest' uses the moving tag/),
      ]),
    );
    expect(f.errors).toHaveLength(5);
    expect(f.thrown).toMatch(/Validation failed[\s\S]*image-pinned/);
  });

  test("passes: version tags (also behind a registry port) and digests; container references to a docker_image are checked on the image", () => {
    const stack = policyStack();
    dockerService(stack, "Tagged", "registry.example:5000/team/db:17.12");
    dockerService(stack, "Digest", `example/app@sha256:${"a".repeat(64)}`);
    new Container(stack, "Literal", { name: "literal", image: "busybox:1.36" });
    deployment(stack, "App", { image: "example/app:2.1.0" });
    const f = check(stack, new ImagePinnedRule());
    expect(f).toEqual({ errors: [], warnings: [], infos: [], thrown: undefined });
  });

  test("warns: an image computed at plan time cannot be checked", () => {
    const stack = policyStack();
    const image = new TerraformVariable(stack, "image", { type: "string" });
    deployment(stack, "App", { image: image.stringValue });
    const f = check(stack, new ImagePinnedRule());
    expect(f.errors).toEqual([]);
    expect(f.warnings).toEqual([expect.stringMatching(/container\[0\]\.image is computed at plan time \(\$\{var\.image\}\)/)]);
  });
});
