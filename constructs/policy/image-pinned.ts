import { blocks, isExpression, isKubernetes, parseImage, podContainers, reference } from "./inspect";
import { IPolicyRule, PolicyFinding, SynthesizedElement } from "./rule";

/**
 * Every image is pinned by a tag other than `latest` or by a digest, so a re-apply or a node
 * restart runs the image that was reviewed, not whatever the registry serves today.
 *
 * Checks `docker_image.name`, `docker_registry_image.name`, literal `docker_container.image`
 * (a reference to a `docker_image` is checked on the image) and every container and init
 * container of Kubernetes workloads. An image computed at plan time cannot be checked and is
 * reported as a warning.
 */
export class ImagePinnedRule implements IPolicyRule {
  /** Rule id. */
  public static readonly ID = "image-pinned";
  public readonly id = ImagePinnedRule.ID;
  public readonly description = "Images are pinned by a tag other than latest, or by digest.";

  public check(element: SynthesizedElement): PolicyFinding[] {
    if (element.kind !== "resource") return [];
    const images: { at: string; ref: unknown }[] = [];
    if (element.type === "docker_image" || element.type === "docker_registry_image") {
      images.push({ at: "name", ref: element.config.name });
    } else if (element.type === "docker_container") {
      // A reference to a docker_image (its image_id, name or digest) is checked on that image.
      if (reference(element.config.image)?.type !== "docker_image") images.push({ at: "image", ref: element.config.image });
    } else if (isKubernetes(element.type)) {
      for (const c of podContainers(element.config)) images.push({ at: `${c.at}.image`, ref: c.container.image });
    }
    return images.flatMap(({ at, ref }) => checkImage(`${element.type}.${element.name}`, at, ref));
  }
}

function checkImage(address: string, at: string, ref: unknown): PolicyFinding[] {
  if (ref === undefined || ref === null) return []; // e.g. a Kubernetes container patched in later
  if (typeof ref !== "string" || isExpression(ref)) {
    return [
      {
        level: "warning",
        message: `${address} ${at} is computed at plan time (${blocks(ref).join(", ")}), so its tag cannot be checked.`,
        fix: "Pass a literal image reference with a version tag or digest.",
      },
    ];
  }
  const image = parseImage(ref);
  if (image.digest) return [];
  if (image.tag === undefined) {
    return [
      {
        level: "error",
        message: `${address} ${at} '${ref}' has no tag, so it means ':latest' and changes whenever the registry's latest does.`,
        fix: `Pin a version tag or digest, e.g. '${ref}:<version>' or '${ref}@sha256:<digest>'.`,
      },
    ];
  }
  if (image.tag === "latest") {
    return [
      {
        level: "error",
        message: `${address} ${at} '${ref}' uses the moving tag ':latest'.`,
        fix: "Pin a version tag or a digest.",
      },
    ];
  }
  return [];
}
