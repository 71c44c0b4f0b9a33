import { Testing } from "cdktf";
import { address, containerTargets, dataVolumes, KEPT_TYPES, keepDataDestroyArgs, keptSummary, TfState } from "../scripts/down";
import { environments, settingsFromEnv } from "../stacks/environments";
import { LakehouseStack } from "../stacks/lakehouse-stack";

/** The state a deploy of `config` leaves, reduced to what down reads (type, name, attributes.name). */
function stateAfterDeploy(config: any): TfState {
  return {
    resources: Object.entries<Record<string, any>>(config.resource).flatMap(([type, byName]) =>
      Object.entries(byName).map(([name, r]) => ({ mode: "managed" as const, type, name, instances: [{ attributes: typeof r.name === "string" ? { name: r.name } : {} }] })),
    ),
  };
}

describe("npm run down", () => {
  const [dev] = environments(settingsFromEnv({}));
  const config = JSON.parse(Testing.synth(new LakehouseStack(Testing.app(), dev), true));
  const state = stateAfterDeploy(config);

  test("--keep-data targets every container of the dev stack, services and jobs, and nothing else", () => {
    const targets = containerTargets(state);
    expect(targets).toEqual(
      Object.keys(config.resource.docker_container)
        .map((n) => `docker_container.${n}`)
        .sort(),
    );
    const names = Object.values<any>(config.resource.docker_container).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["lakehouse-dev-postgres", "lakehouse-dev-kafka", "lakehouse-dev-postgres-schema", "lakehouse-dev-dbt-build"]));
    expect(targets.every((t) => t.startsWith("docker_container."))).toBe(true);
  });

  test("every other resource of the dev stack holds data or identity, and none depends on a container", () => {
    // A destroy with -target also destroys what depends on the targets. If a new resource type
    // shows up here, decide whether --keep-data keeps it (KEPT_TYPES) or removes it (a target).
    const others = Object.keys(config.resource).filter((t) => t !== "docker_container");
    expect(others.sort()).toEqual([...KEPT_TYPES].sort());
    for (const type of others) {
      for (const [name, r] of Object.entries(config.resource[type])) {
        expect([`${type}.${name}`, JSON.stringify(r).includes("docker_container.")]).toEqual([`${type}.${name}`, false]);
      }
    }
    expect(keptSummary(state)).toMatch(
      /^8 docker_volume \(lakehouse-dev-alertmanager-data, lakehouse-dev-dagster-db-data, lakehouse-dev-iceberg-rest-metadata, lakehouse-dev-kafka-data, .*\), 1 docker_network \(lakehouse-dev\), \d+ docker_image, \d+ random_password, 1 random_id$/,
    );
  });

  test("a plain down names the volumes it deletes", () => {
    expect(dataVolumes(state)).toEqual(
      Object.values<any>(config.resource.docker_volume)
        .map((v) => v.name)
        .sort(),
    );
    expect(dataVolumes(state)).toContain("lakehouse-dev-postgres-data");
    expect(dataVolumes(state)).toContain("lakehouse-dev-kafka-data");
  });

  test("the targeted destroy command; never one without targets", () => {
    expect(keepDataDestroyArgs(["docker_container.a", "docker_container.b"])).toEqual(["destroy", "-auto-approve", "-input=false", "-target=docker_container.a", "-target=docker_container.b"]);
    expect(() => keepDataDestroyArgs([])).toThrow("no targets");
  });

  test("reads what exists: containers only in the state, modules, several instances; skips data sources", () => {
    const s: TfState = {
      resources: [
        { mode: "managed", type: "docker_container", name: "Old_1", instances: [{ attributes: { name: "lakehouse-dev-metabase" } }] },
        { mode: "managed", type: "docker_container", name: "Tm", module: "module.flink", instances: [{ attributes: { name: "tm-0" } }, { attributes: { name: "tm-1" } }] },
        { mode: "data", type: "docker_container", name: "Lookup" },
        { mode: "managed", type: "docker_volume", name: "V", instances: [{ attributes: { name: "vol-a" } }] },
      ],
    };
    expect(containerTargets(s)).toEqual(["docker_container.Old_1", "module.flink.docker_container.Tm"]);
    expect(address(s.resources![1])).toBe("module.flink.docker_container.Tm");
    expect(dataVolumes(s)).toEqual(["vol-a"]);
    expect(containerTargets({})).toEqual([]);
  });
});
