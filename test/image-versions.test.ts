import { execFileSync } from "child_process";
import * as path from "path";
import { DEFAULT_IMAGES, ImageName, LOCAL_IMAGE_REGISTRY, mirrorImage } from "../constructs/images";

/**
 * The constructs' default image references (constructs/images.ts) and the local builds
 * (images/versions.env, tagged by scripts/images.sh) name the same versions: a version bumped in
 * one place only fails here, not at deploy with a missing image.
 */

const ROOT = path.join(__dirname, "..");

/** The tag of every image scripts/images.sh builds, by image directory, as `--print-tags` prints it. */
function localBuildTags(): Map<string, string> {
  const out = execFileSync("bash", [path.join(ROOT, "scripts/images.sh"), "--print-tags"], { encoding: "utf8" });
  return new Map(
    out
      .trim()
      .split("\n")
      .map((line) => line.trim().split(/\s+/) as [string, string]),
  );
}

/** The images/ directory that builds each default image; Metabase is not built locally. */
const BUILT_BY: Record<Exclude<ImageName, "metabase">, string> = {
  postgres: "postgres",
  kafka: "kafka",
  connect: "debezium-connect",
  minio: "minio",
  mc: "mc",
  icebergRest: "iceberg-rest",
  flink: "flink",
  trino: "trino",
  superset: "superset",
  dbtDagster: "dbt-dagster",
  node: "node",
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  postgresExporter: "postgres-exporter",
  freshnessProbe: "freshness-probe",
};

/**
 * Images tagged by their major version at build time and also by the exact version Debian ships
 * then (tag_full_version in scripts/images.sh): the default names an exact version whose leading
 * part is the built tag's major, and whose rest (the Debian suite) is the same.
 */
const TAGGED_BY_MAJOR: Partial<Record<ImageName, RegExp>> = {
  postgres: /^(\d+)\.\d+$/, // 17.12 -> 17
  node: /^(\d+)\.\d+\.\d+(-.+)$/, // 20.19.2-trixie-slim -> 20-trixie-slim
};

const tags = localBuildTags();

test("every locally built image has a default reference, and every default but Metabase is built", () => {
  expect(Object.keys(BUILT_BY).sort()).toEqual(
    Object.keys(DEFAULT_IMAGES)
      .filter((n) => n !== "metabase")
      .sort(),
  );
  expect([...tags.keys()].sort()).toEqual(Object.values(BUILT_BY).sort());
});

test.each(Object.entries(BUILT_BY) as [Exclude<ImageName, "metabase">, string][])("%s: the default reference is the tag images/%s builds", (name, dir) => {
  const expected = tags.get(dir);
  const mirrored = mirrorImage(DEFAULT_IMAGES[name], LOCAL_IMAGE_REGISTRY);
  const byMajor = TAGGED_BY_MAJOR[name];
  if (byMajor === undefined) {
    expect(mirrored).toBe(expected);
    return;
  }
  const [repository, version] = mirrored.split(/:(?=[^:]*$)/);
  const match = byMajor.exec(version);
  expect(match).not.toBeNull();
  expect(`${repository}:${match![1]}${match![2] ?? ""}`).toBe(expected);
});
